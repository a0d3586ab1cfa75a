"""Delta debugging of a diverging trace: drop runs of lines, then single
lines, then round numbers, as long as it diverges the same way.

"The same way" is the dedupe key of a divergence: the operation (first
word) of the first trace line whose results differ, and the field that
differs there (compare.differing_field: result kind, error variant, a
payload field, flag bits), or, for a broken invariant, the operation and the
invariant's words without their numbers. Two findings with one key are one
finding.

An oracle maps a trace's text to its key, or None when nothing diverges:
`impl_oracle` replays it on implementations (c, ref, qemu, ...) and compares
their streams; `fuzz_oracle` asks the fuzz harness (c against ref in one
process, with the invariant checker and the fuzz campaign's tolerance of
documented upstream findings), which is what `srdiff fuzz` shrinks with.

Numbers are rounded toward round values: land edges (0xbfffffff,
0xc0000000, 0xffc00000, ...), page multiples, powers of two, and values
with fewer significant hex digits; a candidate is tried only when it is
strictly rounder (`roundness`), so shrinking always ends.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import impls
from .build import log
from .compare import differing_field, norm_lines, op_lines

PAGE = 0x1000
TABLE_SPAN = 0x400000
# Land edges and the other values TRACE_FORMAT gives a meaning to.
EDGES = (0x00000000, 0x00001000, 0x00400000, 0xbfc00000, 0xbfffffff, 0xc0000000, 0xffc00000, 0xfffff000,
         0xffffffff, 0x01000000, 0x80000000)


def run_one(impl, path, check=False):
    return impls.get(impl).run([path], 1, check=check)[path]


def result_kind(line):
    """`ok`, `fault`, `panic`, or `err Variant` (kept for callers)."""
    w = line.split()
    if not w:
        return "<none>"
    if w[0] == "err" and len(w) > 1:
        return "err " + w[1]
    return w[0]


def op_word(line):
    w = (line or "").split("#", 1)[0].split()
    if not w:
        return "?"
    if w[0] in ("map_phys_region_to", "phys") and len(w) > 1:
        return w[0] + " " + w[1]
    return w[0]


def dedupe_key(op_line, results):
    """The key of a divergence at `op_line` (the trace line) whose result
    lines are `results` (one per implementation; None for the end of a
    stream): (operation, differing field)."""
    return (op_word(op_line), differing_field(list(results)))


NUMBERS_IN_TEXT = re.compile(r"0x[0-9a-fA-F]+|\b\d+\b")


def invariant_key(op_line, message):
    """The key of a broken invariant: the operation and the invariant's
    words, numbers left out."""
    msg = message.split("invariant broken", 1)[-1]
    return (op_word(op_line), "invariant: " + " ".join(NUMBERS_IN_TEXT.sub("N", msg.strip(" :")).split()))


def hex_digits(v):
    """Significant hex digits: 0x00400000 has 1, 0x031101ef has 7."""
    s = "%x" % v
    return len(s.rstrip("0")) if v else 0


def roundness(v):
    """Smaller is rounder: land edges first, then fewer significant hex
    digits, then page multiples, then the smaller value."""
    return (0 if v in EDGES else 1, hex_digits(v), 0 if v % PAGE == 0 else 1, v)


def round_candidates(v):
    """Rounder replacements for a number, roundest first."""
    v &= 0xFFFFFFFF
    cands = set(EDGES)
    for unit in (PAGE, TABLE_SPAN, 0x10, 0x100, 0x10000, 0x100000, 0x1000000, 0x10000000):
        down = v - v % unit
        cands.add(down)
        cands.add(min(down + unit, 0xFFFFFFFF) if v % unit else down)
    if v:
        p = 1 << (v.bit_length() - 1)
        cands |= {p, min(p << 1, 0xFFFFFFFF), p - 1 if p > 1 else p}
    # keep the nearest edge neighbourhood: an off-by-one at an edge matters
    for e in EDGES:
        if abs(e - v) <= PAGE:
            cands.add(e)
    me = roundness(v)
    return sorted((c for c in cands if roundness(c) < me), key=roundness)


# ---- oracles -------------------------------------------------------------------

def impl_oracle(names, tmpdir, check=False):
    """A key of a trace replayed on the implementations `names`."""
    path = os.path.join(tmpdir, "probe.trace")

    def key(text):
        with open(path, "w") as f:
            f.write(text)
        res = {i: run_one(i, path, check=check and i == "c") for i in names}
        if check and res.get("c") is not None and res["c"].status == 3:
            err = res["c"].err.decode("utf-8", "replace")
            m = re.search(r":(\d+): ", err)
            line = text.split("\n")[int(m.group(1)) - 1] if m else ""
            return invariant_key(line, err)
        if len({r.status for r in res.values()}) > 1:
            return ("status",) + tuple(sorted((i, int(r.status)) for i, r in res.items()))
        streams = {i: [l.decode("utf-8", "replace") for l in norm_lines(r.out or b"")] for i, r in res.items()}
        ops = op_lines(text.encode())
        lines = text.split("\n")
        n = max(len(s) for s in streams.values())
        for k in range(n):
            vals = [s[k] if k < len(s) and not (k == len(s) - 1 and s[k] == "") else None
                    for s in streams.values()]
            if len(set(vals)) > 1:
                return dedupe_key(lines[ops[k] - 1] if k < len(ops) else "", vals)
        return None
    return key


FUZZ_DIVERGENCE = re.compile(r"DIVERGENCE at `([^`]*)`\n  c:   (.*)\n  ref: (.*)")
FUZZ_MALFORMED = re.compile(r"DIVERGENCE on malformed-ness of `([^`]*)`")
FUZZ_INVARIANT = re.compile(r"INVARIANT at (?:`([^`]*)`|the end of the case)\n  (.*)")


def fuzz_key(stderr_text):
    """The key of what the fuzz harness printed for one case, or None."""
    m = FUZZ_DIVERGENCE.search(stderr_text)
    if m:
        ref = m.group(3)
        return dedupe_key(m.group(1), [m.group(2) or None, None if ref == "<no output>" else ref])
    m = FUZZ_MALFORMED.search(stderr_text)
    if m:
        return (op_word(m.group(1)), "malformed")
    m = FUZZ_INVARIANT.search(stderr_text)
    if m:
        return invariant_key(m.group(1) or "<end>", m.group(2))
    return None


def fuzz_oracle(harness, tmpdir, env=None):
    """A key from the fuzz harness (`fuzz_diff` path) on the encoded trace."""
    from .fuzz import fuzz_encode
    path = os.path.join(tmpdir, "probe.bin")

    def key(text):
        with open(path, "wb") as f:
            f.write(fuzz_encode(text))
        p = subprocess.run([harness, path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                           timeout=600)
        if p.returncode == 0:
            return None
        return fuzz_key(p.stderr.decode("utf-8", "replace")) or ("harness", "exit %d" % p.returncode)
    return key


# ---- the shrinker ------------------------------------------------------------------

def shrink_with(text, key_of, deadline=None, log_fn=log):
    """Shrinks `text` while key_of(candidate) stays key_of(text). Stops
    early (keeping what it has) at `deadline` (time.time()). Returns
    (text, key)."""
    want = key_of(text)
    if want is None:
        return None, None
    lines = [l for l in text.split("\n") if l.split("#", 1)[0].strip()]

    def out_of_time():
        return deadline is not None and time.time() > deadline

    def same(ls):
        return key_of("\n".join(ls) + "\n") == want

    # 1. drop runs of lines, halving the run length (ddmin-like)
    chunk = max(1, len(lines) // 2)
    while chunk >= 1 and not out_of_time():
        i, changed = 0, False
        while i < len(lines) and not out_of_time():
            cand = lines[:i] + lines[i + chunk:]
            if cand and same(cand):
                lines, changed = cand, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    # 2. round numbers; 3. drop single lines again
    progress = True
    while progress and not out_of_time():
        progress = False
        for li in range(len(lines)):
            toks = lines[li].split()
            for ti in range(1, len(toks)):
                if not NUM.match(toks[ti]) or out_of_time():
                    continue
                v = int(toks[ti], 0)
                for c in round_candidates(v):
                    t2 = toks[:ti] + ["0x%08x" % c] + toks[ti + 1:]
                    cand = lines[:li] + [" ".join(t2)] + lines[li + 1:]
                    if same(cand):
                        lines, toks, progress = cand, t2, True
                        break
        for li in range(len(lines) - 1, -1, -1):
            if out_of_time():
                break
            cand = lines[:li] + lines[li + 1:]
            if cand and same(cand):
                lines, progress = cand, True
    log_fn("srdiff: shrunk to %d line(s), divergence %s" % (len(lines), want))
    return "\n".join(lines) + "\n", want


NUM = re.compile(r"^(0x[0-9a-fA-F]+|[0-9]+)$")


def signature(text, names, tmpdir):
    """The dedupe key of a trace replayed on `names`, or None."""
    return impl_oracle(names, tmpdir)(text)


def shrink(text, names, log_fn=log):
    tmp = tempfile.mkdtemp(prefix="srshrink")
    try:
        small, want = shrink_with(text, impl_oracle(names, tmp), log_fn=log_fn)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if small is None:
        raise SystemExit("srdiff shrink: the trace does not diverge on %s" % ",".join(names))
    return small


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
