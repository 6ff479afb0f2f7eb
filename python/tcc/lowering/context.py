"""What a lowering sees: the function being built, the node's expected
result (PyTorch computed it while tracing), and helpers for PyTorch's
scalar, broadcasting and type-promotion rules on top of tcc's explicit
ops."""

import operator

import torch

from .. import dtypes
from ..mlir import Value


class LoweringError(Exception):
    """An op tcc cannot express as it is used here; the importer adds the
    op's name and the user's line."""


class Pending:
    """A value that is not a tensor yet: the start of a pattern that only
    means something as a whole (torch.empty_like(x).bernoulli_(p) is half of
    a dropout). Using it any other way is an error."""

    def misuse(self):
        raise NotImplementedError


def _expected(meta):
    if isinstance(meta, torch.Tensor):
        return (tuple(meta.shape), meta.dtype)
    if hasattr(meta, "shape") and hasattr(meta, "dtype"):  # TensorMetadata
        return (tuple(meta.shape), meta.dtype)
    if isinstance(meta, (tuple, list)):
        return [_expected(m) for m in meta]
    return None


def expected_result(node):
    """(shape, torch dtype) of what the node produced while tracing, a list
    of those for ops with several results, or None where fx recorded none."""
    for key in ("val", "tensor_meta"):
        if node.meta.get(key) is not None:
            return _expected(node.meta[key])
    # PyTorch 1.13 records the results of a multi-result op on its getitems.
    items = {u.args[1]: u for u in node.users if u.target is operator.getitem}
    if items:
        return [expected_result(items[i]) if i in items else None
                for i in range(max(items) + 1)]
    return None


class Context:
    def __init__(self, builder, seed_fn, write_state_fn):
        self.b = builder
        self.node = None
        self._seed_fn = seed_fn
        self._write_state_fn = write_state_fn
        self._streams = 0

    # -- the node ------------------------------------------------------------

    @property
    def expected(self):
        return expected_result(self.node)

    @property
    def _first(self):
        """The expected (shape, dtype) of the node's (first) result."""
        e = self.expected
        e = e[0] if isinstance(e, list) else e
        if e is None:
            raise LoweringError("PyTorch recorded no result shape for this op")
        return e

    @property
    def out_shape(self):
        return self._first[0]

    @property
    def out_dtype(self):
        """The tcc element type of the node's (single) result."""
        dt = self._first[1]
        elem = dtypes.element_type(dt)
        if elem is None:
            raise LoweringError(f"produces {dt}, which tcc does not have "
                                f"(tcc has {dtypes.supported_names()})")
        return elem

    @property
    def hint(self):
        return self.node.name

    def write_state(self, old, new, what):
        """Records that the op updates `old` (a module buffer) in place to
        `new`: the function returns the new value as a `buffer` result."""
        self._write_state_fn(old, new, what)

    # -- randomness ----------------------------------------------------------

    def seed(self):
        """The graph's seed input (created on first use)."""
        return self._seed_fn()

    def next_stream(self):
        """A Philox stream unique to one random op of the function."""
        self._streams += 1
        return self._streams - 1

    # -- operands ------------------------------------------------------------

    def value(self, v, what="operand"):
        """`v` as a graph tensor; Python scalars are not accepted here."""
        if isinstance(v, Value):
            return v
        if isinstance(v, Pending):
            v.misuse()
        raise LoweringError(f"expected a tensor {what}, got {type(v).__name__} {v!r}")

    def tensor(self, v, dtype, shape):
        """`v` (a Value or a Python scalar) as a tensor of `dtype`
        broadcast to `shape`."""
        if isinstance(v, (bool, int, float)):
            return self.b.splat(v, shape, dtype)
        v = self.value(v)
        return self.b.broadcast(self.b.cast(v, dtype), shape)

    def result_type(self, *operands):
        """PyTorch's type promotion (torch.result_type) of tensors and
        Python scalars, as a tcc element type: 0-d tensors and scalars only
        raise the category, as in PyTorch."""
        def rep(v):
            if isinstance(v, Value):
                return torch.empty(() if v.rank == 0 else (0,),
                                   dtype=dtypes.torch_dtype(v.dtype))
            if isinstance(v, (bool, int, float)):
                return v
            return self.value(v)

        acc = rep(operands[0])
        for r in map(rep, operands[1:]):
            dt = torch.result_type(acc, r) if isinstance(acc, torch.Tensor) \
                else torch.result_type(r, acc)
            # Keep the stronger operand's dimensionality category.
            ranked = [x for x in (acc, r) if isinstance(x, torch.Tensor)]
            dim_ = max(x.dim() for x in ranked)
            acc = torch.empty((0,) * min(dim_, 1), dtype=dt)
        dt = acc.dtype if isinstance(acc, torch.Tensor) else torch.tensor(acc).dtype
        elem = dtypes.element_type(dt)
        if elem is None:
            raise LoweringError(f"operands promote to {dt}, which tcc does not have")
        return elem

    def broadcast_shape(self, *operands):
        shapes = [v.shape for v in operands if isinstance(v, Value)]
        return tuple(torch.broadcast_shapes(*shapes)) if shapes else ()

    def operands(self, *values, dtype):
        """Values and scalars as tensors of `dtype`, broadcast to their common
        shape (NumPy rules, as PyTorch's)."""
        shape = self.broadcast_shape(*values)
        return [self.tensor(v, dtype, shape) for v in values]


def dim(d, rank):
    """A PyTorch dimension (negative counts from the end) in [0, rank)."""
    r = max(rank, 1)
    if not -r <= d < r:
        raise LoweringError(f"dimension {d} is out of range for rank {rank}")
    return d % r


def dims(ds, rank):
    if ds is None:
        return list(range(rank))
    if isinstance(ds, int):
        ds = [ds]
    return sorted({dim(d, rank) for d in ds})
