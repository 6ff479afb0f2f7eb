"""Finds `_tcc_native`, the extension module of tcc's JIT (built by CMake
into build/python from python/native/TccNative.cpp).

Looked for, in order: wherever `import _tcc_native` already finds it
(PYTHONPATH), the folder in $TCC_NATIVE_DIR, and build/python of the source
tree this package sits in."""

import importlib
import os
import sys

_module = None


def load():
    global _module
    if _module is not None:
        return _module
    try:
        _module = importlib.import_module("_tcc_native")
        return _module
    except ImportError:
        pass
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    candidates = [os.environ.get("TCC_NATIVE_DIR"),
                  os.path.join(root, "build", "python")]
    for folder in filter(None, candidates):
        if not os.path.isdir(folder):
            continue
        sys.path.insert(0, folder)
        try:
            _module = importlib.import_module("_tcc_native")
            return _module
        except ImportError:
            sys.path.remove(folder)
    raise ImportError(
        "tcc.compile needs the _tcc_native extension; build it with `make` "
        "(CMake target _tcc_native, written to build/python) or point "
        "TCC_NATIVE_DIR at the folder that holds it")
