# REQUIRES: mpi
# RUN: %python %s %t "%mpirun"
"""Data parallelism (`tcc compile --train --mesh=dp=N [--zero=S]`) under
mpirun against one device training on the whole batch.

The example MLP and GPT (examples/pytorch) are traced twice: at the global
batch (the single-device model) and at 1/N of it (what each of N devices
runs). Both train 10 AdamW steps from the same weights on the same data;
the single device takes batch s whole, device r of N takes block r of it.
Each device's gradient is the mean over its block; their average over dp
is the global mean, so the runs differ only in the order of float additions.
ZeRO-1/2/3 on dp=4 shard the optimizer state, then the gradients, then the
parameters: the same arithmetic on each shard, so the same tolerance.

Checked, per step and per tensor: losses within 1e-5 relative, saved
parameters within 1e-5 (||a - b|| / max(||b||, 1e-6)); observed ~3e-6; a
missing or wrong average is off by O(1) at once. The attention key biases
are the exception both frameworks share (test/Training/lib/trainref.py):
their exact gradient is zero, AdamW turns rounding noise into lr-sized
steps, so they are checked against that bound instead. The runtime also checks
that every rank's replicated parameters and optimizer state are the same
bits (the replicas apply identical averaged gradients) and says so. Last,
checkpoints saved on dp=2 (plain, and ZeRO-3: the runtime gathers the
shards into whole tensors) continue on dp=4 (plain, and ZeRO-1) with the
losses of an uninterrupted dp=2 run."""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import torch

import tcc
from tcc import safetensors

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                "Training", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "pytorch"))
from trainref import key_bias_entries  # noqa: E402
import gpt  # noqa: E402
import mlp  # noqa: E402

out, mpirun = sys.argv[1], sys.argv[2].split()
os.makedirs(out, exist_ok=True)
TCC = os.path.join(os.environ["TCC_BIN"], "tcc")
STEPS, TOLERANCE = 10, 1e-5
# One GEMM library for every run: the runtime otherwise picks the faster of
# oneDNN and OpenBLAS per process, and the two round differently (enough to
# move AdamW's state by ~3e-5 over 10 steps, which is not what this test
# is about).
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", TCC_GEMM="openblas")
failures = 0


def check(ok, message):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {message}")


def axes(mesh):
    """(dp, tp) of a --mesh value such as "dp=2,tp=2"; None is one device."""
    sizes = dict(a.split("=") for a in mesh.split(",")) if mesh else {}
    return int(sizes.get("dp", 1)), int(sizes.get("tp", 1))


def train(name, ir, data, weights, mesh=None, zero=0):
    artifact = os.path.join(out, f"{name}.tccm")
    dp, tp = axes(mesh)
    devices = dp * tp
    mesh = [f"--mesh={mesh}", f"--zero={zero}"] if mesh else []
    subprocess.run([TCC, "compile", "--quiet", "--train", "--optimizer=adamw",
                    "--lr=0.003", *mesh, ir, "-o", artifact], check=True)
    saved = os.path.join(out, f"{name}.safetensors")
    full = os.path.join(out, f"{name}-model.safetensors")
    command = [TCC, "run", artifact, "--weights", weights, "--data", data,
               "--steps", str(STEPS), "--save", saved, "--save-full", full,
               "--collective-timeout-ms", "60000"]
    if devices > 1:
        command = mpirun + ["-np", str(devices)] + command
    run = subprocess.run(command, capture_output=True, text=True,
                         env=ENV)
    if run.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{run.stdout}\n{run.stderr}")
    losses = [float(v) for v in
              re.findall(r"^step \d+ loss (\S+)", run.stderr, re.M)]
    identical = "parameters and optimizer state identical on all" in run.stderr
    return losses, safetensors.load(saved)[0], identical, full


