"""Neural-network ATen ops: contractions, convolution, normalizations,
pooling, losses."""

from .. import dtypes
from .context import LoweringError, Pending
from .reductions import Indices
from .registry import lowers


class Statistic(Pending):
    """The saved mean / inverse std of a normalization, which only autograd
    reads; tcc's autodiff recomputes what it needs."""

    def __init__(self, op):
        self.op = op

    def misuse(self):
        raise LoweringError(f"the saved statistics of {self.op} are used; "
                            "tcc's normalization ops do not return them")


# -- contractions ----------------------------------------------------------------

def _matmul_operand(v):
    """A transpose of the last two dimensions folds into the matmul's
    transpose flag (Linear's weight.t())."""
    op = v.op
    if op is not None and op.kind == "transpose":
        perm, r = op.info["perm"], v.rank
        if r >= 2 and perm == list(range(r - 2)) + [r - 1, r - 2]:
            return op.operands[0], True
    return v, False


def _matmul(ctx, a, b, hint=None):
    a, b = ctx.value(a), ctx.value(b)
    if not (dtypes.is_float(a.dtype) and a.dtype == b.dtype):
        raise LoweringError(f"matmul of {a.dtype} and {b.dtype} (tcc multiplies "
                            "floats of one type)")
    (a, ta), (b, tb) = _matmul_operand(a), _matmul_operand(b)
    return ctx.b.matmul(a, b, ta, tb, hint)


@lowers("aten.mm.default", "aten.bmm.default")
def mm(ctx, a, b):
    return _matmul(ctx, a, b, ctx.hint)


@lowers("aten.matmul.default")
def matmul(ctx, a, b):
    a, b = ctx.value(a), ctx.value(b)
    if a.rank == 1:
        a = ctx.b.reshape(a, (1,) + a.shape)
    if b.rank == 1:
        b = ctx.b.reshape(b, b.shape + (1,))
    return ctx.b.reshape(_matmul(ctx, a, b), ctx.out_shape, ctx.hint)


@lowers("aten.mv.default", "aten.dot.default")
def mv(ctx, a, v):
    """Matrix-vector and vector-vector products as matmuls of a column."""
    a, v = ctx.value(a), ctx.value(v)
    if a.rank == 1:
        a = ctx.b.reshape(a, (1,) + a.shape)
    column = ctx.b.reshape(v, v.shape + (1,))
    return ctx.b.reshape(_matmul(ctx, a, column), ctx.out_shape, ctx.hint)


@lowers("aten.addmm.default")
def addmm(ctx, bias, a, b, beta=1, alpha=1):
    """beta * bias + alpha * (a @ b): nn.Linear on 2-D inputs."""
    bb = ctx.b
    y = _matmul(ctx, a, b)
    if alpha != 1:
        y = bb.binary("mul", y, bb.splat(alpha, y.shape, y.dtype))
    bias = ctx.tensor(bias, y.dtype, y.shape)
    if beta != 1:
        bias = bb.binary("mul", bias, bb.splat(beta, y.shape, y.dtype))
    return bb.binary("add", y, bias, ctx.hint)


@lowers("aten.convolution.default")
def convolution(ctx, x, w, bias, stride, padding, dilation, transposed,
                output_padding, groups):
    x, w = ctx.value(x), ctx.value(w)
    if transposed:
        raise LoweringError("transposed convolution has no tcc equivalent")
    if x.rank != 4:
        raise LoweringError(f"{x.rank - 2}-d convolution (tcc has conv2d)")
    bias = ctx.value(bias) if bias is not None else None
    ph, pw = padding
    return ctx.b.conv2d(x, w, bias, stride, [ph, ph, pw, pw], dilation, groups,
                        ctx.out_shape, ctx.hint)


# -- normalizations --------------------------------------------------------------

def _affine(ctx, v, shape, dtype, fill):
    return ctx.value(v) if v is not None else ctx.b.splat(fill, shape, dtype)


