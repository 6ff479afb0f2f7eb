"""Compiles, on a machine with tcc, everything the GPU device check runs:

  .gpu/bench/<name>.tccm   the benchmarks of models.py, traced with tcc.trace
                           and compiled with --target=cuda
  .gpu/conformance/        the end-to-end suites' cases (test/e2e), each
                           compiled for cuda with its inputs and NumPy/PyTorch
                           reference results (TCC_E2E_RECORD_CUDA)
  .gpu/bench/nccl/         nccl_one_device.mlir for cuda, its input and the
                           evaluator's results: the NCCL path on one GPU

    /usr/bin/python3 benchmarks/gpu/make_artifacts.py [--arch sm_90] [--skip-conformance]

The folder .gpu is ignored by git; the device tool carries it (`carry`).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

import torch  # noqa: E402

import tcc  # noqa: E402
from models import DTYPES, workloads  # noqa: E402

SUITES = ["elementwise", "reductions", "nn", "data_movement", "conv_pool",
          "dtypes", "cast_rounding", "examples", "matmul_epilogues"]


def make_nccl_case(tcc_bin, arch, folder):
    """Every collective on a one-device mesh: the artifact, an input and
    `tcc eval`'s results for it (the reference the device compares with)."""
    import numpy as np
    os.makedirs(folder)
    source = os.path.join(ROOT, "benchmarks", "gpu", "nccl_one_device.mlir")
    subprocess.run([tcc_bin, "compile", source, "--target=cuda",
                    f"--gpu-arch={arch}", "--no-cache", "--quiet", "-o",
                    os.path.join(folder, "collectives.tccm")], check=True)
    x = np.random.default_rng(5).standard_normal((4, 6)).astype(np.float32)
    np.save(os.path.join(folder, "x.npy"), x)
    subprocess.run([tcc_bin, "eval", source, "--quiet",
                    f"--input=x=@{os.path.join(folder, 'x.npy')}",
                    "--output-dir", os.path.join(folder, "want")], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="sm_90")
    parser.add_argument("--out", default=os.path.join(ROOT, ".gpu"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--skip-conformance", action="store_true")
    args = parser.parse_args()
    tcc_bin = os.path.join(args.bin, "tcc")

    bench = os.path.join(args.out, "bench")
    shutil.rmtree(bench, ignore_errors=True)
    os.makedirs(bench)
    torch.manual_seed(0)
    for name, (make, inputs, _, _) in workloads().items():
        start = time.time()
        module = make().eval()
        example = tuple(torch.randn(shape).to(DTYPES[dtype])
                        for shape, dtype in inputs)
        traced = tcc.trace(module, example)
        mlir = os.path.join(bench, f"{name}.mlir")
        with open(mlir, "w") as f:
            f.write(traced.mlir)
        subprocess.run([tcc_bin, "compile", mlir, "--target=cuda",
                        f"--gpu-arch={args.arch}", "--no-cache", "--quiet",
                        "-o", os.path.join(bench, f"{name}.tccm")], check=True)
        print(f"bench {name}: {time.time() - start:.1f} s")

    make_nccl_case(tcc_bin, args.arch, os.path.join(bench, "nccl"))
    if args.skip_conformance:
        return
    record = os.path.join(args.out, "conformance")
    shutil.rmtree(record, ignore_errors=True)
    os.makedirs(record)
    env = dict(os.environ, TCC_BIN=args.bin, TCC_E2E_RECORD_CUDA=record,
               PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "test", "lib"),
                                           os.path.join(ROOT, "python")]))
    failed = 0
    for suite in SUITES:
        start = time.time()
        proc = subprocess.run([sys.executable,
                               os.path.join(ROOT, "test", "e2e", f"{suite}.py")],
                              env=env, capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            if not line.startswith("PASS"):
                print(line)
        failed += proc.returncode != 0
        print(f"conformance {suite}: {time.time() - start:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
