#!/usr/bin/python3
"""Rematerialization: the training step's measured peak memory and its
losses with and without `tcc compile --train --remat=...`.

Usage (from the repository root, after `make`):

  PYTHONPATH=python /usr/bin/python3 benchmarks/cpu/remat_memory.py [--steps 5]

For each model: trace it (tcc.trace), compile its AdamW training step with
each --remat setting, train --steps steps with `tcc run` on the same
weights and batches, and print the peak memory the runtime measured (the
host driver's allocations: arena, inputs, outputs) and the step time next
to the losses, which must be identical between the settings (recomputing
a value in the backward gives the same bits)."""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "examples", "pytorch"))
import gpt  # noqa: E402
import mlp  # noqa: E402
import tcc  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--settings", default="none,elementwise,dots",
                    help="comma-separated --remat values to compare")
parser.add_argument("--tcc", default=os.path.join(ROOT, "build", "bin", "tcc"))
args = parser.parse_args()


def run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return done


def measure(name, model, batch, work):
    torch.manual_seed(0)
    traced = tcc.trace(model, batch)
    ir = os.path.join(work, f"{name}.mlir")
    weights = os.path.join(work, f"{name}.safetensors")
    traced.save(ir, weights=weights)
    data = os.path.join(work, f"{name}.npz")
    names = traced.input_names
    np.savez(data, **{n: t.numpy() for n, t in zip(names, batch)})
    rows = []
    for setting in args.settings.split(","):
        artifact = os.path.join(work, f"{name}-{setting}.tccm")
        run([args.tcc, "compile", "--quiet", "--train", "--optimizer=adamw",
             f"--remat={setting}", ir, "-o", artifact])
        done = run([args.tcc, "run", artifact, "--weights", weights, "--data",
                    data, "--steps", str(args.steps)])
        peak = int(re.search(r"peak memory (\d+) bytes", done.stderr).group(1))
        losses = re.findall(r"^step \d+ loss (\S+) \((\S+) steps/s\)",
                            done.stderr, re.M)
        rows.append((setting, peak, [l for l, _ in losses],
                     1000.0 / float(losses[-1][1])))
    base_peak, base_losses = rows[0][1], rows[0][2]
    for setting, peak, losses, ms in rows:
        worst = max(abs(float(a) - float(b)) / abs(float(b))
                    for a, b in zip(losses, base_losses))
        same = "identical" if losses == base_losses else f"{worst:.1e}"
        print(f"| {name} | {setting} | {peak:,} | {peak / base_peak:.2f} | "
              f"{ms:.2f} | {same} |")


print("| model | --remat | measured peak bytes | vs first | ms/step (mean) "
      "| losses |")
print("|---|---|---|---|---|---|")
with tempfile.TemporaryDirectory() as work:
    measure("mlp-6x512", mlp.DeepMLP(), (torch.randn(256, 512),
                                     torch.randint(0, 10, (256,))), work)
    config = gpt.GPTConfig(dropout=0.0, n_layer=4, n_embd=128, block_size=64,
                           vocab_size=512)
    measure("gpt-4x128", gpt.GPT(config),
            (torch.randint(0, config.vocab_size, (8, 64)),
             torch.randint(0, config.vocab_size, (8, 64))), work)
