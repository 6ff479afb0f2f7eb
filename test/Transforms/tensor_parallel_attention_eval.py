# RUN: %python %s %t
"""The attention block split per head (tp = 2) computes the single-device
step: both train steps (tcc-opt -tcc-train-step, SGD) are evaluated by
`tcc eval` (the tp one on its simulated mesh of 2 devices) on the same
user tensors, the fused qkv weight given in the user's [24, 8] shape that
the tp step views as [3, 8, 8]. The loss and every updated parameter
agree within 1e-6 relative per tensor (f32; only the order of additions
differs), and the updated qkv weight comes back in the user's shape.
A qkv weight in the view's shape is refused with the shape expected."""

import os
import subprocess
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
BIN = os.environ["TCC_BIN"]
INPUT = os.path.join(os.path.dirname(__file__), "Inputs",
                     "attention_block.mlir")
rng = np.random.default_rng(3)
arrays = {
    "x": rng.standard_normal((2, 4, 8)), "target": rng.standard_normal((2, 4, 8)),
    "ln_1.weight": 1 + 0.1 * rng.standard_normal(8),
    "ln_1.bias": 0.1 * rng.standard_normal(8),
    "attn.c_attn.weight": 0.3 * rng.standard_normal((24, 8)),
    "attn.c_attn.bias": 0.1 * rng.standard_normal(24),
    "attn.c_proj.weight": 0.3 * rng.standard_normal((8, 8)),
    "attn.c_proj.bias": 0.1 * rng.standard_normal(8),
    "lr": np.array(0.1),
}
inputs = []
for name, value in arrays.items():
    path = os.path.join(out, f"{name}.npy")
    np.save(path, value.astype(np.float32))
    inputs.append(f"--input={name}=@{path}")
np.save(os.path.join(out, "step.npy"), np.array(0, np.int64))
inputs.append(f"--input=step=@{os.path.join(out, 'step.npy')}")

results = {}
for label, options in (("one", "optimizer=sgd"),
                       ("tp", "optimizer=sgd tensor-parallel=2")):
    step = os.path.join(out, f"{label}.mlir")
    subprocess.run([os.path.join(BIN, "tcc-opt"), INPUT,
                    f"-tcc-train-step={options}", "-o", step], check=True)
    folder = os.path.join(out, label)
    subprocess.run([os.path.join(BIN, "tcc"), "eval", step, "--quiet",
                    "--entry=train_step",
                    "--output-dir", folder, *inputs], check=True)
    results[label] = {f[:-4]: np.load(os.path.join(folder, f))
                      for f in os.listdir(folder)}

failures = 0
for name, want in sorted(results["one"].items()):
    got = results["tp"][name]
    error = (np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-6)
             if got.shape == want.shape else float("inf"))
    ok = error <= 1e-6
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name} {got.shape}: {error:.1e}")

# The view's own shape is not what the user holds.
np.save(os.path.join(out, "view.npy"), np.zeros((3, 8, 8), np.float32))
refused = subprocess.run(
    [os.path.join(BIN, "tcc"), "eval", os.path.join(out, "tp.mlir"),
     "--entry=train_step",
     *[i for i in inputs if not i.startswith("--input=attn.c_attn.weight=")],
     f"--input=attn.c_attn.weight=@{os.path.join(out, 'view.npy')}"],
    capture_output=True, text=True)
expected = "expects tensor<24x8xf32>"
ok = refused.returncode != 0 and expected in refused.stderr
failures += not ok
print(f"{'ok  ' if ok else 'FAIL'} a [3, 8, 8] qkv weight is refused: "
      f"{refused.stderr.strip()}")
sys.exit(1 if failures else 0)
