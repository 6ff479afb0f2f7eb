# RUN: %python %s %t
"""Attention split per head computes the single-device step. Three blocks:
nanoGPT's (a fused qkv projection, heads merged into the bmm batch),
Hugging Face's BERT/LLaMA form (separate q, k and v projections, 4-D
batched matmuls), and LLaMA's with rotary embeddings (rotate_half's
concatenation inside the split region, the cos/sin tables repeating over
the heads). Each pair of train steps (tcc-opt -tcc-train-step) is
evaluated by `tcc eval` (the tp=2 one on its simulated mesh) on the same
user tensors; the fused qkv weight is given in the user's [24, 8] shape
that tp views as [3, 8, 8]. Cases: AdamW (its slots split like their
parameters), and SGD with clipping strong enough to act (the global norm
sums the squares of every device's part; SGD's step is proportional to
the clipped gradient, AdamW's would not show the factor). The loss and
every updated parameter and slot agree within 1e-5 relative per tensor
(f32; only the order of additions differs), in the user's shapes. ZeRO
with tp, whose global batch differs from these models', is checked by
test/Distributed/data_parallel.py. A qkv weight in the view's shape is
refused with the shape expected."""

import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import stepeval  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
BIN = os.environ["TCC_BIN"]
INPUTS = os.path.join(os.path.dirname(__file__), "Inputs")
rng = np.random.default_rng(3)


def common():
    return {
        "x": rng.standard_normal((2, 4, 8)),
        "target": rng.standard_normal((2, 4, 8)),
        "ln_1.weight": 1 + 0.1 * rng.standard_normal(8),
        "ln_1.bias": 0.1 * rng.standard_normal(8),
        "lr": np.array(0.1),
    }


MODELS = {
    "fused": ("attention_block.mlir", {
        **common(),
        "attn.c_attn.weight": 0.3 * rng.standard_normal((24, 8)),
        "attn.c_attn.bias": 0.1 * rng.standard_normal(24),
        "attn.c_proj.weight": 0.3 * rng.standard_normal((8, 8)),
        "attn.c_proj.bias": 0.1 * rng.standard_normal(8),
    }),
    "separate": ("attention_separate_qkv.mlir", {
        **common(),
        "attn.q_proj.weight": 0.3 * rng.standard_normal((8, 8)),
        "attn.q_proj.bias": 0.1 * rng.standard_normal(8),
        "attn.k_proj.weight": 0.3 * rng.standard_normal((8, 8)),
        "attn.v_proj.weight": 0.3 * rng.standard_normal((8, 8)),
        "attn.o_proj.weight": 0.3 * rng.standard_normal((8, 8)),
    }),
    "rotary": ("attention_rotary.mlir", {
        "x": rng.standard_normal((2, 8, 16)),
        "target": rng.standard_normal((2, 8, 16)),
        "q_proj.weight": 0.3 * rng.standard_normal((16, 16)),
        "k_proj.weight": 0.3 * rng.standard_normal((16, 16)),
        "v_proj.weight": 0.3 * rng.standard_normal((16, 16)),
        "o_proj.weight": 0.3 * rng.standard_normal((16, 16)),
        "lr": np.array(0.1),
    }),
}


def flags_for(model, adamw):
    """--input flags binding the model's arrays (and AdamW's zero slots)."""
    return stepeval.input_flags(os.path.join(out, f"{model}-inputs"),
                                MODELS[model][1], adamw)


def step_of(model, label, options):
    return stepeval.build_step(os.path.join(INPUTS, MODELS[model][0]),
                               options,
                               os.path.join(out, f"{model}-{label}.mlir"))


def evaluate(model, label, options):
    return stepeval.evaluate(step_of(model, label, options),
                             os.path.join(out, f"{model}-{label}"),
                             flags_for(model, "adamw" in options))


failures = 0


def check(ok, message):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {message}")


# The key biases' exact gradient is zero (softmax ignores a constant added
# to a row): what they get is rounding noise, which AdamW turns into steps
# of up to lr. Checked against that bound, the rest as usual.
KEY_BIASES = {"fused": ("attn.c_attn.bias", slice(8, 16))}

for model in MODELS:
    for label, single, split in (
            ("adamw", "optimizer=adamw", "tensor-parallel=2"),
            ("sgd-clip", "optimizer=sgd clip-grad-norm=0.05",
             "tensor-parallel=2")):
        want_all = evaluate(model, f"{label}-one", single)
        got_all = evaluate(model, label, f"{single} {split}")
        for name, want in sorted(want_all.items()):
            got = got_all[name]
            if got.shape != want.shape:
                check(False, f"{model} {label}: {name} {got.shape}, "
                      f"expected {want.shape}")
                continue
            noise = KEY_BIASES.get(model)
            if noise and name == noise[0] and "adamw" in single:
                key = noise[1]
                start = MODELS[model][1][name].astype(np.float32)[key]
                moved = max(np.abs(got[key] - start).max(),
                            np.abs(want[key] - start).max())
                check(moved <= 0.1 * 1.0001,
                      f"{model} {label}: key biases moved {moved:.2e} <= lr")
                got, want = got.copy(), want.copy()
                got[key] = want[key] = 0
            error = stepeval.relative_error(got, want)
            check(error <= 1e-5, f"{model} {label}: {name} {got.shape}: "
                  f"{error:.1e}")
    # Split at all: each projection's weight is a tp slice.
    text = open(step_of(model, "tp-text",
                        "optimizer=sgd tensor-parallel=2")).read()
    for name in MODELS[model][1]:
        if name.endswith(".weight") and not name.startswith("ln_"):
            check(re.search(f'tcc.name = "{re.escape(name)}", tcc.role = '
                            '"parameter", tcc.sharding = #tcc.sharding<'
                            '@tcc_mesh, [^>]*"tp"', text),
                  f"{model}: {name} is split over tp")

# The clipping acted: without it, SGD's step differs.
unclipped = evaluate("fused", "sgd-unclipped", "optimizer=sgd")
clipped = evaluate("fused", "sgd-clip-one", "optimizer=sgd clip-grad-norm=0.05")
start = MODELS["fused"][1]["attn.c_attn.weight"].astype(np.float32)
ratio = (np.linalg.norm(clipped["attn.c_attn.weight"] - start) /
         np.linalg.norm(unclipped["attn.c_attn.weight"] - start))
check(ratio < 0.9, f"clipping acted: the clipped step is {ratio:.2f} of the "
      "unclipped one")

# The view's own shape is not what the user holds.
np.save(os.path.join(out, "view.npy"), np.zeros((3, 8, 8), np.float32))
refused = subprocess.run(
    [os.path.join(BIN, "tcc"), "eval",
     step_of("fused", "adamw", "optimizer=adamw tensor-parallel=2"),
     "--entry=train_step",
     *[f for f in flags_for("fused", True)
       if not f.startswith("--input=attn.c_attn.weight=")],
     f"--input=attn.c_attn.weight=@{os.path.join(out, 'view.npy')}"],
    capture_output=True, text=True)
check(refused.returncode != 0 and "expects tensor<24x8xf32>" in refused.stderr,
      f"a [3, 8, 8] qkv weight is refused: {refused.stderr.strip()}")
sys.exit(1 if failures else 0)
