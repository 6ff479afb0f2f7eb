# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# RUN: env TCC_E2E_BACKEND=cpu TCC_E2E_COMPILE_FLAGS=--matmul-epilogues %python %s
"""Matmul epilogues: the bias add and ReLU/tanh-GELU that the GEMM library
applies itself (cuBLASLt's CUBLASLT_EPILOGUE_*; the CPU runtime's BLAS path
with --matmul-epilogues). Each case is checked twice:

- its plan, for --target=cpu --matmul-epilogues and for --target=cuda (on
  by default there): which ops became the matmul command's epilogue, and
  that the chain is not taken when a value in it is needed elsewhere, the
  GELU is the erf one, the dtype is f64 or the add is not a bias;
- its results against PyTorch in float64, on the evaluator and the CPU
  backend with and without library epilogues (f32 tolerance 1e-5 relative
  per tensor; only the order of additions and tanh's last bits differ).
The cuda plans' numerics are checked on a GPU by the conformance run
(benchmarks/gpu), which records these cases like every e2e case.
"""

import json
import subprocess
import os

import numpy as np
import torch
import torch.nn.functional as F

import tcctest
from tcctest import Suite, func, ty

s = Suite("matmul_epilogues", seed=5)
rng = s.rng


def randn(shape, dt="f32"):
    return np.asarray(rng.standard_normal(shape), tcctest.NPDT[dt])


def t(a):
    return torch.from_numpy(np.asarray(a, np.float64))


