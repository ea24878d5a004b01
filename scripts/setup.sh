#!/usr/bin/env bash
# Installs every Debian 12 package kinepose needs to build, test and run. Idempotent:
# packages already present are skipped, so a second run is a no-op apart from the check.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopenblas0-openmp          # tensors/autograd; OpenMP OpenBLAS (not the pthread one)
  libgloo-dev                                # headers torch's c10d needs (distributed training)
  libopencv-dev                              # video I/O, optical flow, drawing, PNG output
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libeigen3-dev
  libzip-dev zlib1g-dev libmatio-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-dev
  python3-numpy python3-scipy python3-torch python3-yaml  # tools/ + cross-checks against numpy
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" for installed packages
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Make sure the OpenMP OpenBLAS is the BLAS that libtorch picks up (not the reference BLAS / pthread variant).
if command -v update-alternatives >/dev/null; then
  for alt in libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu; do
    target=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-openmp | head -1 || true)
    if [ -n "$target" ]; then $SUDO update-alternatives --set "$alt" "$target" >/dev/null || true; fi
  done
fi
echo "setup: done"
