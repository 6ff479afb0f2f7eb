# RUN: %python %s %t
"""Vocabulary parallelism computes the single-device step. Two models:
a token table tied to the output head (looked up at the data's ids, with
a position table that stays whole; cross-entropy with ignore_index and
label smoothing), and an untied head with a bias, a temperature and three
penalties: a z-loss and a mean square, reduced over each device's part of
the vocabulary and combined, and the largest softmax probability, which
reads the logits whole (an all_gather, whose gradient is each device's
slice). Each pair of train steps (tcc-opt
-tcc-train-step, without and with tensor-parallel=2) is evaluated by `tcc
eval` on the same tensors, the tp=2 one on its simulated mesh. AdamW, and
SGD (whose step is the gradient itself: a lost or doubled gradient part
shows at once). The loss and every updated parameter and slot agree
within 1e-5 relative per tensor (f32; only the order of additions
differs: the split log-sum-exp adds each device's exponentials first).
Ids cover every token of both halves of the vocabulary, and some
targets are ignore_index."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import stepeval  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
INPUTS = os.path.join(os.path.dirname(__file__), "Inputs")
rng = np.random.default_rng(5)

targets = rng.integers(0, 16, (2, 4))
targets[0, 1] = targets[1, 3] = -1  # ignore_index
MODELS = {
    "tied_vocabulary": {
        "idx": np.array([[0, 7, 8, 15], [3, 12, 9, 4]], np.int64),
        "targets": targets.astype(np.int64),
        "wte.weight": 0.5 * rng.standard_normal((16, 8)),
        "wpe.weight": 0.5 * rng.standard_normal((4, 8)),
        "lr": np.array(0.1),
    },
    "biased_vocabulary_head": {
        "x": rng.standard_normal((8, 8)),
        "targets": np.array([0, 15, 7, 8, 2, 9, 9, 14], np.int64),
        "head.weight": 0.5 * rng.standard_normal((16, 8)),
        "head.bias": 0.2 * rng.standard_normal(16),
        "lr": np.array(0.1),
    },
}


def evaluate(model, label, options):
    step = stepeval.build_step(os.path.join(INPUTS, f"{model}.mlir"),
                               options,
                               os.path.join(out, f"{model}-{label}.mlir"))
    flags = stepeval.input_flags(os.path.join(out, f"{model}-inputs"),
                                 MODELS[model], "adamw" in options)
    return step, stepeval.evaluate(step, os.path.join(out, f"{model}-{label}"),
                                   flags)


failures = 0


def check(ok, message):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {message}")


for model in MODELS:
    for optimizer in ("adamw", "sgd"):
        _, want_all = evaluate(model, f"{optimizer}-one",
                               f"optimizer={optimizer}")
        step, got_all = evaluate(model, optimizer,
                                 f"optimizer={optimizer} tensor-parallel=2")
        check(set(got_all) == set(want_all),
              f"{model} {optimizer}: the same results")
        for name, want in sorted(want_all.items()):
            got = got_all.get(name, np.zeros(0))
            if got.shape != want.shape:
                check(False, f"{model} {optimizer}: {name} {got.shape}, "
                      f"expected {want.shape}")
                continue
            error = stepeval.relative_error(got, want)
            check(error <= 1e-5, f"{model} {optimizer}: {name} "
                  f"{got.shape}: {error:.1e}")
        # Split at all: the table is held by rows over tp.
        text = open(step).read()
        table = "wte.weight" if "tied" in model else "head.weight"
        check(f'tensor<8x8xf32> {{tcc.name = "{table}", tcc.role = '
              f'"parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, '
              f'[["tp"], []]>}}' in text,
              f"{model} {optimizer}: {table} split by rows over tp")
sys.exit(1 if failures else 0)
