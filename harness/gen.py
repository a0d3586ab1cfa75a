#!/usr/bin/env python3
"""Random trace generator for the trace format (docs/TRACE_FORMAT.md).

    python3 harness/gen.py --seed N --count K [--ops M] [--out DIR] [--profile small|wide|mixed]
                           [--hosted-only]

writes K traces `gen_<N>_<i>.trace` (i = 1..K) into DIR; with no --out and K == 1 the
trace goes to stdout. The same arguments always give the same bytes. As a module:

    generate(seed, ops, profile, index=1, qemu_safe=True) -> str   # gen_<seed>_<index>.trace

Profiles:
  small   little fragmented physical memory, addresses packed in a few page-table spans
          (adjacent and overlapping mappings, 4 MiB boundaries), no operation that panics;
  wide    any physical layout, addresses over the whole space with edge values, lexical
          variants (tabs, decimal, upper-case hex digits, 16-character names); an operation
          that panics is rare, and sometimes the last operation panics on purpose;
  mixed   a mix of both, panics rarer still.

By default (qemu_safe=True) a trace stays inside the part of the format whose result
does not depend on the machine ("Outside the comparable subset" in the format): no mmio
alias of frames the allocator may hand out, no drop of a process that was ever active (its
table frames would come back as data frames holding accessed/dirty bits), no mirror access
past the mirror's own pages. With --hosted-only (qemu_safe=False), traces may leave that
subset; they are for the hosted implementations and carry the line `# srdiff: hosted-only`,
so that srdiff does not replay them on QEMU.

The generator does not predict results: it asks the reference model. An `Oracle` runs
`srref run /dev/stdin` as a child process and feeds it the trace line by line. Each
operation is: pick candidate arguments, send the line, read its result, then keep the line
or discard it (a panic the profile does not want). A discarded line is undone by starting
srref again and replaying the kept lines. From the results the generator learns what
exists (a mapping, through a `query_memory` it sends but does not keep; a shm or mirror
name, bound only when its line printed `ok`), and picks later arguments from that. So every
trace is well formed (the op table's checker accepts it) and never names a binding that
failed. srref is $SRDIFF_REF_EXE, else the one srdiff builds (harness/srdifflib/build.py).

Standard library only.
"""
import argparse
import bisect
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
from optable import KERNEL_LAND, MIRROR_MAX_LEN, MIRROR_MAX_LIVE, PAGE, RIGHTS, TYPES  # noqa: E402

PDE = 0x400000                    # span of one page table
U32 = 0xFFFFFFFF
USER_START = 0x00200000
RTL = 0xFFC00000
HEAP_BASE = 0x80000000
TRACE_RAM = ((0x00000000, 0x0009F000), (0x00100000, 0x01000000))
# Only to steer choices (which types to try where); the results come from srref.
NOT_REFCOUNTED = ("Unmapped", "Io", "Normal", "Reserved", "KernelStack")
REFCOUNTED = tuple(t for t in TYPES if t not in NOT_REFCOUNTED)
GUARD_TYPES = ("Unmapped", "Reserved", "KernelStack")
RIGHTS_WORDS = tuple(RIGHTS)
REFCOUNTED_STATE = 0x00400000     # MemoryState::IS_REFERENCE_COUNTED
PROFILES = ("small", "wide", "mixed")
HOSTED_ONLY = "# srdiff: hosted-only"
# How often an operation that panics is kept (it ends the trace), by profile.
PANIC_KEEP_WIDE = 0.03
PANIC_KEEP_MIXED = 0.008


def align_up(v, a=PAGE):
    return (v + a - 1) // a * a


def align_down(v, a=PAGE):
    return v // a * a


def ref_exe():
    """The srref to ask: $SRDIFF_REF_EXE, else srdiff's own (built on first use)."""
    if os.environ.get("SRDIFF_REF_EXE"):
        return os.environ["SRDIFF_REF_EXE"]
    from srdifflib import build
    return build.ref_runner()


class OracleError(RuntimeError):
    """srref refused a line or stopped answering: a bug in the generator or in srref."""


