#!/usr/bin/env bash
# `srdiff record --force` into a scratch copy of corpus/upstream must give
# back every golden (a `panic` line compared on the word): the recorded
# NAME.out files then serve as goldens for the C port, and `diff` compares
# them with the committed ones. SKIPPED (77) without an upstream checkout.
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
cp "$here"/corpus/upstream/*.trace "$scratch"/
python3 "$here/harness/srdiff" record --force "$scratch"
fail=0
for t in "$scratch"/*.trace; do
  name=$(basename "$t" .trace)
  if ! cmp -s <(sed 's/^panic .*/panic/' "$here/corpus/upstream/$name.out") \
              <(sed 's/^panic .*/panic/' "$scratch/$name.out") 2>/dev/null; then
    echo "DIFF $name"
    fail=$((fail + 1))
  fi
done
echo "$(ls "$scratch"/*.trace | wc -l) recorded, $fail differ from the goldens"
[ "$fail" -eq 0 ]
