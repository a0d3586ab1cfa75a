"""Delta debugging of a diverging trace: drop runs of lines, then single
lines, then simplify numbers, as long as it diverges the same way."""
import os
import re
import shutil
import tempfile

from . import impls
from .build import log
from .compare import norm_lines, op_lines


def run_one(impl, path):
    return impls.get(impl).run([path], 1)[path]


def result_kind(line):
    """`ok`, `fault`, `panic`, or `err Variant`."""
    w = line.split()
    if not w:
        return "<none>"
    if w[0] == "err" and len(w) > 1:
        return "err " + w[1]
    return w[0]


def signature(text, impls, tmpdir):
    """How a trace diverges: (op kind, result kind per implementation), or
    None when every implementation agrees."""
    path = os.path.join(tmpdir, "probe.trace")
    with open(path, "w") as f:
        f.write(text)
    res = {i: r for i, r in ((i, run_one(i, path)) for i in impls)}
    if len({r.status for r in res.values()}) > 1:
        return ("status",) + tuple(sorted((i, r.status) for i, r in res.items()))
    streams = {i: [l.decode("utf-8", "replace") for l in norm_lines(r.out)] for i, r in res.items()}
    ops = op_lines(text.encode())
    lines = text.split("\n")
    n = max(len(s) for s in streams.values())
    for k in range(n):
        vals = {i: (s[k] if k < len(s) else "") for i, s in streams.items()}
        if len(set(vals.values())) > 1:
            op = lines[ops[k] - 1].split()[0] if k < len(ops) else "?"
            return (op,) + tuple(sorted((i, result_kind(v)) for i, v in vals.items()))
    return None


NUM = re.compile(r"^(0x[0-9a-fA-F]+|[0-9]+)$")


def simpler_numbers(v):
    """Candidate replacements for a number, simplest first."""
    out = [0, v & ~0xfff, (v >> 1) & ~0xfff, 0x1000, 0x00400000]
    return [c for c in dict.fromkeys(out) if c != v and c < v]


def shrink(text, impls, log_fn=log):
    tmp = tempfile.mkdtemp(prefix="srshrink")
    want = signature(text, impls, tmp)
    if want is None:
        raise SystemExit("srdiff shrink: the trace does not diverge on %s" % ",".join(impls))
    lines = [l for l in text.split("\n") if l.split("#", 1)[0].strip()]

    def same(ls):
        return signature("\n".join(ls) + "\n", impls, tmp) == want

    # 1. drop runs of lines, halving the run length (ddmin-like)
    chunk = max(1, len(lines) // 2)
    while chunk >= 1:
        i, changed = 0, False
        while i < len(lines):
            cand = lines[:i] + lines[i + chunk:]
            if cand and same(cand):
                lines, changed = cand, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    # 2. simplify numbers
    progress = True
    while progress:
        progress = False
        for li in range(len(lines)):
            toks = lines[li].split()
            for ti in range(1, len(toks)):
                if not NUM.match(toks[ti]):
                    continue
                v = int(toks[ti], 0) if toks[ti].startswith("0x") else int(toks[ti])
                for c in simpler_numbers(v):
                    t2 = toks[:ti] + ["0x%08x" % c] + toks[ti + 1:]
                    cand = lines[:li] + [" ".join(t2)] + lines[li + 1:]
                    if same(cand):
                        lines, toks, progress = cand, t2, True
                        break
        # 3. one more pass dropping single lines
        for li in range(len(lines) - 1, -1, -1):
            cand = lines[:li] + lines[li + 1:]
            if cand and same(cand):
                lines, progress = cand, True
    shutil.rmtree(tmp, ignore_errors=True)
    log_fn("srdiff: shrunk to %d line(s), divergence %s" % (len(lines), want))
    return "\n".join(lines) + "\n"


def cmd_shrink(a):
    names = a.impl.split(",") if a.impl else [i for i in ("c", "ref") if impls.get(i).available()[0]]
    with open(a.trace) as f:
        text = shrink(f.read(), names)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0
