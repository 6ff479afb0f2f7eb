# RUN: %python %s
"""tcc.compile(model, inputs)(x) against model(x) for the three example
models (examples/pytorch), plus what torch.compile users rely on: a new
input shape compiles a new specialization, weight updates are seen, the
output's structure (tensor, tuple with None) is kept, BatchNorm's running
statistics are updated in training mode, and errors name the model's line.

Tolerance: f32, ||tcc - torch|| / max(||torch||, 1e-6) <= 1e-4 per output
(tcc reassociates sums and uses polynomial exp/erf, ~1e-6 here)."""

import os
import sys

import numpy as np
import torch
import torch.nn as nn

import tcc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "pytorch"))
import cnn  # noqa: E402
import gpt  # noqa: E402
import mlp  # noqa: E402

torch.manual_seed(0)
failures = 0


def check(case, got, want):
    global failures
    got, want = got.detach().double(), want.detach().double()
    if got.shape != want.shape:
        print(f"FAIL {case}: shape {tuple(got.shape)} != {tuple(want.shape)}")
        failures += 1
        return
    err = float((got - want).norm() / max(float(want.norm()), 1e-6))
    ok = err <= 1e-4
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {case}: relative error {err:.2e}")


def expect(case, condition):
    global failures
    failures += not condition
    print(f"{'ok  ' if condition else 'FAIL'} {case}")


# MLP: a dict of logits and loss, then a second batch size.
model = mlp.MLP().eval()
x, labels = torch.randn(16, 64), torch.randint(0, 10, (16,))
fast = tcc.compile(model, (x, labels))
got, want = fast(x, labels), model(x, labels)
expect("mlp returns the dict's keys", sorted(got) == ["logits", "loss"])
for name in want:
    check(f"mlp {name}", got[name], want[name])
x8, labels8 = torch.randn(8, 64), torch.randint(0, 10, (8,))
got, want = fast(x8, labels8), model(x8, labels8)
for name in want:
    check(f"mlp batch 8 {name}", got[name], want[name])
expect("mlp: a new shape is a new specialization", fast.specializations == 2)
# Weights are read at each call.
with torch.no_grad():
    model.fc1.weight.mul_(0.5)
check("mlp after a weight update", fast(x, labels)["logits"],
      model(x, labels)["logits"])
expect("mlp: the update needed no recompilation", fast.specializations == 2)

# GPT: logits with and without targets (None stays None in the result).
config = gpt.GPTConfig()
model = gpt.GPT(config).eval()
idx = torch.randint(0, config.vocab_size, (2, 8))
targets = torch.randint(0, config.vocab_size, (2, 8))
fast = tcc.compile(model)
logits, loss = fast(idx, targets)
want_logits, want_loss = model(idx, targets)
check("gpt logits", logits, want_logits)
check("gpt loss", loss, want_loss)
logits, loss = fast(idx)
expect("gpt without targets returns (logits, None)", loss is None)
check("gpt logits without targets", logits, model(idx)[0])

# CNN in eval mode, then in training mode (batch statistics, and the
# running statistics updated in place like PyTorch's).
model = cnn.SmallResNet().eval()
images = torch.randn(4, 3, 16, 16)
fast = tcc.compile(model, (images,))
check("cnn eval", fast(images), model(images))
reference = cnn.SmallResNet()
reference.load_state_dict(model.state_dict())
model.train()
reference.train()
check("cnn train", fast(images), reference(images))
for (name, got), (_, want) in zip(model.named_buffers(),
                                  reference.named_buffers()):
    if got.dtype.is_floating_point:
        check(f"cnn running stat {name}", got, want)
    else:
        expect(f"cnn {name} counted", torch.equal(got, want))


# Errors name the model's line.
class Unsupported(nn.Module):
    def forward(self, x):
        return torch.fft.fft(x).real  # tcc has no FFT


try:
    tcc.compile(Unsupported(), (torch.randn(4, 8),))
    expect("unsupported op raises", False)
except tcc.TraceError as e:
    message = str(e)
    expect("the error names the op and the model's line",
           "pytorch_compile.py:" in message and "fft" in message)
    print(message.splitlines()[0])

print(f"{failures} failed")
sys.exit(1 if failures else 0)
