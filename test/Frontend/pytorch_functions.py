# RUN: %python %s
# The tensor functions hand-written models use (attention, masks, shape
# arithmetic, Python scalars), traced with tcc.trace and run in the
# evaluator against PyTorch; and dropout in training mode against an
# independent Philox reference (test/lib/tcctest.py). Tolerance:
# lib/fetest.py.

import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fetest  # noqa: E402
import tcctest  # noqa: E402

torch.manual_seed(0)
s = fetest.Suite("pytorch_functions")


class Fn(nn.Module):
    """forward(x, y, ...) = fn(x, y, ...), so functions trace like modules."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def check(name, fn, *inputs, backend="eval"):
    s.check(name, Fn(fn), inputs, backend=backend)


a, b = torch.randn(4, 6), torch.randn(4, 6)
q, k = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 5, 8)
ints = torch.randint(-5, 5, (4, 6))

# Contractions.
check("matmul 3-D @ 2-D", lambda x, w: x @ w, torch.randn(2, 4, 6), torch.randn(6, 3))
check("bmm", torch.bmm, torch.randn(3, 4, 6), torch.randn(3, 6, 2))
check("attention scores q @ k^T / sqrt(d)",
      lambda q, k: (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1))), q, k)
check("matmul vector, dot", lambda x, v: (torch.matmul(x, v), torch.dot(v, v)), a,
      torch.randn(6))

# Softmax and masks.
check("softmax / log_softmax", lambda x: (F.softmax(x, dim=-1), F.log_softmax(x, 0)), a)
check("causal mask from tril(ones)",
      lambda x: x.masked_fill(torch.tril(torch.ones(5, 5)) == 0, float("-inf")).softmax(-1),
      torch.randn(2, 5, 5))
check("triu with diagonal, where", lambda x: torch.where(
    torch.triu(torch.ones(4, 6), diagonal=1) > 0, x, torch.zeros_like(x)), a)
check("arange positions", lambda x: x + torch.arange(6) + torch.arange(0, 12, 2) * 0.5, a)
check("arange float", lambda x: x * torch.arange(0.5, 3.5, 0.5), a)

# Shapes: tuple unpacking, views, permutes, splits, concatenation.
def heads(x):
    B, T, C = x.size()
    return x.view(B, T, 2, C // 2).transpose(1, 2).contiguous().view(B, 2 * T, C // 2)


check("B, T, C = x.size(); view/transpose/contiguous", heads, torch.randn(2, 5, 8))
check("reshape / permute / flatten", lambda x: (x.reshape(2, 12).permute(1, 0),
                                                x.flatten(), x.t()), a)
check("split / chunk / cat", lambda x: torch.cat(
    list(x.split(2, dim=1))[::-1] + list(x.chunk(2, dim=0)[:1]) * 0, dim=1), a)
check("chunk uneven", lambda x: x.chunk(4, dim=1)[-1] * 2, torch.randn(3, 7))
check("stack / unbind", lambda x: torch.stack(x.unbind(1), dim=0), a)
check("unsqueeze / squeeze / expand",
      lambda x: x.unsqueeze(0).expand(3, 4, 6).sum(0) + x[None, :, :1].squeeze(0), a)
check("indexing and negative indices",
      lambda x: (x[1:3, ::2], x[-1], x[:, -2:], x[..., 1]), a)
check("index with a list", lambda x: x[:, [-1], :], torch.randn(2, 5, 3))
check("shape arithmetic in Python", lambda x: x.view(-1, x.shape[-1] // 2) * x.size(0),
      a)

# Reductions.
check("mean / sum / max", lambda x: (x.mean(), x.mean(-1, keepdim=True), x.sum(0),
                                     x.max(), x.max(dim=1)[0], x.amax((0, 1))), a)
check("sum of ints and bools (int64)", lambda x: ((x > 0).sum(1), x.sum()), ints)
check("var", lambda x: (x.var(1), x.var(0, unbiased=False)), a)

# Elementwise math, scalars and type promotion.
check("sqrt / rsqrt / pow", lambda x: (x.abs().sqrt(), (x.abs() + 1).rsqrt(), x.pow(2),
                                       x ** 3, x.abs() ** 0.5, x.abs() ** 1.5,
                                       (x.abs() + 1) ** -1, 2 ** x), a)
check("Python scalars", lambda x: (x * 2, 1 - x, x / 3, 3 / (x.abs() + 1), x + 1,
                                   x - 1.5, -x), a)
check("exp / log / tanh / sigmoid / erf", lambda x: (x.exp(), x.abs().log(), x.tanh(),
                                                     x.sigmoid(), torch.erf(x)), a)
check("int tensor with float scalar promotes", lambda i: (i * 0.5, i + 1, i / 2), ints)
check("comparisons and logic", lambda x, y: ((x > y) & (x > 0), ~(x <= y), x == x,
                                             (x != y) | (y < 0)), a, b)
check("maximum / minimum / clamp", lambda x, y: (torch.maximum(x, y),
                                                 torch.minimum(x, y), x.clamp(-0.5, 0.5),
                                                 x.clamp(min=0)), a, b)
check("casts", lambda x: (x.double() * 2, x.long(), (x > 0).float(), x.to(torch.int32)),
      a)
check("broadcasting of 0-d and rows", lambda x, r: x * x.sum() + r, a, torch.randn(6))
check("captured constants", lambda x: (
    x * torch.tensor([1.5, -2.0, 0.25, float("inf"), 0.0, -0.0]),
    x + torch.tensor([[2.0] * 6]), torch.tensor([3, -4, 5, 6]).view(4, 1) * x,
    torch.where(torch.tensor([True, False, True, True, False, True]), x, -x)), a)
check("in-place ops on fresh tensors", lambda x: x.clone().mul_(2).add_(1).relu_(), a)

# Dropout in training mode draws tcc's own masks (Philox-4x32-10 of the
# `seed` input, a stream per dropout), so the expected values come from
# the independent Philox reference, not from PyTorch's generator.
drop = nn.Sequential(nn.Linear(6, 16), nn.Dropout(0.25), nn.ReLU(), nn.Dropout(0.5))
with torch.no_grad():
    h = drop[0](a)
    n = h.numel()
    keep0 = torch.from_numpy(tcctest.dropout_keep_mask(n, 7, 0, 0.25).reshape(h.shape))
    keep1 = torch.from_numpy(tcctest.dropout_keep_mask(n, 7, 1, 0.5).reshape(h.shape))
    expected = torch.where(keep0, h / 0.75, torch.zeros(()))
    expected = torch.where(keep1, expected.relu() / 0.5, torch.zeros(()))
s.check("Dropout train (Philox masks, one stream each)", drop.train(), (a,),
        expected={"output0": expected}, seed=7)
s.check("Dropout train on the CPU backend", drop.train(), (a,), backend="cpu",
        expected={"output0": expected}, seed=7)
s.finish()
