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
