#!/usr/bin/env bash
# The project's test command: builds the default configuration and runs
# every CTest test (unit tests, each corpus directory on every
# implementation, the checker, valgrind, the reference model, QEMU, the
# hostile cases, the tools' own tests, a short fuzz run), then builds the
# ASan+UBSan configuration and runs the tests of the C code under it.
# With SUNRISE_SRC naming a SunriseOS checkout, the `upstream` tests replay
# the corpus on upstream's own module too; without it they are SKIPPED.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs" >/dev/null
ctest --preset default -j "$jobs"

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" >/dev/null
ctest --preset asan -j "$jobs"
