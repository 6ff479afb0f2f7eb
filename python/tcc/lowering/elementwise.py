"""Elementwise ATen ops: arithmetic with PyTorch's type promotion and
broadcasting made explicit, comparisons, selection, activations, casts.

In-place variants (`add_`, `relu_`) reach these through the importer,
which gives the result the mutated tensor's identity."""

from .. import dtypes
from .context import LoweringError
from .random import KeepMask, dropout_product
from .registry import lowers


def _arith(ctx, kind, a, b):
    dt = ctx.out_dtype
    if dt == "i1":
        raise LoweringError(f"{kind} of bool tensors has no tcc equivalent; "
                            "convert them first (x.int())")
    a, b = ctx.operands(a, b, dtype=dt)
    return ctx.b.binary(kind, a, b, ctx.hint)


def _scaled(ctx, b, alpha):
    """alpha * b, as PyTorch's `alpha=` argument of add and sub."""
    if alpha == 1:
        return b
    if isinstance(b, (bool, int, float)):
        return b * alpha
    dt = ctx.out_dtype
    return ctx.b.binary("mul", ctx.b.cast(b, dt), ctx.b.splat(alpha, b.shape, dt))


@lowers("aten.add.Tensor", "aten.add.Scalar")
def add(ctx, a, b, alpha=1):
    return _arith(ctx, "add", a, _scaled(ctx, b, alpha))


@lowers("aten.sub.Tensor", "aten.sub.Scalar")
def sub(ctx, a, b, alpha=1):
    return _arith(ctx, "sub", a, _scaled(ctx, b, alpha))


@lowers("aten.rsub.Scalar", "aten.rsub.Tensor")
def rsub(ctx, a, b, alpha=1):
    return _arith(ctx, "sub", b, _scaled(ctx, a, alpha))


@lowers("aten.mul.Tensor", "aten.mul.Scalar")
def mul(ctx, a, b):
    product = dropout_product(ctx, a, b)
    if product is not None:
        return product
    return _arith(ctx, "mul", a, b)


@lowers("aten.div.Tensor", "aten.div.Scalar")
def div(ctx, a, b):
    if isinstance(a, KeepMask) and isinstance(b, (int, float)):
        return a.scaled(1 / b)  # dropout's mask / (1 - p)
    return _arith(ctx, "div", a, b)


@lowers("aten.div.Tensor_mode", "aten.div.Scalar_mode")
def div_mode(ctx, a, b, rounding_mode=None):
    if rounding_mode is None:
        return _arith(ctx, "div", a, b)
    if rounding_mode == "trunc" and ctx.out_dtype in dtypes.INT_TYPES:
        return _arith(ctx, "div", a, b)  # tcc's integer division truncates
    raise LoweringError(f"division with rounding_mode='{rounding_mode}' on "
                        f"{ctx.out_dtype} has no tcc equivalent")


@lowers("aten.maximum.default")
def maximum(ctx, a, b):
    return _arith(ctx, "max", a, b)


@lowers("aten.minimum.default")
def minimum(ctx, a, b):
    return _arith(ctx, "min", a, b)


@lowers("aten.clamp.default", "aten.clamp_min.default", "aten.clamp_max.default",
        "aten.hardtanh.default")
def clamp(ctx, x, lo=None, hi=None):
    name = str(ctx.node.target)
    if "clamp_max" in name:
        lo, hi = None, lo
    if "hardtanh" in name:
        lo = -1.0 if lo is None else lo
        hi = 1.0 if hi is None else hi
    dt = ctx.out_dtype
    y = ctx.b.cast(ctx.value(x), dt)
    if lo is not None:
        y = ctx.b.binary("max", y, ctx.tensor(lo, dt, y.shape), ctx.hint)
    if hi is not None:
        y = ctx.b.binary("min", y, ctx.tensor(hi, dt, y.shape), ctx.hint)
    return y


# PyTorch evaluates these exponents with cheaper exact forms
# (aten/src/ATen/native/Pow.cpp); doing the same keeps results bit-close
# and keeps negative bases right (x^2 of -3 is 9, not exp(2 log -3)).
@lowers("aten.pow.Tensor_Scalar")
def pow_scalar(ctx, x, exponent):
    dt = ctx.out_dtype
    x = ctx.b.cast(ctx.value(x), dt)
    b = ctx.b
    if exponent == 1:
        return x
    if exponent == 2:
        return b.binary("mul", x, x, ctx.hint)
    if exponent == 3:
        return b.binary("mul", b.binary("mul", x, x), x, ctx.hint)
    if dtypes.is_float(dt):
        if exponent == 0.5:
            return b.unary("sqrt", x, ctx.hint)
        if exponent == -0.5:
            return b.unary("rsqrt", x, ctx.hint)
        if exponent == -1:
            return b.binary("div", b.splat(1.0, x.shape, dt), x, ctx.hint)
        if exponent == -2:
            return b.binary("div", b.splat(1.0, x.shape, dt),
                            b.binary("mul", x, x), ctx.hint)
    return b.binary("pow", x, b.splat(exponent, x.shape, dt), ctx.hint)


