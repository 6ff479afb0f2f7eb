"""Per-device memory and traffic of GPT's tp=2 training step with the
token table (tied to the head) split over the vocabulary, tcc's default,
and kept whole by a tcc.shard hint, for the example's vocabulary (64) and
a larger one (1024): what `tcc compile --explain` reports. Run from the
repository root after building: /usr/bin/python3
benchmarks/vocab_parallel_memory.py (prints a Markdown table)."""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path[:0] = [os.path.join(ROOT, "python"),
                os.path.join(ROOT, "examples", "pytorch")]
import torch  # noqa: E402

import gpt  # noqa: E402
import tcc  # noqa: E402

TCC = os.path.join(ROOT, "build", "bin", "tcc")
WORK = tempfile.mkdtemp(prefix="tcc-vocab-")

class WholeTable(gpt.GPT):
    def forward(self, idx, targets=None):
        tcc.shard(self.transformer.wte.weight, None, None)
        return super().forward(idx, targets)

rows = []
for vocab in (64, 1024):
    for label, cls in (("split", gpt.GPT), ("whole (hint)", WholeTable)):
        torch.manual_seed(0)
        cfg = gpt.GPTConfig(dropout=0.0, vocab_size=vocab)
        m = cls(cfg)
        idx = torch.randint(0, vocab, (4, 16))
        path = os.path.join(WORK, f"gpt-v{vocab}-{label[:5]}.mlir")
        tcc.trace(m, (idx, idx)).save(path, weights=path + ".safetensors")
        out = subprocess.run(
            [TCC, "compile", "--quiet", "--train", "--optimizer=adamw",
             "--mesh=tp=2", "--explain", path, "-o",
             os.path.join(WORK, "step.tccm")],
            capture_output=True, text=True, check=True).stdout
        last = re.search(r"per device and step: (\d+) collectives sending "
                         r"(\d+) bytes; held between steps: parameters (\d+) "
                         r"bytes, optimizer state (\d+) bytes", out)
        rows.append((vocab, label, *last.groups()))
print("| vocabulary | token table | collectives per step | bytes sent | "
      "parameters | optimizer state |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(str(x) for x in r) + " |")
