# RUN: %python %s
# What the PyTorch frontend refuses, and how it says so: every unsupported
# op of a model at once, each with the user's file:line; in-place updates
# that value semantics would get wrong; a later error (the evaluator's)
# that names the model's line; and the weights round trip through
# load_state_dict; the command line's errors.

import contextlib
import io
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fetest  # noqa: E402
import tcc  # noqa: E402
import tcc.cli  # noqa: E402
from tcc import safetensors  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "pytorch")
sys.path.insert(0, EXAMPLES)
import cnn  # noqa: E402
import gpt  # noqa: E402

HERE = os.path.abspath(__file__)
s = fetest.Suite("pytorch_errors")


def where(text, path=HERE):
    """file:line of the first line of `path` containing `text`."""
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if text in line and "where(" not in line:
                return f"{path}:{number}"
    raise AssertionError(f"{text!r} not in {path}")


class Unsupported(nn.Module):
    def forward(self, x):
        y = torch.cumsum(x, dim=1)  # unsupported: cumsum
        z = torch.argmax(x, dim=1)  # unsupported: argmax
        return y.sum(1) + z + torch.sort(x, dim=1).values.sum(1)  # unsupported: sort


x = torch.randn(3, 4)
s.expect_error("every unsupported op at once, with the user's lines",
               lambda: tcc.trace(Unsupported(), (x,)), tcc.UnsupportedError,
               "3 problems",
               f"{where('# unsupported: cumsum')}: aten.cumsum.default: not supported",
               f"{where('# unsupported: argmax')}: aten.argmax.default",
               f"{where('# unsupported: sort')}: aten.sort.default",
               "(in `y = torch.cumsum(x, dim=1)  # unsupported: cumsum`)")


class MutatesInput(nn.Module):
    def forward(self, x):
        x.add_(1)  # mutates input
        return x * 2


s.expect_error("in-place update of an input", lambda: tcc.trace(MutatesInput(), (x,)),
               tcc.UnsupportedError, where("# mutates input"), "updates the input 'x'")


class MutatesView(nn.Module):
    def forward(self, x):
        y = x * 1
        y[:, 0].mul_(2)  # mutates a view
        return y


s.expect_error("in-place update of a view", lambda: tcc.trace(MutatesView(), (x,)),
               tcc.UnsupportedError, where("# mutates a view"),
               "updates a view of another tensor in place")


class UsesIndices(nn.Module):
    def forward(self, x):
        return x.max(dim=1)[1]  # uses indices


s.expect_error("indices of max", lambda: tcc.trace(UsesIndices(), (x,)),
               tcc.UnsupportedError, "the indices of torch.max along a dimension",
               "tcc has no arg-max")


class RandomNumbers(nn.Module):
    def forward(self, x):
        return x + torch.rand_like(x)  # random numbers


s.expect_error("random numbers outside dropout", lambda: tcc.trace(RandomNumbers(), (x,)),
               tcc.UnsupportedError, where("# random numbers"), "aten.rand_like")

s.expect_error("adaptive pooling with uneven windows",
               lambda: tcc.trace(nn.AdaptiveAvgPool2d(3), (torch.randn(1, 2, 8, 8),)),
               tcc.UnsupportedError, "adaptive average pooling from 8x8 to 3x3")
s.expect_error("a dtype tcc does not have",
               lambda: tcc.trace(nn.Identity(), (torch.zeros(3, dtype=torch.uint8),)),
               tcc.UnsupportedError, "input 'input'", "torch.uint8 is not supported")


class ReturnsNumber(nn.Module):
    def forward(self, x):
        return x * 2, x.shape[0]


s.expect_error("a Python number as an output",
               lambda: tcc.trace(ReturnsNumber(), (x,)), tcc.UnsupportedError,
               "output 'output1'", "is a Python int, not a tensor")
s.expect_error("not a module", lambda: tcc.trace(lambda t: t, (x,)), tcc.TraceError,
               "tcc.trace needs a torch.nn.Module")
s.expect_error("inputs that do not fit forward",
               lambda: tcc.trace(nn.Linear(4, 2), (x, x)), tcc.TraceError,
               "the example inputs do not fit Linear.forward(input: torch.Tensor)")

# A later error names the user's line: the evaluator finds a token outside
# the vocabulary in the embedding that the traced IR located at gpt.py.
torch.manual_seed(0)
model = gpt.GPT().eval()
traced = tcc.trace(model, (torch.randint(0, 64, (1, 8)),))
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "gpt.mlir")
    traced.save(path)
    np.save(os.path.join(tmp, "idx.npy"), np.full((1, 8), 99, np.int64))
    inputs = [f"--input={n}=@{os.path.join(tmp, n + '.npy')}" for n in ["idx"]]
    for name, tensor in traced.weights.items():
        np.save(os.path.join(tmp, name + ".npy"), tensor.numpy())
        inputs.append(f"--input={name}=@{os.path.join(tmp, name + '.npy')}")
    code, out = fetest.run_tool([fetest.TCC, "eval", path, "--quiet", *inputs],
                                expect_ok=False)
    line = where("tok_emb = self.transformer.wte(idx)", os.path.abspath(gpt.__file__))
    error = None if code != 0 and f"{line}:1: error: 'tcc.gather' op index 99" in out \
        else f"expected an error at {line}, got (exit {code}):\n{out}"
    s.record("an evaluator error names the model's line", "error", error)