@lowers("aten.pow.Tensor_Tensor", "aten.pow.Scalar")
def pow_tensor(ctx, a, b):
    return _arith(ctx, "pow", a, b)


# -- unary ---------------------------------------------------------------------

def _unary(kind):
    def lower(ctx, x):
        dt = ctx.out_dtype
        return ctx.b.unary(kind, ctx.b.cast(ctx.value(x), dt), ctx.hint)
    return lower


for _kind in ["neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid",
              "relu", "silu", "erf"]:
    lowers(f"aten.{_kind}.default")(_unary(_kind))


@lowers("aten.gelu.default")
def gelu(ctx, x, approximate="none"):
    return ctx.b.gelu(ctx.value(x), approximate, ctx.hint)


@lowers("aten.reciprocal.default")
def reciprocal(ctx, x):
    return _arith(ctx, "div", 1.0, x)


@lowers("aten.leaky_relu.default")
def leaky_relu(ctx, x, negative_slope=0.01):
    x = ctx.value(x)
    b = ctx.b
    zero = b.splat(0, x.shape, x.dtype)
    scaled = b.binary("mul", x, b.splat(negative_slope, x.shape, x.dtype))
    return b.select(b.compare("gt", x, zero), x, scaled, ctx.hint)


# -- comparisons and selection -------------------------------------------------

def _compare(direction):
    def lower(ctx, a, b):
        dt = ctx.result_type(a, b)
        a, b = ctx.operands(a, b, dtype=dt)
        return ctx.b.compare(direction, a, b, ctx.hint)
    return lower


for _dir in ["eq", "ne", "lt", "le", "gt", "ge"]:
    lowers(f"aten.{_dir}.Tensor", f"aten.{_dir}.Scalar")(_compare(_dir))


def _bool(ctx, v):
    v = ctx.value(v)
    if v.dtype != "i1":
        raise LoweringError(f"logical ops on {v.dtype} tensors have no tcc "
                            "equivalent; compare with 0 first (x != 0)")
    return v


@lowers("aten.logical_not.default", "aten.bitwise_not.default")
def logical_not(ctx, x):
    x = _bool(ctx, x)
    return ctx.b.compare("eq", x, ctx.b.splat(False, x.shape, "i1"), ctx.hint)


@lowers("aten.logical_and.default", "aten.bitwise_and.Tensor")
def logical_and(ctx, a, b):
    shape = ctx.broadcast_shape(a, b)
    a, b = (ctx.b.broadcast(_bool(ctx, v), shape) for v in (a, b))
    return ctx.b.select(a, b, ctx.b.splat(False, shape, "i1"), ctx.hint)


@lowers("aten.logical_or.default", "aten.bitwise_or.Tensor")
def logical_or(ctx, a, b):
    shape = ctx.broadcast_shape(a, b)
    a, b = (ctx.b.broadcast(_bool(ctx, v), shape) for v in (a, b))
    return ctx.b.select(a, ctx.b.splat(True, shape, "i1"), b, ctx.hint)


@lowers("aten.where.self", "aten.where.ScalarSelf", "aten.where.ScalarOther",
        "aten.where.Scalar")
def where(ctx, cond, a, b):
    cond = ctx.value(cond, "condition")
    dt = ctx.out_dtype
    shape = ctx.broadcast_shape(cond, a, b)
    a, b = ctx.tensor(a, dt, shape), ctx.tensor(b, dt, shape)
    return ctx.b.select(ctx.b.broadcast(cond, shape), a, b, ctx.hint)


@lowers("aten.masked_fill.Scalar", "aten.masked_fill.Tensor")
def masked_fill(ctx, x, mask, value):
    x = ctx.value(x)
    mask = ctx.value(mask, "mask")
    if isinstance(value, type(x)) and value.rank != 0:
        raise LoweringError("masked_fill with a value tensor that is not 0-d")
    fill = ctx.tensor(value, x.dtype, x.shape)
    return ctx.b.select(ctx.b.broadcast(mask, x.shape), fill, x, ctx.hint)


# -- conversions and in-place writes -------------------------------------------

@lowers("aten._to_copy.default")
def to_copy(ctx, x, **kwargs):
    return ctx.b.cast(ctx.value(x), ctx.out_dtype, ctx.hint)


# The written tensor may be a Pending one (torch.empty(...).fill_(v)), so
# the shape and dtype come from what PyTorch produced.
@lowers("aten.copy_.default", "aten.copy.default")
def copy(ctx, dst, src, non_blocking=False):
    return ctx.tensor(src, ctx.out_dtype, ctx.out_shape)


@lowers("aten.fill_.Scalar", "aten.fill.Scalar")
def fill(ctx, x, value):
    return ctx.b.splat(value, ctx.out_shape, ctx.out_dtype, ctx.hint)


@lowers("aten.zero_.default", "aten.zero.default")
def zero(ctx, x):
    return ctx.b.splat(0, ctx.out_shape, ctx.out_dtype, ctx.hint)