def matmul_commands(model, target):
    """The matmul commands of `model`'s plan for `target`, and the number
    of kernels the plan launches."""
    path = os.path.join(s.tmp.name, "plan_model.mlir")
    with open(path, "w") as f:
        f.write(model)
    flags = ["--matmul-epilogues"] if target == "cpu" else []
    proc = subprocess.run([tcctest.TCC, "compile", path, f"--target={target}",
                           "--emit=plan", "-o", "-", "--no-cache", *flags],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return None, proc.stderr.strip()
    plan = json.loads(proc.stdout)
    matmuls = [c for c in plan["commands"] if c["op"] == "matmul"]
    kernels = sum(c["op"] == "kernel" for c in plan["commands"])
    return (matmuls, kernels), None


def case(name, model, inputs, want, bias, activation, kernels, m=None,
         dt="f32"):
    """Checks the plans (one matmul with the given epilogue, followed by
    `kernels` kernels) and the results."""
    for target in ("cpu", "cuda"):
        got, error = matmul_commands(model, target)
        if error is None:
            (matmuls, launched) = got
            described = [(("bias" in c), c.get("activation", "none"), c["m"])
                         for c in matmuls]
            expected = [(bias, activation, m or matmuls[0]["m"])]
            if described != expected or launched != kernels:
                error = (f"plan has matmuls {described} and {launched} "
                         f"kernels, expected {expected} and {kernels}")
        s.record("plan", f"{name} {target}", error)
    want = {n: np.asarray(v, np.float64 if dt == "f64" else np.float32)
            for n, v in want.items()}
    s.check("epilogue", name, model, inputs, want, "f32")


def linear_model(x_shape, w_shape, tail, dt="f32", transpose_rhs=True,
                 bias_shape=None, extra_results=()):
    """%p = x @ w^T, %b = broadcast(bias), then `tail` (ops on %p, %bb);
    returns y (and `extra_results`)."""
    n = w_shape[0] if transpose_rhs else w_shape[-1]
    out_shape = (*x_shape[:-1], n)
    attr = " {transpose_rhs}" if transpose_rhs else ""
    bias_shape = bias_shape or (n,)
    body = (f"%p = tcc.matmul %x, %w{attr} : ({ty(x_shape, dt)}, "
            f"{ty(w_shape, dt)}) -> {ty(out_shape, dt)}\n"
            f"%bb = tcc.broadcast %b : {ty(bias_shape, dt)} -> "
            f"{ty(out_shape, dt)}\n" + tail.format(t=ty(out_shape, dt)))
    results = [("y", "%y", ty(out_shape, dt)), *extra_results]
    return func([("x", ty(x_shape, dt)), ("w", ty(w_shape, dt)),
                 ("b", ty(bias_shape, dt))], body, results), out_shape


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


BIAS_RELU = "%a = tcc.add %p, %bb : {t}\n%y = tcc.relu %a : {t}"
BIAS_GELU = "%a = tcc.add %p, %bb : {t}\n%y = tcc.gelu %a approximate = tanh : {t}"

# nn.Linear + ReLU, PyTorch's [out, in] weight.
model, _ = linear_model((16, 64), (32, 64), BIAS_RELU)
x, w, b = randn((16, 64)), randn((32, 64)), randn((32,))
case("linear relu", model, {"x": x, "w": w, "b": b},
     {"y": F.relu(t(x) @ t(w).T + t(b)).numpy()}, True, "relu", 0)

# A GPT MLP's c_fc: [B, T, C] rows folded into one GEMM of B*T rows.
model, _ = linear_model((2, 8, 32), (128, 32), BIAS_GELU)
x, w, b = randn((2, 8, 32)), randn((128, 32)), randn((128,))
case("folded batch gelu_tanh", model, {"x": x, "w": w, "b": b},
     {"y": gelu_tanh(t(x) @ t(w).T + t(b)).numpy()}, True, "gelu_tanh", 0,
     m=16)

# The exact GELU is not cuBLASLt's: the bias is taken, the GELU is a kernel.
model, _ = linear_model(
    (16, 24), (24, 40), "%a = tcc.add %bb, %p : {t}\n%y = tcc.gelu %a : {t}",
    transpose_rhs=False)
x, w, b = randn((16, 24)), randn((24, 40)), randn((40,))
case("bias then erf gelu", model, {"x": x, "w": w, "b": b},
     {"y": F.gelu(t(x) @ t(w) + t(b)).numpy()}, True, "none", 1)

# ReLU straight after the product.
relu_model = func(
    [("x", ty((12, 20), "f32")), ("w", ty((20, 20), "f32"))],
    f"""%p = tcc.matmul %x, %w : ({ty((12, 20), "f32")}, {ty((20, 20), "f32")}) -> {ty((12, 20), "f32")}
%y = tcc.relu %p : {ty((12, 20), "f32")}""",
    [("y", "%y", ty((12, 20), "f32"))])
x, w, b = randn((12, 20)), randn((20, 20)), randn((1, 20))
case("relu without bias", relu_model, {"x": x, "w": w},
     {"y": F.relu(t(x) @ t(w)).numpy()}, False, "relu", 0)

# The bias as [1, n].
model, _ = linear_model((12, 20), (20, 20), "%y = tcc.add %p, %bb : {t}",
                        transpose_rhs=False, bias_shape=(1, 20))
case("bias of shape [1, n]", model, {"x": x, "w": w, "b": b},
     {"y": (t(x) @ t(w) + t(b)).numpy()}, True, "none", 0)

# The product is also a result: nothing may be absorbed.
model, shape = linear_model(
    (8, 16), (16, 16), BIAS_RELU, transpose_rhs=False,
    extra_results=[("p", "%p", ty((8, 16), "f32"))])
x, w, b = randn((8, 16)), randn((16, 16)), randn((16,))
case("product also returned", model, {"x": x, "w": w, "b": b},
     {"y": F.relu(t(x) @ t(w) + t(b)).numpy(), "p": (t(x) @ t(w)).numpy()},
     False, "none", 1)

# The pre-activation is also a result: the bias is taken, ReLU is not.
model, shape = linear_model(
    (8, 16), (16, 16), BIAS_RELU, transpose_rhs=False,
    extra_results=[("a", "%a", ty((8, 16), "f32"))])
case("pre-activation returned", model, {"x": x, "w": w, "b": b},
     {"y": F.relu(t(x) @ t(w) + t(b)).numpy(),
      "a": (t(x) @ t(w) + t(b)).numpy()}, True, "none", 1)

# The broadcast bias is read again: taken, its broadcast stays.
model, shape = linear_model(
    (8, 16), (16, 16), BIAS_RELU + "\n%z = tcc.mul %bb, %bb : {t}",
    transpose_rhs=False, extra_results=[("z", "%z", ty((8, 16), "f32"))])
case("bias read again", model, {"x": x, "w": w, "b": b},
     {"y": F.relu(t(x) @ t(w) + t(b)).numpy(),
      "z": (t(b) * t(b)).expand(8, 16).numpy()}, True, "relu", 1)

# A residual add is not a bias.
res_model = func(
    [("x", ty((8, 16), "f32")), ("w", ty((16, 16), "f32")),
     ("r", ty((8, 16), "f32"))],
    f"""%p = tcc.matmul %x, %w : ({ty((8, 16), "f32")}, {ty((16, 16), "f32")}) -> {ty((8, 16), "f32")}
%a = tcc.add %p, %r : {ty((8, 16), "f32")}
%y = tcc.relu %a : {ty((8, 16), "f32")}""",
    [("y", "%y", ty((8, 16), "f32"))])
r = randn((8, 16))
case("residual add", res_model, {"x": x, "w": w, "r": r},
     {"y": F.relu(t(x) @ t(w) + t(r)).numpy()}, False, "none", 1)

# A batched matmul (both operands batched): the bias is added to every
# batch; the batch is not folded.
bmm_model = func(
    [("x", ty((3, 4, 6), "f32")), ("w", ty((3, 6, 5), "f32")),
     ("b", ty((5,), "f32"))],
    f"""%p = tcc.matmul %x, %w : ({ty((3, 4, 6), "f32")}, {ty((3, 6, 5), "f32")}) -> {ty((3, 4, 5), "f32")}
%bb = tcc.broadcast %b : {ty((5,), "f32")} -> {ty((3, 4, 5), "f32")}
%a = tcc.add %p, %bb : {ty((3, 4, 5), "f32")}
%y = tcc.gelu %a approximate = tanh : {ty((3, 4, 5), "f32")}""",
    [("y", "%y", ty((3, 4, 5), "f32"))])
x3, w3, b3 = randn((3, 4, 6)), randn((3, 6, 5)), randn((5,))
case("batched gelu_tanh", bmm_model, {"x": x3, "w": w3, "b": b3},
     {"y": gelu_tanh(t(x3) @ t(w3) + t(b3)).numpy()}, True, "gelu_tanh", 0)

# A transposed lhs cannot fold its batch into rows; the epilogue holds.
tl_model = func(
    [("x", ty((2, 6, 4), "f32")), ("w", ty((6, 5), "f32")),
     ("b", ty((5,), "f32"))],
    f"""%p = tcc.matmul %x, %w {{transpose_lhs}} : ({ty((2, 6, 4), "f32")}, {ty((6, 5), "f32")}) -> {ty((2, 4, 5), "f32")}
%bb = tcc.broadcast %b : {ty((5,), "f32")} -> {ty((2, 4, 5), "f32")}
%a = tcc.add %p, %bb : {ty((2, 4, 5), "f32")}
%y = tcc.relu %a : {ty((2, 4, 5), "f32")}""",
    [("y", "%y", ty((2, 4, 5), "f32"))])
xt, wt, bt = randn((2, 6, 4)), randn((6, 5)), randn((5,))
case("transposed lhs relu", tl_model, {"x": xt, "w": wt, "b": bt},
     {"y": F.relu(t(xt).transpose(1, 2) @ t(wt) + t(bt)).numpy()}, True,
     "relu", 0, m=4)

# f64: the epilogue stays a kernel (cuBLASLt documents it for f32 and the
# half types).
model, _ = linear_model((6, 8), (4, 8), BIAS_RELU, dt="f64")
x6, w6, b6 = randn((6, 8), "f64"), randn((4, 8), "f64"), randn((4,), "f64")
case("f64 stays a kernel", model, {"x": x6, "w": w6, "b": b6},
     {"y": F.relu(t(x6) @ t(w6).T + t(b6)).numpy()}, False, "none", 1,
     dt="f64")

s.finish()