def cli(name, argv, *fragments):
    """`python -m tcc.trace ARGV` fails with exit code 1 and one error line
    holding every fragment."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = tcc.cli.main(argv)
    text = err.getvalue()
    missing = [f for f in fragments if f not in text]
    error = None if code == 1 and not missing and text.startswith(
        "tcc.trace: error: ") else f"exit {code}, lacks {missing}:\n{text}"
    s.record(f"command line: {name}", "error", error)


MLP = os.path.join(EXAMPLES, "mlp.py")
with tempfile.TemporaryDirectory() as tmp:
    out = ["-o", os.path.join(tmp, "e.mlir")]
    cli("unknown dtype", [f"{MLP}:MLP", "--input", "x=q8[16]", *out],
        "--input 'x=q8[16]': unknown dtype 'q8'")
    cli("no name", [f"{MLP}:MLP", "--input", "f32[16,64]", *out],
        "--input 'f32[16,64]': expected NAME=DTYPE[d0,d1,...]")
    cli("empty dimension", [f"{MLP}:MLP", "--input", "x=f32[16,,3]", *out],
        "--input 'x=f32[16,,3]': empty dimension")
    cli("unreadable .npy", [f"{MLP}:MLP", "--input", f"x=@{tmp}/missing.npy", *out],
        f"--input x=@{tmp}/missing.npy: cannot read it as .npy")
    cli("unknown input name", [f"{MLP}:MLP", "--input", "y=f32[16,64]", *out],
        "MLP.forward(x, labels=None) has no argument 'y'")
    cli("missing input", [f"{MLP}:MLP", *out],
        "missing a required argument: 'x'")
    cli("missing file", [f"{tmp}/nothere.py:MLP", "--input", "x=f32[1,64]", *out],
        f"'{tmp}/nothere.py': no such file")
    cli("missing attribute", [f"{EXAMPLES}/gpt.py:Transformer", *out],
        "gpt.py' has no 'Transformer' (its modules: Block, CausalSelfAttention, GPT, MLP)")
    cli("factory returns no module", [f"{EXAMPLES}/gpt.py:GPTConfig", *out],
        "GPTConfig() returned GPTConfig, not a torch.nn.Module")
    cli("no factory", [MLP, *out], "mlp.py': expected FILE.py:ClassOrFactory")
    cli("IR and weights to one file", [f"{MLP}:MLP", "--input", "x=f32[1,64]", "-o",
                                       f"{tmp}/same", "--weights", f"{tmp}/same"],
        f"the IR and the weights would both be written to '{tmp}/same'")
    source = os.path.join(tmp, "model.py")
    with open(source, "w") as f:
        f.write("import torch\n\n"
                "class Model(torch.nn.Module):\n"
                "    def forward(self, x):\n"
                "        return x.cumsum(0)\n")
    cli("unsupported op", [f"{source}:Model", "--input", "x=f32[3,4]", *out],
        f"1 problem):\n  {source}:5: aten.cumsum.default: not supported")


def round_trip(name, module, inputs):
    """The weights file, loaded into a fresh module of the same kind,
    reproduces every tensor of its state_dict."""
    traced = tcc.trace(module, inputs)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "w.safetensors")
        traced.save(os.path.join(tmp, "m.mlir"), weights=path)
        tensors, metadata = safetensors.load(path)
    fresh = type(module)()
    missing, unexpected = fresh.load_state_dict(tensors, strict=False)
    error = None
    if sorted(missing) != sorted(traced.aliases) or unexpected:
        error = f"missing {missing} (aliases {traced.aliases}), unexpected {unexpected}"
    elif list(tensors) != list(traced.weights):
        error = f"file order {list(tensors)} is not the arguments' {list(traced.weights)}"
    else:
        want = module.state_dict()
        for key, value in fresh.state_dict().items():
            if value.dtype != want[key].dtype or not torch.equal(value, want[key]):
                error = f"'{key}' differs after load_state_dict"
                break
    s.record(f"weights round trip: {name}", "weights", error)


round_trip("gpt (tied lm_head)", model, (torch.randint(0, 64, (1, 8)),))
resnet = cnn.SmallResNet()
with torch.no_grad():
    resnet(torch.randn(2, 3, 16, 16))  # running statistics and a count
round_trip("cnn (BatchNorm buffers)", resnet.eval(), (torch.randn(1, 3, 16, 16),))
s.finish()
