"""A two-layer perceptron with its cross-entropy loss: the PyTorch
definition of examples/mlp.mlir.

    /usr/bin/python3 -m tcc.trace examples/pytorch/mlp.py:MLP \
        --input x=f32[16,64] --input labels=i64[16] \
        -o mlp.mlir --weights mlp.safetensors
"""

import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, features=64, hidden=128, classes=10):
        super().__init__()
        self.fc1 = nn.Linear(features, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x, labels=None):
        logits = self.fc2(F.gelu(self.fc1(x)))
        if labels is None:
            return {"logits": logits}
        return {"logits": logits, "loss": F.cross_entropy(logits, labels)}


class DeepMLP(nn.Module):
    """`depth` GELU layers of `width` and a classifier head, with its
    cross-entropy loss: enough saved activations for rematerialization to
    matter (benchmarks/cpu/remat_memory.py, test/Training)."""

    def __init__(self, width=512, depth=6, classes=10):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width)
                                    for _ in range(depth))
        self.head = nn.Linear(width, classes)

    def forward(self, x, labels):
        for layer in self.layers:
            x = F.gelu(layer(x))
        return F.cross_entropy(self.head(x), labels)
