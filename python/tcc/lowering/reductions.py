"""Reductions and row-wise normalizations (softmax)."""

from .context import LoweringError, Pending, dim, dims
from .registry import lowers


class Indices(Pending):
    """The indices result of max/min along a dimension: tcc has no arg-max,
    so it may be computed but not used."""

    def __init__(self, op):
        self.op = op

    def misuse(self):
        raise LoweringError(f"the indices of {self.op} along a dimension are "
                            "used; tcc has no arg-max/arg-min")


def _reduce(ctx, kind, x, ds, keepdim):
    x = ctx.value(x)
    # Sums of integers and bools accumulate in int64, as PyTorch's do.
    x = ctx.b.cast(x, ctx.out_dtype)
    return ctx.b.reduce(kind, x, dims(ds, x.rank), keepdim, ctx.hint)


def _all_if_empty(ds):
    """aten.sum/mean/amax with an empty dimension list reduce every
    dimension (not none)."""
    return None if ds is None or len(ds) == 0 else ds


@lowers("aten.sum.default")
def sum_all(ctx, x, dtype=None):
    return _reduce(ctx, "sum", x, None, False)


@lowers("aten.sum.dim_IntList")
def sum_dims(ctx, x, ds=None, keepdim=False, dtype=None):
    return _reduce(ctx, "sum", x, _all_if_empty(ds), keepdim)


@lowers("aten.mean.default")
def mean_all(ctx, x, dtype=None):
    return _reduce(ctx, "mean", x, None, False)


@lowers("aten.mean.dim")
def mean_dims(ctx, x, ds=None, keepdim=False, dtype=None):
    return _reduce(ctx, "mean", x, _all_if_empty(ds), keepdim)


@lowers("aten.prod.default")
def prod_all(ctx, x, dtype=None):
    return _reduce(ctx, "prod", x, None, False)


@lowers("aten.prod.dim_int")
def prod_dim(ctx, x, d, keepdim=False, dtype=None):
    return _reduce(ctx, "prod", x, [d], keepdim)


@lowers("aten.amax.default")
def amax(ctx, x, ds=(), keepdim=False):
    return _reduce(ctx, "max", x, _all_if_empty(ds), keepdim)


@lowers("aten.amin.default")
def amin(ctx, x, ds=(), keepdim=False):
    return _reduce(ctx, "min", x, _all_if_empty(ds), keepdim)


@lowers("aten.max.default")
def max_all(ctx, x):
    return _reduce(ctx, "max", x, None, False)


@lowers("aten.min.default")
def min_all(ctx, x):
    return _reduce(ctx, "min", x, None, False)


def _along(kind):
    def lower(ctx, x, d, keepdim=False):
        x = ctx.value(x)
        values = ctx.b.reduce(kind, x, [dim(d, x.rank)], keepdim, ctx.hint)
        return values, Indices(f"torch.{kind}")
    return lower


lowers("aten.max.dim")(_along("max"))
lowers("aten.min.dim")(_along("min"))


def _variance(ctx, x, ds, correction, keepdim):
    x = ctx.value(x)
    b = ctx.b
    ds = dims(_all_if_empty(ds), x.rank)
    count = 1
    for d in ds:
        count *= x.shape[d]
    mean = b.reduce("mean", x, ds, True)
    centered = b.binary("sub", x, b.broadcast(mean, x.shape))
    total = b.reduce("sum", b.binary("mul", centered, centered), ds, keepdim)
    divisor = max(count - correction, 0)
    return b.binary("div", total, b.splat(float(divisor), total.shape, x.dtype),
                    ctx.hint)


@lowers("aten.var.correction")
def var(ctx, x, ds=None, correction=None, keepdim=False):
    return _variance(ctx, x, ds, 1 if correction is None else correction, keepdim)


@lowers("aten.var.dim")
def var_dim(ctx, x, ds=None, unbiased=True, keepdim=False):
    return _variance(ctx, x, ds, 1 if unbiased else 0, keepdim)


@lowers("aten._softmax.default", "aten.softmax.int")
def softmax(ctx, x, d, half_to_float=False):
    x = ctx.value(x)
    if half_to_float is True:
        raise LoweringError("softmax of a half tensor into float")
    x = ctx.b.cast(x, ctx.out_dtype)
    return ctx.b.softmax("softmax", x, dim(d, x.rank), ctx.hint)


@lowers("aten._log_softmax.default", "aten.log_softmax.int")
def log_softmax(ctx, x, d, half_to_float=False):
    x = ctx.value(x)
    if half_to_float is True:
        raise LoweringError("log_softmax of a half tensor into float")
    x = ctx.b.cast(x, ctx.out_dtype)
    return ctx.b.softmax("log_softmax", x, dim(d, x.rank), ctx.hint)
