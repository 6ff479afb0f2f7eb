#!/usr/bin/env bash
# Installs every Debian package tcc needs to build, test and run.
#
# Idempotent and quick when everything is present: dpkg is asked first and apt
# runs only for what is missing. Run as root (CI) or with sudo available.
set -euo pipefail

packages=(
  # Compiler toolchain and LLVM/MLIR 22 (the project links libMLIR.so).
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libclang-rt-22-dev cmake ninja-build ccache make
  # Tests and benchmarks.
  libgtest-dev libgmock-dev libbenchmark-dev
  # The runtime finds OpenBLAS through pkg-config.
  pkg-config
  # Python references and frontends (Debian's interpreter: /usr/bin/python3).
  python3-numpy python3-torch python3-onnx
  # lit runs tests with per-test timeouts, which need psutil.
  python3-psutil
  # Later stages: collectives, CPU math libraries, ONNX import, Python binding.
  openmpi-bin libopenmpi-dev libdnnl-dev libopenblas-dev
  libonnx-dev libprotobuf-dev protobuf-compiler pybind11-dev python3-dev
  # Needed by LLVM's CMake config (it checks for these when imported).
  zlib1g-dev libzstd-dev libedit-dev libxml2-dev libcurl4-openssl-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "bootstrap: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
