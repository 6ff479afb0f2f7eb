"""Shared helpers of the end-to-end numerical tests (test/e2e/*.py).

A test builds a small model in MLIR, runs it with `tcc eval` on NumPy inputs
and compares each result with an independent reference (NumPy or PyTorch):

  suite = tcctest.Suite("elementwise")
  x = suite.rng.standard_normal((3, 4))
  model = tcctest.func([("x", tcctest.ty((3, 4), "f64"))],
                       "%y = tcc.exp %x : tensor<3x4xf64>",
                       [("y", "%y", tcctest.ty((3, 4), "f64"))])
  suite.check("exp", "f64 3x4", model, {"x": x}, {"y": np.exp(x)}, "f64")
  suite.finish()

Tolerances (per result tensor, rel = ||got - want||_2 / max(||want||_2, FLOOR)):
  f64: 1e-12, f32: 1e-5; integers and i1 exactly; f16 and bf16 elementwise
  within one ulp of the dtype at the reference value (`ulp=` mode). FLOOR =
  1e-6 is an absolute floor, so a reference that is (nearly) all zeros is
  compared by its absolute error instead of dividing by ~0. NaN and inf must
  appear at the same positions in both; the rest is compared as above.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np

TOLERANCE = {"f64": 1e-12, "f32": 1e-5}
FLOOR = 1e-6

# The .npy dtype of each tcc element type (bf16 has none: tcc writes bf16
# results as f32, and bf16 inputs must be cast inside the model).
NPDT = {"f64": np.float64, "f32": np.float32, "f16": np.float16,
        "bf16": np.float32, "i64": np.int64, "i32": np.int32, "i1": np.bool_}

TCC = os.path.join(os.environ.get("TCC_BIN", ""), "tcc")

# Which implementation runs the models: "eval" (the reference evaluator) or
# "cpu" (tcc compile + tcc run: the compiled CPU backend). The same cases
# and tolerances hold for both, against the same independent references.
BACKEND = os.environ.get("TCC_E2E_BACKEND", "eval")

# Extra `tcc compile` flags for the cpu backend (space-separated), e.g.
# --matmul-epilogues to run the BLAS path's own epilogues.
COMPILE_FLAGS = os.environ.get("TCC_E2E_COMPILE_FLAGS", "").split()

# With TCC_E2E_RECORD_CUDA=DIR, every checked case is also compiled for
# --target=cuda and recorded under DIR/<suite>/<n>/ (model.tccm, its inputs,
# the reference results and the tolerance), for a GPU machine to run with
# benchmarks/gpu/check_conformance.py; a case that does not compile for cuda
# fails here.
RECORD_CUDA = os.environ.get("TCC_E2E_RECORD_CUDA", "")

# Flags that only the evaluator has: cases using them run in the evaluator
# whatever the backend.
EVAL_ONLY_FLAGS = ("--f64",)


def ty(shape, dtype):
    """The MLIR tensor type of `shape` and `dtype`: tensor<2x3xf32>."""
    dims = "".join(f"{d}x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def func(args, body, results, attrs="", prelude=""):
    """A module with one function @main.

    args: [(name, type[, extra attributes])], bound to SSA values %name and
    tcc.name "name". results: [(name, ssa, type[, extra attributes])].
    body: the ops, one per line.
    """
    def attr(n, rest):
        return f'{{tcc.name = "{n}"{", " + rest[0] if rest else ""}}}'
    params = ",\n    ".join(f"%{n}: {t} {attr(n, rest)}"
                             for n, t, *rest in args)
    outs = ", ".join(f"{t} {attr(n, rest)}" for n, _, t, *rest in results)
    ret = ", ".join(r[1] for r in results)
    ret_types = ", ".join(r[2] for r in results)
    attr_text = f" attributes {{{attrs}}}" if attrs else ""
    lines = "\n  ".join(l for l in body.strip().splitlines())
    return (f"{prelude}\nfunc.func @main(\n    {params})\n    -> ({outs})"
            f"{attr_text} {{\n  {lines}\n  return {ret} : {ret_types}\n}}\n")


def unary(op, shape, dtype, extra="", out_dtype=None):
    """A model `%y = tcc.<op> %x` with one input x and one result y."""
    t = ty(shape, dtype)
    return func([("x", t)], f"%y = tcc.{op} %x {extra}: {t}",
                [("y", "%y", ty(shape, out_dtype or dtype))])


def binary(op, shape, dtype):
    """A model `%z = tcc.<op> %x, %y` with inputs x, y and result z."""
    t = ty(shape, dtype)
    return func([("x", t), ("y", t)], f"%z = tcc.{op} %x, %y : {t}",
                [("z", "%z", t)])


def _tcc(args):
    """Runs tcc; returns None or an error text."""
    try:
        proc = subprocess.run([TCC, *args], capture_output=True, text=True,
                              timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot run {TCC} (TCC_BIN is the bin folder): {e}"
    if proc.returncode != 0:
        return f"tcc {args[0]} exited {proc.returncode}: {proc.stderr.strip()}"
    return None


def run_eval(model, inputs, workdir, flags=()):
    """Runs `model` with `inputs` ({name: array}) on BACKEND; returns
    ({result name: array}, None) or (None, error text)."""
    path = os.path.join(workdir, "model.mlir")
    with open(path, "w") as f:
        f.write(model)
    bound = []
    for name, value in inputs.items():
        file = os.path.join(workdir, f"in_{name}.npy")
        np.save(file, value)
        bound.append(f"--input={name}=@{file}")
    out_dir = os.path.join(workdir, "out")
    if BACKEND == "cpu" and not any(f in EVAL_ONLY_FLAGS for f in flags):
        artifact = os.path.join(workdir, "model.tccm")
        error = (_tcc(["compile", path, "-o", artifact, "--quiet", "--no-cache",
                       *COMPILE_FLAGS])
                 or _tcc(["run", artifact, "--output-dir", out_dir, "--quiet",
                          *bound, *flags]))
    else:
        error = _tcc(["eval", path, "--output-dir", out_dir, "--quiet", *bound,
                      *flags])
    if error:
        return None, error
    out = {}
    for file in os.listdir(os.path.join(workdir, "out")):
        out[file[:-4]] = np.load(os.path.join(workdir, "out", file))
    return out, None


def ulp(values, dtype):
    """One unit in the last place of `dtype` (f16, bf16) at each value."""
    v = np.abs(np.asarray(values, np.float64))
    mantissa, min_exp = {"f16": (10, -14), "bf16": (7, -126)}[dtype]
    exp = np.floor(np.log2(np.where(v > 0, v, 1.0)))
    exp = np.maximum(np.where(v > 0, exp, min_exp), min_exp)
    return np.exp2(exp - mantissa)


MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32_10(counter, key):
    """Philox-4x32-10 (Salmon et al., SC'11) on arrays of 32-bit words held
    in uint64; written from the paper, independently of tcc's Philox.h."""
    c0, c1, c2, c3 = (np.asarray(c, np.uint64) for c in counter)
    k0, k1 = (np.uint64(k) for k in key)
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c0  # < 2^64: no wraparound
        p1 = np.uint64(0xCD9E8D57) * c2
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & MASK32,
                          (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & MASK32)
        k0 = (k0 + np.uint64(0x9E3779B9)) & MASK32
        k1 = (k1 + np.uint64(0xBB67AE85)) & MASK32
    return [int(w) if np.ndim(w) == 0 else w for w in (c0, c1, c2, c3)]


def dropout_keep_mask(n, seed, stream, rate):
    """tcc.dropout's keep(i) for elements 0..n-1: counter (i_lo, i_hi,
    stream_lo, stream_hi), key (seed_lo, seed_hi), u = (word0 >> 8) * 2^-24,
    keep = u >= rate."""
    index = np.arange(n, dtype=np.uint64)
    seed, stream = seed % 2**64, stream % 2**64
    words = philox4x32_10(
        (index & MASK32, index >> np.uint64(32),
         np.full(n, stream & 0xFFFFFFFF, np.uint64),
         np.full(n, stream >> 32, np.uint64)),
        (seed & 0xFFFFFFFF, seed >> 32))
    u = (words[0] >> np.uint64(8)).astype(np.float64) * 2.0**-24
    return u >= rate


def compare(got, want, mode):
    """None if `got` matches `want` under `mode` ("exact", "ulp:<dtype>" or
    a relative tolerance), else a description of the mismatch; the second
    value is the measured error."""
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        return f"shape {got.shape}, expected {want.shape}", None
    if got.dtype != want.dtype:
        return f"dtype {got.dtype}, expected {want.dtype}", None
    if mode == "exact" or got.dtype.kind in "biu":
        bad = got != want
        if got.dtype.kind == "f":
            bad &= ~(np.isnan(got) & np.isnan(want))
        if bad.any():
            i = tuple(np.argwhere(bad)[0])
            return (f"{int(bad.sum())} of {got.size} elements differ; first at "
                    f"{i}: got {got[i]!r}, expected {want[i]!r}"), None
        return None, 0.0
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    special = ~np.isfinite(w)
    same = np.where(special, (g == w) | (np.isnan(g) & np.isnan(w)),
                    np.isfinite(g))
    if not same.all():
        i = tuple(np.argwhere(~same)[0])
        return f"NaN/inf mismatch at {i}: got {g[i]!r}, expected {w[i]!r}", None
    g, w = g[~special], w[~special]
    if isinstance(mode, str) and mode.startswith("ulp:"):
        err = np.abs(g - w) / ulp(w, mode[4:])
        worst = float(err.max()) if err.size else 0.0
        if worst > 1.0:
            i = int(np.argmax(err))
            return (f"{worst:.3g} ulp (at finite element {i}: got {g[i]!r}, "
                    f"expected {w[i]!r})"), worst
        return None, worst
    rel = float(np.linalg.norm(g - w) / max(np.linalg.norm(w), FLOOR))
    if not rel <= mode:
        i = int(np.argmax(np.abs(g - w)))
        return (f"rel={rel:.3g} > {mode:g}; largest difference at flat index "
                f"{i}: got {g[i]!r}, expected {w[i]!r}"), rel
    return None, rel


class Suite:
    """Runs cases, prints one line per case and exits non-zero at the end if
    any failed."""

    def __init__(self, name, seed=0):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.failures = []
        self.count = 0
        self.tmp = tempfile.TemporaryDirectory(prefix=f"tcc-e2e-{name}-")

    def evaluate(self, model, inputs, flags=()):
        """Runs the model; returns (outputs, error)."""
        self.count += 1
        workdir = os.path.join(self.tmp.name, str(self.count))
        os.makedirs(workdir)
        inputs = {n: np.asarray(v) for n, v in inputs.items()}
        return run_eval(model, inputs, workdir, flags)

    def check(self, op, case, model, inputs, expected, tol, flags=()):
        """Evaluates `model` and compares each result in `expected`.

        tol: "f64"/"f32" (the dtype's tolerance), a number, "exact" or
        "ulp:f16"/"ulp:bf16".
        """
        mode = TOLERANCE.get(tol, tol)
        shapes = ", ".join(f"{n}:{np.shape(v)}" for n, v in inputs.items())
        out, error = self.evaluate(model, inputs, flags)
        worst = 0.0
        if error is None:
            for name, want in expected.items():
                if name not in out:
                    error = f"no result '{name}' (got {sorted(out)})"
                    break
                error, measured = compare(out[name], want, mode)
                if error:
                    error = f"result '{name}': {error}"
                    break
                worst = max(worst, measured)
        metric = ("ulp" if str(mode).startswith("ulp") else
                  "exact" if mode == "exact" else "rel")
        if RECORD_CUDA and error is None and not any(
                f in EVAL_ONLY_FLAGS for f in flags):
            error = self.record_for_cuda(op, case, model, inputs, expected,
                                         mode, flags)
        self.record(op, case, error, worst, shapes, model, metric)

    def record_for_cuda(self, op, case, model, inputs, expected, mode, flags):
        """Compiles the case for cuda into the record folder; returns None or
        the compiler's error."""
        import json
        folder = os.path.join(RECORD_CUDA, self.name, str(self.count))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "model.mlir")
        with open(path, "w") as f:
            f.write(model)
        error = _tcc(["compile", path, "--target=cuda", "-o",
                      os.path.join(folder, "model.tccm"), "--quiet",
                      "--no-cache"])
        if error:
            return f"cuda: {error}"
        for name, value in inputs.items():
            np.save(os.path.join(folder, f"in_{name}.npy"), np.asarray(value))
        for name, value in expected.items():
            np.save(os.path.join(folder, f"want_{name}.npy"), np.asarray(value))
        with open(os.path.join(folder, "case.json"), "w") as f:
            json.dump({"op": op, "case": case, "mode": mode,
                       "flags": list(flags), "inputs": sorted(inputs),
                       "results": sorted(expected)}, f)
        return None

    def record(self, op, case, error, measure=0.0, shapes="", model="",
               metric="exact"):
        if error is None:
            value = "" if metric == "exact" else f"={measure:.3g}"
            print(f"PASS {op} {case} {metric}{value}")
            return
        print(f"FAIL {op} {case} [{shapes}]: {error}")
        if os.environ.get("TCC_E2E_VERBOSE"):
            print(model)
        self.failures.append((op, case))

    def finish(self):
        print(f"{self.name}: {self.count} evaluations, "
              f"{len(self.failures)} failed")
        sys.exit(1 if self.failures else 0)
