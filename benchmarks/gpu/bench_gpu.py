"""GPU benchmarks, side by side on one machine: tcc's compiled artifacts
(make_artifacts.py) against PyTorch eager and torch.compile on the same
shapes, plus a device-to-device copy of the bytes a bandwidth-bound kernel
moves. Prints one table and writes JSON.

    python3 benchmarks/gpu/bench_gpu.py .gpu/bench TCC_RUN [--json OUT] [--no-compile]

tcc's time is the device time of its commands (CUDA events around them, no
host transfers; `tcc-run bench`'s "device median"); PyTorch's is the median
of CUDA-event-timed calls after warm-up. Both use random inputs.
"""

import argparse
import json
import os
import re
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import DTYPES, workloads  # noqa: E402

REPEAT = 20


def time_cuda(fn, repeat=REPEAT, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(repeat):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        samples.append(start.elapsed_time(stop))
    samples.sort()
    return samples[len(samples) // 2]


def tcc_device_ms(tcc_run, artifact):
    proc = subprocess.run([tcc_run, "bench", artifact, "--repeat", str(REPEAT),
                           "--warmup", "3"], capture_output=True, text=True)
    if proc.returncode != 0:
        return None, proc.stderr.strip()[-300:]
    match = re.search(r"device\s+median ([0-9.]+) ms", proc.stdout)
    return (float(match.group(1)), None) if match else (None, proc.stdout[-300:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench")
    parser.add_argument("tcc_run")
    parser.add_argument("--json")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = False  # tcc's f32 is full f32
    device = torch.cuda.get_device_name()
    rows = []
    for name, (make, shapes, bytes_moved, flops) in workloads().items():
        module = make().eval().cuda()
        inputs = [torch.randn(shape, device="cuda").to(DTYPES[dtype])
                  for shape, dtype in shapes]
        with torch.no_grad():
            eager = time_cuda(lambda: module(*inputs))
            compiled = None
            if not args.no_compile and name in ("bias_gelu", "softmax",
                                                "layer_norm", "mlp",
                                                "transformer_block"):
                fast = torch.compile(module)
                compiled = time_cuda(lambda: fast(*inputs))
        copy = None
        if bytes_moved:
            source = torch.empty(bytes_moved // 2, dtype=torch.uint8, device="cuda")
            target = torch.empty_like(source)
            copy = time_cuda(lambda: target.copy_(source))
        ours, error = tcc_device_ms(args.tcc_run,
                                    os.path.join(args.bench, f"{name}.tccm"))
        rows.append({"name": name, "tcc_ms": ours, "eager_ms": eager,
                     "compile_ms": compiled, "copy_ms": copy,
                     "bytes": bytes_moved, "flops": flops, "error": error})
        print(f"{name}: tcc {ours} ms, eager {eager:.4f} ms, compile {compiled}, "
              f"copy {copy}" + (f" [{error}]" if error else ""), flush=True)

    print(f"\nGPU benchmarks on {device} (median device time, ms)")
    print(f"{'workload':<18}{'tcc':>10}{'eager':>10}{'compile':>10}"
          f"{'tcc/eager':>11}{'rate':>22}{'vs copy':>9}")
    for r in rows:
        fmt = lambda v: f"{v:.4f}" if v else "-"
        speed = (f"{r['eager_ms'] / r['tcc_ms']:.2f}x" if r["tcc_ms"] else "-")
        rate, vs_copy = "-", "-"
        if r["tcc_ms"] and r["bytes"]:
            rate = f"{r['bytes'] / r['tcc_ms'] / 1e6:.0f} GB/s"
            vs_copy = f"{100 * r['copy_ms'] / r['tcc_ms']:.0f}%"
        elif r["tcc_ms"] and r["flops"]:
            rate = f"{r['flops'] / r['tcc_ms'] / 1e9:.1f} TFLOP/s"
        print(f"{r['name']:<18}{fmt(r['tcc_ms']):>10}{fmt(r['eager_ms']):>10}"
              f"{fmt(r['compile_ms']):>10}{speed:>11}{rate:>22}{vs_copy:>9}")
    print("tcc/eager > 1: tcc is faster. vs copy: share of a device-to-device "
          "copy's bandwidth on the same bytes.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device, "torch": torch.__version__,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
