"""optable.py -- the op table (harness/ops.def) for Python, and a static
checker of traces built on it.

    import optable
    ops = optable.load()          # [Op], in table order
    optable.opcodes(ops)          # {id: fuzz opcode}
    optable.check_trace(data)     # None, or (line number, reason) of the
                                  # first malformed line

The checker applies every rule of docs/TRACE_FORMAT.md that a runner
applies, from the table alone: lexical rules, op and form, arity, argument
kinds, selection, live and fresh names, and the table's RULES. It cannot
know whether a binding succeeds at run time (a `shm` may fail): it takes
every binding line as successful, as a trace that binds a name it later
uses must make sure of.
"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
OPS_DEF = os.path.join(HERE, "ops.def")

NUMBER_KINDS = ("addr", "size", "paddr", "offset", "mask", "value", "page", "pages", "uword", "mlen", "moff")
NAME_SPACES = ("proc", "shm", "mirror")
NAME_KINDS = tuple(ns + s for ns in NAME_SPACES for s in ("", "+", "-"))
KINDS = NUMBER_KINDS + ("type", "rights") + NAME_KINDS
PROCS = ("none", "sel", "pre")
RULES = ("selects", "mirror_limit", "below_kernel_land", "start_le_end", "in_trace_ram", "bookkeeping")
RESULTS = ("ok", "ok-addr", "ok-query", "ok-range", "ok-frames", "ok-walk", "ok-count", "ok-value", "fault",
           "err", "panic")

TYPES = ("Unmapped Io Normal CodeStatic CodeMutable Heap SharedMemory Alias ModuleCodeStatic "
         "ModuleCodeMutable Ipc Stack ThreadLocal TransferMemoryIsolated TransferMemory "
         "ProcessMemory Reserved NonSecureIpc NonDeviceIpc KernelStack CodeReadOnly "
         "CodeWritable").split()
RIGHTS = {"none": 0, "k_r": 1, "k_w": 2, "k_rw": 3, "k_rx": 5, "u_r": 9, "u_w": 10, "u_rw": 11, "u_rx": 13}

KERNEL_LAND = 0xC0000000
MIRROR_MAX_LEN = 0x01000000
MIRROR_MAX_LIVE = 16
PAGE = 0x1000

_ROW = re.compile(r'^OP\((\w+),\s*"([^",]*)",\s*"([^",]*)",\s*"([^",]*)",\s*(\w+),\s*"([^",]*)",\s*"([^",]*)"\)\s*$')


class TableError(ValueError):
    pass


class Arg:
    def __init__(self, spec, kind, optional):
        self.spec, self.kind, self.optional = spec, kind, optional

    @property
    def is_name(self):
        return self.kind in NAME_KINDS

    @property
    def space(self):
        return self.kind.rstrip("+-")

    def __repr__(self):
        s = "%s:%s" % (self.spec, self.kind)
        return "[%s]" % s if self.optional else s


class Op:
    def __init__(self, ident, name, form, args, proc, rules, results, line):
        self.id, self.name, self.form, self.proc, self.line = ident, name, form, proc, line
        self.args = args
        self.rules = rules
        self.results = results

    @property
    def required(self):
        return sum(1 for a in self.args if not a.optional)

    def syntax(self):
        """The line as TRACE_FORMAT writes it: `mirror_mapping ADDR LEN [NAME]`."""
        words = [self.name] + ([self.form] if self.form else [])
        words += ["[%s]" % a.spec if a.optional else a.spec for a in self.args]
        return " ".join(words)

    def __repr__(self):
        return "Op(%s)" % self.id


def parse(text, path=OPS_DEF):
    """The rows of an ops.def text; TableError on a malformed row."""
    ops = []
    for no, line in enumerate(text.split("\n"), 1):
        if not line.startswith("OP("):
            continue
        m = _ROW.match(line)
        if not m:
            raise TableError("%s:%d: not an OP(...) row of 7 fields" % (path, no))
        ident, name, form, args, proc, rules, results = m.groups()
        parsed = []
        for w in args.split():
            optional = w.startswith("[") and w.endswith("]")
            if optional:
                w = w[1:-1]
            elif parsed and parsed[-1].optional:
                raise TableError("%s:%d: a required argument after an optional one" % (path, no))
            spec, _, kind = w.partition(":")
            if kind not in KINDS or not re.match(r"^[A-Z_]+$", spec):
                raise TableError("%s:%d: bad argument %r" % (path, no, w))
            parsed.append(Arg(spec, kind, optional))
        if proc not in PROCS:
            raise TableError("%s:%d: PROC %r is not one of %s" % (path, no, proc, PROCS))
        for r in rules.split():
            if r not in RULES:
                raise TableError("%s:%d: unknown rule %r" % (path, no, r))
        for r in results.split():
            if r not in RESULTS:
                raise TableError("%s:%d: unknown result kind %r" % (path, no, r))
        ops.append(Op(ident, name, form, parsed, proc, rules.split(), results.split(), no))
    ids = [o.id for o in ops]
    if len(set(ids)) != len(ids):
        raise TableError("%s: an ID appears twice" % path)
    keys = [(o.name, o.form) for o in ops]
    if len(set(keys)) != len(keys):
        raise TableError("%s: a NAME and FORM appear twice" % path)
    for o in ops:
        same = [p for p in ops if p.name == o.name]
        if len(same) > 1 and any(not p.form for p in same):
            raise TableError("%s: rows named %r must all have a FORM" % (path, o.name))
    seen_pre = False
    for o in ops:
        if o.proc == "pre":
            seen_pre = True
        elif seen_pre:
            raise TableError("%s: the pre rows must come last (they have no opcode)" % path)
    return ops


def load(path=OPS_DEF):
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), path)


def opcodes(ops):
    """{op id: fuzz opcode}: the operation rows in table order."""
    return {o.id: i for i, o in enumerate(o for o in ops if o.proc != "pre")}


# ---- the static checker ------------------------------------------------------------

def number(tok):
    """A number of the format (decimal, or lower-case 0x and hex digits of any
    case; 32 bits), or None."""
    if tok.startswith("0x"):
        digits, base, ok = tok[2:], 16, "0123456789abcdefABCDEF"
    else:
        digits, base, ok = tok, 10, "0123456789"
    if not digits or any(c not in ok for c in digits):
        return None
    v = int(digits, base)
    return v if v <= 0xFFFFFFFF else None


def is_name(tok):
    return 1 <= len(tok) <= 16 and all(c.isascii() and (c.isalnum() or c == "_") for c in tok)


def rights(tok):
    if tok in RIGHTS:
        return RIGHTS[tok]
    v = number(tok)
    return v if v is not None and v <= 15 else None


def lexical(raw):
    """The tokens of one raw line (bytes, no newline), or a reason string."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "line is not valid UTF-8"
    for c in text:
        if c != "\t" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F):
            return "control character U+%04X in the line" % ord(c)
    return [t for t in re.split(r"[ \t]+", text.split("#", 1)[0]) if t]


