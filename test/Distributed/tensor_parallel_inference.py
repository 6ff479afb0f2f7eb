# REQUIRES: mpi
# RUN: %python %s %t "%mpirun"
"""Inference split over tp (`tcc compile --mesh=tp=2 model.mlir`, no
--train): the example GPT's forward (logits and loss) becomes a
per-device program with Megatron's splits (MLPs, attention per head, the
token table tied to the head), run by `mpirun -np 2 tcc run` on the
user's whole tensors. Its outputs are compared with PyTorch's (f32,
||a-b||/||b|| <= 1e-4: tcc's exp and the summation order differ, ~1e-6
observed) and with the single-device artifact (<= 1e-5); `--explain`
shows the split."""

import os
import re
import subprocess
import sys

import numpy as np
import torch

import tcc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "pytorch"))
import gpt  # noqa: E402

out, mpirun = sys.argv[1], sys.argv[2].split()
os.makedirs(out, exist_ok=True)
TCC = os.path.join(os.environ["TCC_BIN"], "tcc")
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", TCC_GEMM="openblas")
failures = 0


def check(ok, message):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {message}")


def error(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-6))


torch.manual_seed(0)
model = gpt.GPT(gpt.GPTConfig(dropout=0.0)).eval()
idx = torch.randint(0, 64, (4, 16))
targets = torch.randint(0, 64, (4, 16))
ir, weights = os.path.join(out, "gpt.mlir"), os.path.join(out, "gpt.safetensors")
tcc.trace(model, (idx, targets)).save(ir, weights=weights)
with torch.no_grad():
    logits, loss = model(idx, targets)
inputs = []
for name, value in (("idx", idx), ("targets", targets)):
    np.save(os.path.join(out, f"{name}.npy"), value.numpy())
    inputs.append(f"--input={name}=@{os.path.join(out, name + '.npy')}")

explained = subprocess.run(
    [TCC, "compile", "--quiet", "--mesh=tp=2", "--explain", ir, "-o",
     os.path.join(out, "tp2.tccm")], capture_output=True, text=True,
    check=True).stdout
split = set(re.findall(r"^\s+(\S+)\s+parameter\s+\S+\[[^]]*\]\s+dim \d split "
                       r"over tp", explained, re.M))
check({"transformer.wte.weight", "transformer.h.0.mlp.c_fc.weight",
       "transformer.h.1.attn.c_attn.weight"} <= split,
      f"--explain: {len(split)} parameters split over tp")
subprocess.run([TCC, "compile", "--quiet", ir, "-o",
                os.path.join(out, "one.tccm")], check=True)

results = {}
for label, launch in (("one", []), ("tp2", mpirun + ["-np", "2"])):
    folder = os.path.join(out, label)
    run = subprocess.run(launch + [TCC, "run", os.path.join(out, f"{label}.tccm"),
                                   "--weights", weights, *inputs,
                                   "--output-dir", folder],
                         capture_output=True, text=True, env=ENV)
    if run.returncode:
        sys.exit(f"tcc run ({label}) failed:\n{run.stdout}\n{run.stderr}")
    results[label] = {n: np.load(os.path.join(folder, f"{n}.npy"))
                      for n in ("output0", "loss")}
want = {"output0": logits.numpy(), "loss": loss.numpy()}
for name in ("output0", "loss"):
    got = results["tp2"][name]
    check(got.shape == want[name].shape and
          error(got, want[name]) <= 1e-4,
          f"tp=2 {name} against PyTorch: {error(got, want[name]):.1e}")
    check(error(got, results["one"][name]) <= 1e-5,
          f"tp=2 {name} against one device: "
          f"{error(got, results['one'][name]):.1e}")
sys.exit(1 if failures else 0)
