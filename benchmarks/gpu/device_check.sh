#!/usr/bin/env bash
# The GPU check, run on a lent GPU machine (CUDA toolkit, CMake, ninja,
# PyTorch 2.x; no LLVM/MLIR, no network) over artifacts compiled beforehand
# on a machine with tcc:
#
#   here:   /usr/bin/python3 benchmarks/gpu/make_artifacts.py   # fills .gpu/
#   there:  bash benchmarks/gpu/device_check.sh                 # .gpu carried
#
# 1. builds the standalone runtime and tcc-run (no CPU executor needed);
# 2. runs every recorded end-to-end case on the GPU against its reference;
# 3. runs the benchmarks against PyTorch eager and torch.compile.
# Writes logs and JSON under $OUT (or .gpu/out). About 3-4 minutes.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/.gpu/out}
mkdir -p "$out"
cd "$root"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  | tee "$out/gpu.txt"

start=$SECONDS
cmake -S runtime -B /tmp/tcc-runtime -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTCC_RUNTIME_BUILD_TESTS=OFF >"$out/cmake.log" 2>&1 \
  && ninja -C /tmp/tcc-runtime tcc-run >"$out/build.log" 2>&1
rc=$?
echo "runtime build: rc=$rc, $((SECONDS - start)) s"
if [ $rc -ne 0 ]; then
  tail -40 "$out/cmake.log" "$out/build.log"
  exit 1
fi
tcc_run=/tmp/tcc-runtime/tools/tcc-run/tcc-run
$tcc_run --drivers

status=0
start=$SECONDS
if [ -d .gpu/conformance ]; then
  PYTHONUNBUFFERED=1 python3 benchmarks/gpu/check_conformance.py \
    .gpu/conformance "$tcc_run" --json "$out/conformance.json" \
    2>&1 | tee "$out/conformance.txt"
  status=${PIPESTATUS[0]}
  echo "conformance: $((SECONDS - start)) s"
fi

start=$SECONDS
PYTHONUNBUFFERED=1 timeout 240 python3 benchmarks/gpu/bench_gpu.py .gpu/bench \
  "$tcc_run" --json "$out/bench.json" ${BENCH_FLAGS:-} 2>&1 | tee "$out/bench.txt"
echo "benchmarks: $((SECONDS - start)) s"
exit $status
