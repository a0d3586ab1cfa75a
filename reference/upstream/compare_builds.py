#!/usr/bin/env python3
"""Checks that two builds of the upstream module give the same bytes on the same traces.

    python3 reference/upstream/compare_builds.py A.wasm B.wasm [--chunk N] PATH...

Used to check that the optimised build (srup.wasm) and the opt-level-0 build
(srup-O0.wasm, `build.py --o0`) agree: status, stdout and stderr of every trace, byte for
byte (panic messages included). Runs the traces in batch mode, N per runner process
(default 50). Prints `N same, N different` and exits 1 on any difference. Standard
library only.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_upstream import collect, parse_records  # noqa: E402


def run(wasm, group):
    p = subprocess.run(["node", os.path.join(HERE, "srup.mjs"), wasm, "--batch", "--"] + group, capture_output=True)
    if p.returncode != 0:
        raise SystemExit("runner failed on %s: %s" % (wasm, p.stderr.decode("utf-8", "replace")))
    return parse_records(p.stdout, len(group))


def main(argv):
    chunk = 50
    if "--chunk" in argv:
        i = argv.index("--chunk")
        chunk = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 1
    a, b, paths = argv[0], argv[1], argv[2:]
    traces = collect(paths)
    same = diff = 0
    for i in range(0, len(traces), chunk):
        group = traces[i:i + chunk]
        for t, ra, rb in zip(group, run(a, group), run(b, group)):
            if ra == rb:
                same += 1
            else:
                diff += 1
                print("DIFFERENT %s: %r vs %r" % (t, ra[:2], rb[:2]))
        print("progress: %d same, %d different" % (same, diff))
        sys.stdout.flush()
    print("%d same, %d different" % (same, diff))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
