#!/usr/bin/python3
"""Training-step time: tcc's compiled step (tcc.TrainStep) against PyTorch
eager (torch 1.13, same threads), on the example models.

Usage (from the repository root, after `make`):

  PYTHONPATH=python /usr/bin/python3 benchmarks/cpu/train_compare.py [--threads 2]

For each model and optimizer: the median wall time of one step (forward,
backward, update) over --repeat steps after --warmup, for tcc (parameters
and optimizer state resident in host arrays, batches passed as NumPy) and
for PyTorch (zero_grad, forward, backward, optimizer.step). Prints one
table; the first tcc step also reports the compile time (cold cache)."""

import argparse
import os
import statistics
import sys
import time

import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "examples", "pytorch"))
import gpt  # noqa: E402
import mlp  # noqa: E402
import tcc  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeat", type=int, default=50)
parser.add_argument("--warmup", type=int, default=5)
args = parser.parse_args()
torch.set_num_threads(args.threads)
os.environ.setdefault("TCC_CACHE", "0")  # measure a real compile


class MnistMLP(torch.nn.Module):
    """784-1024-1024-10 with ReLU and cross-entropy."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 1024)
        self.fc2 = torch.nn.Linear(1024, 1024)
        self.fc3 = torch.nn.Linear(1024, 10)

    def forward(self, x, labels):
        x = torch.relu(self.fc2(torch.relu(self.fc1(x))))
        return torch.nn.functional.cross_entropy(self.fc3(x), labels)


def loss_of(output):
    if isinstance(output, torch.Tensor):
        return output
    return output["loss"] if isinstance(output, dict) else output[1]


def median_ms(fn):
    for _ in range(args.warmup):
        fn()
    samples = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def case(name, make_model, batch, optimizer, lr):
    torch.manual_seed(0)
    model = make_model()
    start = time.perf_counter()
    step = tcc.TrainStep(model, batch, optimizer=optimizer, lr=lr,
                         **({"momentum": 0.9} if optimizer == "sgd" else {}))
    compile_s = time.perf_counter() - start
    tcc_ms = median_ms(lambda: step(*batch))
    reference = make_model()
    optim = (torch.optim.SGD(reference.parameters(), lr=lr, momentum=0.9)
             if optimizer == "sgd" else
             torch.optim.AdamW(reference.parameters(), lr=lr))

    def torch_step():
        optim.zero_grad()
        loss_of(reference(*batch)).backward()
        optim.step()
    torch_ms = median_ms(torch_step)
    print(f"| {name} | {optimizer} | {tcc_ms:.3f} | {torch_ms:.3f} | "
          f"{torch_ms / tcc_ms:.2f}x | {compile_s:.2f} |")


print(f"Training step, median of {args.repeat} steps, {args.threads} threads, "
      f"torch {torch.__version__}\n")
print("| model | optimizer | tcc ms/step | PyTorch eager ms/step | speedup | tcc compile s |")
print("|---|---|---|---|---|---|")
# The training issue's benchmark: batch 256, 784-1024-1024-10, SGD, f32.
mnist_batch = (torch.randn(256, 784), torch.randint(0, 10, (256,)))
case("MLP 256x784-1024-1024-10", MnistMLP, mnist_batch, "sgd", 0.01)
mlp_batch = (torch.randn(256, 64), torch.randint(0, 10, (256,)))
case("MLP 256x64-128-10", mlp.MLP, mlp_batch, "sgd", 0.1)
case("MLP 256x64-128-10", mlp.MLP, mlp_batch, "adamw", 1e-3)
config = gpt.GPTConfig(dropout=0.0)
gpt_batch = (torch.randint(0, config.vocab_size, (8, 16)),
             torch.randint(0, config.vocab_size, (8, 16)))
case("GPT 2 layers, 8x16 tokens", lambda: gpt.GPT(config), gpt_batch, "adamw", 1e-3)
big = gpt.GPTConfig(dropout=0.0, n_layer=4, n_embd=128, block_size=64,
                    vocab_size=512)
big_batch = (torch.randint(0, big.vocab_size, (8, 64)),
             torch.randint(0, big.vocab_size, (8, 64)))
case("GPT 4 layers d128, 8x64 tokens", lambda: gpt.GPT(big), big_batch, "adamw", 1e-3)
