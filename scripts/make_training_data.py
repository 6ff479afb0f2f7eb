#!/usr/bin/env python3
"""Writes the built-in training example's inputs for examples/mlp.mlir:
initial weights (nn.Linear's default init: uniform(-1/sqrt(in), 1/sqrt(in)))
and a learnable synthetic classification task (labels are the argmax of a
fixed random linear teacher), as `tcc run --steps` reads them.

    scripts/make_training_data.py OUT_DIR [--batches N] [--seed S]

writes OUT_DIR/mlp-init.safetensors and OUT_DIR/mlp-data.npz (x [N*16, 64],
labels [N*16])."""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import torch  # noqa: E402
from tcc import safetensors  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("out_dir")
parser.add_argument("--batches", type=int, default=64)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

rng = np.random.default_rng(args.seed)
FEATURES, HIDDEN, CLASSES, BATCH = 64, 128, 10, 16


def linear(out_features, in_features):
    bound = 1 / np.sqrt(in_features)
    return (rng.uniform(-bound, bound, (out_features, in_features)).astype(np.float32),
            rng.uniform(-bound, bound, out_features).astype(np.float32))


w1, b1 = linear(HIDDEN, FEATURES)
w2, b2 = linear(CLASSES, HIDDEN)
os.makedirs(args.out_dir, exist_ok=True)
safetensors.save({"fc1.weight": torch.from_numpy(w1), "fc1.bias": torch.from_numpy(b1),
                  "fc2.weight": torch.from_numpy(w2), "fc2.bias": torch.from_numpy(b2)},
                 os.path.join(args.out_dir, "mlp-init.safetensors"))

teacher = rng.standard_normal((CLASSES, FEATURES)).astype(np.float32)
x = rng.standard_normal((args.batches * BATCH, FEATURES)).astype(np.float32)
labels = np.argmax(x @ teacher.T, axis=1).astype(np.int64)
np.savez(os.path.join(args.out_dir, "mlp-data.npz"), x=x, labels=labels)