def _batch_norm(ctx, x, w, b, mean, var, training, momentum, eps):
    x = ctx.value(x)
    if x.rank < 2:
        raise LoweringError("batch_norm of a tensor of rank < 2")
    c = (x.shape[1],)
    has_stats = mean is not None and var is not None
    if not has_stats:
        # No running statistics: PyTorch normalizes by the batch's, as tcc's
        # training mode does; the statistics tcc would update are dropped.
        training = True
    w, b = _affine(ctx, w, c, x.dtype, 1.0), _affine(ctx, b, c, x.dtype, 0.0)
    rm = ctx.value(mean) if has_stats else ctx.b.splat(0.0, c, x.dtype)
    rv = ctx.value(var) if has_stats else ctx.b.splat(1.0, c, x.dtype)
    y, new_mean, new_var = ctx.b.batch_norm(x, w, b, rm, rv, eps, momentum,
                                            bool(training), ctx.hint)
    if training and has_stats:
        # PyTorch updates the running statistics in place.
        ctx.write_state(rm, new_mean, "running mean of batch_norm")
        ctx.write_state(rv, new_var, "running variance of batch_norm")
    return y, Statistic("batch_norm"), Statistic("batch_norm")


@lowers("aten.native_batch_norm.default", "aten._native_batch_norm_legit.default")
def native_batch_norm(ctx, x, w, b, mean, var, training, momentum, eps):
    return _batch_norm(ctx, x, w, b, mean, var, training, momentum, eps)


@lowers("aten._native_batch_norm_legit.no_stats")
def batch_norm_no_stats(ctx, x, w, b, training, momentum, eps):
    return _batch_norm(ctx, x, w, b, None, None, training, momentum, eps)


@lowers("aten._native_batch_norm_legit_no_training.default")
def batch_norm_inference(ctx, x, w, b, mean, var, momentum, eps):
    return _batch_norm(ctx, x, w, b, mean, var, False, momentum, eps)


@lowers("aten.native_layer_norm.default")
def native_layer_norm(ctx, x, normalized_shape, w, b, eps):
    x = ctx.value(x)
    shape = tuple(normalized_shape)
    w = _affine(ctx, w, shape, x.dtype, 1.0)
    b = _affine(ctx, b, shape, x.dtype, 0.0)
    y = ctx.b.layer_norm(x, w, b, eps, ctx.hint)
    return y, Statistic("layer_norm"), Statistic("layer_norm")


# -- pooling ---------------------------------------------------------------------

def _pair(v, default=None):
    if v is None or (isinstance(v, (list, tuple)) and len(v) == 0):
        return default
    if isinstance(v, int):
        return [v, v]
    return list(v) * 2 if len(v) == 1 else list(v)


def _pool(ctx, kind, x, attrs):
    """tcc pools NCHW; an unbatched CHW input is pooled as a batch of one."""
    x = ctx.value(x)
    if x.rank not in (3, 4):
        raise LoweringError(f"2-d pooling of a rank-{x.rank} tensor")
    shape = ctx.out_shape
    if x.rank == 3:
        x = ctx.b.reshape(x, (1,) + x.shape)
        y = ctx.b.pool2d(kind, x, attrs, (1,) + tuple(shape))
        return ctx.b.reshape(y, shape, ctx.hint)
    return ctx.b.pool2d(kind, x, attrs, shape, ctx.hint)


def _padding(padding):
    ph, pw = _pair(padding, [0, 0])
    return [ph, ph, pw, pw]


