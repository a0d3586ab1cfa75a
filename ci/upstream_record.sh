#!/usr/bin/env bash
# `srdiff record --force --fail-on-change` over a scratch copy of
# corpus/upstream (traces and goldens) must give back every golden (a
# `panic` line compared on the word, srdiff's one comparison). SKIPPED (77)
# without an upstream checkout.
#   ci/upstream_record.sh SCRATCH_DIR
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${SUNRISE_SRC:-}" ]; then
  echo "SKIPPED: SUNRISE_SRC names no upstream checkout"
  exit 77
fi
scratch=$1
rm -rf "$scratch"
mkdir -p "$scratch"
cp "$here"/corpus/upstream/*.trace "$here"/corpus/upstream/*.out "$scratch"/
exec python3 "$here/harness/srdiff" record --force --fail-on-change "$scratch"
