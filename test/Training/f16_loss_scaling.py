# RUN: %python %s
"""f16 mixed precision with dynamic loss scaling against PyTorch.

tcc (`precision="f16"`) computes matmuls in f16 with f32 accumulation and
f32 master weights, and scales the loss as torch.cuda.amp.GradScaler does.
PyTorch 1.13 has neither f16 matmuls nor GradScaler on the CPU, so the
reference is written out: every matmul and linear rounds its operands and
its result to f16 (what an f16 GEMM with f32 accumulation computes; the
backward of those casts rounds the gradients to f16 exactly where tcc's
f16 backward matmuls do, so both overflow on the same values), and the
scaler's rule (scale the loss, skip the step if any gradient is inf/NaN,
back off x0.5 on overflow, grow x2 after `growth_interval` clean steps) is
applied by hand in the order GradScaler.step/update use.

The overflow is injected by starting the scale at 2^24: the first steps'
scaled gradients exceed f16's 65504 and must be skipped (parameters and
optimizer state unchanged, `step` not advanced) while the scale halves; a
growth interval of 3 then makes the scale climb back into overflow, so
skips happen mid-run too. Checked: the same steps are skipped with the
same scales; losses per step and final parameters agree within 2e-3
(but the attention key biases, whose exact gradient is zero: see
lib/trainref.py) (the
two compute the same f16 roundings of f32 values that differ by ~1e-7, so
an occasional rounding flips by one f16 ulp, 2^-11 = 4.9e-4); and f16
must change the losses (vs tcc's f32 run).
"""

import copy
import os
import sys

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

import tcc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "pytorch"))
from trainref import key_bias_entries, loss_of, relative  # noqa: E402
import gpt  # noqa: E402
import mlp  # noqa: E402

TOLERANCE = 2e-3
failures = 0


def check(ok, message):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {message}")


def f16(t):
    return t.half().float()


class F16Matmuls(TorchFunctionMode):
    """Matmuls and linears with operands and results rounded to f16."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.linear:
            x, weight = args[0], args[1]
            bias = args[2] if len(args) > 2 else kwargs.get("bias")
            y = f16(torch.matmul(f16(x), f16(weight).t()))
            return y if bias is None else y + bias
        if func in (torch.matmul, torch.Tensor.__matmul__, torch.bmm,
                    torch.mm):
            return f16(func(f16(args[0]), f16(args[1])))
        return func(*args, **kwargs)


def reference_run(model, batches, lr, init_scale, growth_interval):
    """GradScaler's algorithm by hand: losses, skipped steps, scales."""
    optim = torch.optim.AdamW(model.parameters(), lr=lr)
    scale, tracker = init_scale, 0
    losses, skipped, scales = [], [], []
    for batch in batches:
        optim.zero_grad()
        with F16Matmuls():
            loss = loss_of(model(*batch))
        (loss * scale).backward()
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        found_inf = any(not torch.isfinite(g).all() for g in grads)
        for g in grads:
            g.mul_(1.0 / scale)
        scales.append(scale)
        if not found_inf:
            optim.step()
        if found_inf:
            scale, tracker = scale * 0.5, 0
        else:
            tracker += 1
            if tracker == growth_interval:
                scale, tracker = scale * 2.0, 0
        losses.append(float(loss))
        skipped.append(found_inf)
    return losses, skipped, scales


def compare(case, model, batches, lr, init_scale=2.0**24, growth_interval=3):
    reference = copy.deepcopy(model)
    f32 = copy.deepcopy(model)
    initial = copy.deepcopy(model.state_dict())
    step = tcc.TrainStep(model, batches[0], optimizer="adamw", lr=lr,
                         precision="f16", init_scale=init_scale,
                         growth_interval=growth_interval)
    step32 = tcc.TrainStep(f32, batches[0], optimizer="adamw", lr=lr)
    losses, skipped, scales = [], [], []
    moved = 0.0
    for batch in batches:
        scales.append(step.loss_scale())
        before = int(step.optimizer_state()["step"])
        losses.append(step(*batch))
        skipped.append(int(step.optimizer_state()["step"]) == before)
        got32 = step32(*batch)
        moved = max(moved, abs(losses[-1] - got32) / abs(got32))
    want_losses, want_skipped, want_scales = reference_run(
        reference, batches, lr, init_scale, growth_interval)

    print(f"     {case}: skipped {''.join('x' if s else '.' for s in skipped)}"
          f" (reference {''.join('x' if s else '.' for s in want_skipped)})")
    check(skipped == want_skipped and any(skipped) and not all(skipped),
          f"{case}: the same steps are skipped, some but not all")
    check(scales == want_scales,
          f"{case}: the same loss scales ({scales[0]:g} .. {scales[-1]:g})")
    worst = max(abs(a - b) / abs(b) for a, b in zip(losses, want_losses))
    check(worst <= TOLERANCE,
          f"{case}: losses per step (worst) {worst:.2e} <= {TOLERANCE}")
    trained = step.state_dict()
    noise = key_bias_entries(model)
    updates = skipped.count(False)
    error = 0.0
    for name, want in reference.named_parameters():
        got, want = trained[name].clone(), want.detach().clone()
        if name in noise:
            moved = float((got[noise[name]] - initial[name][noise[name]])
                          .abs().max())
            check(moved <= lr * updates, f"{case}: {name} key entries move "
                  f"at most lr * updates ({moved:.2e})")
            got[noise[name]] = want[noise[name]] = 0
        error = max(error, relative(got, want))
    check(error <= TOLERANCE,
          f"{case}: parameters (worst) {error:.2e} <= {TOLERANCE}")
    check(moved > 1e-5, f"{case}: f16 changes the losses (vs tcc f32: "
          f"{moved:.2e} > 1e-5)")


torch.manual_seed(3)
model = mlp.MLP()
batches = [(torch.randn(16, 64), torch.randint(0, 10, (16,)))
           for _ in range(16)]
compare("mlp adamw f16", model, batches, 3e-3)

config = gpt.GPTConfig(dropout=0.0)
model = gpt.GPT(config)
batches = [(torch.randint(0, config.vocab_size, (2, 16)),
            torch.randint(0, config.vocab_size, (2, 16))) for _ in range(12)]
compare("gpt adamw f16", model, batches, 1e-3)

print(f"{failures} failed")
sys.exit(1 if failures else 0)
