"""Dropout, the one random op tcc has (tcc.dropout: Philox-4x32-10 keyed
by the graph's `seed` input and a stream per op; docs/contract.md).

PyTorch 1.13 traces nn.Dropout in training mode as
    mask = empty_like(x).bernoulli_(1 - p).div_(1 - p);  y = x * mask
so the mask is kept pending until it meets `x * mask`, and that product is
the dropout. Any other use of a Bernoulli draw is refused: tcc's masks are
not PyTorch's random numbers, only dropout's distribution is promised.
Later PyTorch versions trace aten.native_dropout, lowered directly."""

from .context import LoweringError, Pending
from .factories import Uninitialized
from .registry import lowers


class KeepMask(Pending):
    """Bernoulli(keep) draws times `scale`."""

    def __init__(self, shape, keep, scale=1.0):
        self.shape, self.keep, self.scale = shape, keep, scale

    def scaled(self, factor):
        return KeepMask(self.shape, self.keep, self.scale * factor)

    def misuse(self):
        raise LoweringError("a Bernoulli draw is used other than as a dropout "
                            "mask (x * mask / (1 - p)); tcc only has dropout")


class DropoutMask(Pending):
    def misuse(self):
        raise LoweringError("the mask of a dropout is used; tcc's dropout "
                            "regenerates it and does not return it")


def _dropout(ctx, x, rate, hint):
    if rate == 0:
        return x
    if not 0 < rate < 1:
        raise LoweringError(f"dropout with p={rate} (tcc needs 0 <= p < 1)")
    # PyTorch traces the keep probability 1 - p; print p as written
    # (0.1, not 0.09999999999999998; the masks are the same).
    rate = float(f"{rate:.15g}")
    return ctx.b.dropout(x, ctx.seed(), rate, ctx.next_stream(), hint)


@lowers("aten.bernoulli_.float", "aten.bernoulli.p")
def bernoulli(ctx, x, p=0.5, generator=None):
    if not isinstance(x, Uninitialized):
        raise LoweringError("torch.bernoulli outside nn.Dropout: tcc has no "
                            "general random sampling")
    return KeepMask(x.shape, p)


def dropout_product(ctx, a, b):
    """x * mask as a tcc.dropout (or mask * number as a scaled mask);
    None when neither operand is a mask."""
    if isinstance(b, KeepMask):
        a, b = b, a
    if not isinstance(a, KeepMask):
        return None
    if isinstance(b, (int, float)):
        return a.scaled(b)
    x = ctx.value(b)
    if x.shape != tuple(a.shape) or abs(a.scale * a.keep - 1) > 1e-9:
        a.misuse()
    return _dropout(ctx, ctx.b.cast(x, ctx.out_dtype), 1 - a.keep, ctx.hint)


@lowers("aten.native_dropout.default")
def native_dropout(ctx, x, p, train):
    x = ctx.value(x)
    return (_dropout(ctx, x, p, ctx.hint) if train else x), DropoutMask()


@lowers("aten.dropout.default")
def dropout(ctx, x, p, train):
    x = ctx.value(x)
    return _dropout(ctx, x, p, ctx.hint) if train else x