class Oracle:
    """The reference model, one line at a time.

    ask(line) sends a line and returns its result line (None for a `phys` line). The
    line is then kept with keep() or undone with discard(). peek(line) asks a line that
    changes nothing (a query) and is never kept."""

    CHUNK = 64                    # lines written before their results are read back

    def __init__(self, exe=None):
        self.exe = exe or ref_exe()
        self.kept = []
        self.pending = None
        self.proc = None
        self._start()

    def _start(self):
        self.close()
        try:
            self.proc = subprocess.Popen([self.exe, "run", "/dev/stdin"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:
            raise OracleError("cannot run the reference model %s: %s" % (self.exe, e.strerror))

    def _send(self, lines):
        out = []
        for i in range(0, len(lines), self.CHUNK):
            chunk = lines[i:i + self.CHUNK]
            try:
                self.proc.stdin.write("".join(l + "\n" for l in chunk).encode())
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass                  # reported below, with srref's own message
            for l in chunk:
                if l.split()[0] == "phys":
                    out.append(None)
                    continue
                r = self.proc.stdout.readline()
                if not r.endswith(b"\n"):
                    self.proc.kill()
                    raise OracleError("srref stopped at %r: %s"
                                      % (l, self.proc.stderr.read().decode(errors="replace").strip()))
                out.append(r[:-1].decode())
        return out

    def ask(self, line):
        assert self.pending is None
        self.pending = line
        return self._send([line])[0]

    def peek(self, line):
        return self._send([line])[0]

    def keep(self):
        self.kept.append(self.pending)
        self.pending = None

    def discard(self):
        self.pending = None
        self._start()
        self._send(self.kept)

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc.stderr.close()
            self.proc.kill()
            self.proc.wait()
            self.proc = None


class Mapping:
    """A mapping of a process, as srref's query_memory reported it."""

    def __init__(self, addr, size, ty, state, perms, off):
        self.addr, self.size, self.ty, self.state, self.perms, self.off = addr, size, ty, state, perms, off
        self.shared = bool(state & REFCOUNTED_STATE)
        self.hazard = False           # an mmio alias of frames the allocator may hand out

    @property
    def end(self):
        return self.addr + self.size


def parse_query(res):
    """Mapping from an `ok addr=... len=... type=... state=... flags=... offset=...` line."""
    f = dict(t.split("=", 1) for t in res.split()[1:])
    flags = f["flags"]
    perms = sum(b for c, b in zip(flags[:3], (1, 2, 4)) if c != "-") if flags[3] == "u" else 0
    return Mapping(int(f["addr"], 16), int(f["len"], 16), f["type"], int(f["state"], 16),
                   perms, int(f["offset"], 16))


class Gen:
    def __init__(self, seed, ops, profile, index, qemu_safe=False, exe=None):
        if profile not in PROFILES:
            raise ValueError("unknown profile %r" % profile)
        self.rng = random.Random("sunrise-trace-gen:%d:%d:%s%s"
                                 % (seed, index, profile, ":qemu" if qemu_safe else ""))
        self.qemu_safe = qemu_safe
        self.ops = ops
        self.profile = profile
        self.exe = exe
        self.lines = []               # kept lines
        self.results = []             # (index in lines, result line) for each kept op
        self.counter = 0
        self.dead = False             # a panic was kept
        self.n_ops = 0
        self.procs = {}               # name -> [Mapping]
        self.selected = self.active = None
        self.ever_active = set()      # processes that were switched to
        self.shms = {}                # name -> frames it certainly has (at least)
        self.mirrors = {}             # name -> (len, offset in its first page, bytes of its pages)
        self.named_mirrors = 0        # named mirror lines not dropped, bound or not (the limit counts them)
        self.dropped_names = []       # process names that may be reused
        self.free_shm_names = []      # shm names unbound again
        self.states = [0, REFCOUNTED_STATE, 0x00002000]   # states seen, for check_range

    # ---- style ------------------------------------------------------------------------
    def style(self):
        """small or wide flavour for the next choice."""
        if self.profile == "mixed":
            return "small" if self.rng.random() < 0.5 else "wide"
        return self.profile

    def num(self, v):
        assert 0 <= v <= U32, v
        r = self.rng.random()
        if self.profile == "small" or r < 0.85:
            return "0x%08x" % v
        if r < 0.91:
            return "%d" % v
        if r < 0.95:
            return "0x%x" % v
        if r < 0.99:
            return "0x%08X" % v
        return "%05d" % v

    def rights(self):
        r = self.rng.random()
        if r < 0.55:
            return "u_rw"
        if r < 0.85 or self.profile == "small":
            return self.rng.choice(RIGHTS_WORDS)
        v = self.rng.randrange(16)
        return self.rng.choice(("%d" % v, "0x%x" % v))

    def new_name(self, prefix):
        self.counter += 1
        if self.profile != "small" and self.rng.random() < 0.05:
            return ("%s%s" % (prefix, "_" * 16))[:16 - len(str(self.counter))] + str(self.counter)
        return "%s%d" % (prefix, self.counter)

    def fmt(self, toks):
        """The line of an operation, sometimes with other blanks and a comment."""
        if self.profile != "small" and self.rng.random() < 0.04:
            sep = self.rng.choice(("\t", "  ", " \t"))
            line = sep.join(toks)
            if self.rng.random() < 0.5:
                line += self.rng.choice((" # note", "\t#", "  # x # y"))
            return line
        return " ".join(toks)

    # ---- physical memory ----------------------------------------------------------------
    def phys_lines(self):
        """The `phys` lines, and the set of frames free before the first operation."""
        rng = self.rng
        style = self.style()

        def rnd_range(max_frames, kind="free"):
            base, top = TRACE_RAM[0] if rng.random() < 0.35 else TRACE_RAM[1]
            frames = min(rng.randint(max(1, max_frames // 4), max_frames), (top - base) // PAGE)
            start = base + PAGE * rng.randrange((top - base) // PAGE - frames + 1)
            return kind, start, start + frames * PAGE

        if style == "small":
            if rng.random() < 0.15:
                lines = [rnd_range(6)]                 # starved: exhaustion everywhere
            else:
                lines = [rnd_range(rng.choice((16, 32, 64, 128))) for _ in range(rng.randint(1, 5))]
            if rng.random() < 0.4:
                s, e = lines[rng.randrange(len(lines))][1:]
                if e - s > PAGE:
                    a = s + PAGE * rng.randrange((e - s) // PAGE)
                    lines.append(("reserve", a, min(e, a + PAGE * rng.randint(1, 3))))
            if rng.random() < 0.1:
                lines.append(("free", 0x00ff0000, 0x01000000))
        else:
            r = rng.random()
            if r < 0.4:
                lines = []                             # the default 0x00400000..0x00800000
            elif r < 0.55:
                lines = [("free", 0x00100000, 0x01000000)] + \
                    ([("free", 0x00000000, 0x0009f000)] if rng.random() < 0.5 else [])
            elif r < 0.7:
                lines = [("free", 0x00400000, 0x00800000)]
                for _ in range(rng.randint(1, 6)):
                    a = 0x00400000 + PAGE * rng.randrange(1024)
                    lines.append(("reserve", a, a + PAGE * rng.randint(1, 8)))
            elif r < 0.85:
                lines = [rnd_range(rng.choice((16, 64, 256))) for _ in range(rng.randint(2, 8))]
            elif r < 0.93:
                lines = [rnd_range(3) for _ in range(rng.randint(1, 3))]
            else:
                lines = [("free", 0x00000000, 0x0009f000), ("reserve", 0x00000000, 0x00001000)]
            if rng.random() < 0.05:
                base, top = TRACE_RAM[rng.randrange(2)]
                a = base + PAGE * rng.randrange((top - base) // PAGE + 1)
                lines.append(("free" if rng.random() < 0.5 else "reserve", a, a))
            if rng.random() < 0.03:
                lines.append(("reserve", 0x01000000, 0xfffff000))
            if r < 0.4 and lines:
                lines.insert(0, ("free", 0x00400000, 0x00800000))   # any phys line drops the default
        free = set() if lines else set(range(0x400, 0x800))
        for kind, s, e in lines:
            fr = set(range(s // PAGE, min(e, 0x01000000) // PAGE))
            free = free | fr if kind == "free" else free - fr
        return ["phys %s %s %s" % (kind, self.num(s), self.num(e)) for kind, s, e in lines], free

    # ---- value pickers ------------------------------------------------------------------
    def pick_addr(self, p):
        rng = self.rng
        style = self.style()
        r = rng.random()
        maps = p if p is not None else []
        if maps and r < 0.45:
            m = rng.choice(maps)
            k = rng.randint(1, 3) * PAGE
            a = rng.choice((m.end, m.end, m.addr - k, m.addr - PAGE, m.addr + PAGE, m.addr,
                            m.end - PAGE, m.end + k))
        elif r < 0.55:
            pde = rng.choice(self.small_pdes if style == "small" else self.wide_pdes)
            a = pde * PDE + rng.randint(-3, 3) * PAGE
        elif r < 0.8:
            if style == "small":
                pde = rng.choice(self.small_pdes)
                if rng.random() < 0.5:
                    a = pde * PDE + PAGE * rng.randrange(-16, 16)
                else:
                    a = pde * PDE + PAGE * rng.randrange(1024)
            else:
                a = USER_START + PAGE * rng.randrange((KERNEL_LAND - USER_START) // PAGE)
        elif r < 0.9:
            a = HEAP_BASE + rng.randint(-2, 8) * PAGE
        else:
            if style == "small":
                a = rng.choice((0x00200000, 0x001ff000, 0xbffff000, 0xbfffe000, 0xbfc00000,
                                0x00400000, 0x003ff000))
            else:
                a = rng.choice((0x00000000, 0x001ff000, 0x00200000, 0xbffff000, 0xbfc00000,
                                0xc0000000, 0xffbff000, 0xfffff000, 0xffffffff, 0x00001000,
                                0x7ffff000, 0xbfff0000))
        a &= U32
        if style != "small" and rng.random() < 0.08:
            a = (a + rng.choice((1, 4, 0x800, 0xffc, 0xfff))) & U32
        return a

    def pick_size(self, zero_ok=False):
        rng = self.rng
        style = self.style()
        r = rng.random()
        if style == "small" and r < 0.4:
            s = PAGE * rng.randint(1, 2)
        elif r < 0.45:
            s = PAGE * rng.randint(1, 4)
        elif r < 0.7:
            s = PAGE * rng.randint(5, 32)
        elif r < 0.82:
            s = rng.choice((PDE, PDE - PAGE, PDE + PAGE, 2 * PDE, 0x2000, 0x3000))
        elif r < 0.9 and style != "small":
            s = rng.choice((0x40000000, 0xfffff000, 0xffffffff, 0x10000000, 3 * PDE,
                            0x00800000 + 0x2000, 0x3ffff000))
        elif r < 0.95:
            s = PAGE * rng.randint(1, 4) + rng.choice((1, 4, 0x800))
        else:
            s = PAGE * rng.randint(64, 400) if style != "small" else PAGE * rng.randint(33, 64)
        if zero_ok and rng.random() < 0.03:
            s = 0
        return s

    def pick_type(self, want="any"):
        rng = self.rng
        if want == "any":
            r = rng.random()
            want = "nonref" if r < 0.4 else ("ref" if r < 0.8 else "all")
        if want == "ref":
            return rng.choice(REFCOUNTED) if rng.random() < 0.5 else rng.choice(
                ("SharedMemory", "Heap", "Stack", "CodeStatic"))
        if want == "nonref":
            return rng.choice(NOT_REFCOUNTED) if rng.random() < 0.4 else "Normal"
        return rng.choice(TYPES)

    # ---- asking srref -------------------------------------------------------------------
    def accept_panic(self):
        """Whether to keep an operation that panics (it ends the trace)."""
        if self.profile == "small":
            return False
        return self.rng.random() < (PANIC_KEEP_WIDE if self.profile == "wide" else PANIC_KEEP_MIXED)

    def attempt(self, toks, want_panic=False):
        """Sends the operation; keeps it and returns its result line, or undoes it and
        returns None. With want_panic only a panic is kept."""
        line = self.fmt(toks)
        res = self.oracle.ask(line)
        panic = res.startswith("panic")
        if not (panic if want_panic else (not panic or self.accept_panic())):
            self.oracle.discard()
            return None
        self.oracle.keep()
        self.lines.append(line)
        self.results.append((len(self.lines) - 1, res))
        self.n_ops += 1
        self.dead = panic
        return res

    def learn(self, p, addr):
        """Asks srref for the mapping at addr and records it in p (a list of Mapping)."""
        if self.dead:
            return None
        res = self.oracle.peek("query_memory 0x%08x" % addr)
        if not res.startswith("ok "):
            return None
        x = parse_query(res)
        self.forget(p, x.addr, x.size)
        if x.state not in self.states:
            self.states.append(x.state)
        if x.ty != "Unmapped":
            p.append(x)
        return x

    @staticmethod
    def forget(p, addr, size):
        p[:] = [x for x in p if x.end <= addr or addr + size <= x.addr]

    def initially_free_in(self, paddr, size):
        """Whether [paddr, paddr+size) holds a frame that was free before the trace."""
        i = bisect.bisect_left(self.free0, paddr // PAGE)
        return i < len(self.free0) and self.free0[i] < align_up(paddr + size) // PAGE

    def sel(self):
        return self.procs[self.selected]

    def map_op(self, p, toks, addr):
        """An operation that may create or change the mapping at addr."""
        res = self.attempt(toks)
        if res is not None and res.startswith("ok"):
            self.learn(p, addr)
        return res is not None

    # ---- operations on the selected process -----------------------------------------------
    # Each returns whether it kept a line.
    def op_create(self, p):
        a, size, ty = self.pick_addr(p), self.pick_size(zero_ok=True), self.pick_type("any")
        return self.map_op(p, ["create_regular_mapping", self.num(a), self.num(size), ty, self.rights()], a)

    def op_alloc(self, p):
        rng = self.rng
        if self.style() == "small" or rng.random() < 0.6:
            size = PAGE * (1 if rng.random() < 0.7 else rng.randint(2, 4))
        else:
            size = self.pick_size(zero_ok=True)
        a = self.pick_addr(p)
        ty = self.pick_type("nonref") if rng.random() < 0.97 else self.pick_type("ref")
        return self.map_op(p, ["map_phys_region_to", "alloc", self.num(size), self.num(a), ty, self.rights()], a)

    def pick_paddr(self):
        rng = self.rng
        r = rng.random()
        if self.free0 and r < 0.45:
            # a frame that was free before the trace: likely a directory, a page table or
            # a data frame by now
            n = len(self.free0)
            return self.free0[rng.randrange(min(n, 24)) if rng.random() < 0.7 else rng.randrange(n)] * PAGE
        if r < 0.8:
            # trace RAM that is never handed out
            for _ in range(20):
                base, top = TRACE_RAM[rng.randrange(2)]
                a = base + PAGE * rng.randrange((top - base) // PAGE)
                if not self.initially_free_in(a, PAGE):
                    return a
            return 0x00000000 if not self.initially_free_in(0, PAGE) else 0x000a0000
        if self.style() == "small":
            return rng.choice((0x000b8000, 0x000a0000, 0x000ff000, 0x01000000))
        return rng.choice((0x000b8000, 0xfee00000, 0xfebff000, 0xffffe000, 0xfffff000,
                           0x01000000, 0x80000000, 0x000ff000, 0x00400800))

    def op_mmio(self, p):
        rng = self.rng
        paddr = self.pick_paddr()
        size = PAGE * rng.randint(1, 3) if rng.random() < 0.85 else self.pick_size(zero_ok=True)
        a = self.pick_addr(p)
        ty = rng.choice(("Io", "Io", "Normal", "Reserved")) if rng.random() < 0.97 else self.pick_type("ref")
        hazard = size > 0 and self.initially_free_in(paddr, size)
        if self.qemu_safe and hazard:
            return False
        res = self.attempt(["map_phys_region_to", "mmio", self.num(paddr), self.num(size), self.num(a),
                            ty, self.rights()])
        if res == "ok":
            x = self.learn(p, a)
            if x is not None:
                x.hazard = hazard
        return res is not None

    def op_partial(self, p):
        rng = self.rng
        if not self.shms:
            return False
        name = rng.choice(sorted(self.shms))
        n = self.shms[name]
        a = self.pick_addr(p)
        r = rng.random()
        if r < 0.75:
            off = PAGE * rng.randrange(max(1, n))
        elif r < 0.9:
            off = n * PAGE
        else:
            off = rng.choice((PAGE * (n + 1), 0x800, 0xfffff000))
        maxn = max(1, n - off // PAGE)
        size = PAGE * rng.randint(1, maxn) if rng.random() < 0.85 else self.pick_size(zero_ok=True)
        ty = self.pick_type("ref") if rng.random() < 0.97 else self.pick_type("nonref")
        return self.map_op(p, ["map_partial_shared_mapping", name, self.num(a), self.num(off & U32),
                            self.num(size), ty, self.rights()], a)

    def op_guard(self, p):
        rng = self.rng
        if rng.random() < 0.3:
            # huge guards: whole page-table spans, or more
            pde = rng.choice(self.small_pdes if self.style() == "small" else self.wide_pdes)
            a = max(0, pde * PDE + rng.choice((0, 0, 0, -PAGE, PAGE)))
            size = rng.choice((PDE, 2 * PDE, PDE + 2 * PAGE, 2 * PDE - PAGE))
        else:
            a = self.pick_addr(p)
            size = self.pick_size(zero_ok=True)
        ty = rng.choice(GUARD_TYPES) if rng.random() < 0.9 else self.pick_type("any")
        return self.map_op(p, ["guard", self.num(a), self.num(size), ty], a)

    def op_unmap(self, p):
        rng = self.rng
        if p and rng.random() < 0.8:
            x = rng.choice(p)
            a, size = x.addr, x.size
            if rng.random() < 0.1:
                size = rng.choice((x.size + PAGE, max(PAGE, x.size - PAGE), x.size + 1))
            elif rng.random() < 0.05:
                a = x.addr + PAGE
        else:
            a = self.pick_addr(p)
            size = self.pick_size(zero_ok=True)
        res = self.attempt(["unmap", self.num(a), self.num(size)])
        if res == "ok":
            self.forget(p, a, size)
        return res is not None

    def op_expand(self, p):
        rng = self.rng
        heaps = [x for x in p if x.ty == "Heap" and x.shared]
        if heaps and rng.random() < 0.8:
            x = rng.choice(heaps)
            a = x.addr + (PAGE * rng.randrange(x.size // PAGE) if rng.random() < 0.3 else 0)
            new_size = x.size + PAGE * rng.choice((1, 1, 2, 3, 8, 0, -1))
            if rng.random() < 0.05:
                new_size = rng.choice((PDE, x.size + 0x800, 0x40000000))
        else:
            a = self.pick_addr(p)
            new_size = self.pick_size(zero_ok=True)
        return self.map_op(p, ["expand_mapping", self.num(a), self.num(new_size & U32)], a)

    def op_resize_heap(self, p):
        rng = self.rng
        heap = [x for x in p if x.addr <= HEAP_BASE < x.end and x.ty == "Heap"]
        cur = heap[0].size if heap else 0
        if rng.random() < 0.8:
            new_size = max(PAGE, cur + PAGE * rng.choice((1, 1, 2, 4, 0, -1, 16)))
        else:
            new_size = rng.choice((0x40000000, 0x40001000, 0x800, PDE, 0xfffff000, 0))
        return self.map_op(p, ["resize_heap", self.num(new_size)], HEAP_BASE)

    def op_mirror(self, p):
        rng = self.rng
        shared = [x for x in p if x.shared]
        room = None
        if shared and rng.random() < 0.85:
            x = rng.choice(shared)
            a = x.addr + rng.randrange(x.size)
            if rng.random() < 0.5:
                a &= ~3
            if rng.random() < 0.3:
                a = x.addr + PAGE * rng.randrange(x.size // PAGE)
            room = x.end - a
        else:
            a = self.pick_addr(p)
            if rng.random() < 0.5:
                a = (a + rng.randrange(PAGE)) & U32
        r = rng.random()
        if room and r < 0.6:
            ln = rng.randint(1, min(room, 0x3000))
            if rng.random() < 0.5:
                ln = max(4, ln & ~3) if room >= 4 else ln
        elif r < 0.6:
            ln = rng.choice((4, 8, 16, 0x10, 0x34, 0x100, 0x800))
        elif r < 0.85:
            ln = rng.randint(1, 0x3000)
        elif r < 0.95:
            ln = rng.choice((PAGE, 2 * PAGE, 0x1004))
        else:
            ln = rng.choice((0, MIRROR_MAX_LEN, 0x00fff001)) if self.style() != "small" else 0
        named = rng.random() < 0.6 and self.named_mirrors < MIRROR_MAX_LIVE
        name = self.new_name("M" if rng.random() < 0.7 else "Y") if named else None
        res = self.attempt(["mirror_mapping", self.num(a), self.num(ln)] + ([name] if named else []))
        self.named_mirrors += res is not None and named
        if res == "ok" and named:
            mo = a % PAGE
            self.mirrors[name] = (ln, mo, align_up(mo + ln))
        return res is not None

    def pick_any_addr(self, p):
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice((0x00000000, 0x001fffff, 0x00200000, 0xbfffffff, 0xc0000000,
                               0xffbfffff, 0xffc00000, 0xffffffff, HEAP_BASE))
        a = self.pick_addr(p)
        if rng.random() < 0.3:
            a = (a + rng.randrange(PAGE)) & U32
        return a

    def op_walk(self, p):
        rng = self.rng
        r = rng.random()
        if p and r < 0.5:
            x = rng.choice(p)
            a = align_down(x.addr)
            ln = align_up(x.end) - a
            if rng.random() < 0.4:
                a = max(0, a - PAGE)
                ln += 2 * PAGE
        elif r < 0.7:
            a = rng.choice(self.small_pdes) * PDE
            ln = PDE * rng.randint(1, 2)
        elif r < 0.8 and self.style() != "small":
            a, ln = rng.choice(((0, KERNEL_LAND), (0xbfc00000, PDE), (0xbffff000, PAGE), (0, 0x01000000)))
        else:
            a = align_down(self.pick_addr(p))
            ln = align_up(self.pick_size()) or PAGE
        if a + ln > KERNEL_LAND:
            if a >= KERNEL_LAND:
                a = KERNEL_LAND - PAGE
            ln = KERNEL_LAND - a
        return self.attempt(["walk", self.num(a), self.num(ln)]) is not None

    def op_check_range(self, p):
        rng = self.rng
        x = None
        if p and rng.random() < 0.6:
            x = rng.choice(p)
            a = x.addr + rng.choice((0, 0, PAGE, x.size - 1))
            size = rng.choice((x.size, x.size, PAGE, x.size + PAGE, 0, x.size * 2))
        else:
            a = self.pick_any_addr(p)
            size = rng.choice((0, PAGE, 0x10000, 0x40000000, 0xfff)) if rng.random() < 0.7 else self.pick_size()
        r = rng.random()
        if r < 0.6:
            # what the range holds (if it is one homogeneous block): mostly passes
            state, perms = (x.state, x.perms) if x is not None else (0, 0)
            smask = rng.choice((0xffffffff, 0xff, 0x00400000, 0x03ffdfff))
            pmask = rng.choice((7, 0xffffffff, 1, 2))
            sexp, pexp = state & smask, perms & pmask
            if rng.random() < 0.2:
                sexp ^= rng.choice((0x1, 0x00400000, 0x2000))
        elif r < 0.8:
            smask, sexp = 0xffffffff, rng.choice(self.states)
            pmask = rng.choice((0, 1, 3, 7, 0xffffffff))
            pexp = rng.choice((0, 1, 3, 5, 7)) & pmask
        else:
            smask = rng.choice((0, 0xff, 0x00400000, 0xffffffff, rng.randrange(U32 + 1)))
            sexp = rng.randrange(U32 + 1) if rng.random() < 0.3 else 0
            pmask = rng.choice((0, 1, 3, 7, 0xffffffff))
            pexp = rng.randrange(8)
        return self.attempt(["check_range", self.num(a), self.num(size & U32), self.num(smask),
                             self.num(sexp), self.num(pmask), self.num(pexp)]) is not None

    def op_shm_of(self, p):
        rng = self.rng
        shared = [x for x in p if x.shared]
        if shared and rng.random() < 0.75:
            x = rng.choice(shared)
            a = x.addr + rng.randrange(x.size)
        else:
            a = self.pick_any_addr(p)
        name = self.new_name("X")
        res = self.attempt(["shm_of", name, self.num(a)])
        if res == "ok":
            x = self.learn(p, a)
            self.shms[name] = (x.off + x.size) // PAGE if x is not None else 1
        return res is not None

    def op_query(self, p):
        return self.attempt(["query_memory", self.num(self.pick_any_addr(p))]) is not None

    def op_frames(self, p):
        return self.attempt(["frames", self.num(self.pick_any_addr(p))]) is not None

    def op_fas(self, p):
        rng = self.rng
        r = rng.random()
        ln = self.pick_size(zero_ok=True) if r < 0.8 else rng.choice((0xbfe00000, 0xbfe00001, 0xffffffff, 1))
        return self.attempt(["find_available_space", self.num(ln)]) is not None

    def op_switch_to(self, p):
        if self.attempt(["switch_to"]) is None:
            return False
        self.active = self.selected
        self.ever_active.add(self.selected)
        return True

    def op_drop(self, p):
        rng = self.rng
        cands = [n for n in self.procs if n != self.active
                 and not (self.qemu_safe and n in self.ever_active)]
        if not cands:
            return False
        name = rng.choice(cands)
        if self.attempt(["drop", name]) is None:
            return False
        self.procs.pop(name)
        if self.selected == name:
            self.selected = None
        self.dropped_names.append(name)
        return True

    # ---- operations that need no selected process ------------------------------------------
    def op_new(self):
        cap = 3 if self.profile == "small" else 6
        if len(self.procs) >= cap:
            return False
        if self.dropped_names and self.rng.random() < 0.3:
            name = self.dropped_names.pop(self.rng.randrange(len(self.dropped_names)))
        else:
            name = self.new_name("P")
        if self.attempt(["new", name]) is None:
            return False
        self.procs[name] = []
        self.selected = name
        return True

    def op_select(self):
        if not self.procs:
            return False
        others = [n for n in self.procs if n != self.selected]
        name = self.rng.choice(others) if others and self.rng.random() < 0.9 else self.rng.choice(list(self.procs))
        if self.attempt(["select", name]) is None:
            return False
        self.selected = name
        return True

    def op_free_frames(self):
        return self.attempt(["free_frames"]) is not None

    def op_shm(self):
        rng = self.rng
        r = rng.random()
        if r < 0.8:
            size = PAGE * rng.randint(1, 6)
        elif r < 0.9:
            size = rng.choice((0, 0x800, PAGE + 1))
        else:
            size = PAGE * rng.randint(16, 600)
        if self.free_shm_names and rng.random() < 0.3:
            name = self.free_shm_names.pop(rng.randrange(len(self.free_shm_names)))
        else:
            name = self.new_name("S")
        res = self.attempt(["shm", name, self.num(size)])
        if res == "ok":
            self.shms[name] = size // PAGE
        return res is not None

    def op_shm_drop(self):
        if not self.shms:
            return False
        name = self.rng.choice(sorted(self.shms))
        if self.attempt(["shm_drop", name]) is None:
            return False
        del self.shms[name]
        self.free_shm_names.append(name)
        return True

    def op_mirror_drop(self):
        if not self.mirrors:
            return False
        name = self.rng.choice(sorted(self.mirrors))
        if self.attempt(["mirror_drop", name]) is None:
            return False
        del self.mirrors[name]
        self.named_mirrors -= 1
        return True

    def op_mirror_rw(self):
        rng = self.rng
        if not self.mirrors:
            return False
        name = rng.choice(sorted(self.mirrors))
        ln, mo, full = self.mirrors[name]
        # OFFSET 4-byte aligned, below len(); keep the 4-byte access inside the mirror's pages
        cands = []
        for o in [o for o in (0, 4, ln - 1, mo and (PAGE - mo)) if o >= 0] + [rng.randrange(max(1, ln))]:
            o &= ~3
            if o < ln and (mo + o + 4 <= full or (self.profile == "wide" and not self.qemu_safe
                                                  and rng.random() < 0.1)):
                cands.append(o)
        if not cands:
            return False
        off = rng.choice(cands)
        if rng.random() < 0.5:
            return self.attempt(["mirror_read", name, self.num(off)]) is not None
        return self.attempt(["mirror_write", name, self.num(off), self.num(rng.randrange(U32 + 1))]) is not None

    def op_rw(self, kind):
        rng = self.rng
        act = self.procs.get(self.active)
        maps = list(act) if act is not None else []
        if kind == "write":
            maps = [x for x in maps if not x.hazard]
        r = rng.random()
        if maps and r < 0.75:
            x = rng.choice(maps)
            a = x.addr + 4 * rng.randrange(x.size // 4)
            if rng.random() < 0.3:
                a = rng.choice((x.addr, x.end - 4, x.end, x.addr - 4))
        elif r < 0.85:
            a = self.pick_addr(act) & ~3
        else:
            a = rng.choice((0x00000000, 0x00200000, 0xbffffffc, 0x001ffffc, HEAP_BASE, 0x00400000))
        a &= ~3
        if a >= KERNEL_LAND or a < 0:
            a = 0xbffffffc
        if kind == "read":
            return self.attempt(["read", self.num(a)]) is not None
        # never store through an mmio alias of frames the allocator may hand out
        if act is not None and any(x.hazard and x.addr <= a < x.end for x in act):
            return False
        v = rng.choice((rng.randrange(U32 + 1), 0, U32, a))
        return self.attempt(["write", self.num(a), self.num(v)]) is not None

    # ---- the main loop --------------------------------------------------------------------
    WEIGHTS = {
        "create": 14, "alloc": 4, "mmio": 4, "partial": 6, "guard": 5, "unmap": 8,
        "query": 4, "expand": 3, "fas": 2, "resize_heap": 3, "mirror": 5, "mirror_drop": 2,
        "mirror_rw": 6, "check_range": 3, "shm": 4, "shm_of": 3, "shm_drop": 2, "new": 3,
        "select": 3, "drop": 2, "switch_to": 4, "read": 8, "write": 6, "walk": 4,
        "frames": 3, "free_frames": 3,
    }
    # kinds that act on the selected process (op_<kind>(p)); the others are op_<kind>()
    PROCESS_OPS = ("create", "alloc", "mmio", "partial", "guard", "unmap", "query", "expand", "fas",
                   "resize_heap", "mirror", "check_range", "shm_of", "drop", "switch_to", "walk", "frames")

    def run(self):
        rng = self.rng
        phys, free = self.phys_lines()
        self.free0 = sorted(free)
        self.oracle = Oracle(self.exe)
        try:
            for line in phys:
                self.oracle.ask(line)
                self.oracle.keep()
                self.lines.append(line)
            self.loop()
        finally:
            self.oracle.close()
        return self.lines

    def loop(self):
        rng = self.rng
        self.small_pdes = sorted(set([1, 2] + [rng.randint(0, 4) for _ in range(2)]))
        if rng.random() < 0.3:
            self.small_pdes.append(0x200)          # the heap's span, 0x80000000
        self.wide_pdes = sorted(set(self.small_pdes + [rng.randrange(0x300) for _ in range(6)]
                                    + [0x2ff, 0x1ff, 0x200]))
        kinds = list(self.WEIGHTS)
        wsum = [self.WEIGHTS[k] for k in kinds]
        final_panic = (self.profile == "wide" and rng.random() < 0.25) or \
                      (self.profile == "mixed" and rng.random() < 0.08)
        while self.n_ops < self.ops and not self.dead:
            if final_panic and self.n_ops == self.ops - 1 and self.try_final_panic():
                break
            for _ in range(60):
                if self.step(rng.choices(kinds, wsum)[0]):
                    break
            else:
                self.op_free_frames()

    def step(self, kind):
        if kind in ("read", "write"):
            return self.op_rw(kind)
        if kind not in self.PROCESS_OPS:
            return getattr(self, "op_" + kind)()
        if not self.need_process():
            return False
        if self.dead or self.n_ops >= self.ops:
            return True                            # need_process used the last slot
        return getattr(self, "op_" + kind)(self.sel())

    def need_process(self):
        """Makes sure a process is selected; may keep `new` or `select`. False if it cannot."""
        if self.selected is not None:
            return True
        if self.procs and self.rng.random() < 0.7:
            return self.op_select()
        return self.op_new() or self.op_select()

    # ---- deliberate panics ----------------------------------------------------------------
    def try_final_panic(self):
        rng = self.rng
        if self.selected is None:
            self.op_select()
            return False                          # the select took the last slot
        p = self.sel()
        cands = [["guard", self.num(self.pick_addr(p)), "0x00000000", "KernelStack"],
                 ["unmap", self.num(self.pick_addr(p)), "0x00000000"],
                 ["resize_heap", "0x00000000"],
                 ["check_range", "0xffc00000", "0x00000000", "0x00000000", "0x00000000",
                  "0x00000000", "0x00000000"],
                 ["check_range", "0xfffff000", "0x00002000", "0x00000000", "0x00000000",
                  "0x00000000", "0x00000000"]]
        if self.active in self.procs:
            cands.append(["drop", self.active])
        heaps = [x for x in p if x.ty == "Heap" and x.shared]
        if heaps:
            cands.append(["expand_mapping", self.num(rng.choice(heaps).addr), "0x00000000"])
        shared = [x for x in p if x.shared]
        if shared:
            x = rng.choice(shared)
            cands.append(["mirror_mapping", self.num(x.addr + PAGE * rng.randrange(x.size // PAGE)),
                          "0x00000000"])
        big = [x for x in p if x.size > PAGE]
        if big:
            cands.append(["create_regular_mapping", self.num(big[0].addr + PAGE), "0x00001000",
                          "Normal", "u_rw"])
        rng.shuffle(cands)
        return any(self.attempt(toks, want_panic=True) is not None for toks in cands)


def generate_with_results(seed, ops, profile="mixed", index=1, qemu_safe=True, exe=None):
    """(trace text, [(line number, result line)]): the result srref gave the generator
    for the operation on that line of the text. For tests of the generator."""
    g = Gen(seed, ops, profile, index, qemu_safe, exe)
    header = ("# generated by harness/gen.py --seed %d --ops %d --profile %s%s (trace %d); "
              "random operation sequence" % (seed, ops, profile,
                                             " --qemu-safe" if qemu_safe else " --hosted-only", index))
    if not qemu_safe:
        header += "\n" + HOSTED_ONLY
    lines = g.run()
    skip = header.count("\n") + 2  # the header's lines come first; line numbers count from 1
    return header + "\n" + "\n".join(lines) + "\n", [(i + skip, res) for i, res in g.results]


def generate(seed, ops, profile="mixed", index=1, qemu_safe=True, exe=None):
    """The text of one trace: about `ops` operation lines (fewer if its last operation
    panics), after a comment header and any `phys` lines."""
    return generate_with_results(seed, ops, profile, index, qemu_safe, exe)[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Random trace generator (trace format version 1).")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--ops", type=int, default=60)
    ap.add_argument("--out", default=None, help="directory for gen_<seed>_<i>.trace")
    ap.add_argument("--profile", choices=PROFILES, default="mixed")
    ap.add_argument("--qemu-safe", action="store_true",
                    help="only what gives the same result on a real MMU as on the hosted ones (the default)")
    ap.add_argument("--hosted-only", action="store_true",
                    help="also what only the hosted implementations replay; marks the trace hosted-only")
    args = ap.parse_args(argv)
    if args.count < 1 or args.ops < 0:
        ap.error("--count must be >= 1 and --ops >= 0")
    if args.out is None and args.count != 1:
        ap.error("--out DIR is needed when --count > 1")
    try:
        if args.out is None:
            sys.stdout.write(generate(args.seed, args.ops, args.profile, 1, not args.hosted_only))
            return 0
        os.makedirs(args.out, exist_ok=True)
        for i in range(1, args.count + 1):
            path = os.path.join(args.out, "gen_%d_%d.trace" % (args.seed, i))
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(generate(args.seed, args.ops, args.profile, i, not args.hosted_only))
    except (OracleError, OSError) as e:
        sys.stderr.write("gen.py: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
