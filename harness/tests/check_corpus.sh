#!/bin/sh
# check_corpus.sh SR_RUN DIR... -- every DIR/*.trace (recursively) replayed
# by SR_RUN --check: a trace with NAME.finding beside it must be reported as
# a broken invariant (exit 3) whose message holds the finding's first line;
# any other trace must pass the checker (exit 0, or 2 when it is malformed).
# Prints each failing trace with the reason, then "N passed, M failed".
# Exit 0 when all pass, 1 otherwise (and when no trace is found).
# Hang guard: 120 s per trace (a trace takes well under a second).
exe=$1
shift
[ -x "$exe" ] || { echo "check_corpus.sh: $exe: not an executable"; exit 1; }
pass=0
fail=0
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
for t in $(find "$@" -name '*.trace' | LC_ALL=C sort); do
	timeout 120 "$exe" --check "$t" >/dev/null 2>"$tmp"
	rc=$?
	f=${t%.trace}.finding
	if [ -f "$f" ]; then
		want=$(head -n 1 "$f")
		if [ "$rc" -eq 3 ] && grep -qF -- "$want" "$tmp"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL $t: expected the upstream finding \"$want\"; got exit $rc: $(head -c 300 "$tmp")"
		fi
	elif [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $t: exit $rc: $(head -c 300 "$tmp")"
	fi
done
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] && [ "$fail" -eq 0 ]
