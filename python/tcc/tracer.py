"""tcc.trace: a PyTorch module and example inputs in, a tcc function out.

The module runs once under make_fx (torch.fx.experimental.proxy_tensor)
on the example inputs: shapes are concrete, so `B, T, C = x.size()` and
branches on shapes resolve as they would in eager PyTorch (FACTS.md:
symbolic_trace fails on both). Parameters and buffers are passed to the
traced function as tensors through functional_call, so they become graph
inputs named by their state_dict keys, and updates of buffers (BatchNorm's
running statistics in training mode) land on copies rather than on the
user's module.
"""

import collections
import inspect
import os

import torch
from torch.fx.experimental.proxy_tensor import make_fx

from . import locations, safetensors, sharding
from .errors import TraceError
from .files import write_atomically
from .importer import Argument, import_graph

try:  # PyTorch 2.x
    from torch.func import functional_call as _functional_call
except ImportError:  # PyTorch 1.13
    from torch.nn.utils.stateless import functional_call as _functional_call


class Traced:
    """A traced model: its tcc IR and the tensors its arguments need.

    mlir: the module's text (`func.func @forward`, docs/contract.md).
    input_names: the data inputs in argument order (forward's parameter
        names, then `seed` if the model draws random numbers).
    output_names: the results in order (outputs, then updated buffers).
    parameters, buffers: name -> tensor, in state_dict order.
    weights: parameters and buffers together, as save() writes them.
    arguments / results: [(name, role, shape, element type)] of the
        function's signature, for a runtime binding.
    aliases: state_dict keys that name a tensor already listed under
        another key (tied weights) -> that key.
    """

    def __init__(self, mlir, arguments, results, parameters, buffers, aliases,
                 graph_module, sources):
        self.mlir = mlir
        self.arguments = arguments
        self.results = results
        self.parameters = parameters
        self.buffers = buffers
        self.aliases = aliases
        self.graph_module = graph_module
        self._sources = sources

    @property
    def input_names(self):
        return [a[0] for a in self.arguments if a[1] == "input"]

    @property
    def output_names(self):
        return [r[0] for r in self.results]

    @property
    def weights(self):
        merged = collections.OrderedDict(self.parameters)
        merged.update(self.buffers)
        return merged

    def __str__(self):
        return self.mlir

    def save(self, path, weights=None):
        """Writes the IR to `path` and, with `weights=`, the parameters and
        buffers to a safetensors file. Each file is written whole through a
        temporary file; neither may be a source file of the model."""
        targets = [os.path.abspath(p) for p in (path, weights) if p is not None]
        if len(set(targets)) != len(targets):
            raise TraceError(f"the IR and the weights would both be written to "
                             f"'{path}'")
        for target in targets:
            for source in self._sources:
                if os.path.exists(target) and os.path.exists(source) and \
                        os.path.samefile(target, source):
                    raise TraceError(f"refusing to overwrite '{target}': it is a "
                                     "source file of the traced model")
        write_atomically(path, self.mlir.encode())
        if weights is not None:
            safetensors.save(self.weights, weights, metadata={"format": "pt"})


def _state(module):
    """The module's state_dict tensors, split into parameters and buffers,
    with tied tensors listed once under their first key."""
    params, buffers, aliases = (collections.OrderedDict(),
                                collections.OrderedDict(), {})
    param_ids = {id(p) for p in module.parameters()}
    first_key = {}
    for key, tensor in module.state_dict(keep_vars=True).items():
        if id(tensor) in first_key:
            aliases[key] = first_key[id(tensor)]
            continue
        first_key[id(tensor)] = key
        (params if id(tensor) in param_ids else buffers)[key] = tensor
    return params, buffers, aliases


def _bind_inputs(module, example_inputs):
    """(name, value) of forward's arguments, from positional example
    inputs or a dict of them by name."""
    signature = inspect.signature(module.forward)
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    if isinstance(example_inputs, dict) and not any(
            p.kind == inspect.Parameter.VAR_KEYWORD
            for p in signature.parameters.values()):
        unknown = [n for n in example_inputs if n not in signature.parameters]
        if unknown:
            raise TraceError(f"{type(module).__name__}.forward{signature} has no "
                             f"argument {', '.join(repr(n) for n in unknown)}")
    try:
        bound = (signature.bind(**example_inputs) if isinstance(example_inputs, dict)
                 else signature.bind(*example_inputs))
    except TypeError as e:
        raise TraceError(f"the example inputs do not fit "
                         f"{type(module).__name__}.forward{signature}: {e}")
    named = []
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind == inspect.Parameter.VAR_POSITIONAL:
            named += [(f"{name}{i}", v) for i, v in enumerate(value)]
        elif kind == inspect.Parameter.VAR_KEYWORD:
            named += list(value.items())
        else:
            named.append((name, value))
    return named


