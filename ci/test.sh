#!/usr/bin/env bash
# The project's test command: builds every configuration and runs CTest on
# each (unit tests, the whole corpus against the goldens, the reference model,
# the QEMU replay), then the corpus again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs" >/dev/null
ctest --preset default -j "$jobs"

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" >/dev/null
ctest --preset asan -j "$jobs"