class Checker:
    """Replays the static rules of a trace, one line at a time."""

    def __init__(self, ops=None):
        self.ops = ops if ops is not None else load()
        self.started = False
        self.selected = None
        self.live = {ns: {} for ns in NAME_SPACES}  # name -> value of the binding's mlen (mirrors)

    def find(self, toks):
        """(row, arguments after the form) or a reason."""
        rows = [o for o in self.ops if o.name == toks[0]]
        if not rows:
            return "unknown op '%s'" % toks[0]
        for o in rows:
            if not o.form:
                return o, toks[1:]
            if len(toks) > 1 and toks[1] == o.form:
                return o, toks[2:]
        return "'%s' needs %s first" % (toks[0], " or ".join("'%s'" % o.form for o in rows))

    def line(self, raw, result=None):
        """Checks and applies one raw line: (row or None, None) or (row,
        reason). `result`, when known, is the line's result line: a name is
        bound only when it starts with `ok`."""
        toks = lexical(raw)
        if isinstance(toks, str):
            return None, toks
        if not toks:
            return None, None
        found = self.find(toks)
        if isinstance(found, str):
            return None, found
        op, args = found
        why = self.check(op, args)
        if why is None:
            self.apply(op, args, result is None or result.startswith("ok"))
        return op, why

    def check(self, op, args):
        if not op.required <= len(args) <= len(op.args):
            return "'%s' takes %d argument(s), got %d" % (op.syntax().split(" ")[0], op.required, len(args))
        vals = []
        for a, t in zip(op.args, args):
            if a.is_name:
                if not is_name(t):
                    return "bad name '%s'" % t
                vals.append(t)
            elif a.kind == "type":
                if t not in TYPES:
                    return "unknown memory type '%s'" % t
                vals.append(t)
            elif a.kind == "rights":
                if rights(t) is None:
                    return "bad rights '%s'" % t
                vals.append(rights(t))
            else:
                v = number(t)
                if v is None:
                    return "bad number '%s'" % t
                if a.kind == "page" and v % PAGE:
                    return "%s must be page aligned" % a.spec
                if a.kind == "pages" and (v % PAGE or v == 0):
                    return "%s must be page aligned and > 0" % a.spec
                if a.kind == "uword" and (v % 4 or v >= KERNEL_LAND):
                    return "%s must be 4-byte aligned and below 0xc0000000" % a.spec
                if a.kind == "mlen" and v > MIRROR_MAX_LEN:
                    return "%s exceeds 0x01000000" % a.spec
                if a.kind == "moff" and v % 4:
                    return "%s must be 4-byte aligned" % a.spec
                vals.append(v)
        if op.proc == "pre" and self.started:
            return "'%s' after the first operation" % op.name
        if op.proc == "sel" and self.selected is None:
            return "operation needs a selected process"
        mirror = None
        for a, v in zip(op.args, vals):
            if a.is_name:
                live = self.live[a.space]
                if a.kind.endswith("+"):
                    if v in live:
                        return "%s name is still live: '%s'" % (a.space, v)
                    if a.space == "mirror" and "mirror_limit" in op.rules and len(live) >= MIRROR_MAX_LIVE:
                        return "more than 16 named mirrors would be live"
                elif v not in live:
                    return "no live %s named '%s'" % (a.space, v)
                if a.space == "mirror":
                    mirror = v
            elif a.kind == "moff" and (mirror is None or v >= self.live["mirror"][mirror]):
                return "%s must be below the mirror's len()" % a.spec
        if "below_kernel_land" in op.rules and vals[0] + vals[1] > KERNEL_LAND:
            return "ADDR + LEN must not exceed 0xc0000000"
        if "start_le_end" in op.rules and vals[0] > vals[1]:
            return "START > END"
        if "in_trace_ram" in op.rules and not (vals[1] <= 0x0009F000 or
                                               (vals[0] >= 0x00100000 and vals[1] <= 0x01000000)):
            return "range is not inside trace RAM"
        return None

    def apply(self, op, args, ok=True):
        if op.proc != "pre":
            self.started = True
        mlen = next((number(t) for a, t in zip(op.args, args) if a.kind == "mlen"), 0)
        for a, t in zip(op.args, args):
            if not a.is_name:
                continue
            if a.kind.endswith("+") and ok:
                self.live[a.space][t] = mlen
            elif a.kind.endswith("-"):
                del self.live[a.space][t]
                if a.space == "proc" and self.selected == t:
                    self.selected = None
            if a.space == "proc" and "selects" in op.rules:
                self.selected = t


