"""The command line of the PyTorch frontend:

    /usr/bin/python3 -m tcc.trace FILE.py:ClassOrFactory \\
        --input x=f32[256,784] --input labels=i64[256] \\
        -o model.mlir --weights model.safetensors [--eval | --train] [--seed N]

FILE.py is imported as a module and ClassOrFactory called with no
arguments; it must return a torch.nn.Module. Each --input gives one of
forward's tensor arguments by name: a dtype and a shape (random normal
floats, zero integers; the values only steer the trace, which records
shapes) or @FILE.npy for real values. The API is tcc.trace
(tcc/tracer.py); `python -m tcc.trace` runs main() through tcc/trace.py,
which the package never imports, so that `tcc.trace` stays the function.
"""

import argparse
import importlib.util
import os
import re
import sys

import torch

from . import dtypes
from .errors import InputSpecError, TraceError
from .tracer import trace

_SPEC = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
_SHAPE = re.compile(r"^(?P<dtype>[a-z0-9]+)\[(?P<dims>[0-9, ]*)\]$")


def parse_input(spec):
    """NAME=DTYPE[d0,d1,...] or NAME=@FILE.npy -> (name, example tensor).
    Example floats are standard normal, integers zeros (valid indices and
    labels whatever the model's vocabulary), bools False."""
    m = _SPEC.match(spec)
    if not m:
        raise InputSpecError(f"--input '{spec}': expected NAME=DTYPE[d0,d1,...] "
                             "(e.g. x=f32[8,64]) or NAME=@FILE.npy")
    name, value = m["name"], m["value"]
    if value.startswith("@"):
        return name, _load_npy(name, value[1:])
    shape_match = _SHAPE.match(value)
    if not shape_match:
        raise InputSpecError(f"--input '{spec}': '{value}' is not DTYPE[d0,d1,...] "
                             "(e.g. f32[8,64], i64[16], f32[] for a scalar)")
    elem = shape_match["dtype"]
    if elem not in ("f64", "f32", "f16", "bf16", "i64", "i32", "i1"):
        raise InputSpecError(f"--input '{spec}': unknown dtype '{elem}' (use f64, "
                             "f32, f16, bf16, i64, i32 or i1)")
    dims = [d.strip() for d in shape_match["dims"].split(",") if d.strip()]
    if shape_match["dims"].strip() and len(dims) != shape_match["dims"].count(",") + 1:
        raise InputSpecError(f"--input '{spec}': empty dimension in "
                             f"[{shape_match['dims']}]")
    shape = [int(d) for d in dims]
    dt = dtypes.torch_dtype(elem)
    if dt.is_floating_point:
        return name, torch.randn(shape).to(dt)
    return name, torch.zeros(shape, dtype=dt)


def _load_npy(name, path):
    import numpy as np
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise InputSpecError(f"--input {name}=@{path}: cannot read it as .npy: {e}")
    return torch.from_numpy(np.ascontiguousarray(array))


def load_module(target):
    """FILE.py:Name -> the nn.Module that Name() returns."""
    path, sep, attr = target.rpartition(":")
    if not sep or not path or not attr:
        raise TraceError(f"'{target}': expected FILE.py:ClassOrFactory")
    if not os.path.isfile(path):
        raise TraceError(f"'{path}': no such file")
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)  # so the model file can import its neighbours
    spec = importlib.util.spec_from_file_location(
        "_tcc_model_" + re.sub(r"\W", "_", os.path.basename(path)[:-3]), path)
    if spec is None:
        raise TraceError(f"'{path}' is not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, attr):
        names = sorted(n for n, v in vars(module).items()
                       if isinstance(v, type) and issubclass(v, torch.nn.Module)
                       and v.__module__ == module.__name__)
        raise TraceError(f"'{path}' has no '{attr}'" +
                         (f" (its modules: {', '.join(names)})" if names else ""))
    model = getattr(module, attr)()
    if not isinstance(model, torch.nn.Module):
        raise TraceError(f"{attr}() returned {type(model).__name__}, not a "
                         "torch.nn.Module")
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m tcc.trace",
        description="Trace a PyTorch module into tcc IR and its weights.")
    parser.add_argument("model", help="FILE.py:ClassOrFactory (called with no "
                        "arguments, returns a torch.nn.Module)")
    parser.add_argument("--input", action="append", default=[],
                        metavar="NAME=DTYPE[SHAPE]|NAME=@FILE.npy",
                        help="one of forward's tensor arguments (repeatable)")
    parser.add_argument("-o", "--output", required=True, help="the .mlir to write")
    parser.add_argument("--weights", help="the .safetensors to write")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--eval", action="store_true", help="trace in eval() mode")
    mode.add_argument("--train", action="store_true", help="trace in train() mode")
    parser.add_argument("--seed", type=int, default=0,
                        help="torch.manual_seed before building the model and "
                        "its example inputs (default 0)")
    parser.add_argument("--output-name", action="append", dest="output_names",
                        help="names of the outputs, in order (repeatable)")
    args = parser.parse_args(argv)
    try:
        torch.manual_seed(args.seed)
        inputs = dict(parse_input(spec) for spec in args.input)
        model = load_module(args.model)
        if args.eval:
            model.eval()
        elif args.train:
            model.train()
        traced = trace(model, inputs, output_names=args.output_names)
        traced.save(args.output, weights=args.weights)
    except TraceError as e:
        print(f"tcc.trace: error: {e}", file=sys.stderr)
        return 1
    return 0