@lowers("aten.max_pool2d_with_indices.default")
def max_pool2d_with_indices(ctx, x, kernel, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    return max_pool2d(ctx, x, kernel, stride, padding, dilation, ceil_mode), \
        Indices("max_pool2d")


@lowers("aten.max_pool2d.default")
def max_pool2d(ctx, x, kernel, stride=(), padding=0, dilation=1, ceil_mode=False):
    k = _pair(kernel)
    return _pool(ctx, "max_pool2d", x, [
        ("kernel_size", k), ("stride", _pair(stride, k)),
        ("padding", _padding(padding)), ("dilation", _pair(dilation, [1, 1])),
        ("ceil_mode", bool(ceil_mode))])


@lowers("aten.avg_pool2d.default")
def avg_pool2d(ctx, x, kernel, stride=(), padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if divisor_override is not None:
        raise LoweringError("avg_pool2d with divisor_override")
    k = _pair(kernel)
    return _pool(ctx, "avg_pool2d", x, [
        ("kernel_size", k), ("stride", _pair(stride, k)),
        ("padding", _padding(padding)), ("ceil_mode", bool(ceil_mode)),
        ("count_include_pad", bool(count_include_pad))])


@lowers("aten._adaptive_avg_pool2d.default", "aten.adaptive_avg_pool2d.default")
def adaptive_avg_pool2d(ctx, x, output_size):
    """An average pool with equal windows when the output size divides the
    input's; PyTorch's uneven windows have no tcc equivalent."""
    x = ctx.value(x)
    h, w = x.shape[-2:]
    oh, ow = _pair(output_size)
    if oh == 0 or ow == 0 or h % oh or w % ow:
        raise LoweringError(f"adaptive average pooling from {h}x{w} to {oh}x{ow}: "
                            "tcc supports output sizes that divide the input's")
    k = [h // oh, w // ow]
    return _pool(ctx, "avg_pool2d", x, [("kernel_size", k), ("stride", k),
                                        ("count_include_pad", True)])


# -- losses ----------------------------------------------------------------------

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


@lowers("aten.nll_loss_forward.default")
def nll_loss_forward(ctx, logp, target, weight, reduction, ignore_index):
    """nll_loss(log_softmax(logits, 1), labels) is F.cross_entropy, which tcc
    has as one op; other log-probabilities are picked by a one-hot mask."""
    logp, target = ctx.value(logp), ctx.value(target, "target")
    if weight is not None:
        raise LoweringError("class weights in nll_loss/cross_entropy")
    if logp.rank != 2:
        raise LoweringError(f"nll_loss of rank-{logp.rank} input (tcc takes [N, C])")
    total = Statistic("nll_loss")
    op = logp.op
    if (_REDUCTIONS[reduction] == "mean" and op is not None
            and op.kind == "log_softmax" and op.info["dim"] == 1):
        return ctx.b.cross_entropy(op.operands[0], target, ignore_index, 0.0,
                                   ctx.hint), total
    b = ctx.b
    n, c = logp.shape
    classes = b.iota(1, (n, c), target.dtype)
    onehot = b.compare("eq", classes, b.broadcast_in_dim(target, [0], (n, c)))
    picked = b.reduce("sum", b.select(onehot, logp, b.splat(0.0, (n, c), logp.dtype)),
                      [1], False)
    valid = b.compare("ne", target, b.splat(ignore_index, (n,), target.dtype))
    losses = b.select(valid, b.unary("neg", picked), b.splat(0.0, (n,), logp.dtype))
    kind = _REDUCTIONS[reduction]
    if kind == "none":
        return losses, total
    loss = b.reduce("sum", losses, [0], False)
    if kind == "sum":
        return loss, total
    count = b.reduce("sum", b.cast(valid, logp.dtype), [0], False)
    return b.binary("div", loss, count, ctx.hint), total


@lowers("aten.mse_loss.default")
def mse_loss(ctx, x, target, reduction=1):
    dt = ctx.result_type(x, target)
    x, target = ctx.operands(x, target, dtype=dt)
    kind = _REDUCTIONS[reduction]
    if kind == "mean":
        return ctx.b.mse_loss(x, target, ctx.hint)
    d = ctx.b.binary("sub", x, target)
    sq = ctx.b.binary("mul", d, d, ctx.hint if kind == "none" else None)
    if kind == "none":
        return sq
    return ctx.b.reduce("sum", sq, list(range(sq.rank)), False, ctx.hint)
