#!/usr/bin/env python3
"""Replays traces on the upstream build (srup.wasm) in batch mode and checks them.

    python3 reference/upstream/test_upstream.py [--upstream DIR] [--build BUILDDIR]
                                                [--wasm FILE] [-v] PATH...

PATH is a trace or a directory (searched recursively for *.trace). Each trace is
checked against what sits next to it: NAME.out (the result stream, every `panic ...`
line compared on the word `panic` alone, exit status 0), NAME.err (the line number of
the first malformed line: exit status 2 and `FILE:LINE: ` on stderr), NAME.ok (exit
status 0). A trace with none of these is only required not to crash (status 0 or 2).

The build comes from build.py (run first; it does nothing when up to date) with the
checkout from --upstream or SUNRISE_SRC; --wasm names an already built module instead.
Without a checkout or Node the test prints SKIPPED and exits 77. Prints
`N passed, N failed` and exits 1 on any failure. Standard library only.
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SKIP = 77
BATCH = 200  # traces per runner process


def skip(why):
    print("SKIPPED: %s" % why)
    sys.exit(SKIP)


def collect(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith(".trace"):
                        out.append(os.path.join(root, f))
        else:
            out.append(p)
    return out


def parse_records(data, n):
    recs = []
    pos = 0
    for _ in range(n):
        nl = data.index(b"\n", pos)
        head = data[pos:nl].split()
        if len(head) != 4 or head[0] != b"@srdiff":
            raise ValueError("bad record header %r" % data[pos:nl][:80])
        status, olen, elen = int(head[1]), int(head[2]), int(head[3])
        start = nl + 1
        out = data[start:start + olen]
        err = data[start + olen:start + olen + elen]
        recs.append((status, out, err))
        pos = start + olen + elen
    if pos != len(data):
        raise ValueError("trailing bytes after the last record")
    return recs


def cut_panic(text):
    return [("panic" if l.startswith("panic") else l) for l in text.split("\n")]


def check(trace, status, out, err):
    """Returns None when the trace passes, else the reason."""
    base = trace[:-len(".trace")]
    if os.path.exists(base + ".out"):
        with open(base + ".out", "rb") as f:
            want = f.read()
        if status != 0:
            return "exit status %d, expected 0 (%s)" % (status, err.decode("utf-8", "replace").strip()[:200])
        got_l = cut_panic(out.decode("utf-8", "replace"))
        want_l = cut_panic(want.decode("utf-8", "replace"))
        if got_l != want_l:
            for i, (g, w) in enumerate(zip(got_l, want_l)):
                if g != w:
                    return "line %d: got %r, expected %r" % (i + 1, g, w)
            return "got %d lines, expected %d" % (len(got_l) - 1, len(want_l) - 1)
        return None
    if os.path.exists(base + ".err"):
        with open(base + ".err") as f:
            line = f.read().strip()
        if status != 2:
            return "exit status %d, expected 2" % status
        prefix = ("%s:%s: " % (trace, line)).encode()
        if not err.startswith(prefix) or err.count(b"\n") != 1:
            return "stderr %r, expected it to start with %r" % (err[:200], prefix)
        return None
    if os.path.exists(base + ".ok"):
        return None if status == 0 else "exit status %d, expected 0" % status
    return None if status in (0, 2) else "exit status %d" % status


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream")
    ap.add_argument("--build")
    ap.add_argument("--wasm")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        skip("no node on PATH")
    wasm = args.wasm
    if not wasm:
        src = args.upstream or os.environ.get("SUNRISE_SRC")
        if not src:
            skip("no upstream checkout (set SUNRISE_SRC or pass --upstream DIR)")
        cmd = [sys.executable, os.path.join(HERE, "build.py"), "--upstream", src]
        if args.build:
            cmd += ["--out", args.build]
        b = subprocess.run(cmd, capture_output=True, text=True)
        if b.returncode != 0:
            sys.stderr.write(b.stderr)
            print("build failed")
            return 1
        build = args.build or (os.path.join(os.environ["SRDIFF_BUILD"], "upstream") if os.environ.get("SRDIFF_BUILD")
                               else os.path.join(REPO, "build", "upstream"))
        wasm = os.path.join(build, "srup.wasm")
    traces = collect(args.paths)
    passed = failed = 0
    for i in range(0, len(traces), BATCH):
        group = traces[i:i + BATCH]
        p = subprocess.run([node, os.path.join(HERE, "srup.mjs"), wasm, "--batch", "--"] + group,
                           capture_output=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr.decode("utf-8", "replace"))
            print("runner failed with status %d" % p.returncode)
            return 1
        try:
            recs = parse_records(p.stdout, len(group))
        except ValueError as e:
            print("bad batch output: %s" % e)
            return 1
        for t, (status, out, err) in zip(group, recs):
            why = check(t, status, out, err)
            if why is None:
                passed += 1
                if args.verbose:
                    print("PASS %s" % t)
            else:
                failed += 1
                print("FAIL %s: %s" % (t, why))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
