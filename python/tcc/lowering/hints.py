"""Hints the model gives the compiler: tcc.shard (tcc/sharding.py) becomes
a tcc.annotate of its tensor."""

from .registry import lowers


@lowers("tcc.shard.default")
def shard(ctx, x, spec):
    return ctx.b.annotate(x, spec)
