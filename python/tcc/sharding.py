"""`tcc.shard(tensor, *spec)`: a sharding hint the tracer records.

    def forward(self, x):
        tcc.shard(self.lm_head.weight, "tp", None)   # rows over tp
        tcc.shard(self.proj.weight, None, None)      # keep it whole
        ...

Each entry of `spec` says how one dimension of `tensor` is laid out over
the devices: None (whole), a mesh axis name ("tp"), or a tuple of names.
Called eagerly it returns `tensor` and does nothing else. While
`tcc.trace` runs it is recorded (as the op `tcc::shard`, which make_fx
keeps as it is), and the tracer writes a `tcc.annotate` of the value: `tcc
compile --train --mesh=...` honours the hint on a parameter (tensor
parallelism's split, or kept whole) and says why when it cannot (with
--mesh=tp=N and no --train too: inference).
Hints name axes only; `--mesh` gives their sizes. A hint does not need its
result to be used: a hint on a parameter an nn.Linear reads is enough.
"""

import json
import re

import torch

_AXIS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def _define_op():
    """Defines `tcc::shard` (what make_fx records), once per process: a
    second copy of this module (imported from another path) finds it."""
    try:
        torch.ops.tcc.shard
        return None
    except (AttributeError, RuntimeError):
        library = torch.library.Library("tcc", "DEF")
        library.define("shard(Tensor self, str spec) -> Tensor")
        library.impl("shard", lambda tensor, spec: tensor.clone(),
                     "CompositeExplicitAutograd")
        return library  # the registration lives as long as this object


_LIBRARY = _define_op()

_tracing = 0


class tracing:
    """While active, tcc.shard records its hint (tcc.trace uses it)."""

    def __enter__(self):
        global _tracing
        _tracing += 1

    def __exit__(self, *exc):
        global _tracing
        _tracing -= 1


def spec_text(tensor, spec):
    """The dims of the tcc.sharding attribute for `spec` on `tensor`
    (`[["tp"], []]`); raises ValueError saying what is wrong."""
    if not isinstance(tensor, torch.Tensor):
        raise ValueError(f"tcc.shard needs a tensor, got "
                         f"{type(tensor).__name__}")
    if len(spec) != tensor.dim():
        raise ValueError(f"tcc.shard: {len(spec)} entries for a "
                         f"{tensor.dim()}-d tensor of shape "
                         f"{list(tensor.shape)} (one per dimension: None, an "
                         f"axis name or a tuple of names)")
    dims, seen = [], set()
    for d, entry in enumerate(spec):
        axes = () if entry is None else (
            (entry,) if isinstance(entry, str) else tuple(entry))
        for axis in axes:
            if not isinstance(axis, str) or not _AXIS.match(axis):
                raise ValueError(f"tcc.shard: dimension {d}: {axis!r} is not "
                                 f"a mesh axis name (such as \"tp\")")
            if axis in seen:
                raise ValueError(f"tcc.shard: axis \"{axis}\" splits two "
                                 f"dimensions")
            seen.add(axis)
        dims.append(list(axes))
    return json.dumps(dims, separators=(", ", ": "))


def shard(tensor, *spec):
    """Asks tcc to lay `tensor` out as `spec` says (module docstring);
    returns `tensor`."""
    text = spec_text(tensor, spec)
    if _tracing:
        torch.ops.tcc.shard(tensor, text)
    return tensor
