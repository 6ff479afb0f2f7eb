"""Runs the recorded end-to-end cases (make_artifacts.py) on this machine's
GPU and compares every result with its NumPy/PyTorch reference, with the
tolerances of the CPU runs (test/lib/tcctest.py: f32 rel 1e-5 per tensor,
f64 1e-12, f16/bf16 one ulp, integers exact).

    python3 benchmarks/gpu/check_conformance.py .gpu/conformance TCC_RUN [--json OUT]

All cases run in one `tcc-run batch`, so the GPU context is made once.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from tcctest import compare  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record")
    parser.add_argument("tcc_run")
    parser.add_argument("--json")
    args = parser.parse_args()

    cases = []
    for suite in sorted(os.listdir(args.record)):
        folder = os.path.join(args.record, suite)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder), key=lambda n: int(n)):
            case = os.path.join(folder, name)
            if os.path.exists(os.path.join(case, "case.json")):
                with open(os.path.join(case, "case.json")) as f:
                    meta = json.load(f)
                cases.append((suite, case, meta))
    lines = []
    for _, case, meta in cases:
        inputs = " ".join(f"--input {n}=@{case}/in_{n}.npy"
                          for n in meta["inputs"])
        flags = " ".join(meta["flags"])
        lines.append(f"{case}/model.tccm {inputs} --output-dir {case}/got "
                     f"--quiet {flags}")
    batch = os.path.join(args.record, "batch.txt")
    with open(batch, "w") as f:
        f.write("\n".join(lines) + "\n")
    proc = subprocess.run([args.tcc_run, "batch", batch], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    errors = {}
    for line in proc.stderr.splitlines():
        if "batch: line" in line:
            number = int(line.split("batch: line ")[1].split()[0])
            errors[number - 1] = line
    run_errors = [l for l in proc.stderr.splitlines() if "batch" not in l]

    table = {}
    failures = []
    for i, (suite, case, meta) in enumerate(cases):
        row = table.setdefault(suite, {"cases": 0, "passed": 0, "worst_rel": 0.0,
                                       "worst_ulp": 0.0})
        row["cases"] += 1
        error = None
        if i in errors:
            error = "run failed"
        else:
            for name in meta["results"]:
                path = os.path.join(case, "got", f"{name}.npy")
                if not os.path.exists(path):
                    error = f"no result {name}"
                    break
                want = np.load(os.path.join(case, f"want_{name}.npy"))
                problem, measured = compare(np.load(path), want, meta["mode"])
                if problem:
                    error = f"{name}: {problem}"
                    break
                if str(meta["mode"]).startswith("ulp"):
                    row["worst_ulp"] = max(row["worst_ulp"], measured)
                elif meta["mode"] != "exact":
                    row["worst_rel"] = max(row["worst_rel"], measured)
        if error:
            failures.append(f"{suite} {meta['op']} {meta['case']}: {error}")
        else:
            row["passed"] += 1

    print(f"{'suite':<16}{'cases':>7}{'passed':>8}{'worst rel':>12}{'worst ulp':>11}")
    for suite, row in table.items():
        print(f"{suite:<16}{row['cases']:>7}{row['passed']:>8}"
              f"{row['worst_rel']:>12.3g}{row['worst_ulp']:>11.3g}")
    total = sum(r["cases"] for r in table.values())
    passed = sum(r["passed"] for r in table.values())
    print(f"conformance: {passed} of {total} cases pass on the GPU")
    for line in failures[:40]:
        print("FAIL", line)
    for line in run_errors[:20]:
        print("  ", line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"suites": table, "failures": failures,
                       "run_errors": run_errors[:200]}, f, indent=1)
    sys.exit(0 if passed == total else 1)


if __name__ == "__main__":
    main()
