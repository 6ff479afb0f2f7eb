"""Compares the .npy files of two folders (relative error <= 1e-5 per
tensor, f32) and, when a third argument names one, checks that a Chrome
trace lists the executed commands."""
import json
import os
import sys

import numpy as np

want_dir, got_dir = sys.argv[1:3]
trace = sys.argv[3] if len(sys.argv) > 3 else None
names = sorted(os.listdir(want_dir))
assert names and names == sorted(os.listdir(got_dir)), (names, os.listdir(got_dir))
for name in names:
    want = np.load(os.path.join(want_dir, name)).astype(np.float64)
    got = np.load(os.path.join(got_dir, name)).astype(np.float64)
    rel = np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-6)
    assert rel <= 1e-5, f"{name}: relative error {rel}"
events = []
if trace:
    events = json.load(open(trace))["traceEvents"]
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in events), events
    assert any(e["cat"] == "kernel" for e in events), events
    assert events[-1]["name"] == "run", events[-1]
print("ok", len(names), "tensors", len(events), "events")
