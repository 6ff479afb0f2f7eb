# REQUIRES: mpi
# RUN: %python %s %t "%mpirun"
"""Per-rank memory of ZeRO-0..3 on dp=4 against the ZeRO paper's model
(Rajbhandari et al. 2020, section 5), measured by the runtime.

The model: a 6-layer MLP of width 512 (1.58 M parameters, so model states
dwarf the activations of its batch of 8 per device), AdamW in f32. With Psi
parameters and N devices, ZeRO's per-rank model states are

    stage 0: 4 Psi (params) + 4 Psi (grads) + 8 Psi (Adam's m and v)
    stage 1: 4 Psi + 4 Psi + 8 Psi / N
    stage 2: 4 Psi + (4 + 8) Psi / N
    stage 3: 16 Psi / N

where a tensor tcc cannot split evenly (a dimension N divides) counts
whole. Gradient clipping is on so that every gradient exists at once, as
the paper assumes (without it tcc applies each update right after its
bucket and gradients never all live together; the table prints that too).

`tcc run` reports what a rank holds between steps (parameters, optimizer
state) and the step's measured arena peak (gradients, activations, gathered
parameters, bucket buffers). Checked:
  - parameters and optimizer state per rank are exactly the model's shards;
  - parameters + optimizer state + arena peak is within 25% of the model's
    total for every stage (the excess is the step's transient working set:
    one 1 MiB bucket, a gathered layer, activations; stage 1 is below the
    model because tcc cuts each device's gradient shard right after its
    bucket is averaged, so it holds gradients as stage 2 does);
  - the total falls as the stage rises (0 > 1 >= 2 > 3)."""

import os
import re
import subprocess
import sys

import numpy as np
import torch

import tcc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "pytorch"))
import mlp  # noqa: E402

out, mpirun = sys.argv[1], sys.argv[2].split()
os.makedirs(out, exist_ok=True)
TCC = os.path.join(os.environ["TCC_BIN"], "tcc")
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", TCC_GEMM="openblas")
DEVICES, MARGIN = 4, 0.25
failures = 0


def check(ok, message):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {message}")


torch.manual_seed(0)
model = mlp.DeepMLP()
ir = os.path.join(out, "deep.mlir")
weights = os.path.join(out, "deep.safetensors")
traced = tcc.trace(model, (torch.randn(8, 512), torch.randint(0, 10, (8,))))
traced.save(ir, weights=weights)
data = os.path.join(out, "data.npz")
np.savez(data, x=torch.randn(8 * DEVICES * 2, 512).numpy(),
         labels=torch.randint(0, 10, (8 * DEVICES * 2,)).numpy())
assert traced.input_names == ["x", "labels"], traced.input_names


def shard_bytes(shape):
    """Bytes of one rank's f32 shard of a tensor ZeRO splits along its first
    dimension DEVICES divides (whole when there is none)."""
    n = int(np.prod(shape)) * 4
    return n // DEVICES if any(d % DEVICES == 0 for d in shape) else n


shapes = [tuple(p.shape) for p in model.parameters()]
whole = sum(int(np.prod(s)) * 4 for s in shapes)   # 4 Psi
split = sum(shard_bytes(s) for s in shapes)         # ~4 Psi / N
STEP = 8  # the optimizer's step count, an i64 every rank holds
model_states = {  # params, grads, optimizer state (m, v and step)
    0: (whole, whole, 2 * whole + STEP),
    1: (whole, whole, 2 * split + STEP),
    2: (whole, split, 2 * split + STEP),
    3: (split, split, 2 * split + STEP),
}


def measure(zero, clip):
    artifact = os.path.join(out, f"zero{zero}-{clip}.tccm")
    extra = ["--clip-grad-norm=1"] if clip else []
    subprocess.run([TCC, "compile", "--quiet", "--train", "--optimizer=adamw",
                    f"--mesh=dp={DEVICES}", f"--zero={zero}", "--bucket-mb=1",
                    *extra, ir, "-o", artifact], check=True)
    command = mpirun + ["-np", str(DEVICES), TCC, "run", artifact, "--weights",
                        weights, "--data", data, "--steps", "2",
                        "--collective-timeout-ms", "60000"]
    done = subprocess.run(command, capture_output=True, text=True, env=ENV)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    arena = int(re.search(r"peak memory (\d+) bytes per rank", done.stderr)[1])
    held = re.search(r"parameters (\d+) bytes, optimizer state (\d+) bytes",
                     done.stderr)
    return int(held[1]), int(held[2]), arena


MiB = 1 << 20
print(f"| gradients | ZeRO | params/rank | optimizer/rank | arena peak | "
      f"measured total | ZeRO model | ratio |")
print("|---|---|---|---|---|---|---|---|")
totals = {}
for clip in (True, False):
    for zero in range(4):
        params, state, arena = measure(zero, clip)
        total = params + state + arena
        want_params, grads, want_state = model_states[zero]
        predicted = want_params + grads + want_state
        setting = "all at once (clipping)" if clip else "updated per bucket"
        print(f"| {setting} | {zero} | {params / MiB:.2f} MiB | "
              f"{state / MiB:.2f} MiB | {arena / MiB:.2f} MiB | {total / MiB:.2f} MiB "
              f"| {predicted / MiB:.2f} MiB | {total / predicted:.2f} |")
        if not clip:
            continue
        totals[zero] = total
        check(params == want_params and state == want_state,
              f"zero={zero}: parameters {params} and optimizer state {state} "
              f"bytes per rank are the model's {want_params} and {want_state}")
        check(abs(total / predicted - 1) <= MARGIN,
              f"zero={zero}: measured {total} bytes per rank within "
              f"{MARGIN:.0%} of the model's {predicted}")
check(totals[0] > totals[1] >= totals[2] * 0.99 and totals[2] > totals[3],
      "per-rank memory falls as the stage rises: " +
      " > ".join(f"{totals[z] / MiB:.2f} MiB" for z in range(4)))
print(f"{failures} failed")
sys.exit(1 if failures else 0)
