#!/usr/bin/env bash
# Fresh machine -> working demo: install packages, build, run `kinepose demo` (no downloaded data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/kinepose demo "$@"
