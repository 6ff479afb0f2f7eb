"""Helpers of the ONNX importer's tests: export a PyTorch module (or write
an ONNX graph by hand), run it through `tcc import` -> `tcc compile` ->
`tcc run --weights`, and compare every output with PyTorch's.

Tolerance: f32, ||tcc - torch|| / max(||torch||, 1e-6) <= 1e-4 per output.
tcc's kernels sum in a different order than PyTorch's and use polynomial
exp/tanh/erf (relative error ~4e-7), which stays orders of magnitude below
1e-4 on these sizes; the floor keeps all-zero outputs from dividing by 0."""

import io
import os
import subprocess
import sys
import tempfile

import numpy as np

BIN = os.environ.get("TCC_BIN", "")
TCC = os.path.join(BIN, "tcc")
RTOL = 1e-4
FLOOR = 1e-6


def run(args, expect_ok=True):
    proc = subprocess.run(args, capture_output=True, text=True)
    if expect_ok and proc.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (
            " ".join(args), proc.returncode, proc.stdout, proc.stderr))
    return proc


def export(module, inputs, path, opset, input_names, output_names,
           dynamic_axes=None):
    import torch
    torch.onnx.export(module, tuple(inputs), path, opset_version=opset,
                      input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, do_constant_folding=True)


def import_compile_run(onnx_path, inputs, workdir, import_args=()):
    """Returns {output name: array} computed by tcc."""
    mlir = os.path.join(workdir, "model.mlir")
    weights = os.path.join(workdir, "model.safetensors")
    tccm = os.path.join(workdir, "model.tccm")
    out = os.path.join(workdir, "out")
    run([TCC, "import", onnx_path, "-o", mlir, "--weights", weights,
         *import_args])
    run([TCC, "compile", "--quiet", mlir, "-o", tccm])
    args = [TCC, "run", tccm, "--weights", weights, "--output-dir", out,
            "--quiet"]
    for name, value in inputs.items():
        path = os.path.join(workdir, name + ".npy")
        np.save(path, value)
        args += ["--input", "%s=@%s" % (name, path)]
    run(args)
    return {f[:-4]: np.load(os.path.join(out, f)) for f in os.listdir(out)}


class Suite:
    def __init__(self, name):
        self.name = name
        self.failures = 0
        self.checks = 0

    def compare(self, case, got, want):
        self.checks += 1
        want = np.asarray(want)
        if got.shape != want.shape:
            print("FAIL %s: shape %s, expected %s" % (case, got.shape,
                                                      want.shape))
            self.failures += 1
            return
        if want.dtype == np.bool_ or np.issubdtype(want.dtype, np.integer):
            ok = np.array_equal(got, want)
            err = 0.0 if ok else 1.0
        else:
            err = float(np.linalg.norm((got - want).ravel().astype(np.float64)) /
                        max(np.linalg.norm(want.ravel().astype(np.float64)),
                            FLOOR))
            ok = err <= RTOL
        print("%s %s: relative error %.2e" % ("ok  " if ok else "FAIL", case,
                                              err))
        if not ok:
            self.failures += 1

    def torch_case(self, case, module, inputs, opsets=(13, 17),
                   dynamic_axes=None, import_args=()):
        """Exports `module` at each opset and compares tcc with PyTorch."""
        import torch
        module.eval()
        names = ["in%d" % i for i in range(len(inputs))] \
            if len(inputs) > 1 else ["x"]
        with torch.no_grad():
            expected = module(*inputs)
        if not isinstance(expected, (tuple, list)):
            expected = [expected]
        out_names = ["y%d" % i for i in range(len(expected))]
        for opset in opsets:
            with tempfile.TemporaryDirectory() as work:
                path = os.path.join(work, "model.onnx")
                export(module, inputs, path, opset, names, out_names,
                       dynamic_axes)
                got = import_compile_run(
                    path, {n: t.numpy() for n, t in zip(names, inputs)}, work,
                    import_args)
                for name, want in zip(out_names, expected):
                    self.compare("%s opset %d %s" % (case, opset, name),
                                 got[name], want.numpy())

    def finish(self):
        print("%s: %d checks, %d failed" % (self.name, self.checks,
                                             self.failures))
        sys.exit(1 if self.failures else 0)
