"""Source locations of traced ops: the user's file:line behind each ATen op.

torch.fx records, per node, the Python stack at the moment the op was
dispatched (`Tracer.record_stack_traces`), as text. The op itself runs deep
inside torch (nn.Linear -> F.linear -> aten.addmm), so the location is the
innermost frame that is neither PyTorch's nor tcc's, plus the user frames
that called it (Block.forward called from GPT.forward), innermost first.
MLIR prints that chain as "model.py:12:1: error: ..." followed by
"model.py:40:1: note: called from".
"""

import contextlib
import os
import re

import torch
from torch.fx.experimental import proxy_tensor

# One frame of a formatted Python stack, with the source line under it.
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)'
                    r'(?:\n(?P<code>(?!\s*File ")\s+\S.*))?', re.MULTILINE)

_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep
_TCC_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

# The function the tracer hands to make_fx (tracer.py) and the one that
# calls make_fx: frames inside the first are the model's, and their order in
# a stack trace tells which way round fx wrote it.
ENTRY_FUNCTION = "_tcc_traced_call"
OUTER_FUNCTION = "_tcc_make_fx"

# How many user frames a location keeps (the op's line and its callers).
MAX_DEPTH = 4


class Frame:
    __slots__ = ("file", "line", "func", "code")

    def __init__(self, file, line, func, code=""):
        self.file, self.line, self.func, self.code = file, line, func, code

    def __str__(self):
        return f"{self.file}:{self.line}"

    def __eq__(self, other):
        return (self.file, self.line, self.func) == (other.file, other.line,
                                                     other.func)

    def __hash__(self):
        return hash((self.file, self.line, self.func))


def _normalize(path):
    """a/b/../c.py -> a/c.py (Python keeps the path a module was found by)."""
    return path if path.startswith("<") else os.path.normpath(path)


def _is_library(path):
    """Frames PyTorch or tcc own; `<string>` frames are make_fx's wrappers."""
    path = os.path.abspath(path) if not path.startswith("<") else path
    return (path.startswith(_TORCH_DIR) or path.startswith(_TCC_DIR)
            or path.startswith("<"))


def user_frames(stack_trace):
    """The user's frames of an fx node's stack trace, innermost first.

    fx writes the stack innermost-first in 1.13 and outermost-first in
    later versions; the tracer's own entry function tells the two apart,
    since everything on the model's side of it is inside the trace.
    """
    if not stack_trace:
        return []
    frames = [Frame(_normalize(m["file"]), int(m["line"]), m["func"].strip(),
                    (m["code"] or "").strip())
              for m in _FRAME.finditer(stack_trace)]
    funcs = [f.func for f in frames]
    if ENTRY_FUNCTION in funcs and OUTER_FUNCTION in funcs:
        entry, outer = funcs.index(ENTRY_FUNCTION), funcs.index(OUTER_FUNCTION)
        inside = frames[:entry] if entry < outer else frames[entry + 1:][::-1]
    else:
        inside = frames
    return [f for f in inside if not _is_library(f.file)][:MAX_DEPTH]


@contextlib.contextmanager
def recording_stack_traces():
    """Makes make_fx's tracer record each node's stack.

    make_fx builds its PythonKeyTracer itself, so the switch is the public
    `Tracer.record_stack_traces` attribute, set on the class for the
    duration of one trace and restored afterwards.
    """
    cls = proxy_tensor.PythonKeyTracer
    had = "record_stack_traces" in cls.__dict__
    old = cls.__dict__.get("record_stack_traces")
    cls.record_stack_traces = True
    try:
        yield
    finally:
        if had:
            cls.record_stack_traces = old
        else:
            del cls.record_stack_traces


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mlir_location(frames, name):
    """The MLIR location of an op: a NameLoc with the ATen op's name around
    the call-site chain of the user's frames (column 1: Python records
    lines, and the C++ tracing API writes column 1 too)."""
    if not frames:
        return f"loc({_quote(name)})"
    chain = f"{_quote(frames[-1].file)}:{frames[-1].line}:1"
    for f in reversed(frames[:-1]):
        chain = f"callsite({_quote(f.file)}:{f.line}:1 at {chain})"
    return f"loc({_quote(name)}({chain}))"
