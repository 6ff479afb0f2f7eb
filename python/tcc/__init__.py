"""tcc's Python frontend: trace PyTorch modules into tcc IR.

    import tcc
    traced = tcc.trace(model, (x,))
    traced.save("model.mlir", weights="model.safetensors")

`python -m tcc.trace FILE.py:Model --input x=f32[8,64] -o model.mlir`
does the same from the command line (docs/frontend-pytorch.md).
"""

from .errors import InputSpecError, TraceError, UnsupportedError  # noqa: F401
from .tracer import Traced, trace  # noqa: F401
