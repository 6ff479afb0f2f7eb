"""tcc's Python frontend: trace PyTorch modules into tcc IR.

    import tcc
    traced = tcc.trace(model, (x,))
    traced.save("model.mlir", weights="model.safetensors")

`python -m tcc.trace FILE.py:Model --input x=f32[8,64] -o model.mlir`
does the same from the command line (docs/frontend-pytorch.md).

    fast = tcc.compile(model, (x,))
    y = fast(x)   # tcc's compiled program, torch tensors in and out

    step = tcc.TrainStep(model, (x, y), optimizer="adamw", lr=3e-4)
    loss = step(x, y)   # forward, backward and AdamW update, compiled

    tcc.shard(self.lm_head.weight, "tp", None)   # in forward: a hint that
                                                 # --mesh=...,tp=N honours

"""

from .errors import InputSpecError, TraceError, UnsupportedError
from .sharding import shard
from .tracer import Traced, trace
from .compiler import CompiledModule, compile
from .training import TrainStep

__all__ = ["CompiledModule", "InputSpecError", "TraceError", "Traced",
           "TrainStep", "UnsupportedError", "compile", "shard", "trace"]
