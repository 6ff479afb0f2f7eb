"""Training steps built by `tcc-opt -tcc-train-step` and evaluated by `tcc
eval` on given tensors: the tests that compare a step split over devices
with the single-device one (tensor_parallel_attention_eval.py,
vocab_parallel_eval.py) share these."""

import os
import shutil
import subprocess

import numpy as np

BIN = os.environ["TCC_BIN"]


def input_flags(folder, arrays, adamw):
    """--input flags binding `arrays` (name -> ndarray; integers stay
    int64, the rest become f32), the step counter at 0, and with `adamw`
    zero exp_avg and exp_avg_sq slots for every parameter (a dotted
    name)."""
    os.makedirs(folder, exist_ok=True)
    flags = []

    def bind(name, value):
        path = os.path.join(folder, f"{name}.npy")
        np.save(path, value)
        flags.append(f"--input={name}=@{path}")

    for name, value in arrays.items():
        if value.dtype != np.int64:
            value = value.astype(np.float32)
        bind(name, value)
        if adamw and "." in name:
            for slot in ("exp_avg", "exp_avg_sq"):
                bind(f"{name}.{slot}", np.zeros(value.shape, np.float32))
    bind("step", np.array(0, np.int64))
    return flags


def build_step(model_mlir, options, step_mlir):
    """Writes the train step of `model_mlir` (-tcc-train-step=`options`)
    to `step_mlir` and returns its path."""
    subprocess.run([os.path.join(BIN, "tcc-opt"), model_mlir,
                    f"-tcc-train-step={options}", "-o", step_mlir], check=True)
    return step_mlir


def evaluate(step_mlir, folder, flags):
    """The results of `tcc eval` of train_step in `step_mlir`, by name."""
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([os.path.join(BIN, "tcc"), "eval", step_mlir, "--quiet",
                    "--entry=train_step", "--output-dir", folder, *flags],
                   check=True)
    return {f[:-4]: np.load(os.path.join(folder, f))
            for f in os.listdir(folder)}


def relative_error(got, want):
    """||got - want|| / ||want||, with 1e-6 as the floor of ||want||."""
    return np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-6)
