#!/usr/bin/python3
"""tcc's CPU backend against copy bandwidth, BLAS and PyTorch, side by side.

Usage (from the repository root, after `make`):

  /usr/bin/python3 benchmarks/cpu/compare.py [--build build] [--threads 2]

Compiles the benchmark models with `tcc compile`, runs them with
build/bin/tcc-cpu-bench (Google Benchmark: each artifact, a parallel copy of
the same bytes, OpenBLAS and oneDNN sgemm called directly, all on the same
threads in one process), then times PyTorch eager on the same shapes and
threads, and JAX (XLA on the CPU, jit) when --peer-python names an
interpreter that has it (a venv: `python3 -m venv v && v/bin/pip install
jax`), and prints one table. Bandwidth counts bytes read plus written.
PyTorch's BLAS is checked: the script refuses to report against Debian's
reference BLAS, which is ~30x slower than OpenBLAS.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

N_GELU = 16 * 1024 * 1024
ROWS, COLS = 8192, 1024
MM = 2048
BATCH, D_IN, D_HID, D_OUT = 256, 784, 1024, 10


def models():
    """name -> (MLIR text, FLOPs or 0, copy size in bytes per side)."""
    gelu = f"""
func.func @main(%x: tensor<{N_GELU}xf32> {{tcc.name = "x"}},
                %a: tensor<f32> {{tcc.name = "a"}}, %b: tensor<f32> {{tcc.name = "b"}})
    -> (tensor<{N_GELU}xf32> {{tcc.name = "y"}}) {{
  %ab = tcc.broadcast %a : tensor<f32> -> tensor<{N_GELU}xf32>
  %bb = tcc.broadcast %b : tensor<f32> -> tensor<{N_GELU}xf32>
  %m = tcc.mul %x, %ab : tensor<{N_GELU}xf32>
  %s = tcc.add %m, %bb : tensor<{N_GELU}xf32>
  %y = tcc.gelu %s : tensor<{N_GELU}xf32>
  return %y : tensor<{N_GELU}xf32>
}}"""
    t = f"tensor<{ROWS}x{COLS}xf32>"
    softmax = f"""
func.func @main(%x: {t} {{tcc.name = "x"}}) -> ({t} {{tcc.name = "y"}}) {{
  %y = tcc.softmax %x dim = 1 : {t}
  return %y : {t}
}}"""
    layer_norm = f"""
func.func @main(%x: {t} {{tcc.name = "x"}},
                %w: tensor<{COLS}xf32> {{tcc.name = "w", tcc.role = "parameter"}},
                %b: tensor<{COLS}xf32> {{tcc.name = "b", tcc.role = "parameter"}})
    -> ({t} {{tcc.name = "y"}}) {{
  %y = tcc.layer_norm %x, %w, %b : ({t}, tensor<{COLS}xf32>, tensor<{COLS}xf32>) -> {t}
  return %y : {t}
}}"""
    m = f"tensor<{MM}x{MM}xf32>"
    matmul = f"""
