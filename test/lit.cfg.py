# -*- Python -*-
# lit configuration of the tcc regression tests: FileCheck tests of tcc-opt,
# end-to-end numerics of `tcc eval` against NumPy/PyTorch, and robustness
# tests on malformed input.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "TCC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "lib",
                   "CMakeLists.txt", "README.md"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tcc_obj_root, "test")

# Debian's interpreter carries python3-numpy and python3-torch (bootstrap).
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%tcc_src_root", config.tcc_src_root))
config.substitutions.append(("%tcc_obj_root", config.tcc_obj_root))
config.substitutions.append(("%PATH%", config.environment["PATH"]))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
# `not` and `split-file` at the start of a RUN line come from PATH; the
# default substitutions rewrite `not` only after a pipe.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.use_default_substitutions()

tool_dirs = [config.tcc_tools_dir, config.llvm_tools_dir]
tools = [ToolSubst("tcc-opt", unresolved="fatal"),
         ToolSubst("tcc", unresolved="fatal"),
         ToolSubst("tcc-run", unresolved="fatal")]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Helpers shared by the Python tests (test/lib/tcctest.py), and the PyTorch
# frontend (python/tcc) that test/Frontend exercises.
config.environment["PYTHONPATH"] = os.pathsep.join([
    os.path.join(config.tcc_src_root, "test", "lib"),
    os.path.join(config.tcc_src_root, "python")])
config.environment["TCC_BIN"] = config.tcc_tools_dir
# _tcc_native, the extension module behind tcc.compile (python/CMakeLists.txt).
config.environment["TCC_NATIVE_DIR"] = os.path.join(config.tcc_obj_root,
                                                    "python")
config.environment["OPENBLAS_NUM_THREADS"] = "1"
# Compilations made by tests are cached in the build tree, not in ~/.cache.
config.environment["TCC_CACHE_DIR"] = os.path.join(config.tcc_obj_root,
                                                   "test-cache")

# The CUDA backend: ptxas makes cubins when the toolkit is there; a GPU
# (a loadable libcuda.so.1) decides what running a cuda artifact does.
cuda_root = os.environ.get("CUDA_ROOT", "/usr/local/cuda")
if os.access(os.path.join(cuda_root, "bin", "ptxas"), os.X_OK):
    config.available_features.add("ptxas")
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass

if config.tcc_sanitized:
    config.available_features.add("asan")
    # LLVM's own allocations are not instrumented; only report real errors.
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1"

# The sanitizer build runs the tools' tests; it builds no GoogleTest suites.
if config.tcc_sanitized:
    config.excludes.append("Unit")

# Multi-rank tests (test/Distributed) run under OpenMPI, one test at a time
# (their parallelism group), one thread per rank, as root where the machine
# runs tests as root. Each run gets the communicator's own short timeout
# from its RUN line, and lit's timeout, if set, bounds a hang regardless.
import shutil
if shutil.which("mpirun"):
    config.available_features.add("mpi")
    config.substitutions.append(
        ("%mpirun", "env OMPI_ALLOW_RUN_AS_ROOT=1 "
         "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe "
         "--bind-to none"))
lit_config.parallelism_groups["mpi"] = 1
