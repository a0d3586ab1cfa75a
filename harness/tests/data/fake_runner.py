#!/usr/bin/env python3
"""A stand-in runner speaking the batch protocol, for srdiff's own tests.
For each trace its first line decides what happens:
  '# out: TEXT'    prints TEXT (\\n escapes) and exits 0
  '# bad: N'       reports line N malformed (status 2)
  '# die'          the whole process dies by SIGKILL before its record
  '# hang'         sleeps for ever
anything else: the trace's non-comment lines echoed as results."""
import os
import signal
import sys
import time


def one(path):
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as e:
        return 4, b"", ("%s: cannot read: %s\n" % (path, e.strerror)).encode()
    first = text.split(b"\n", 1)[0]
    if first.startswith(b"# out: "):
        return 0, first[7:].replace(b"\\n", b"\n"), b""
    if first.startswith(b"# bad: "):
        return 2, b"", b"%s:%s: bad line\n" % (path.encode(), first[7:])
    if first == b"# die":
        os.kill(os.getpid(), signal.SIGKILL)
    if first == b"# hang":
        time.sleep(3600)
    lines = [l for l in text.split(b"\n") if l.strip() and not l.startswith(b"#")]
    return 0, b"".join(l + b"\n" for l in lines), b""


def main(argv):
    batch = "--batch" in argv
    paths = argv[argv.index("--") + 1:] if "--" in argv else [a for a in argv if not a.startswith("-")]
    if not batch:
        st, out, err = one(paths[0])
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
        return st
    for p in paths:
        st, out, err = one(p)
        sys.stdout.buffer.write(b"@srdiff %d %d %d\n" % (st, len(out), len(err)) + out + err)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
