#!/usr/bin/env python3
"""A glue bug planted in one rung of the migration ladder is caught and named.

    ci/ladder_plant.py SCRATCH_DIR [BUILD_ROOT]

Copies what the mixed builds need (harness/, reference/upstream, reference/cport,
reference/src, c/, corpus/upstream) into SCRATCH_DIR, plants a bug in the copy's
glue, and runs the copy's `srdiff ladder --rungs 0,1,6 corpus/upstream`. The bug:
`PhysicalMemRegion::into_raw` (reference/upstream/mix/frame_allocator.rs) no
longer forgets the Rust value after handing the region to C, so a region given
to C is dropped on the Rust side too: its frames are freed while C's mapping
still holds them, and freed again when C drops the mapping. Only the top rung
hands regions to C (below it upstream's Rust keeps them), so the ladder must
pass rungs 0 and 1, fail rung 6 with a divergence, and exit 1.

BUILD_ROOT (default: srdiff's build root for this checkout), when it holds a
finished ladder build (its upstream/ folder), seeds the copy's build folder: the unchanged rungs are then up to
date by their stamps and only the planted one is rebuilt.

Exit 0 when the ladder catches the bug as described, 1 otherwise, 77 (SKIPPED)
without an upstream checkout (SUNRISE_SRC), node, clang or Debian's rustc with
the wasm32 standard library.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPY = ["harness", "reference/upstream", "reference/cport/src", "reference/cport/csrc", "reference/src",
        "c/include", "c/kernel", "corpus/upstream"]
PLANT_FILE = "reference/upstream/mix/frame_allocator.rs"
PLANT_OLD = "        core::mem::forget(self);\n        r\n"
PLANT_NEW = "        r // planted: the Rust value is dropped too\n"


def skip(why):
    print("SKIPPED: %s" % why)
    sys.exit(77)


def main(argv):
    if len(argv) not in (1, 2):
        sys.stderr.write(__doc__)
        return 1
    if not os.environ.get("SUNRISE_SRC"):
        skip("SUNRISE_SRC names no upstream checkout")
    if not shutil.which("node"):
        skip("node not found")
    if not (shutil.which("clang-14") or shutil.which("clang")):
        skip("clang not found")
    rustc = os.environ.get("SR_UPSTREAM_RUSTC", "/usr/bin/rustc")
    if not os.access(rustc, os.X_OK):
        skip("no rustc at %s" % rustc)
    scratch = os.path.abspath(argv[0])
    if os.path.exists(scratch):
        shutil.rmtree(scratch)
    ignore = shutil.ignore_patterns("__pycache__", "target", "*.pyc")
    for rel in COPY:
        shutil.copytree(os.path.join(ROOT, rel), os.path.join(scratch, rel), ignore=ignore)
    path = os.path.join(scratch, PLANT_FILE)
    with open(path) as f:
        text = f.read()
    if text.count(PLANT_OLD) != 1:
        print("FAIL: the text to plant the bug in was not found exactly once in %s" % PLANT_FILE)
        return 1
    with open(path, "w") as f:
        f.write(text.replace(PLANT_OLD, PLANT_NEW))
    build = os.path.join(scratch, "build")
    os.makedirs(build)
    if len(argv) == 2:
        seed = argv[1]
    else:
        sys.path.insert(0, os.path.join(ROOT, "harness"))
        from srdifflib import build as srbuild
        seed = srbuild.root()
    if os.path.exists(os.path.join(seed, "upstream", "srup.stamp")):
        shutil.copytree(os.path.join(seed, "upstream"), os.path.join(build, "upstream"),
                        ignore=shutil.ignore_patterns("c", "src"))
    env = dict(os.environ, SRDIFF_BUILD=build)
    p = subprocess.run([sys.executable, os.path.join(scratch, "harness", "srdiff"), "ladder", "--rungs", "0,1,6",
                        "--jobs", "2", os.path.join(scratch, "corpus", "upstream")],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stdout.write(p.stdout)
    rows = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^(\d+)\s", line)
        if m:
            rows[int(m.group(1))] = line
    problems = []
    if p.returncode != 1:
        problems.append("the ladder exited %d, not 1" % p.returncode)
    for rung in (0, 1):
        if rung not in rows or not re.search(r"\s75/75\s", rows[rung]):
            problems.append("rung %d does not pass 75/75: %s" % (rung, rows.get(rung, "(no row)")))
    top = rows.get(6, "")
    m = re.search(r"\s(\d+)/75\s+(\S+)", top)
    if not m or int(m.group(1)) == 75 or m.group(2) == "-":
        problems.append("rung 6 does not fail with a divergence: %s" % (top or "(no row)"))
    if problems:
        sys.stdout.write(p.stderr[-3000:])
        for pr in problems:
            print("FAIL: %s" % pr)
        return 1
    print("ok: the planted glue bug is caught on rung 6 only: %s" % top.split(None, 1)[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