def _names_for_outputs(structure, user_names):
    """output_names callback of the importer: dict keys, the user's names,
    or `loss` for the one loss and output<i> for the others."""
    def name(count, is_loss):
        if isinstance(user_names, str):
            names = [user_names]
        else:
            names = list(user_names or [])
        if not names and isinstance(structure, dict):
            names = [str(k) for k, v in structure.items() if v is not None]
        if names and len(names) != count:
            raise TraceError(f"{len(names)} output names for {count} outputs")
        losses = sum(is_loss)
        result = []
        for i in range(count):
            role = "loss" if is_loss[i] else "output"
            if names:
                result.append((names[i], role))
            else:
                result.append(("loss" if is_loss[i] and losses == 1 else
                               f"output{i}", role))
        return result
    return name


def trace(module, example_inputs, output_names=None, function_name="forward"):
    """Traces `module` called with `example_inputs` into tcc IR.

    example_inputs: a tensor, a tuple of forward's positional arguments, or
        a dict by parameter name. Tensors become the function's inputs;
        other values (None, numbers) are fixed at their example value.
    output_names: a name or a list of names for the flattened outputs;
        by default dict keys, else `output<i>` (and `loss` for a 0-d loss).

    The module traces in the mode it is in (module.train() / .eval()).
    Raises UnsupportedError naming every op tcc cannot express, with the
    model's file:line.
    """
    if not isinstance(module, torch.nn.Module):
        raise TraceError(f"tcc.trace needs a torch.nn.Module, got "
                         f"{type(module).__name__}")
    params, buffers, aliases = _state(module)
    named_inputs = _bind_inputs(module, example_inputs)
    tensor_inputs = [(n, v) for n, v in named_inputs if isinstance(v, torch.Tensor)]
    fixed_inputs = {n: v for n, v in named_inputs if not isinstance(v, torch.Tensor)}
    signature = inspect.signature(module.forward)
    arguments = ([Argument(n, "input", t) for n, t in tensor_inputs]
                 + [Argument(n, "parameter", t) for n, t in params.items()]
                 + [Argument(n, "buffer", t) for n, t in buffers.items()])
    state_keys = list(params) + list(buffers)
    input_names = [n for n, _ in tensor_inputs]
    outputs = {}

    def _tcc_traced_call(*tensors):
        state = dict(zip(state_keys, tensors[len(input_names):]))
        for alias, key in aliases.items():
            state[alias] = state[key]
        values = dict(fixed_inputs)
        values.update(zip(input_names, tensors))
        args, kwargs = _call_arguments(signature, values)
        out = _functional_call(module, state, tuple(args), kwargs)
        outputs["structure"] = out
        return out

    # Buffers are copied so that in-place updates while tracing (running
    # statistics) do not change the user's module; parameters are only read.
    tensors = ([t.detach() for _, t in tensor_inputs]
               + [t.detach() for t in params.values()]
               + [t.detach().clone() for t in buffers.values()])

    def _tcc_make_fx():
        with locations.recording_stack_traces(), torch.no_grad(), \
                sharding.tracing():
            return make_fx(_tcc_traced_call)(*tensors)

    try:
        gm = _tcc_make_fx()
    except TraceError:
        raise
    except Exception as e:
        raise TraceError(f"PyTorch could not trace {type(module).__name__}: "
                         f"{type(e).__name__}: {e}") from e

    builder, arg_info, res_info = import_graph(
        gm, arguments, _names_for_outputs(outputs.get("structure"), output_names),
        function_name)
    header = (f"Traced by tcc from {type(module).__qualname__} "
              f"({'training' if module.training else 'inference'} mode) with "
              f"PyTorch {torch.__version__}.")
    mlir = builder.render(header)
    sources = {f.file for frames in _all_frames(gm) for f in frames}
    try:
        sources.add(inspect.getsourcefile(type(module)))
    except (TypeError, OSError):  # a class from C, `python -c` or a REPL
        pass
    return Traced(mlir, arg_info, res_info, _detached(params), _detached(buffers),
                  aliases, gm, sources)


def _detached(tensors):
    return collections.OrderedDict((k, v.detach()) for k, v in tensors.items())


def _call_arguments(signature, values):
    """Positional and keyword arguments for forward from values by name
    (after a parameter left at its default, the rest go by keyword)."""
    args, kwargs, gap = [], {}, False
    for name, p in signature.parameters.items():
        if p.kind == inspect.Parameter.VAR_POSITIONAL:
            i = 0
            while f"{name}{i}" in values:
                args.append(values[f"{name}{i}"])
                i += 1
        elif p.kind == inspect.Parameter.VAR_KEYWORD:
            kwargs.update({k: v for k, v in values.items()
                           if k not in signature.parameters})
        elif name not in values:
            gap = True
        elif p.kind == inspect.Parameter.KEYWORD_ONLY or gap:
            kwargs[name] = values[name]
        else:
            args.append(values[name])
    return args, kwargs


def _all_frames(gm):
    for node in gm.graph.nodes:
        yield locations.user_frames(node.stack_trace)
