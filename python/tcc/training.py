"""tcc.TrainStep: a module's whole training step, compiled by tcc.

    step = tcc.TrainStep(model, (x, y), optimizer="sgd", lr=0.1, momentum=0.9)
    for x, y in batches:
        loss = step(x, y)            # forward, backward and update; a float
    model.load_state_dict(step.state_dict())

The module must return a 0-d loss (alone, or among its outputs: a loss
computed by a loss function is traced with the role `loss`). tcc traces it
(tcc.trace), builds the gradient and the optimizer's update
(lib/Autodiff/TrainStep.cpp: torch.optim's SGD and AdamW, same defaults),
compiles the step for this CPU and keeps parameters, buffers and optimizer
state in host arrays between steps. The learning rate is an input of the
compiled step: `lr` may be a number or a function of the step count (a
schedule), changed without recompiling. `precision="bf16"` computes
matmuls and convolutions in bf16 with f32 master weights and optimizer
state (torch.autocast's policy for those ops); `precision="f16"` does
the same in f16 with dynamic loss scaling (torch.cuda.amp.GradScaler's
rule and its settings `init_scale`, `growth_interval`, `growth_factor`,
`backoff_factor`): a step whose gradients overflow is skipped and lowers
the scale (`loss_scale()` reads it). `accumulate=N` accumulates
gradients over N microbatches per step: the example inputs are one
microbatch, and each call takes N of them stacked along the first
dimension.
"""

import numpy as np
import torch

from . import native
from .compiler import _to_numpy, _to_torch
from .errors import TraceError
from .tracer import _bind_inputs, trace

_SETTINGS = ("momentum", "dampening", "nesterov", "weight_decay", "betas",
             "eps", "clip_grad_norm", "precision", "accumulate", "remat",
             "init_scale", "growth_interval", "growth_factor",
             "backoff_factor")


class TrainStep:
    def __init__(self, module, example_inputs, optimizer="adamw", lr=1e-3,
                 **settings):
        unknown = sorted(set(settings) - set(_SETTINGS))
        if unknown:
            raise TypeError(f"unknown TrainStep settings: {', '.join(unknown)}"
                            f" (known: {', '.join(_SETTINGS)})")
        self.module = module
        self.lr = lr
        self._init_scale = float(settings.get("init_scale", 65536.0))
        self.steps = 0
        traced = trace(module, example_inputs)
        self.aliases = traced.aliases
        source = getattr(type(module), "__module__", "model")
        lib = native.load()
        text = lib.build_train_step(traced.mlir, source_name=source,
                                    settings=dict(optimizer=optimizer,
                                                  **settings))
        self.program = lib.compile(text, source_name=source,
                                   entry="train_step")
        # Parameters and buffers start from the module's values; optimizer
        # slots at zero, as torch.optim initializes them.
        initial = dict(traced.parameters)
        initial.update(traced.buffers)
        self.state = {}
        for name, role, dtype, shape in self.program.inputs:
            if role in ("parameter", "buffer"):
                self.state[name] = _to_numpy(initial[name], dtype).copy()
            elif role == "optimizer_state":
                self.state[name] = np.zeros(
                    shape, dtype=_to_numpy(torch.zeros(()), dtype).dtype)

    def current_lr(self):
        return self.lr(self.steps) if callable(self.lr) else self.lr

    def __call__(self, *args, **kwargs):
        """One training step on a batch; returns the loss as a float."""
        example = kwargs if kwargs and not args else args
        batch = {n: v for n, v in _bind_inputs(self.module, example)
                 if isinstance(v, torch.Tensor)}
        arrays = []
        for name, role, dtype, shape in self.program.inputs:
            if role == "input" and name in batch:
                if list(batch[name].shape) != list(shape):
                    raise TraceError(
                        f"input '{name}' has shape {list(batch[name].shape)}; "
                        f"the step was compiled for {shape}")
                arrays.append(_to_numpy(batch[name], dtype))
            elif role == "input" and name == "lr":
                arrays.append(_to_numpy(torch.tensor(self.current_lr()), dtype))
            elif role == "input" and dtype == "i64" and shape == []:
                arrays.append(_to_numpy(torch.randint(0, 2**62, ()), dtype))
            elif name in self.state:
                arrays.append(self.state[name])
            else:
                raise TraceError(f"the training step needs '{name}' ({role})")
        loss = None
        for (name, role, dtype, _), array in zip(self.program.outputs,
                                                 self.program.run(arrays)):
            if role == "loss":
                loss = float(_to_torch(array, dtype))
            else:
                self.state[name] = array
        self.steps += 1
        return loss

    def state_dict(self):
        """Parameters and buffers under their state_dict names (tied
        weights under every name), as torch tensors."""
        result = {}
        for name, role, dtype, _ in self.program.inputs:
            if role in ("parameter", "buffer"):
                result[name] = _to_torch(self.state[name].copy(), dtype)
        for alias, name in self.aliases.items():
            result[alias] = result[name]
        return result

    def loss_scale(self):
        """The f16 loss scale the next step uses (precision="f16")."""
        stored = float(self.state["loss_scale"])
        return stored if stored else self._init_scale

    def optimizer_state(self):
        """The optimizer's slots (`<param>.exp_avg`, ...) and `step`."""
        return {name: torch.from_numpy(self.state[name].copy())
                for name, role, _, _ in self.program.inputs
                if role == "optimizer_state"}
