"""The one comparison of result streams, with TRACE_FORMAT's rule: a result
line that is `panic` or starts with `panic ` is compared on the word `panic`
alone; every other line byte for byte. Malformed traces agree when every
implementation stops at the same line."""
import os
import re

from .status import Result, Status

MALFORMED_LINE = re.compile(rb"^.*?:(\d+): ", re.M)


def norm_line(line):
    """A result line as compared: `panic ...` cut to `panic`."""
    return b"panic" if line == b"panic" or line.startswith(b"panic ") else line


def norm_lines(out):
    """The stream as compared: a list of lines, the last one empty when the
    stream ends with a newline."""
    return [norm_line(l) for l in out.split(b"\n")]


def op_lines(trace_text):
    """Line numbers (1-based) of the trace lines that print a result."""
    nums = []
    for i, raw in enumerate(trace_text.split(b"\n"), 1):
        code = raw.split(b"#", 1)[0].replace(b"\t", b" ").split()
        if code and code[0] != b"phys":
            nums.append(i)
    return nums


def malformed_line_no(err):
    m = MALFORMED_LINE.search(err or b"")
    return int(m.group(1)) if m else None


def golden_of(trace):
    """The expected Result recorded beside a trace: NAME.out (a stream),
    NAME.ok (runs, stream not recorded) or NAME.err (malformed, its first
    word the line number); None when there is none."""
    base = trace[:-len(".trace")]
    if os.path.exists(base + ".out"):
        with open(base + ".out", "rb") as f:
            return Result(Status.OK, f.read(), b"")
    if os.path.exists(base + ".ok"):
        return Result(Status.OK, None, b"")
    if os.path.exists(base + ".err"):
        with open(base + ".err") as f:
            line = int(f.read().split()[0])
        return Result(Status.MALFORMED, None, ("%s:%d: (expected)\n" % (trace, line)).encode())
    return None


def _read_head(trace, limit=1 << 20):
    try:
        with open(trace, "rb") as f:
            return f.read(limit)
    except OSError:
        return b""


class Divergence:
    """Where streams first disagree: a headline and the detail lines."""

    def __init__(self, headline, detail=(), line=None, field=None):
        self.headline = headline
        self.detail = list(detail)
        self.line = line      # 1-based result line, when streams differ
        self.field = field    # what differs in that line (see differing_field)

    def lines(self):
        return [self.headline] + self.detail


def differing_field(lines):
    """Names what differs between result lines of the same position: the
    result kind, the error variant, a payload field, a frame, or flag bits."""
    words = [l.split() if l is not None else [] for l in lines]
    kinds = {w[0] if w else "<end>" for w in words}
    if len(kinds) > 1:
        return "result kind"
    if all(w[:1] == ["err"] for w in words):
        if len({w[1] if len(w) > 1 else "" for w in words}) > 1:
            return "error variant"
    n = max(len(w) for w in words)
    for i in range(n):
        vals = {w[i] if i < len(w) else "" for w in words}
        if len(vals) > 1:
            keys = {v.split("=", 1)[0] for v in vals if "=" in v}
            if len(keys) == 1:
                key = keys.pop()
                return "flag bits" if key in ("flags", "state", "rights") else "payload %s" % key
            return "word %d" % (i + 1)
    return "line"


def compare(trace, results):
    """None when every Result agrees, else a Divergence. `results` maps a
    name (an implementation, or `golden`) to its Result."""
    names = list(results)
    statuses = {n: results[n].status for n in names}
    if len(set(statuses.values())) > 1:
        return Divergence("status differs: " + ", ".join("%s=%s" % (n, results[n].describe()) for n in names),
                          ["  %s stderr: %s" % (n, results[n].err.decode("utf-8", "replace").strip()[:300])
                           for n in names if results[n].err], field="status")
    st = statuses[names[0]]
    if st == Status.MALFORMED:
        nums = {n: malformed_line_no(results[n].err) for n in names}
        if len(set(nums.values())) > 1:
            return Divergence("malformed line differs: " + ", ".join("%s=%s" % kv for kv in nums.items()),
                              field="malformed line")
        return None
    if st != Status.OK:
        return Divergence("every implementation failed: %s" % results[names[0]].describe(),
                          ["  %s stderr: %s" % (n, results[n].err.decode("utf-8", "replace").strip()[:300])
                           for n in names if results[n].err], field="status")
    streams = {n: norm_lines(results[n].out) for n in names if results[n].out is not None}
    longest = max([len(s) for s in streams.values()] or [0])
    first = None
    for i in range(longest):
        if len({s[i] if i < len(s) else None for s in streams.values()}) > 1:
            first = i
            break
    if first is None:
        return None
    raw = _read_head(trace)
    ops = op_lines(raw)
    trace_lines = raw.split(b"\n")
    detail = []
    if first < len(ops):
        detail.append("  trace line %d: %s" % (ops[first], trace_lines[ops[first] - 1].decode("utf-8", "replace")))
    shown = []
    for n, s in streams.items():
        end = first >= len(s) or (first == len(s) - 1 and s[first] == b"")
        text = None if end else s[first].decode("utf-8", "replace")
        shown.append(text)
        detail.append("  %-9s %s" % (n + ":", "<end of stream>" if end else text))
    field = differing_field(shown)
    detail.insert(1 if first < len(ops) else 0, "  differs in: %s" % field)
    return Divergence("first divergence at result line %d" % (first + 1), detail, line=first + 1, field=field)
