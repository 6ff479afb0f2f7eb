"""tcc.compile: torch.compile's ergonomics with tcc underneath.

    fast = tcc.compile(model, (x,))
    y = fast(x)            # runs tcc's compiled program, returns torch tensors

The first call with a given input signature (shapes, dtypes, the module's
train/eval mode, and the values of non-tensor arguments) traces the module
(tcc.trace), compiles the IR for this CPU through tcc's JIT and its on-disk
cache, and keeps the program; later calls with that signature only run it.
A new signature compiles a new specialization instead of failing.

Parameters and buffers are read from the module at every call, so updates
to its weights (an optimizer step, load_state_dict) are seen. Buffers the
program updates (BatchNorm's running statistics in training mode) are
written back, as PyTorch would. A model that draws random numbers (dropout
in training mode) gets a fresh seed per call from torch's default
generator, so torch.manual_seed makes runs repeatable.

tcc.compile runs the forward computation; it does not record autograd
history (tcc builds training steps itself: `tcc compile --train`).
"""

import numpy as np
import torch
from torch.utils import _pytree as pytree

from . import native
from .errors import TraceError
from .tracer import _bind_inputs, trace

_TORCH_DTYPES = {"f64": torch.float64, "f32": torch.float32,
                 "f16": torch.float16, "bf16": torch.bfloat16,
                 "i64": torch.int64, "i32": torch.int32, "i8": torch.int8,
                 "u8": torch.uint8, "i1": torch.bool}


def _to_numpy(tensor, dtype):
    """The tensor's bytes as the NumPy array _tcc_native expects."""
    tensor = tensor.detach().to("cpu", _TORCH_DTYPES[dtype]).contiguous()
    if dtype == "bf16":  # NumPy has no bfloat16: the bits travel as uint16
        return tensor.view(torch.int16).numpy().view(np.uint16)
    return tensor.numpy()


def _to_torch(array, dtype):
    if dtype == "bf16":
        return torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(array)


class _Specialization:
    """One traced and compiled signature of the module."""

    def __init__(self, traced, program, structure):
        self.traced = traced
        self.program = program
        # "spec", "leaves", "tensors" of the traced output (see _specialize).
        self.structure = structure


class CompiledModule:
    """The callable tcc.compile returns; see the module docstring."""

    def __init__(self, module, target="cpu", use_cache=True, threads=0):
        if not isinstance(module, torch.nn.Module):
            raise TraceError(f"tcc.compile needs a torch.nn.Module, got "
                             f"{type(module).__name__}")
        if target != "cpu":
            raise ValueError(f"target '{target}' is not available in this "
                             "build (targets: cpu)")
        self.module = module
        self.use_cache = use_cache
        self.threads = threads
        self._specializations = {}

    @property
    def specializations(self):
        """How many signatures have been compiled."""
        return len(self._specializations)

    def _key(self, named):
        parts = [self.module.training]
        for name, value in named:
            if isinstance(value, torch.Tensor):
                parts.append((name, tuple(value.shape), value.dtype))
            else:
                parts.append((name, repr(value)))
        return tuple(parts)

    def _specialize(self, example):
        # The output's structure (a tensor, a tuple, a dict) is captured
        # while tracing, to rebuild it around the compiled program's results.
        captured = {}

        def hook(module, args, output):
            leaves, captured["spec"] = pytree.tree_flatten(output)
            # Tensor leaves come from the program; others (None, numbers)
            # are what this signature always returns.
            captured["leaves"] = [None if isinstance(leaf, torch.Tensor)
                                  else leaf for leaf in leaves]
            captured["tensors"] = [isinstance(leaf, torch.Tensor)
                                   for leaf in leaves]

        handle = self.module.register_forward_hook(hook)
        try:
            traced = trace(self.module, example)
        finally:
            handle.remove()
        source = getattr(type(self.module), "__module__", "model")
        program = native.load().compile(traced.mlir, source_name=source,
                                        use_cache=self.use_cache,
                                        threads=self.threads)
        return _Specialization(traced, program, captured)

    def __call__(self, *args, **kwargs):
        example = kwargs if kwargs and not args else args
        if args and kwargs:
            raise TraceError("call a tcc-compiled module with positional or "
                             "with keyword arguments, not both")
        named = _bind_inputs(self.module, example)
        key = self._key(named)
        spec = self._specializations.get(key)
        if spec is None:
            spec = self._specialize(example)
            self._specializations[key] = spec

        values = {n: v for n, v in named if isinstance(v, torch.Tensor)}
        state = self.module.state_dict(keep_vars=True)
        for alias, name in spec.traced.aliases.items():
            state.setdefault(name, state.get(alias))
        arrays = []
        for name, role, dtype, shape in spec.program.inputs:
            if role == "input" and name in values:
                tensor = values[name]
            elif role in ("parameter", "buffer") and name in state:
                tensor = state[name]
            elif role == "input" and dtype == "i64" and shape == []:
                # The seed of the model's random ops.
                tensor = torch.randint(0, 2**62, ())
            else:
                raise TraceError(f"the compiled program needs '{name}' "
                                 f"({role}), which the module no longer has")
            arrays.append(_to_numpy(tensor, dtype))

        results = spec.program.run(arrays)
        outputs = []
        for (name, role, dtype, _), array in zip(spec.program.outputs, results):
            tensor = _to_torch(array, dtype)
            if role == "buffer":
                with torch.no_grad():
                    state[name].copy_(tensor)
            else:
                outputs.append(tensor)
        if "spec" not in spec.structure:
            return outputs[0] if len(outputs) == 1 else tuple(outputs)
        produced = iter(outputs)
        leaves = [next(produced) if is_tensor else leaf for leaf, is_tensor in
                  zip(spec.structure["leaves"], spec.structure["tensors"])]
        return pytree.tree_unflatten(leaves, spec.structure["spec"])


def compile(module, example_inputs=None, target="cpu", *, use_cache=True,
            threads=0):
    """Returns a callable that runs `module` through tcc.

    example_inputs, when given, compiles that signature now (errors surface
    here rather than at the first call). use_cache: read and fill tcc's
    on-disk compilation cache. threads: kernel and BLAS threads (0: every
    core)."""
    compiled = CompiledModule(module, target, use_cache, threads)
    if example_inputs is not None:
        example = example_inputs if isinstance(example_inputs, (tuple, dict)) \
            else (example_inputs,)
        named = _bind_inputs(module, example)
        compiled._specializations[compiled._key(named)] = \
            compiled._specialize(example)
    return compiled
