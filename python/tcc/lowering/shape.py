"""Views and data movement: PyTorch's views become value-semantic tcc ops
(reshape, transpose, slice, broadcast), since a traced graph has no
aliasing left once in-place updates of views are ruled out (the importer
refuses those)."""

from .context import LoweringError, dim
from .registry import lowers


@lowers("aten.clone.default", "aten.alias.default", "aten.detach.default",
        "aten.lift_fresh_copy.default", "aten.lift_fresh.default",
        "aten.contiguous.default")
def identity(ctx, x, **kwargs):
    return ctx.value(x)


# Every reshaping view: the target shape is the one PyTorch computed
# (with -1 resolved, squeezed dims dropped).
@lowers("aten.view.default", "aten._unsafe_view.default", "aten.reshape.default",
        "aten._reshape_alias.default", "aten.unsqueeze.default",
        "aten.squeeze.default", "aten.squeeze.dim", "aten.squeeze.dims",
        "aten.flatten.using_ints", "aten.unflatten.int", "aten.view_as.default")
def reshape(ctx, x, *args, **kwargs):
    return ctx.b.reshape(ctx.value(x), ctx.out_shape, ctx.hint)


@lowers("aten.t.default")
def t(ctx, x):
    x = ctx.value(x)
    return ctx.b.transpose(x, [1, 0] if x.rank == 2 else list(range(x.rank)),
                           ctx.hint)


@lowers("aten.transpose.int")
def transpose(ctx, x, d0, d1):
    x = ctx.value(x)
    perm = list(range(x.rank))
    a, b = dim(d0, x.rank), dim(d1, x.rank)
    perm[a], perm[b] = perm[b], perm[a]
    return ctx.b.transpose(x, perm, ctx.hint)


@lowers("aten.permute.default")
def permute(ctx, x, order):
    x = ctx.value(x)
    return ctx.b.transpose(x, [dim(d, x.rank) for d in order], ctx.hint)


@lowers("aten.expand.default", "aten.expand_as.default")
def expand(ctx, x, *args, **kwargs):
    return ctx.b.broadcast(ctx.value(x), ctx.out_shape, ctx.hint)


def _bounds(start, end, size):
    """Python's slice clamping, as aten.slice applies it."""
    start = 0 if start is None else start
    end = size if end is None else end
    start = start + size if start < 0 else start
    end = end + size if end < 0 else end
    start = min(max(start, 0), size)
    end = min(max(end, start), size)
    return start, end


def _slice(ctx, x, d, start, end, step=1, hint=None):
    begin, limit, stride = [0] * x.rank, list(x.shape), [1] * x.rank
    begin[d], limit[d] = _bounds(start, end, x.shape[d])
    stride[d] = step
    return ctx.b.slice(x, begin, limit, stride, hint)


@lowers("aten.slice.Tensor")
def slice_(ctx, x, d=0, start=None, end=None, step=1):
    x = ctx.value(x)
    if step < 1:
        raise LoweringError(f"slice step {step} (tcc slices with step >= 1)")
    return _slice(ctx, x, dim(d, x.rank), start, end, step, ctx.hint)


@lowers("aten.select.int")
def select(ctx, x, d, index):
    x = ctx.value(x)
    d = dim(d, x.rank)
    index = index + x.shape[d] if index < 0 else index
    if not 0 <= index < x.shape[d]:
        raise LoweringError(f"index {index} is out of range for size {x.shape[d]}")
    piece = _slice(ctx, x, d, index, index + 1)
    return ctx.b.reshape(piece, x.shape[:d] + x.shape[d + 1:], ctx.hint)


def _split(ctx, x, sizes, d):
    pieces, start = [], 0
    for i, size in enumerate(sizes):
        pieces.append(_slice(ctx, x, d, start, start + size,
                             hint=f"{ctx.hint}_{i}"))
        start += size
    return tuple(pieces)


@lowers("aten.split.Tensor")
def split(ctx, x, split_size, d=0):
    x = ctx.value(x)
    d = dim(d, x.rank)
    n = x.shape[d]
    sizes = [min(split_size, n - s) for s in range(0, n, split_size)] or [0]
    return _split(ctx, x, sizes, d)


@lowers("aten.split_with_sizes.default")
def split_with_sizes(ctx, x, sizes, d=0):
    x = ctx.value(x)
    return _split(ctx, x, sizes, dim(d, x.rank))


@lowers("aten.chunk.default")
def chunk(ctx, x, chunks, d=0):
    x = ctx.value(x)
    d = dim(d, x.rank)
    size = -(-x.shape[d] // chunks)
    return split(ctx, x, size, d)


@lowers("aten.unbind.int")
def unbind(ctx, x, d=0):
    x = ctx.value(x)
    d = dim(d, x.rank)
    pieces = _split(ctx, x, [1] * x.shape[d], d)
    return tuple(ctx.b.reshape(p, x.shape[:d] + x.shape[d + 1:]) for p in pieces)


@lowers("aten.cat.default")
def cat(ctx, tensors, d=0):
    # PyTorch skips 1-D empty tensors in cat (legacy behaviour).
    values = [ctx.value(v) for v in tensors]
    values = [v for v in values if v.shape != (0,)] or values[:1]
    dt = ctx.out_dtype
    d = dim(d, values[0].rank)
    return ctx.b.concat([ctx.b.cast(v, dt) for v in values], d, ctx.hint)


@lowers("aten.stack.default")
def stack(ctx, tensors, d=0):
    values = [ctx.value(v) for v in tensors]
    d = dim(d, values[0].rank + 1)
    dt = ctx.out_dtype
    parts = [ctx.b.reshape(ctx.b.cast(v, dt), v.shape[:d] + (1,) + v.shape[d:])
             for v in values]
    return ctx.b.concat(parts, d, ctx.hint)


@lowers("aten.embedding.default")
def embedding(ctx, weight, indices, padding_idx=-1, scale_grad_by_freq=False,
              sparse=False):
    return ctx.b.gather(ctx.value(weight), ctx.value(indices, "index"), 0,
                        ctx.hint)


@lowers("aten.index_select.default")
def index_select(ctx, x, d, index):
    x = ctx.value(x)
    return ctx.b.gather(x, ctx.value(index, "index"), dim(d, x.rank), ctx.hint)


@lowers("aten.index.Tensor")
def index(ctx, x, indices):
    """x[idx] with one index tensor (after any number of full slices) is
    np.take along that dimension; tcc has no general advanced indexing."""
    x = ctx.value(x)
    used = [(i, v) for i, v in enumerate(indices) if v is not None]
    if len(used) != 1:
        raise LoweringError("indexing with several index tensors has no tcc "
                            "equivalent (one index tensor is supported)")
    d, idx = used[0]
    idx = ctx.value(idx, "index")
    if idx.dtype == "i1":
        raise LoweringError("boolean-mask indexing has a data-dependent shape; "
                            "use torch.where or masked_fill instead")
    # Negative indices count from the end, as in Python.
    b, size = ctx.b, x.shape[d]
    negative = b.compare("lt", idx, b.splat(0, idx.shape, idx.dtype))
    wrapped = b.binary("add", idx, b.splat(size, idx.shape, idx.dtype))
    return b.gather(x, b.select(negative, wrapped, idx), d, ctx.hint)