def compare(name, model, make_batch, global_batch, meshes):
    """`meshes`: (--mesh value, ZeRO stage) pairs, each against one
    device. The model is traced at the global batch over dp."""
    torch.manual_seed(0)
    weights = os.path.join(out, f"{name}-init.safetensors")
    irs = {}
    for dp in sorted({1, *(axes(m)[0] for m, _ in meshes)}):
        traced = tcc.trace(model, make_batch(global_batch // dp))
        irs[dp] = os.path.join(out, f"{name}-{dp}.mlir")
        traced.save(irs[dp], weights=weights)
    initial = safetensors.load(weights)[0]
    batches = [make_batch(global_batch) for _ in range(STEPS)]
    data = os.path.join(out, f"{name}-data.npz")
    np.savez(data, **{n: torch.cat([b[i] for b in batches]).numpy()
                      for i, n in enumerate(traced.input_names)})
    want_losses, want, _, _ = train(f"{name}-single", irs[1], data, weights)
    for mesh, zero in meshes:
        label = f"{name} {mesh} zero={zero}"
        losses, got, identical, full = train(
            f"{name}-{mesh.replace(',', '-')}-zero{zero}", irs[axes(mesh)[0]],
            data, weights, mesh, zero)
        worst = max((abs(a - b) / abs(b) for a, b in zip(losses, want_losses)),
                    default=1.0) if len(losses) == STEPS else 1.0
        check(worst <= TOLERANCE, f"{label}: {len(losses)} losses "
              f"(worst step) {worst:.1e} <= {TOLERANCE}")
        noise = key_bias_entries(model)
        error = 0.0
        for n, t in want.items():
            a, b = got[n].double().clone(), t.double().clone()
            if n in noise:
                # Rounding noise as gradient, normalized by AdamW into
                # lr-sized steps (lib/trainref.py): bounded by lr * steps
                # in both runs, compared as such.
                for which, value in (("dp", a), ("single", b)):
                    moved = float((value[noise[n]] - initial[n].double()[
                        noise[n]]).abs().max())
                    check(moved <= 0.003 * STEPS, f"{label}: "
                          f"{n} key entries ({which}) within lr * steps")
                a[noise[n]] = b[noise[n]] = 0
            error = max(error, float((a - b).norm() / max(float(b.norm()),
                                                          1e-6)))
        check(error <= TOLERANCE, f"{label}: saved parameters and "
              f"state (worst) {error:.1e} <= {TOLERANCE}")
        check(identical, f"{label}: replicas bitwise identical")
        # --save-full: the model's state_dict alone (ZeRO's shards gathered),
        # which PyTorch loads; the same tensors as the checkpoint. A tied
        # weight is stored once, under its first name (GPT's lm_head.weight
        # is transformer.wte.weight), as safetensors' save_model does.
        state = safetensors.load(full)[0]
        missing, unexpected = model.load_state_dict(state, strict=False)
        check(not unexpected and set(missing) == set(traced.aliases) and
              all(torch.equal(t, got[n]) for n, t in state.items()),
              f"{label}: --save-full loads into the PyTorch model "
              f"({len(state)} tensors, equal to the checkpoint's; tied: "
              f"{sorted(missing)})")


def resume_on_another_mesh(first, second, name="mlp", noise=None,
                           sharded=False):
    """A checkpoint saved on one mesh continues on another: a checkpoint
    holds whole tensors (ZeRO's shards and tp's slices gathered by the
    runtime), or with `sharded` each rank's blocks and a manifest
    (--save-sharded; each rank of the second mesh assembles its blocks),
    and the global batch is the same on both meshes; 5 + 5 steps give the
    losses and state of 10 steps on the first within 1e-5 (the sums run in
    another order). `first` and `second`: (--mesh value, ZeRO stage), or
    None for one device. `noise`: entries whose exact gradient is zero
    (key_bias_entries), left out as in compare()."""
    noise = noise or {}
    weights = os.path.join(out, f"{name}-init.safetensors")
    data = os.path.join(out, f"{name}-data.npz")
    arts, devices = {}, {}
    for which, placement in (("first", first), ("second", second)):
        mesh, zero = placement or (None, 0)
        dp, tp = axes(mesh)
        devices[which] = dp * tp
        arts[which] = os.path.join(out, f"{name}-resume-{which}.tccm")
        flags = [f"--mesh={mesh}", f"--zero={zero}"] if mesh else []
        subprocess.run([TCC, "compile", "--quiet", "--train",
                        "--optimizer=adamw", "--lr=0.003", *flags,
                        os.path.join(out, f"{name}-{dp}.mlir"),
                        "-o", arts[which]], check=True)
    checkpoint = os.path.join(out, "ckpt" if sharded else "ckpt.safetensors")
    shutil.rmtree(checkpoint, ignore_errors=True)

    def run(which, steps, state, save):
        flag = "--resume" if state == checkpoint else "--weights"
        store = ("--save-sharded" if sharded and save == checkpoint
                 else "--save")
        launch = (mpirun + ["-np", str(devices[which])]
                  if devices[which] > 1 else [])
        command = launch + [TCC, "run", arts[which], flag, state, "--data",
                            data, "--steps", str(steps), store, save]
        done = subprocess.run(command, capture_output=True, text=True,
                              env=ENV)
        if done.returncode:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
        return [float(v) for v in
                re.findall(r"^step \d+ loss (\S+)", done.stderr, re.M)]

    whole = run("first", STEPS, weights, os.path.join(out, "whole.safetensors"))
    losses = run("first", STEPS // 2, weights, checkpoint)
    losses += run("second", STEPS - STEPS // 2, checkpoint,
                  os.path.join(out, "resumed.safetensors"))
    both = losses
    worst = max((abs(a - b) / abs(b) for a, b in zip(both, whole)),
                default=1.0) if len(both) == STEPS else 1.0
    def where(placement):
        return (f"{placement[0]} zero={placement[1]}" if placement
                else "one device")
    label = (f"{name} {where(first)} {'sharded ' if sharded else ''}"
             f"checkpoint resumed on {where(second)}")
    check(worst <= TOLERANCE, f"{label}: {len(both)} "
          f"losses (worst step) {worst:.1e} <= {TOLERANCE}")
    got = safetensors.load(os.path.join(out, "resumed.safetensors"))[0]
    want = safetensors.load(os.path.join(out, "whole.safetensors"))[0]
    error = 0.0
    for n, t in want.items():
        a, b = got[n].double().clone(), t.double().clone()
        if n in noise:
            a[noise[n]] = b[noise[n]] = 0
        error = max(error, float((a - b).norm() / max(float(b.norm()), 1e-6)))
    check(error <= TOLERANCE, f"{label}: final state "
          f"(worst) {error:.1e} <= {TOLERANCE}")


MESHES = (("dp=2", 0), ("dp=4", 0), ("dp=4", 1), ("dp=4", 2), ("dp=4", 3),
          ("tp=2", 0), ("dp=2,tp=2", 0), ("dp=2,tp=2", 1), ("dp=2,tp=2", 3))
compare("mlp", mlp.MLP(),
        lambda b: (torch.randn(b, 64), torch.randint(0, 10, (b,))), 16, MESHES)
resume_on_another_mesh(("dp=2", 0), ("dp=4", 0))
resume_on_another_mesh(("dp=2", 3), ("dp=4", 1))
resume_on_another_mesh(("dp=2", 3), ("dp=4", 1), sharded=True)
resume_on_another_mesh(("dp=4", 2), None, sharded=True)
resume_on_another_mesh(("dp=2,tp=2", 0), ("dp=4", 0))
config = gpt.GPTConfig(dropout=0.0)
compare("gpt", gpt.GPT(config),
        lambda b: (torch.randint(0, config.vocab_size, (b, 16)),
                   torch.randint(0, config.vocab_size, (b, 16))), 8, MESHES)
# tp holds GPT's fused qkv weights per head, as a view [3, C, C] of the
# user's [3C, C]: the checkpoint holds the user's tensors.
resume_on_another_mesh(("dp=2,tp=2", 0), ("dp=4", 0), name="gpt",
                       noise=key_bias_entries(gpt.GPT(config)))
# Sharded: tp's qkv blocks tile the view [3, C, C], dp=4's the user's
# [3C, C]; zero=3 on the second mesh cuts yet other blocks.
resume_on_another_mesh(("dp=2,tp=2", 1), ("dp=4", 3), name="gpt",
                       noise=key_bias_entries(gpt.GPT(config)), sharded=True)

print(f"{failures} failed")
sys.exit(1 if failures else 0)
