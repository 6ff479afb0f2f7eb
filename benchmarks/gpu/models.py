"""The GPU benchmarks' workloads, defined once for both sides: tcc traces
them here (make_artifacts.py, Debian's torch 1.13) and the device script
times the same modules in PyTorch 2.x eager and torch.compile (bench_gpu.py).

Every workload is a function of its size only; values are random on both
sides (the timings do not depend on them).
"""

import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "examples", "pytorch"))
from gpt import Block, GPTConfig  # noqa: E402


class BiasGelu(nn.Module):
    """A fused elementwise kernel: gelu(x + b) (exact, erf-based)."""

    def __init__(self, n):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(n))

    def forward(self, x):
        return F.gelu(x + self.bias)


class Softmax(nn.Module):
    def forward(self, x):
        return F.softmax(x, dim=-1)


class LayerNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.norm = nn.LayerNorm(n)

    def forward(self, x):
        return self.norm(x)


class Matmul(nn.Module):
    def forward(self, a, b):
        return a @ b


class Mlp(nn.Module):
    """A transformer MLP: Linear, GELU, Linear."""

    def __init__(self, d, hidden):
        super().__init__()
        self.up = nn.Linear(d, hidden)
        self.down = nn.Linear(hidden, d)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


def transformer_block(n_embd=768, n_head=12, block_size=512):
    """nanoGPT's Block (examples/pytorch/gpt.py) in eval mode."""
    config = GPTConfig(block_size=block_size, n_embd=n_embd, n_head=n_head,
                       dropout=0.0)
    return Block(config).eval()


# name -> (constructor, example input shapes and dtypes, bytes moved or None,
# FLOP or None). Bytes count each input read and each output written once.
def workloads():
    rows, cols = 16384, 4096
    s = 4096
    tokens, d = 8192, 1024
    b, t, c = 8, 512, 768
    f4 = 4
    return {
        "bias_gelu": (lambda: BiasGelu(cols), [((rows, cols), "f32")],
                      2 * rows * cols * f4, None),
        "softmax": (Softmax, [((rows, 1024), "f32")], 2 * rows * 1024 * f4, None),
        "layer_norm": (lambda: LayerNorm(1024), [((rows, 1024), "f32")],
                       2 * rows * 1024 * f4, None),
        "matmul_f32": (Matmul, [((s, s), "f32"), ((s, s), "f32")], None,
                       2 * s ** 3),
        "matmul_bf16": (Matmul, [((s, s), "bf16"), ((s, s), "bf16")], None,
                        2 * s ** 3),
        "mlp": (lambda: Mlp(d, 4 * d), [((tokens, d), "f32")], None,
                2 * 2 * tokens * d * 4 * d),
        "transformer_block": (lambda: transformer_block(c, 12, t),
                              [((b, t, c), "f32")], None,
                              2 * b * t * (12 * c * c) + 4 * b * t * t * c),
    }


DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}
