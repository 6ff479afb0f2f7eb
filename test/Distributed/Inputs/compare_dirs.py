"""Compares every .npy file of two directories: ||a - b|| / max(||b||,
1e-6) per file must not exceed the tolerance (argv[3])."""
import os
import sys

import numpy as np

want_dir, got_dir, tolerance = sys.argv[1], sys.argv[2], float(sys.argv[3])
names = sorted(f for f in os.listdir(want_dir) if f.endswith(".npy"))
bad = 0
for name in names:
    want = np.load(os.path.join(want_dir, name)).astype(np.float64)
    got = np.load(os.path.join(got_dir, name)).astype(np.float64)
    if got.shape != want.shape:
        print(f"{name}: shape {got.shape}, expected {want.shape}")
        bad += 1
        continue
    error = np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-6)
    print(f"{name}: relative error {error:.2e}")
    bad += error > tolerance
print(f"{len(names) - bad} outputs agree" if not bad else f"{bad} differ")
sys.exit(1 if bad else 0)
