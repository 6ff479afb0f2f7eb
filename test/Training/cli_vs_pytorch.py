# RUN: %python %s %t
"""`tcc compile --train` + `tcc run --steps` on examples/mlp.mlir against
PyTorch: the same initial weights and data (scripts/make_training_data.py),
batches in order, 16 steps of SGD with momentum and of AdamW (also with
cross-entropy label smoothing); every step's
loss and the saved parameters must agree (relative error <= 1e-4, as in
train_vs_pytorch.py, which says why)."""

import os
import re
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

from tcc import safetensors

out = sys.argv[1]
root = os.path.join(os.path.dirname(__file__), "..", "..")
tcc = os.path.join(os.environ["TCC_BIN"], "tcc")
os.makedirs(out, exist_ok=True)
subprocess.run([sys.executable, os.path.join(root, "scripts",
                                             "make_training_data.py"), out,
                "--batches", "8", "--seed", "3"], check=True)
STEPS = 16
failures = 0


def report(case, error):
    global failures
    ok = error <= 1e-4
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {case}: relative error {error:.2e}")


def train_with_tcc(flags, save, smoothing=0.0):
    source = os.path.join(root, "examples", "mlp.mlir")
    if smoothing:
        # torch 1.13 cannot trace cross_entropy(label_smoothing=...)
        # (index_put_), so the attribute goes into the example's IR.
        with open(source) as f:
            text = f.read().replace(
                "tcc.cross_entropy %logits, %labels",
                "tcc.cross_entropy %logits, %labels "
                f"{{label_smoothing = {smoothing!r} : f64}}")
        source = os.path.join(out, "mlp-smoothed.mlir")
        with open(source, "w") as f:
            f.write(text)
    model = os.path.join(out, "train.tccm")
    subprocess.run([tcc, "compile", "--quiet", "--train", *flags,
                    source, "-o", model], check=True)
    run = subprocess.run([tcc, "run", model, "--weights",
                          os.path.join(out, "mlp-init.safetensors"), "--data",
                          os.path.join(out, "mlp-data.npz"), "--steps",
                          str(STEPS), "--save", save],
                         capture_output=True, text=True, check=True)
    return [float(m) for m in re.findall(r"^step \d+ loss (\S+)", run.stderr,
                                         re.M)]


def train_with_torch(make_optimizer, smoothing=0.0):
    weights, _ = safetensors.load(os.path.join(out, "mlp-init.safetensors"))
    params = {k: v.clone().requires_grad_(True) for k, v in weights.items()}
    data = np.load(os.path.join(out, "mlp-data.npz"))
    x, labels = torch.from_numpy(data["x"]), torch.from_numpy(data["labels"])
    optimizer = make_optimizer(list(params.values()))
    losses = []
    for step in range(STEPS):
        rows = slice(16 * (step % 8), 16 * (step % 8) + 16)
        hidden = F.gelu(F.linear(x[rows], params["fc1.weight"], params["fc1.bias"]))
        logits = F.linear(hidden, params["fc2.weight"], params["fc2.bias"])
        loss = F.cross_entropy(logits, labels[rows],
                               label_smoothing=smoothing)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return losses, params


for case, flags, make, smoothing in [
        ("sgd momentum", ["--optimizer=sgd", "--lr=0.1", "--momentum=0.9"],
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), 0.0),
        ("adamw", ["--optimizer=adamw", "--lr=0.003"],
         lambda p: torch.optim.AdamW(p, lr=0.003), 0.0),
        ("adamw label smoothing 0.1", ["--optimizer=adamw", "--lr=0.003"],
         lambda p: torch.optim.AdamW(p, lr=0.003), 0.1)]:
    save = os.path.join(out, "trained.safetensors")
    got = train_with_tcc(flags, save, smoothing)
    want, params = train_with_torch(make, smoothing)
    report(f"{case}: {len(got)} losses (worst step)",
           max(abs(g - w) / abs(w) for g, w in zip(got, want))
           if len(got) == STEPS else 1.0)
    trained, _ = safetensors.load(save)
    report(f"{case}: parameters saved by --save (worst)",
           max(float((trained[n] - p.detach()).norm() / p.detach().norm())
               for n, p in params.items()))
    report(f"{case}: the loss goes down", 0.0 if got[-1] < got[0] else 1.0)

print(f"{failures} failed")
sys.exit(1 if failures else 0)
