#!/usr/bin/env bash
# Line and branch coverage of c/kernel/ by the unit tests and the whole
# corpus: HTML in build-cov/coverage/index.html, a summary on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset coverage >/dev/null
cmake --build --preset coverage -j "$(nproc)" >/dev/null
find build-cov -name '*.gcda' -delete
build-cov/unit_tests >/dev/null
find corpus -name '*.trace' -print0 | xargs -0 -n1 -P "$(nproc)" sh -c 'build-cov/sr-run "$0" >/dev/null 2>&1; build-cov/sr-run --check "$0" >/dev/null 2>&1; true'
mkdir -p build-cov/coverage
gcovr -r . --filter 'c/kernel/' --exclude 'c/kernel/tests/' build-cov \
  --html-details build-cov/coverage/index.html --print-summary | tail -3
