"""Tensors made inside forward: constants, ranges and triangular masks.

make_fx records torch.ones(T, T).tril() or torch.arange(T) as ops rather
than data, so they become structure (splat constants, iotas, comparisons)
instead of dense literals the size of the mask."""

from .. import dtypes
from .context import LoweringError, Pending
from .registry import lowers


class Uninitialized(Pending):
    """torch.empty / empty_like: usable only once something writes it."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype

    def misuse(self):
        raise LoweringError("the values of a torch.empty tensor are read before "
                            "anything writes them")


def _splat(ctx, value):
    return ctx.b.splat(value, ctx.out_shape, ctx.out_dtype, ctx.hint)


@lowers("aten.ones.default", "aten.ones_like.default", "aten.new_ones.default")
def ones(ctx, *args, **kwargs):
    return _splat(ctx, 1)


@lowers("aten.zeros.default", "aten.zeros_like.default", "aten.new_zeros.default")
def zeros(ctx, *args, **kwargs):
    return _splat(ctx, 0)


@lowers("aten.full.default", "aten.full_like.default")
def full(ctx, size_or_tensor, value, **kwargs):
    return _splat(ctx, value)


@lowers("aten.new_full.default")
def new_full(ctx, x, size, value, **kwargs):
    return _splat(ctx, value)


@lowers("aten.scalar_tensor.default")
def scalar_tensor(ctx, value, **kwargs):
    return _splat(ctx, value)


@lowers("aten.empty.memory_format", "aten.empty_like.default",
        "aten.new_empty.default", "aten.empty.default")
def empty(ctx, *args, **kwargs):
    return Uninitialized(ctx.out_shape, ctx.out_dtype)


@lowers("aten.arange.default", "aten.arange.start", "aten.arange.start_step")
def arange(ctx, *args, **kwargs):
    """start + step * i: exact in integers; floats are computed in f64 and
    rounded once, as PyTorch accumulates them in double."""
    numbers = [a for a in args if isinstance(a, (int, float))]
    start, step = (0, 1) if len(numbers) == 1 else (numbers[0],
                                                    numbers[2] if len(numbers) > 2 else 1)
    dt = ctx.out_dtype
    work = "f64" if dtypes.is_float(dt) else dt
    b, shape = ctx.b, ctx.out_shape
    i = b.iota(0, shape, work, ctx.hint)
    if step != 1:
        i = b.binary("mul", i, b.splat(step, shape, work))
    if start != 0:
        i = b.binary("add", i, b.splat(start, shape, work))
    return b.cast(i, dt)


def _triangle(ctx, x, diagonal, direction):
    """Keeps x[..., r, c] where c - r <= diagonal (tril) or >= (triu)."""
    x = ctx.value(x)
    if x.rank < 2:
        raise LoweringError("tril/triu of a tensor of rank < 2")
    b = ctx.b
    rows, cols = x.shape[-2:]
    r = b.iota(0, (rows, cols), "i64", "row")
    c = b.iota(1, (rows, cols), "i64", "col")
    if diagonal != 0:
        r = b.binary("add", r, b.splat(diagonal, (rows, cols), "i64"))
    keep = b.broadcast(b.compare(direction, c, r), x.shape)
    return b.select(keep, x, b.splat(0, x.shape, x.dtype), ctx.hint)


@lowers("aten.tril.default")
def tril(ctx, x, diagonal=0):
    return _triangle(ctx, x, diagonal, "le")


@lowers("aten.triu.default")
def triu(ctx, x, diagonal=0):
    return _triangle(ctx, x, diagonal, "ge")