def split_lines(data):
    """The raw lines of a trace (bytes), without their newlines."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def check_trace(data, ops=None, results=None):
    """None when every line of `data` (bytes) is well formed, else (line
    number, reason) of the first malformed line. `results`, the trace's
    result lines (str) when known, decide whether a binding succeeded."""
    c = Checker(ops)
    results = list(results) if results is not None else None
    for no, raw in enumerate(split_lines(data), 1):
        op, why = c.line(raw, results[0] if results else None)
        if why is not None:
            return no, why
        if op is not None and op.proc != "pre" and results:
            results.pop(0)
    return None


# ---- result lines ------------------------------------------------------------------

_HEX = r"0x[0-9a-f]{8}"
RESULT_FORMS = {
    "ok": r"ok",
    "ok-addr": r"ok " + _HEX,
    "ok-value": r"ok " + _HEX,
    "ok-query": (r"ok addr=%s len=%s type=\w+ state=%s flags=[r-][w-][x-][u-] offset=%s" % ((_HEX,) * 4)),
    "ok-range": r"ok state=%s perms=%s attrs=%s" % ((_HEX,) * 3),
    "ok-frames": r"ok( -|( %s\*[0-9]+)+)" % _HEX,
    "ok-walk": r"ok( (avail|guard|page)/%s\*[0-9]+(@%s)?)+" % (_HEX, _HEX),
    "ok-count": r"ok [0-9]+",
    "fault": r"fault",
    "err": r"err (InvalidAddress address=%s|InvalidSize size=%s|InvalidMemState address=%s ty=\w+|"
           r"WrongMappingFramesForTy ty=\w+|[A-Za-z]+)" % ((_HEX,) * 3),
    "panic": r"panic( .*)?",
}


def result_kinds(line):
    """The result kinds a result line (str) has the shape of."""
    return {k for k, rx in RESULT_FORMS.items() if re.fullmatch(rx, line)}
