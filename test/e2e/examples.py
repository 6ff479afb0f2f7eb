# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
"""The hand-written example models (examples/*.mlir) against the PyTorch
modules they claim to be: same weights, same inputs, f32 tolerance 1e-5.
Later stages test on these models, so they must mean what they say."""

import os

import numpy as np
import torch
import torch.nn.functional as F

import tcctest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
suite = tcctest.Suite("examples", seed=11)
rng = suite.rng


def model_text(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return f.read()


def randn(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def t(a):
    return torch.from_numpy(np.asarray(a))


def out(tensor):
    return tensor.detach().numpy()


# examples/mlp.mlir: Linear(64, 128) -> GELU -> Linear(128, 10), cross-entropy.
p = {"x": randn(16, 64), "labels": rng.integers(0, 10, 16).astype(np.int64),
     "fc1.weight": randn(128, 64, scale=0.125), "fc1.bias": randn(128, scale=0.1),
     "fc2.weight": randn(10, 128, scale=0.09), "fc2.bias": randn(10, scale=0.1)}
h = F.gelu(F.linear(t(p["x"]), t(p["fc1.weight"]), t(p["fc1.bias"])))
logits = F.linear(h, t(p["fc2.weight"]), t(p["fc2.bias"]))
suite.check("example", "mlp", model_text("mlp.mlir"), p,
            {"logits": out(logits),
             "loss": out(F.cross_entropy(logits, t(p["labels"])))}, "f32")

# examples/transformer_block.mlir: nanoGPT Block(n_embd=32, n_head=4) with
# residual dropout 0.1 drawn from tcc's Philox streams 0 and 1.
C, H, B, T = 32, 4, 2, 8
p = {"x": randn(B, T, C), "seed": np.array(1234, np.int64),
     "ln_1.weight": 1 + randn(C, scale=0.1), "ln_1.bias": randn(C, scale=0.1),
     "attn.c_attn.weight": randn(3 * C, C, scale=0.18),
     "attn.c_attn.bias": randn(3 * C, scale=0.1),
     "attn.c_proj.weight": randn(C, C, scale=0.18),
     "attn.c_proj.bias": randn(C, scale=0.1),
     "ln_2.weight": 1 + randn(C, scale=0.1), "ln_2.bias": randn(C, scale=0.1),
     "mlp.c_fc.weight": randn(4 * C, C, scale=0.18),
     "mlp.c_fc.bias": randn(4 * C, scale=0.1),
     "mlp.c_proj.weight": randn(C, 4 * C, scale=0.09),
     "mlp.c_proj.bias": randn(C, scale=0.1)}


def dropout(x, stream):
    keep = tcctest.dropout_keep_mask(x.numel(), 1234, stream, 0.1)
    return x * t(keep.reshape(x.shape).astype(np.float32)) / 0.9


x = t(p["x"])
a = F.layer_norm(x, (C,), t(p["ln_1.weight"]), t(p["ln_1.bias"]))
q, k, v = F.linear(a, t(p["attn.c_attn.weight"]),
                   t(p["attn.c_attn.bias"])).split(C, dim=2)
q, k, v = (z.view(B, T, H, C // H).transpose(1, 2) for z in (q, k, v))
att = (q @ k.transpose(-2, -1)) * (1.0 / np.sqrt(C // H))
att = att.masked_fill(torch.tril(torch.ones(T, T)) == 0, float("-inf"))
y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).contiguous().view(B, T, C)
x = x + dropout(F.linear(y, t(p["attn.c_proj.weight"]),
                         t(p["attn.c_proj.bias"])), 0)
m = F.layer_norm(x, (C,), t(p["ln_2.weight"]), t(p["ln_2.bias"]))
m = F.gelu(F.linear(m, t(p["mlp.c_fc.weight"]), t(p["mlp.c_fc.bias"])),
           approximate="tanh")
x = x + dropout(F.linear(m, t(p["mlp.c_proj.weight"]),
                         t(p["mlp.c_proj.bias"])), 1)
suite.check("example", "transformer_block", model_text("transformer_block.mlir"),
            p, {"y": out(x)}, "f32")

# examples/cnn.mlir: conv-BN(train)-ReLU-maxpool, conv-ReLU, global average
# pooling, linear, cross-entropy; BatchNorm's running statistics updated.
p = {"x": randn(4, 3, 16, 16), "labels": rng.integers(0, 10, 4).astype(np.int64),
     "conv1.weight": randn(8, 3, 3, 3, scale=0.2),
     "bn1.weight": 1 + randn(8, scale=0.1), "bn1.bias": randn(8, scale=0.1),
     "bn1.running_mean": randn(8, scale=0.1),
     "bn1.running_var": (1 + np.abs(randn(8, scale=0.1))).astype(np.float32),
     "conv2.weight": randn(16, 8, 3, 3, scale=0.12),
     "conv2.bias": randn(16, scale=0.1),
     "fc.weight": randn(10, 16, scale=0.25), "fc.bias": randn(10, scale=0.1)}
mean, var = t(p["bn1.running_mean"]).clone(), t(p["bn1.running_var"]).clone()
h = F.conv2d(t(p["x"]), t(p["conv1.weight"]), padding=1)
h = F.relu(F.batch_norm(h, mean, var, t(p["bn1.weight"]), t(p["bn1.bias"]),
                        training=True, momentum=0.1, eps=1e-5))
h = F.max_pool2d(h, 2, 2)
h = F.relu(F.conv2d(h, t(p["conv2.weight"]), t(p["conv2.bias"]), padding=1))
logits = F.linear(h.mean(dim=(2, 3)), t(p["fc.weight"]), t(p["fc.bias"]))
suite.check("example", "cnn", model_text("cnn.mlir"), p,
            {"logits": out(logits),
             "loss": out(F.cross_entropy(logits, t(p["labels"]))),
             "bn1.running_mean": out(mean), "bn1.running_var": out(var)}, "f32")

suite.finish()
