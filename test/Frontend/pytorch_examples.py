# RUN: %python %s
# The example models of examples/pytorch traced with tcc.trace, compiled for
# the CPU (tcc compile + tcc run --weights) or run in the evaluator, against
# PyTorch on the same inputs and weights (tolerance: lib/fetest.py).

import importlib.util
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fetest  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "pytorch")


def example(name):
    spec = importlib.util.spec_from_file_location(
        f"example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


torch.manual_seed(0)
s = fetest.Suite("pytorch_examples")

mlp = example("mlp").MLP()
x, labels = torch.randn(16, 64), torch.randint(0, 10, (16,))
s.check("mlp logits+loss", mlp, (x, labels), backend="cpu")
s.check("mlp logits", mlp, (x,), backend="eval")

gpt = example("gpt").GPT().eval()
idx, targets = torch.randint(0, 64, (2, 16)), torch.randint(0, 64, (2, 16))
s.check("gpt logits+loss (eval mode)", gpt, (idx, targets), backend="cpu")
s.check("gpt last-position logits", gpt, (idx[:, :9],), backend="eval")

cnn = example("cnn").SmallResNet()
images = torch.randn(2, 3, 32, 32)
s.check("cnn (train mode: batch statistics, new running statistics)", cnn,
        (images,), backend="cpu")
# Running statistics that are not the initial zeros and ones.
with torch.no_grad():
    for _ in range(3):
        cnn(torch.randn(2, 3, 32, 32) * 2 + 1)
s.check("cnn (eval mode)", cnn.eval(), (images,), backend="cpu")
s.finish()
