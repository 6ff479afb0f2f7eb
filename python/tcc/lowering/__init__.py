"""The ATen -> tcc table: one function per ATen op (or family), registered
by the op's qualified name (`aten.addmm.default`). The modules below are
split by op family; importing this package registers all of them."""

from .registry import LOWERINGS, lowers
from . import elementwise, factories, hints, nn, random, reductions, shape

__all__ = ["LOWERINGS", "lowers", "elementwise", "factories", "hints", "nn",
           "random", "reductions", "shape"]
