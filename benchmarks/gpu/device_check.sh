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
# 3. runs every collective on a one-device mesh through NCCL;
# 4. runs the benchmarks against PyTorch eager and torch.compile.
# Writes logs and JSON under $OUT (or .gpu/out). About 3-4 minutes.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/.gpu/out}
mkdir -p "$out"
cd "$root"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  | tee "$out/gpu.txt"

# NCCL: the toolkit may lack nccl.h and libnccl; PyTorch's wheel has both.
nccl_flags=()
nccl_dir=$(python3 -c 'import nvidia.nccl as m; print(list(m.__path__)[0])' \
  2>/dev/null)
if [ ! -f /usr/local/cuda/include/nccl.h ] && [ -n "$nccl_dir" ]; then
  nccl_flags=(-DTCC_NCCL_INCLUDE="$nccl_dir/include")
fi
if [ -n "$nccl_dir" ] && [ -f "$nccl_dir/lib/libnccl.so.2" ]; then
  export TCC_NCCL_LIBRARY="$nccl_dir/lib/libnccl.so.2"
fi

start=$SECONDS
cmake -S runtime -B /tmp/tcc-runtime -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTCC_RUNTIME_BUILD_TESTS=OFF "${nccl_flags[@]}" >"$out/cmake.log" 2>&1 \
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

# The NCCL path on one GPU: a communicator of one rank, every collective
# kind (inner-dimension gathers and scatters included) against the
# evaluator's results computed where the artifact was compiled.
nccl=.gpu/bench/nccl
if [ -f $nccl/collectives.tccm ]; then
  rm -rf "$out/nccl"
  timeout 60 $tcc_run $nccl/collectives.tccm --input x=@$nccl/x.npy \
    --output-dir "$out/nccl" --quiet --collective-timeout-ms 20000 >/dev/null \
    && python3 - "$nccl/want" "$out/nccl" <<'PY'
import os, sys
import numpy as np
want, got = sys.argv[1:]
worst = 0.0
for name in sorted(os.listdir(want)):
    a, b = np.load(os.path.join(got, name)), np.load(os.path.join(want, name))
    worst = max(worst, float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-6)))
print(f"nccl one-device collectives: {len(os.listdir(want))} results, "
      f"worst rel {worst:.2e}", "PASS" if worst <= 1e-6 else "FAIL")
sys.exit(0 if worst <= 1e-6 else 1)
PY
  [ $? -eq 0 ] || status=1
fi

start=$SECONDS
PYTHONUNBUFFERED=1 timeout 240 python3 benchmarks/gpu/bench_gpu.py .gpu/bench \
  "$tcc_run" --json "$out/bench.json" ${BENCH_FLAGS:-} 2>&1 | tee "$out/bench.txt"
echo "benchmarks: $((SECONDS - start)) s"
exit $status
