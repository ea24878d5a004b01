#!/usr/bin/env bash
# Fresh machine -> whole test suite: install packages, build, run every test with ctest.
# Tests that need the real datasets read them from ../shared/data (or $KINEPOSE_DATA_DIR) and skip
# with a message when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2 "$@"
