# RUN: %python %s
# nn modules one at a time (and in the combinations torchvision and nanoGPT
# use), traced with tcc.trace and run in the evaluator against PyTorch on
# the same inputs; a few through the compiled CPU backend too. Tolerance:
# lib/fetest.py.

import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fetest  # noqa: E402

torch.manual_seed(0)
s = fetest.Suite("pytorch_modules")


def randn(*shape):
    return torch.randn(*shape)


class Residual(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return x + self.inner(x)


x2, x3, x4 = randn(4, 12), randn(2, 5, 12), randn(2, 3, 10, 10)

# Linear: 2-D (addmm), 3-D without bias (mm through views), 4-D.
s.check("Linear 2-D", nn.Linear(12, 7), (x2,))
s.check("Linear 3-D, no bias", nn.Linear(12, 7, bias=False), (x3,))
s.check("Linear 4-D", nn.Linear(10, 3), (x4,), backend="cpu")

# Conv2d: padding, stride, dilation, groups, with and without bias.
s.check("Conv2d 3x3 pad 1", nn.Conv2d(3, 8, 3, padding=1), (x4,), backend="cpu")
s.check("Conv2d stride 2, no bias", nn.Conv2d(3, 4, 3, stride=2, bias=False), (x4,))
s.check("Conv2d dilation 2, asymmetric", nn.Conv2d(3, 4, (3, 1), padding=(2, 0),
                                                   dilation=2), (x4,))
s.check("Conv2d groups 3", nn.Conv2d(3, 6, 3, groups=3), (x4,))

# BatchNorm: training (batch statistics, new running statistics as buffer
# results, num_batches_tracked + 1), eval, without affine, without running
# statistics, 1-d.
s.check("BatchNorm2d train", nn.BatchNorm2d(3), (x4 * 2 + 1,))
bn = nn.BatchNorm2d(3, momentum=0.3)
with torch.no_grad():
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.uniform_(0.5, 2)
    bn.bias.uniform_(-1, 1)
s.check("BatchNorm2d eval", bn.eval(), (x4,))
s.check("BatchNorm2d train, momentum 0.3", bn.train(), (x4,))
s.check("BatchNorm2d no affine", nn.BatchNorm2d(3, affine=False), (x4,))
s.check("BatchNorm2d no running stats (eval)",
        nn.BatchNorm2d(3, track_running_stats=False).eval(), (x4,))
s.check("BatchNorm1d train", nn.BatchNorm1d(12), (x2,))

# LayerNorm over one and two trailing dimensions, without affine.
s.check("LayerNorm", nn.LayerNorm(12), (x3,))
s.check("LayerNorm 2 dims, eps 1e-3", nn.LayerNorm((5, 12), eps=1e-3), (x3,))
s.check("LayerNorm no affine", nn.LayerNorm(12, elementwise_affine=False), (x3,))

# Embedding.
s.check("Embedding", nn.Embedding(20, 6), (torch.randint(0, 20, (3, 4)),))

# Activations, and in-place ReLU as torchvision writes it.
for name, module in [("ReLU", nn.ReLU()), ("ReLU inplace", nn.ReLU(inplace=True)),
                     ("GELU", nn.GELU()), ("GELU tanh", nn.GELU(approximate="tanh")),
                     ("SiLU", nn.SiLU()), ("Tanh", nn.Tanh()),
                     ("Sigmoid", nn.Sigmoid()), ("LeakyReLU", nn.LeakyReLU(0.2)),
                     ("Hardtanh", nn.Hardtanh(-0.5, 0.5))]:
    s.check(name, nn.Sequential(nn.Linear(12, 12), module), (x2,))

# Dropout in eval mode is the identity.
s.check("Dropout eval", nn.Sequential(nn.Linear(12, 12), nn.Dropout(0.5)).eval(), (x2,))

# Pooling.
s.check("MaxPool2d 2", nn.MaxPool2d(2), (x4,))
s.check("MaxPool2d 3 stride 2 pad 1", nn.MaxPool2d(3, 2, 1), (x4,), backend="cpu")
s.check("MaxPool2d ceil_mode", nn.MaxPool2d(3, 2, ceil_mode=True), (x4,))
s.check("AvgPool2d 2", nn.AvgPool2d(2), (x4,))
s.check("AvgPool2d 3 pad 1 no count_include_pad",
        nn.AvgPool2d(3, 1, 1, count_include_pad=False), (x4,))
s.check("AdaptiveAvgPool2d 1 (a mean)", nn.AdaptiveAvgPool2d(1), (x4,))
s.check("AdaptiveAvgPool2d 5x2 from 10x10", nn.AdaptiveAvgPool2d((5, 2)), (x4,))
s.check("Flatten", nn.Sequential(nn.Flatten(), nn.Linear(300, 4)), (x4,))

# Losses.
logits, labels = randn(6, 5), torch.tensor([0, 4, 2, 2, 1, 3])


class Loss(nn.Module):
    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, x, y):
        return self.loss(x, y)


s.check("CrossEntropyLoss", Loss(nn.CrossEntropyLoss()), (logits, labels), backend="cpu")
s.check("CrossEntropyLoss ignore_index", Loss(nn.CrossEntropyLoss(ignore_index=2)),
        (logits, labels))
s.check("CrossEntropyLoss sum", Loss(nn.CrossEntropyLoss(reduction="sum")),
        (logits, labels))
s.check("CrossEntropyLoss none", Loss(nn.CrossEntropyLoss(reduction="none")),
        (logits, labels))
s.check("MSELoss", Loss(nn.MSELoss()), (logits, randn(6, 5)), backend="cpu")
s.check("MSELoss sum", Loss(nn.MSELoss(reduction="sum")), (logits, randn(6, 5)))
s.check("MSELoss none", Loss(nn.MSELoss(reduction="none")), (logits, randn(6, 5)))

# Residual blocks.
s.check("residual MLP", Residual(nn.Sequential(nn.LayerNorm(12), nn.Linear(12, 12),
                                               nn.GELU())), (x3,))
s.finish()
