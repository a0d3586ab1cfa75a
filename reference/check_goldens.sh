#!/bin/sh
# Runs every golden trace through the reference model and compares the
# result stream with the recorded one, byte for byte except that a line
# starting with "panic" is compared on that word only.
#
#   check_goldens.sh [DIR...]     (default: ../corpus/upstream)
#
# Prints one line per failing trace, then "N passed, N failed"; exits 1 if
# any failed. Builds the binary first if needed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/target/release/srref"
if [ ! -x "$bin" ]; then
    (cd "$here" && cargo build --release --offline -q) || exit 1
fi
[ $# -eq 0 ] && set -- "$here/../corpus/upstream"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cut_panic() { sed 's/^panic.*/panic/' "$1"; }

pass=0
fail=0
for dir in "$@"; do
    for trace in "$dir"/*.trace; do
        [ -e "$trace" ] || continue
        expected="${trace%.trace}.out"
        "$bin" run "$trace" >"$tmp/got" 2>"$tmp/err"
        status=$?
        cut_panic "$tmp/got" >"$tmp/got.cut"
        cut_panic "$expected" >"$tmp/want.cut"
        if [ "$status" -eq 0 ] && cmp -s "$tmp/got.cut" "$tmp/want.cut"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL $trace (exit $status)"
            diff "$tmp/want.cut" "$tmp/got.cut" | head -5
        fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
