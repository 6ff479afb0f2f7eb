# RUN: %python %s
"""ONNX importer end to end: PyTorch modules exported with torch.onnx at
opsets 13 and 17 -> tcc import -> tcc compile -> tcc run --weights, every
output against PyTorch's (test/lib/onnxtest.py states the tolerance).
Covers the three example model kinds (MLP with loss-free logits, a
nanoGPT-style block with a registered causal-mask buffer, a
torchvision-style CNN with BatchNorm folded at export) and the ops the
importer maps one by one."""

import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import onnxtest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "examples", "pytorch"))
import cnn  # noqa: E402
import gpt  # noqa: E402
import mlp  # noqa: E402

torch.manual_seed(0)
suite = onnxtest.Suite("onnx models")


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


# A nanoGPT block (examples/pytorch/gpt.py) without dropout, as exported
# for inference: its causal mask is a registered buffer sliced to T.
BLOCK = gpt.GPTConfig(block_size=8, n_embd=32, n_head=4, dropout=0.0)


class TinyGPT(nn.Module):
    """Untied embeddings around one block; positions from torch.arange."""

    def __init__(self, vocab=50):
        super().__init__()
        self.wte = nn.Embedding(vocab, BLOCK.n_embd)
        self.wpe = nn.Embedding(BLOCK.block_size, BLOCK.n_embd)
        self.block = gpt.Block(BLOCK)
        self.ln_f = nn.LayerNorm(BLOCK.n_embd)
        self.lm_head = nn.Linear(BLOCK.n_embd, vocab, bias=False)

    def forward(self, idx):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long).unsqueeze(0)
        x = self.wte(idx) + self.wpe(pos)
        return self.lm_head(self.ln_f(self.block(x)))


class BasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + x)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.layer = BasicBlock(8)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def randomize_batchnorm(module):
    # Non-trivial running statistics, so that folding them is tested.
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return module


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


x2 = torch.randn(4, 6)
x3 = torch.randn(2, 3, 8)
img = torch.randn(2, 3, 12, 12)

suite.torch_case("mlp", MLP(), [torch.randn(16, 64)])
suite.torch_case("transformer block", gpt.Block(BLOCK), [torch.randn(2, 8, 32)])
suite.torch_case("tiny gpt", TinyGPT(), [torch.randint(0, 50, (2, 8))])
suite.torch_case("cnn", randomize_batchnorm(CNN()), [torch.randn(2, 3, 16, 16)])

class Logits(nn.Module):
    """The logits of a model that returns more (a dict or a tuple with an
    optional loss), as one exports it for inference."""

    def __init__(self, model, key):
        super().__init__()
        self.model, self.key = model, key

    def forward(self, x):
        return self.model(x)[self.key]


# The example models of examples/pytorch, as users export them.
suite.torch_case("examples/pytorch/mlp.py", Logits(mlp.MLP(), "logits"),
                 [torch.randn(16, 64)])
suite.torch_case("examples/pytorch/gpt.py",
                 Logits(gpt.GPT(gpt.GPTConfig()), 0),
                 [torch.randint(0, gpt.GPTConfig().vocab_size, (2, 8))])
suite.torch_case("examples/pytorch/cnn.py",
                 randomize_batchnorm(cnn.SmallResNet()),
                 [torch.randn(2, 3, 16, 16)])

# One op (or a small idiom) per case.
cases = {
    "sigmoid tanh silu": (lambda x: torch.sigmoid(x) + torch.tanh(x) + F.silu(x), [x2]),
    "relu exp log abs": (lambda x: F.relu(x) + torch.exp(x) + torch.log(x.abs() + 1), [x2]),
    "sqrt rsqrt pow": (lambda x: torch.sqrt(x.abs()) + torch.rsqrt(x.abs() + 1) + x.pow(3), [x2]),
    "gelu tanh": (lambda x: F.gelu(x, approximate="tanh"), [x2]),
    "scalar arithmetic": (lambda x: (x * 2 - 1) / 3 + 0.5, [x2]),
    "reciprocal neg": (lambda x: 1.0 / (x.abs() + 1) - x, [x2]),
    "softmax log_softmax": (lambda x: F.softmax(x, 1) + F.log_softmax(x, 0), [x2]),
    "reductions": (lambda x: x.mean(-1, keepdim=True) + x.sum(1, keepdim=True) + x.amax(2, keepdim=True) + x.amin(2, keepdim=True), [x3]),
    "mean all": (lambda x: x.mean(), [x3]),
    "max min clamp": (lambda x, y: torch.maximum(x, y) + torch.minimum(x, y) + x.clamp(-0.5, 0.5), [x2, torch.randn(4, 6)]),
    "where compare": (lambda x: torch.where(x > 0, x, x * 0.1) + (x <= 0.2).float(), [x2]),
    "masked_fill": (lambda x: x.masked_fill(x < 0, -1.0), [x2]),
    "cat split chunk": (lambda x: torch.cat(list(torch.chunk(x, 2, 1))[::-1] + [x.split([1, 2], 1)[1]], 1), [x3]),
    "slice step": (lambda x: x[:, 1:, ::2] * 2, [x3]),
    "permute reshape": (lambda x: x.permute(2, 0, 1).reshape(8, 6) + 1, [x3]),
    "squeeze unsqueeze": (lambda x: x.unsqueeze(1).squeeze(1).unsqueeze(-1).sum(-1), [x2]),
    "expand": (lambda x: x[:, :1].expand(4, 6) + x, [x2]),
    "matmul batched": (lambda x, y: torch.matmul(x, y), [torch.randn(2, 3, 4, 5), torch.randn(5, 6)]),
    "matmul vector": (lambda x, y: torch.matmul(x, y), [torch.randn(3, 4), torch.randn(4)]),
    "bmm": (lambda x, y: torch.bmm(x, y), [torch.randn(2, 3, 4), torch.randn(2, 4, 5)]),
    "avg pool padded": (lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), [img]),
    "avg pool no pad count": (lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), [img]),
    "max pool padded": (lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [img]),
    "global pools": (lambda x: F.adaptive_avg_pool2d(x, 1) + F.adaptive_max_pool2d(x, 1), [img]),
    "cast to int and back": (lambda x: (x * 4).long().float(), [x2]),
    "gather by index": (lambda x: x[:, torch.tensor([2, 0, -1])], [x2]),
}
for name, (fn, inputs) in cases.items():
    suite.torch_case(name, Lambda(fn), inputs)

# torch 1.13 exports an affine-free layer_norm at opset 17 as a
# LayerNormalization without its required scale, which ONNX's checker rejects.
suite.torch_case("layer_norm no affine", Lambda(lambda x: F.layer_norm(x, (8,))),
                 [x3], opsets=(13,))

conv = nn.Conv2d(4, 8, 3, stride=2, padding=(1, 2), dilation=1, groups=2)
suite.torch_case("conv grouped strided", conv, [torch.randn(2, 4, 11, 13)])
suite.torch_case("conv dilated", nn.Conv2d(3, 4, 3, dilation=2), [img])
suite.torch_case("embedding", nn.Embedding(10, 4), [torch.tensor([[1, 2], [9, 0]])])

# A dynamic batch axis: the file's dimension is symbolic, the importer
# needs the shape; the exporter's Shape/Gather/Concat chains fold away.
suite.torch_case("dynamic batch", gpt.Block(BLOCK), [torch.randn(2, 8, 32)],
                 dynamic_axes={"x": {0: "batch"}},
                 import_args=["--input-shape", "x=2x8x32"])

suite.finish()
