#!/usr/bin/env bash
# Configures and builds kinepose into ./build (Release, Ninja when available). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
GEN=()
if command -v ninja >/dev/null; then GEN=(-G Ninja); fi
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
fi
# -j2: a LibTorch translation unit needs ~1.3 GB and the reference machine has 2 cores.
cmake --build build -j2
