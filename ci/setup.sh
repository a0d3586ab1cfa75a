#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine (run as root):
# the C toolchain and CMake, QEMU, valgrind, AFL++, gnuplot and gcovr, and
# Debian's own Rust (cargo, rustc 1.63 with the wasm32 standard library) and
# Node.js, which build and run upstream's module (--impl upstream), and
# clang with lld, which compile the C port into the mixed builds (--impl mix:...). A newer
# cargo already on PATH is kept and used; Debian's is then tested as well.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(build-essential cmake python3 qemu-system-x86 valgrind gcovr afl++ gnuplot-nox
      cargo rustc libstd-rust-dev-wasm32 nodejs clang-14 lld)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: ok (${#missing[@]} package(s) installed)"
