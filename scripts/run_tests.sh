#!/usr/bin/env bash
# Runs every test of tcc and ends with one line: "N passed, N failed".
#
#   scripts/run_tests.sh [BUILD_DIR] [ASAN_BUILD_DIR]
#
# 1. lit over BUILD/test: FileCheck tests of tcc-opt, end-to-end numerics of
#    `tcc eval` against NumPy/PyTorch, robustness tests and script checks;
#    then the GoogleTest binaries, run directly so each case counts once.
# 2. The robustness, verifier, evaluator-error and SPMD tests again with the
#    ASan+UBSan tools.
# 3. The parse-and-verify libFuzzer target for FUZZ_SECONDS (default 60),
#    seeded with the lit tests' .mlir files.
set -uo pipefail

build=${1:-build}
asan=${2:-build-asan}
fuzz_seconds=${FUZZ_SECONDS:-60}
lit=${LIT:-/usr/lib/llvm-22/bin/lit}
root=$(cd "$(dirname "$0")/.." && pwd)

total_passed=0
total_failed=0

# Adds one lit run's counts to the totals; failures count whatever did not
# pass or was not deliberately skipped.
run_lit() {
  local label=$1
  shift
  local log
  log=$(mktemp)
  local start=$SECONDS
  "$lit" -sv --timeout=600 "$@" >"$log" 2>&1
  local passed failed
  passed=$(awk '/^ *(Passed|Expectedly Failed) *:/ {s += $NF} END {print s+0}' \
    <(sed -E 's/ \([0-9.]+%\)//' "$log"))
  failed=$(awk '/^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:/ {s += $NF} END {print s+0}' \
    <(sed -E 's/ \([0-9.]+%\)//' "$log"))
  grep -E '^(FAIL|UNRESOLVED|TIMEOUT|XPASS):' "$log" || true
  if [ "$failed" -gt 0 ]; then
    # Show the failing tests' output.
    sed -n '/^\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\* TEST/,/^\*\*\*\*\*\*\*\*\*\*$/p' "$log" | head -400
  fi
  if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
    echo "$label: lit ran no tests"
    tail -20 "$log"
    failed=1
  fi
  echo "$label: $passed passed, $failed failed ($((SECONDS - start)) s)"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  rm -f "$log"
}

# GoogleTest binaries run directly, so that each case counts once.
run_gtests() {
  local start=$SECONDS passed=0 failed=0
  for binary in "$build"/unittests/*Tests; do
    local log rc=0
    log=$(mktemp)
    OPENBLAS_NUM_THREADS=1 "$binary" --gtest_brief=1 >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
      cat "$log"
    fi
    local p f
    p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
    # --gtest_brief prints each failed test as "[  FAILED  ] Suite.Name";
    # a binary that exits nonzero without one still counts as a failure.
    f=$(grep -Ec '^\[  FAILED  \] [A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_/]+' "$log" || true)
    if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
      f=1
    fi
    if ! grep -q '^\[==========\]' "$log"; then
      echo "$binary crashed"
      tail -20 "$log"
      f=$((f + 1))
    fi
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    rm -f "$log"
  done
  echo "unit tests: $passed passed, $failed failed ($((SECONDS - start)) s)"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
}

run_lit "lit tests" --filter-out 'TCC-Unit' "$build/test"
run_gtests

if [ -x "$asan/bin/tcc-opt" ]; then
  run_lit "tests under ASan+UBSan" "$asan/test/Robustness" "$asan/test/Dialect" \
    "$asan/test/Interpreter" "$asan/test/e2e/spmd.py" "$asan/test/Conversion" \
    "$asan/test/Target" "$asan/test/Runtime" "$asan/test/Frontend/onnx/errors.test" \
    "$asan/test/Training/tcc_run_train.test"
else
  echo "tests under ASan+UBSan: $asan/bin/tcc-opt is missing (make build-asan)"
  total_failed=$((total_failed + 1))
fi

# run_fuzzer NAME SECONDS CORPUS: runs $asan/bin/NAME on the seeds in CORPUS.
run_fuzzer() {
  local name=$1 seconds=$2 corpus=$3 start=$SECONDS
  if ASAN_OPTIONS=detect_leaks=0 "$asan/bin/$name" \
      -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="$corpus/" "$corpus" \
      >"$corpus/fuzz.log" 2>&1; then
    echo "$name: no crash in ${seconds} s ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$corpus/fuzz.log" | grep -o '[0-9]*$') inputs, $((SECONDS - start)) s)"
    total_passed=$((total_passed + 1))
    rm -rf "$corpus"
  else
    echo "$name: FAILED; crashing inputs are kept in $corpus"
    tail -40 "$corpus/fuzz.log"
    total_failed=$((total_failed + 1))
  fi
}

# The MLIR parser and verifiers get two thirds of the fuzzing time, the
# runtime's file readers the rest.
if [ -x "$asan/bin/tcc-parse-fuzzer" ]; then
  corpus=$(mktemp -d)
  find "$root/test" "$root/examples" -name '*.mlir' -exec cp {} "$corpus" \;
  run_fuzzer tcc-parse-fuzzer $((fuzz_seconds * 2 / 3)) "$corpus"
else
  echo "fuzzer: $asan/bin/tcc-parse-fuzzer is missing (make build-asan)"
  total_failed=$((total_failed + 1))
fi

if [ -x "$asan/bin/tcc-format-fuzzer" ]; then
  # Seeds: the first byte picks the reader (0 artifact, 1 plan,
  # 2 safetensors, 3 npy), the rest is a valid file of that kind.
  corpus=$(mktemp -d)
  i=0
  for model in "$root"/examples/*.mlir; do
    "$build/bin/tcc" compile "$model" -o "$corpus/m.tccm" --quiet --no-cache &&
      { printf '\0'; cat "$corpus/m.tccm"; } >"$corpus/artifact$i"
    "$build/bin/tcc" compile "$model" --emit=plan -o "$corpus/m.json" --no-cache &&
      { printf '\1'; cat "$corpus/m.json"; } >"$corpus/plan$i"
    "$build/bin/tcc" eval "$model" --quiet --output-dir "$corpus/out$i" &&
      for f in "$corpus/out$i"/*.npy; do
        { printf '\3'; cat "$f"; } >"$corpus/npy$i-$(basename "$f")"
      done
    rm -rf "$corpus/m.tccm" "$corpus/m.json" "$corpus/out$i"
    i=$((i + 1))
  done
  /usr/bin/python3 -c "
import json, struct, sys
header = json.dumps({'w': {'dtype': 'F32', 'shape': [2, 2], 'data_offsets': [0, 16]},
                     '__metadata__': {'k': 'v'}}).encode()
header += b' ' * (-len(header) % 8)
open(sys.argv[1], 'wb').write(b'\x02' + struct.pack('<Q', len(header)) + header + bytes(16))
" "$corpus/safetensors0"
  run_fuzzer tcc-format-fuzzer $((fuzz_seconds - fuzz_seconds * 2 / 3)) "$corpus"
else
  echo "fuzzer: $asan/bin/tcc-format-fuzzer is missing (make build-asan)"
  total_failed=$((total_failed + 1))
fi

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
