#!/bin/sh
# Builds and tests the Rust crates (reference model, sunrise_mm_c) with
# Debian 12's own toolchain (/usr/bin/cargo, rustc 1.63), so that a use of a
# newer Rust than Debian ships shows up even where a newer cargo is first on
# PATH. Exit 77 (SKIPPED) when Debian's cargo is not installed.
#   ci/debian_toolchain.sh TARGET_DIR
set -eu
cargo=${DEBIAN_CARGO:-/usr/bin/cargo}
rustc=${DEBIAN_RUSTC:-/usr/bin/rustc}
if [ ! -x "$cargo" ] || [ ! -x "$rustc" ]; then
  echo "SKIPPED: $cargo or $rustc not installed (apt-get install cargo rustc)"
  exit 77
fi
here=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-$here/build/cargo-debian}
echo "$("$cargo" --version) / $("$rustc" --version)"
cd "$here/reference"
# Debian's rustc and rustdoc, whatever else is on PATH.
bindir=$(dirname "$rustc")
export CARGO_TARGET_DIR="$target" RUSTC="$rustc" RUSTDOC="$bindir/rustdoc" PATH="$bindir:$PATH"
# The debug profile: it compiles twice as fast, and its overflow checks and
# debug assertions are on, which only makes the tests stricter.
"$cargo" test --offline --quiet
"$cargo" test --offline --quiet -p sunrise_mm_c
