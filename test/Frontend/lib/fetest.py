"""Helpers of the PyTorch frontend tests (test/Frontend/*.py).

A case traces a module with tcc.trace, saves the IR and the weights, checks
the IR with tcc-opt, runs it on the same inputs with `tcc eval` (the
reference evaluator) or `tcc compile` + `tcc run --weights` (the CPU
backend), and compares every result with what PyTorch computed:

    suite = fetest.Suite("ops")
    suite.check("linear", nn.Linear(4, 3), (torch.randn(2, 4),))
    suite.finish()

Tolerance, per result tensor: rel = ||got - want||_2 / max(||want||_2, FLOOR)
<= 1e-4. tcc and PyTorch compute in f32 with different summation orders
(blocked GEMMs, pairwise vs compensated reductions) and different
approximations of erf/exp/tanh, which moves results by a few ulps per op;
1e-4 leaves room for the few dozen ops of the examples and catches any
wrong op, broadcast or dimension, which are off by O(1). FLOOR = 1e-2 makes
results that are (nearly) zero in PyTorch compare by absolute error
(||got - want|| <= 1e-6) instead of dividing by ~0. Integer and bool
results must match exactly.
"""

import copy
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

import tcc

TOLERANCE = 1e-4
FLOOR = 1e-2

BIN = os.environ.get("TCC_BIN", "")
TCC = os.path.join(BIN, "tcc")
TCC_OPT = os.path.join(BIN, "tcc-opt")


def run_tool(args, expect_ok=True):
    """Runs a tool; returns (returncode, stdout + stderr)."""
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    if expect_ok and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{out}")
    return proc.returncode, out


def flatten_outputs(out):
    """PyTorch's outputs in tcc.trace's order: dict values, tuple items,
    nested, without the Nones."""
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in flatten_outputs(item)]
    return []


def to_numpy(t):
    return t.detach().cpu().numpy()


def compare(got, want):
    """None if `got` matches `want`, else what differs; plus the error."""
    if got.shape != want.shape:
        return f"shape {got.shape}, expected {want.shape}", None
    if got.dtype != want.dtype:
        return f"dtype {got.dtype}, expected {want.dtype}", None
    if got.dtype.kind in "biu":
        bad = got != want
        return (f"{int(bad.sum())} of {got.size} elements differ" if bad.any()
                else None), 0.0
    g, w = got.astype(np.float64), want.astype(np.float64)
    finite = np.isfinite(w)
    if not np.array_equal(np.isfinite(g), finite) or not np.array_equal(
            g[~finite], w[~finite]):
        return "inf/NaN at different positions", None
    g, w = g[finite], w[finite]
    rel = float(np.linalg.norm(g - w) / max(np.linalg.norm(w), FLOOR))
    if not rel <= TOLERANCE:
        i = int(np.argmax(np.abs(g - w)))
        return f"rel={rel:.3g} > {TOLERANCE:g} (worst: got {g[i]!r}, expected {w[i]!r})", rel
    return None, rel


class Suite:
    """Runs cases, prints one line per case, exits non-zero if any failed."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.count = 0
        self.tmp = tempfile.TemporaryDirectory(prefix=f"tcc-frontend-{name}-")
        self.started = time.time()

    def workdir(self):
        self.count += 1
        path = os.path.join(self.tmp.name, str(self.count))
        os.makedirs(path)
        return path

    def reference(self, module, inputs):
        """PyTorch's outputs and, for a module that updates its buffers
        (BatchNorm in training), the new buffers, from a copy of it."""
        module = copy.deepcopy(module)
        with torch.no_grad():
            out = module(*inputs) if isinstance(inputs, tuple) else module(**inputs)
        return flatten_outputs(out), dict(module.named_buffers())

    def execute(self, traced, feeds, backend, workdir):
        """Saves `traced`, runs it with `feeds` ({input name: tensor});
        returns {result name: array}."""
        model = os.path.join(workdir, "model.mlir")
        weights = os.path.join(workdir, "model.safetensors")
        traced.save(model, weights=weights)
        run_tool([TCC_OPT, model, "-o", os.devnull])
        bound = []
        tensors = dict(feeds)
        if backend == "eval":  # the evaluator binds weights as inputs too
            tensors.update(traced.weights)
        for name, value in tensors.items():
            path = os.path.join(workdir, f"in_{len(bound)}.npy")
            np.save(path, to_numpy(value))
            bound.append(f"--input={name}=@{path}")
        out_dir = os.path.join(workdir, "out")
        if backend == "cpu":
            artifact = os.path.join(workdir, "model.tccm")
            run_tool([TCC, "compile", model, "-o", artifact, "--quiet"])
            run_tool([TCC, "run", artifact, "--weights", weights, "--output-dir",
                      out_dir, "--quiet", *bound])
        else:
            run_tool([TCC, "eval", model, "--output-dir", out_dir, "--quiet", *bound])
        return {f[:-4]: np.load(os.path.join(out_dir, f)) for f in os.listdir(out_dir)}

    def check(self, name, module, inputs, backend="eval", expected=None, seed=None):
        """Traces `module` on `inputs` (a tuple, or a dict by name) and
        compares every result with PyTorch's: the outputs in order, and the
        buffers the module updates. `expected` overrides the reference
        ({result name: tensor}); `seed` is fed to a model with dropout."""
        start = time.time()
        try:
            traced = tcc.trace(module, inputs)
            feeds = dict(zip(traced.input_names, [
                v for v in (inputs.values() if isinstance(inputs, dict) else inputs)
                if isinstance(v, torch.Tensor)]))
            if seed is not None:
                feeds["seed"] = torch.tensor(seed, dtype=torch.int64)
            got = self.execute(traced, feeds, backend, self.workdir())
            if expected is None:
                outs, buffers = self.reference(module, inputs)
                names = [r[0] for r in traced.results if r[1] != "buffer"]
                expected = dict(zip(names, outs))
                expected.update({r[0]: buffers[r[0]] for r in traced.results
                                 if r[1] == "buffer"})
            error, worst = None, 0.0
            for result, want in expected.items():
                if result not in got:
                    error = f"no result '{result}' (got {sorted(got)})"
                    break
                error, rel = compare(got[result], to_numpy(want))
                if error:
                    error = f"result '{result}': {error}"
                    break
                worst = max(worst, rel)
        except Exception as e:  # report the case, go on with the others
            error = f"{type(e).__name__}: {e}"
        self.record(name, backend, error, f"rel={worst:.2g}" if not error else "",
                    time.time() - start)

    def expect_error(self, name, fn, exception, *fragments):
        """fn() must raise `exception` whose message has every fragment."""
        try:
            fn()
            error = f"no {exception.__name__} raised"
        except exception as e:
            missing = [f for f in fragments if f not in str(e)]
            error = (f"message lacks {missing}:\n{e}" if missing else None)
        except Exception as e:
            error = f"{type(e).__name__} instead of {exception.__name__}: {e}"
        self.record(name, "error", error)

    def record(self, name, kind, error, detail="", seconds=None):
        if error is None:
            took = f" ({seconds:.2f}s)" if seconds is not None else ""
            print(f"PASS {name} [{kind}] {detail}{took}")
        else:
            print(f"FAIL {name} [{kind}]: {error}")
            self.failures.append(name)

    def finish(self):
        total = time.time() - self.started
        print(f"{self.name}: {len(self.failures)} failed ({total:.1f}s)")
        sys.exit(1 if self.failures else 0)