func.func @main(%a: {m} {{tcc.name = "a"}}, %b: {m} {{tcc.name = "b"}})
    -> ({m} {{tcc.name = "c"}}) {{
  %c = tcc.matmul %a, %b : ({m}, {m}) -> {m}
  return %c : {m}
}}"""
    def linear(i, x, n_in, n_out, relu):
        out = f"tensor<{BATCH}x{n_out}xf32>"
        text = (f"  %h{i} = tcc.matmul {x}, %w{i} {{transpose_rhs}} : "
                f"(tensor<{BATCH}x{n_in}xf32>, tensor<{n_out}x{n_in}xf32>) -> {out}\n"
                f"  %bb{i} = tcc.broadcast %b{i} : tensor<{n_out}xf32> -> {out}\n"
                f"  %z{i} = tcc.add %h{i}, %bb{i} : {out}\n")
        if relu:
            text += f"  %a{i} = tcc.relu %z{i} : {out}\n"
        return text, f"%a{i}" if relu else f"%z{i}"
    body, x = "", "%x"
    dims = [(D_IN, D_HID, True), (D_HID, D_HID, True), (D_HID, D_OUT, False)]
    params = []
    for i, (n_in, n_out, relu) in enumerate(dims, 1):
        text, x = linear(i, x, n_in, n_out, relu)
        body += text
        params.append(f'%w{i}: tensor<{n_out}x{n_in}xf32> {{tcc.name = "w{i}", tcc.role = "parameter"}}')
        params.append(f'%b{i}: tensor<{n_out}xf32> {{tcc.name = "b{i}", tcc.role = "parameter"}}')
    mlp = (f'func.func @main(%x: tensor<{BATCH}x{D_IN}xf32> {{tcc.name = "x"}}, '
           + ", ".join(params)
           + f') -> (tensor<{BATCH}x{D_OUT}xf32> {{tcc.name = "logits"}}) {{\n'
           + body + f"  return {x} : tensor<{BATCH}x{D_OUT}xf32>\n}}\n")
    mlp_flops = 2 * BATCH * (D_IN * D_HID + D_HID * D_HID + D_HID * D_OUT)
    return {
        "gelu(x*a+b) 16M": (gelu, 0),
        "softmax 8192x1024": (softmax, 0),
        "layer_norm 8192x1024": (layer_norm, 0),
        "matmul 2048^3": (matmul, 2 * MM ** 3),
        "MLP fwd 256x784-1024-1024-10": (mlp, mlp_flops),
    }


def check_torch_blas():
    a = torch.randn(256, 256)
    (a @ a).sum().item()
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower()}
    if any("/blas/libblas" in lib for lib in libs) and not any(
            "openblas" in lib for lib in libs):
        sys.exit("PyTorch uses Debian's reference BLAS (libblas.so.3 -> "
                 "blas/): refusing to report against it; select OpenBLAS "
                 "with update-alternatives")
    return ", ".join(sorted(os.path.basename(lib) for lib in libs)) or "none"


def time_torch(fn, repeat=20, warmup=3):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def torch_cases():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N_GELU, generator=g)
    a, b = torch.tensor(1.5), torch.tensor(0.25)
    r = torch.randn(ROWS, COLS, generator=g)
    w, bias = torch.randn(COLS, generator=g), torch.randn(COLS, generator=g)
    ma, mb = torch.randn(MM, MM, generator=g), torch.randn(MM, MM, generator=g)
    mlp = torch.nn.Sequential(torch.nn.Linear(D_IN, D_HID), torch.nn.ReLU(),
                              torch.nn.Linear(D_HID, D_HID), torch.nn.ReLU(),
                              torch.nn.Linear(D_HID, D_OUT)).eval()
    mx = torch.randn(BATCH, D_IN, generator=g)
    with torch.no_grad():
        return {
            "gelu(x*a+b) 16M": time_torch(lambda: F.gelu(x * a + b)),
            "softmax 8192x1024": time_torch(lambda: torch.softmax(r, 1)),
            "layer_norm 8192x1024": time_torch(
                lambda: F.layer_norm(r, (COLS,), w, bias)),
            "matmul 2048^3": time_torch(lambda: ma @ mb, repeat=10),
            "MLP fwd 256x784-1024-1024-10": time_torch(lambda: mlp(mx), repeat=50),
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peer-python", default=os.environ.get("TCC_PEER_PYTHON"),
                        help="an interpreter with jax installed")
    args = parser.parse_args()
    tcc = os.path.join(args.build, "bin", "tcc")
    bench = os.path.join(args.build, "bin", "tcc-cpu-bench")

    cases = models()
    with tempfile.TemporaryDirectory(prefix="tcc-bench-") as tmp:
        specs = []
        for i, (name, (text, flops)) in enumerate(cases.items()):
            src = os.path.join(tmp, f"m{i}.mlir")
            out = os.path.join(tmp, f"m{i}.tccm")
            with open(src, "w") as f:
                f.write(text)
            subprocess.run([tcc, "compile", src, "-o", out, "--quiet"],
                           check=True)
            specs.append(f"--artifact=m{i}={out}:{flops}")
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                   OPENBLAS_NUM_THREADS=str(args.threads))
        proc = subprocess.run(
            [bench, f"--threads={args.threads}", *specs,
             "--benchmark_format=json", "--benchmark_min_time=0.3",
             "--benchmark_repetitions=3",
             "--benchmark_report_aggregates_only=true"],
            check=True, capture_output=True, text=True, env=env)
    # The median of three repetitions of each benchmark.
    results = {b["run_name"]: b for b in json.loads(proc.stdout)["benchmarks"]
               if b.get("aggregate_name") == "median"}

    torch.set_num_threads(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    blas = check_torch_blas()
    peer = torch_cases()
    jax_times = {}
    if args.peer_python:
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "jax_peer.py")
        out = subprocess.run([args.peer_python, script, str(args.threads)],
                             check=True, capture_output=True, text=True)
        jax_times = json.loads(out.stdout.strip().splitlines()[-1])

    def ms(b):
        return b["real_time"] * {"ms": 1, "us": 1e-3, "ns": 1e-6}[b["time_unit"]]

    copy64 = results["Copy/67108864/real_time"]["bytes_per_second"] / 1e9
    copy32 = results["Copy/33554432/real_time"]["bytes_per_second"] / 1e9

    def gemm(library, shape):
        return results[f"Sgemm/{library}/{shape}/real_time"]["GFLOPs"]
    square = "m:2048/n:2048/k:2048/tb:0"
    library = "OpenBLAS" if os.environ.get("TCC_GEMM") == "openblas" else "oneDNN"
    blas_gflops = gemm(library, square)
    print(f"threads: {args.threads}; tcc's f32 GEMM library: {library}; "
          f"torch {torch.__version__} BLAS: {blas}")
    print(f"copy bandwidth (read + write): {copy64:.1f} GB/s (64 MiB), "
          f"{copy32:.1f} GB/s (32 MiB)")
    print()
    print("| sgemm called directly (GFLOP/s) | OpenBLAS | oneDNN |")
    print("|---|---|---|")
    shapes = [k[len("Sgemm/OpenBLAS/"):-len("/real_time")] for k in results
              if k.startswith("Sgemm/OpenBLAS/")]
    for shape in shapes:
        print(f"| {shape.replace('/', ' ')} | {gemm('OpenBLAS', shape):.1f} | "
              f"{gemm('oneDNN', shape):.1f} |")
    print()
    if jax_times:
        print(f"JAX {jax_times['_version']} (XLA CPU, jit) from {args.peer_python}")
        print()
    print("| case | tcc ms | tcc rate | vs bound | PyTorch eager ms | tcc speedup |"
          + (" JAX jit ms | tcc speedup |" if jax_times else ""))
    print("|---|---|---|---|---|---|" + ("---|---|" if jax_times else ""))
    for i, (name, (_, flops)) in enumerate(cases.items()):
        b = results[f"Artifact/m{i}/real_time"]
        t = ms(b)
        if flops:
            rate = b["GFLOPs"]
            rate_text = f"{rate:.1f} GFLOP/s"
            bound = (f"{rate / blas_gflops * 100:.0f}% of {library}"
                     if "matmul" in name else "-")
        else:
            rate = b["bytes_per_second"] / 1e9
            rate_text = f"{rate:.1f} GB/s"
            copy = copy64 if "gelu" in name else copy32
            bound = f"{rate / copy * 100:.0f}% of copy"
        row = (f"| {name} | {t:.3f} | {rate_text} | {bound} | {peer[name]:.3f} | "
               f"{peer[name] / t:.2f}x |")
        if jax_times:
            row += f" {jax_times[name]:.3f} | {jax_times[name] / t:.2f}x |"
        print(row)


if __name__ == "__main__":
    main()
