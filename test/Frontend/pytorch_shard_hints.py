# RUN: %python %s %t
"""tcc.shard(tensor, *spec): sharding hints written in the model.

A model with an MLP pair (which tensor parallelism would split) and a
narrow classifier head (which it would keep whole) asks for the opposite:
`tcc.shard(fc2.weight, None, None)` keeps the pair whole and
`tcc.shard(head.weight, "tp", None)` splits the head's classes. Checked:
eagerly the hints change nothing (same object, same output); traced, each
becomes a tcc.annotate of its parameter over the hint mesh, kept though
its result is unused; `tcc compile --train --mesh=tp=2 --explain` honours
both (and without hints splits the pair and keeps the head); one SGD step
of the hinted split evaluated on tp=2 equals the single-device step
(1e-5 relative per tensor, f32); a dp-only mesh warns at the model's line
and holds the head whole; bad hints are ValueErrors saying what is wrong."""

import os
import re
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

import tcc

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
BIN = os.environ["TCC_BIN"]
failures = 0


def check(ok, message):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {message}")


class Classifier(nn.Module):
    def __init__(self, hints):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 16)
        self.head = nn.Linear(16, 4, bias=False)
        self.hints = hints

    def forward(self, x, y):
        if self.hints:
            tcc.shard(self.fc2.weight, None, None)
            tcc.shard(self.head.weight, "tp", None)
        h = x + self.fc2(torch.relu(self.fc1(x)))
        return nn.functional.cross_entropy(self.head(h), y)


torch.manual_seed(0)
x, y = torch.randn(8, 16), torch.randint(0, 4, (8,))
hinted, plain = Classifier(True), Classifier(False)
plain.load_state_dict(hinted.state_dict())
w = hinted.head.weight
check(tcc.shard(w, "tp", None) is w, "eagerly, tcc.shard returns its tensor")
check(torch.equal(hinted(x, y), plain(x, y)),
      "eagerly, the hints change nothing")

ir = {}
for label, model in (("hinted", hinted), ("plain", plain)):
    ir[label] = os.path.join(out, f"{label}.mlir")
    tcc.trace(model, (x, y)).save(ir[label], weights=os.path.join(
        out, "weights.safetensors"))
text = open(ir["hinted"]).read()
check("tcc.mesh @tcc_hints(tp = 1)" in text,
      "the hint mesh names the axes the hints use")
check('tcc.annotate %head.weight {sharding = #tcc.sharding<@tcc_hints, '
      '[["tp"], []]>}' in text and
      'tcc.annotate %fc2.weight {sharding = #tcc.sharding<@tcc_hints, '
      '[[], []]>}' in text, "each hint is a tcc.annotate of its parameter")
check("tcc.annotate" not in open(ir["plain"]).read() and
      "tcc.mesh" not in open(ir["plain"]).read(),
      "no hints, no annotations and no hint mesh")
# Only whole tensors asked for: a mesh without axes.
whole = Classifier(False)
whole.forward = lambda x, y: (tcc.shard(whole.head.weight, None, None),
                              Classifier.forward(whole, x, y))[1]
text = tcc.trace(whole, (x, y)).mlir
check("tcc.mesh @tcc_hints()" in text and "#tcc.sharding<@tcc_hints, "
      "[[], []]>" in text, "a hint naming no axis declares a mesh of none")


def explain(label, mesh):
    run = subprocess.run(
        [os.path.join(BIN, "tcc"), "compile", "--quiet", "--train",
         f"--mesh={mesh}", "--explain", ir[label], "-o",
         os.path.join(out, f"{label}.tccm")], capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"tcc compile failed:\n{run.stderr}")
    layout = dict(re.findall(r"^\s+(\S+)\s+parameter\s+\w+\[[^]]*\]\s+(.*)$",
                             run.stdout, re.M))
    return layout, run.stderr


layout, _ = explain("hinted", "tp=2")
check(layout["head.weight"].startswith("dim 0 split over tp") and
      all(layout[p] == "replicated" for p in
          ("fc1.weight", "fc2.weight")), f"hints honoured on tp=2: {layout}")
layout, _ = explain("plain", "tp=2")
check(layout["head.weight"] == "replicated" and
      layout["fc1.weight"].startswith("dim 0 split over tp") and
      layout["fc2.weight"].startswith("dim 1 split over tp"),
      f"without hints the pair is split and the head whole: {layout}")
HEAD_HINT_LINE = next(
    i for i, line in enumerate(open(__file__), 1)
    if "tcc.shard(self.head.weight" in line)
layout, warnings = explain("hinted", "dp=2")
check(layout["head.weight"] == "replicated" and
      f"pytorch_shard_hints.py:{HEAD_HINT_LINE}:" in warnings and
      "asks to split head.weight over 'tp'; --mesh has no tp axis, so "
      "every device holds it whole" in warnings,
      f"dp only: the head whole, with a warning at the model's line: "
      f"{warnings.strip()}")

# One SGD step of the hinted model on tp=2 against one device.
arrays = {"x": x.numpy(), "y": y.numpy(), "lr": np.array(0.1, np.float32)}
arrays.update({n: p.detach().numpy() for n, p in hinted.named_parameters()})
flags = []
for name, value in arrays.items():
    path = os.path.join(out, f"{name}.npy")
    np.save(path, value)
    flags.append(f"--input={name}=@{path}")
np.save(os.path.join(out, "step.npy"), np.array(0, np.int64))
flags.append(f"--input=step=@{os.path.join(out, 'step.npy')}")
results = {}
for label, options in (("one", "optimizer=sgd"),
                       ("tp", "optimizer=sgd tensor-parallel=2")):
    step = os.path.join(out, f"step-{label}.mlir")
    subprocess.run([os.path.join(BIN, "tcc-opt"), ir["hinted"],
                    f"-tcc-train-step={options}", "-o", step], check=True)
    folder = os.path.join(out, f"step-{label}")
    subprocess.run([os.path.join(BIN, "tcc"), "eval", step, "--quiet",
                    "--entry=train_step", "--output-dir", folder, *flags],
                   check=True)
    results[label] = {f[:-4]: np.load(os.path.join(folder, f))
                      for f in os.listdir(folder)}
for name, want in sorted(results["one"].items()):
    got = results["tp"][name]
    error = np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-6)
    check(got.shape == want.shape and error <= 1e-5,
          f"hinted step on tp=2: {name} {error:.1e}")

for args, says in (((w, "tp"), "1 entries for a 2-d tensor of shape [4, 16]"),
                   ((w, "t p", None), "dimension 0: 't p' is not a mesh axis"),
                   ((w, "tp", "tp"), "axis \"tp\" splits two dimensions"),
                   ((3, None), "needs a tensor, got int")):
    try:
        tcc.shard(*args)
        check(False, f"tcc.shard{args[1:]} is refused")
    except ValueError as e:
        check(says in str(e), f"tcc.shard{args[1:]}: {e}")
sys.exit(1 if failures else 0)
