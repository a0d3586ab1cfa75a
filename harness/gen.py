#!/usr/bin/env python3
"""Random trace generator for the trace format (shared/TRACE_FORMAT.md).

    python3 harness/gen.py --seed N --count K [--ops M] [--out DIR] [--profile small|wide|mixed]
                           [--hosted-only]

writes K traces `gen_<N>_<i>.trace` (i = 1..K) into DIR; with no --out and K == 1 the
trace goes to stdout. The same arguments always give the same bytes. As a module:

    generate(seed, ops, profile, index=1, qemu_safe=True) -> str   # gen_<seed>_<index>.trace

Profiles:
  small   little fragmented physical memory, addresses packed in a few page-table spans
          (adjacent and overlapping mappings, 4 MiB boundaries), no operation that can
          panic upstream;
  wide    any physical layout, addresses over the whole space with edge values, lexical
          variants (tabs, decimal, upper-case hex digits, 16-character names); an operation
          that may panic is rare, and sometimes the last operation panics on purpose;
  mixed   a mix of both, panics rarer still.

By default (qemu_safe=True) a trace stays inside the part of the format whose result
does not depend on the machine ("Outside the comparable subset" in the format): no mmio
alias of frames the allocator may hand out, no drop of a process that was ever active (its
table frames would come back as data frames holding accessed/dirty bits), no mirror access
past the mirror's own pages. With --hosted-only (qemu_safe=False), traces may leave that
subset; they are for the hosted implementations and carry the line `# srdiff: hosted-only`,
so that srdiff does not replay them on QEMU.

Every trace is well formed (shared/tools/validate_trace.py accepts it) and, beyond what
the static checker can see, only mentions a shm, shm_of or named mirror name after its
binding line if that binding certainly succeeded at run time. To know that, the
generator keeps a conservative model of the kernel: which mappings certainly or possibly
exist in each process, which page tables certainly or possibly exist, lower and upper
bounds of the free frame count, and of the length of every shared frame vector. An
operation whose outcome the model cannot decide is still emitted (as a possible
change), but a name it binds is never used again. The model follows the upstream
Sunrise sources (kernel/src/paging/process_memory.rs and what it calls).

Standard library only.
"""
import argparse
import bisect
import os
import random
import sys

PAGE = 0x1000
PDE = 0x400000                    # span of one page table
U32 = 0xFFFFFFFF
USER_START = 0x00200000
USER_END = 0xBFFFFFFF             # inclusive
KERNEL_LAND = 0xC0000000
RTL = 0xFFC00000
HEAP_BASE = 0x80000000
MIRROR_MAX_LEN = 0x01000000
MIRROR_MAX_LIVE = 16
TRACE_RAM = ((0x00000000, 0x0009F000), (0x00100000, 0x01000000))
SYSTEM_MAPPINGS = ((KERNEL_LAND, RTL - KERNEL_LAND), (RTL, 0x100000000 - RTL))

TYPES = ("Unmapped Io Normal CodeStatic CodeMutable Heap SharedMemory Alias ModuleCodeStatic "
         "ModuleCodeMutable Ipc Stack ThreadLocal TransferMemoryIsolated TransferMemory "
         "ProcessMemory Reserved NonSecureIpc NonDeviceIpc KernelStack CodeReadOnly "
         "CodeWritable").split()
# MemoryType::get_memory_state() has IS_REFERENCE_COUNTED (bit 22) for all but these
NOT_REFCOUNTED = ("Unmapped", "Io", "Normal", "Reserved", "KernelStack")
REFCOUNTED = tuple(t for t in TYPES if t not in NOT_REFCOUNTED)
# Mapping::new accepts MappingFrames::None only for these
GUARD_TYPES = ("Unmapped", "Reserved", "KernelStack")
RIGHTS_WORDS = ("none", "k_r", "k_w", "k_rw", "k_rx", "u_r", "u_w", "u_rw", "u_rx")
RIGHTS_BITS = {"none": 0, "k_r": 1, "k_w": 2, "k_rw": 3, "k_rx": 5,
               "u_r": 9, "u_w": 10, "u_rw": 11, "u_rx": 13}
# MemoryType::get_memory_state(), as stored (from_bits_truncate drops bit 13)
STATES = {
    "Unmapped": 0x00000000, "Io": 0x00000001, "Normal": 0x00040002, "CodeStatic": 0x00dc5e03,
    "CodeMutable": 0x03fe9d04, "Heap": 0x037e9d05, "SharedMemory": 0x00400006,
    "Alias": 0x00480907, "ModuleCodeStatic": 0x00dd5e08, "ModuleCodeMutable": 0x03ff9d09,
    "Ipc": 0x005c1c0a, "Stack": 0x005c1c0b, "ThreadLocal": 0x0040000c,
    "TransferMemoryIsolated": 0x015c1c0d, "TransferMemory": 0x005c180e,
    "ProcessMemory": 0x0040180f, "Reserved": 0x00000010, "NonSecureIpc": 0x005c1811,
    "NonDeviceIpc": 0x004c0812, "KernelStack": 0x00000013, "CodeReadOnly": 0x00400214,
    "CodeWritable": 0x00400015,
}
STATE_VALUES = tuple(STATES.values()) + (0x00400000, 0x00002000)


def perms_of(rights):
    """MemoryPermissions from MappingAccessRights: rwx, or nothing without USER_ACCESSIBLE."""
    bits = RIGHTS_BITS[rights] if rights in RIGHTS_BITS else int(rights, 0)
    return bits & 7 if bits & 8 else 0

PROFILES = ("small", "wide", "mixed")


def align_up(v, a=PAGE):
    return (v + a - 1) // a * a


def align_down(v, a=PAGE):
    return v // a * a


def pdes_of(addr, size):
    """Page-directory indices that [addr, addr+size) touches (size > 0)."""
    return set(range(addr // PDE, (addr + size - 1) // PDE + 1))


def partial_pdes_of(addr, size):
    """Directory indices that [addr, addr+size) touches without covering them entirely."""
    out = set()
    for i in pdes_of(addr, size):
        lo, hi = i * PDE, (i + 1) * PDE
        if not (addr <= lo and hi <= addr + size):
            out.add(i)
    return out


def in_userland(addr, size):
    """UserLand::contains_region for size > 0."""
    return USER_START <= addr and addr + size - 1 <= USER_END


def tri(flags):
    """True if some certain item matches, None if only possible ones do, False if none."""
    if any(flags):
        return True
    return None if flags else False


class Ev:
    """Three-valued evaluation of the checks an operation makes, in upstream's order.

    err(c) / panic(c) take True (certainly), None (maybe) or False (certainly not)."""

    def __init__(self):
        self.fail = "no"             # no / maybe / yes
        self.done = False            # later checks cannot be reached
        self.panic_possible = False
        self.certain_panic = False

    def err(self, c):
        if self.done or c is False:
            return
        if c is True:
            self.fail = "yes"
            self.done = True
        elif self.fail == "no":
            self.fail = "maybe"

    def panic(self, c):
        if self.done or c is False:
            return
        if c is True:
            if self.fail == "no":
                self.certain_panic = True
            else:
                self.panic_possible = True
                self.fail = "yes"
            self.done = True
        else:
            self.panic_possible = True

    @property
    def cls(self):
        if self.certain_panic:
            return "panic"
        if self.panic_possible:
            return "maybe_panic"
        if self.fail == "yes":
            return "err"
        if self.fail == "maybe":
            return "maybe"
        return "ok"


class Arc:
    """A shared frame vector: bounds of its length in frames and of its holders."""

    def __init__(self, frames, certain):
        self.lo = frames
        self.hi = frames
        self.cref = 1 if certain else 0
        self.pref = 0 if certain else 1


class Mapping:
    def __init__(self, addr, size, ty, kind, certain, arc=None, off=0, rights="u_rw",
                 hazard=False):
        self.addr = addr
        self.size = size
        self.ty = ty
        self.kind = kind             # owned / shared / mmio / guard
        self.certain = certain
        self.arc = arc
        self.off = off
        self.rights = rights
        self.hazard = hazard         # mmio over frames the allocator may hand out

    @property
    def end(self):
        return self.addr + self.size


class Proc:
    def __init__(self, name):
        self.name = name
        self.maps = []
        self.tcert = set()           # directory indices whose page table certainly exists
        self.tposs = set()           # ... possibly exists


class Model:
    def __init__(self, free_frames_sorted):
        self.free0 = free_frames_sorted          # frame numbers free before the trace
        self.f0 = len(free_frames_sorted)
        self.lo = self.f0
        self.hi = self.f0
        self.procs = {}                          # name -> Proc (insertion ordered)
        self.selected = None
        self.active = None                       # process whose directory is in cr3
        self.shms = {}                           # certainly bound shm names -> Arc
        self.mirrors = {}                        # certainly bound mirrors -> (len, arc, mo, full)
        self.live_named_mirrors = 0              # as the static checker counts them

    # ---- frames -----------------------------------------------------------------------
    def consume(self, certain, n, tu_max, tu_min):
        self.lo -= n + tu_max
        if certain:
            self.hi -= n + tu_min

    def credit(self, certain, n):
        if certain:
            self.lo += n
        self.hi = min(self.f0, self.hi + n)

    def release_arc(self, arc, certain_holder):
        if certain_holder:
            arc.cref -= 1
        else:
            arc.pref -= 1
        if arc.cref == 0:
            if certain_holder and arc.pref == 0:
                self.lo += arc.lo            # the last holder is gone: the frames are free
            self.hi = min(self.f0, self.hi + arc.hi)

    def release_mapping(self, m, exists_certainly):
        if m.kind == "owned":
            self.credit(exists_certainly, m.size // PAGE)
        elif m.kind == "shared":
            self.release_arc(m.arc, exists_certainly)

    def frames_check(self, ev, n):
        """allocate_frames_fragmented(n pages)."""
        ev.err(True if self.hi < n else (None if self.lo < n else False))

    def tables_check(self, ev, data_frames, tu_max):
        """Page-table creation unwraps allocate_frame: it panics when none is left."""
        ev.panic(None if tu_max > 0 and self.lo - data_frames < tu_max else False)

    def initially_free_in(self, paddr, size):
        i = bisect.bisect_left(self.free0, paddr // PAGE)
        return i < len(self.free0) and self.free0[i] < (paddr + size + PAGE - 1) // PAGE

    # ---- bookkeeping ------------------------------------------------------------------
    @staticmethod
    def starts_in(p, a, b):
        """Does a mapping start in [a, b] (check_vacant fails)?"""
        if any(a <= s <= b for s, _ in SYSTEM_MAPPINGS):
            return True
        return tri([m.certain for m in p.maps if a <= m.addr <= b])

    @staticmethod
    def containing(p, x):
        """(certain mapping containing x, or 'sys', or None; possible ones containing x)."""
        for s, l in SYSTEM_MAPPINGS:
            if s <= x < s + l:
                return "sys", []
        cert = None
        poss = []
        for m in p.maps:
            if m.addr <= x < m.end:
                if m.certain:
                    cert = m
                else:
                    poss.append(m)
        return cert, poss

    @staticmethod
    def left_overlap(p, a):
        """A mapping that starts before a and covers it: mapping there panics upstream."""
        return tri([m.certain for m in p.maps if m.addr < a < m.end])


class Gen:
    def __init__(self, seed, ops, profile, index, qemu_safe=False):
        if profile not in PROFILES:
            raise ValueError("unknown profile %r" % profile)
        self.rng = random.Random("sunrise-trace-gen:%d:%d:%s%s"
                                 % (seed, index, profile, ":qemu" if qemu_safe else ""))
        self.qemu_safe = qemu_safe
        self.ever_active = set()     # processes that were switched to
        self.ops = ops
        self.profile = profile
        self.lines = []
        self.counter = 0
        self.dead = False            # a certain panic was emitted
        self.n_ops = 0
        self.dropped_names = []      # process names that may be reused
        self.free_shm_names = []     # shm names certainly unbound again
        self.bounds = []             # (lines emitted so far, lo, hi) after each step

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

    def emit(self, toks):
        if self.profile != "small" and self.rng.random() < 0.04:
            sep = self.rng.choice(("\t", "  ", " \t"))
            line = sep.join(toks)
            if self.rng.random() < 0.5:
                line += self.rng.choice((" # note", "\t#", "  # x # y"))
        else:
            line = " ".join(toks)
        self.lines.append(line)
        self.n_ops += 1

    # ---- physical memory ----------------------------------------------------------------
    def phys_lines(self):
        rng = self.rng
        style = self.style()
        lines = []

        def rnd_range(max_frames):
            lo_ram = rng.random() < 0.35
            base, top = TRACE_RAM[0] if lo_ram else TRACE_RAM[1]
            frames = rng.randint(max(1, max_frames // 4), max_frames)
            frames = min(frames, (top - base) // PAGE)
            start = base + PAGE * rng.randrange((top - base) // PAGE - frames + 1)
            return start, start + frames * PAGE

        if style == "small":
            if rng.random() < 0.15:
                s, e = rnd_range(6)                    # starved: exhaustion everywhere
                lines.append(("free", s, e))
            else:
                for _ in range(rng.randint(1, 5)):
                    s, e = rnd_range(rng.choice((16, 32, 64, 128)))
                    lines.append(("free", s, e))
            if rng.random() < 0.4:
                s, e = lines[rng.randrange(len(lines))][1:]
                if e - s > PAGE:
                    a = s + PAGE * rng.randrange((e - s) // PAGE)
                    b = min(e, a + PAGE * rng.randint(1, 3))
                    lines.append(("reserve", a, b))
            if rng.random() < 0.1:
                lines.append(("free", 0x00ff0000, 0x01000000))
        else:
            r = rng.random()
            if r < 0.4:
                pass                                   # the default 0x00400000..0x00800000
            elif r < 0.55:
                lines.append(("free", 0x00100000, 0x01000000))
                if rng.random() < 0.5:
                    lines.append(("free", 0x00000000, 0x0009f000))
            elif r < 0.7:
                lines.append(("free", 0x00400000, 0x00800000))
                for _ in range(rng.randint(1, 6)):
                    a = 0x00400000 + PAGE * rng.randrange(1024)
                    lines.append(("reserve", a, a + PAGE * rng.randint(1, 8)))
            elif r < 0.85:
                for _ in range(rng.randint(2, 8)):
                    s, e = rnd_range(rng.choice((16, 64, 256)))
                    lines.append(("free", s, e))
            elif r < 0.93:
                for _ in range(rng.randint(1, 3)):
                    s, e = rnd_range(3)
                    lines.append(("free", s, e))
            else:
                lines.append(("free", 0x00000000, 0x0009f000))
                lines.append(("reserve", 0x00000000, 0x00001000))
            if rng.random() < 0.05:
                base, top = TRACE_RAM[rng.randrange(2)]
                a = base + PAGE * rng.randrange((top - base) // PAGE + 1)
                lines.append(("free" if rng.random() < 0.5 else "reserve", a, a))
            if rng.random() < 0.03:
                lines.append(("reserve", 0x01000000, 0xfffff000))
            if r < 0.4 and lines:
                # any phys line drops the default: state it
                lines.insert(0, ("free", 0x00400000, 0x00800000))
        if not lines:
            free = set(range(0x400, 0x800))
        else:
            free = set()
        for kind, s, e in lines:
            fr = set(range(s // PAGE, min(e, 0x01000000) // PAGE))
            if kind == "free":
                free |= fr
            else:
                free -= fr
        for kind, s, e in lines:
            self.lines.append("phys %s %s %s" % (kind, self.num(s), self.num(e)))
        return sorted(free)

    # ---- value pickers ------------------------------------------------------------------
    def pick_addr(self, p):
        rng = self.rng
        style = self.style()
        r = rng.random()
        maps = [m for m in p.maps if m.certain] if p is not None else []
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

    # ---- policy -------------------------------------------------------------------------
    def accept(self, cls):
        if cls == "panic":
            return False                         # only deliberate, as the last operation
        if cls == "maybe_panic":
            if self.profile == "small":
                return False
            p = 0.04 if self.profile == "wide" else 0.01
            return self.rng.random() < p
        return True

    # ---- operations -----------------------------------------------------------------------
    # Each proposer returns (tokens, Ev, apply(certain)) or None when not applicable.

    def sel(self):
        return self.m.procs[self.m.selected]

    def op_create(self, p, a=None, size=None, ty=None):
        m = self.m
        if a is None:
            a = self.pick_addr(p)
        if size is None:
            size = self.pick_size(zero_ok=True)
        if ty is None:
            ty = self.pick_type("any")
        rights = self.rights()
        ev = Ev()
        self.eval_create(ev, p, a, size)
        toks = ["create_regular_mapping", self.num(a), self.num(size), ty, rights]

        def apply(certain):
            n = size // PAGE
            d = pdes_of(a, size)
            m.consume(certain, n, len(d - p.tcert), len(d - p.tposs))
            self.add_tables(p, d, certain)
            if ty in REFCOUNTED:
                p.maps.append(Mapping(a, size, ty, "shared", certain, Arc(n, certain),
                                      rights=rights))
            else:
                p.maps.append(Mapping(a, size, ty, "owned", certain, rights=rights))
        return toks, ev, apply

    def eval_create(self, ev, p, a, size):
        m = self.m
        ev.err(a % PAGE != 0)
        ev.err(size % PAGE != 0)
        ev.err(size == 0)
        if ev.done:
            return
        ev.err(not in_userland(a, size))
        if ev.done:
            return
        ev.err(m.starts_in(p, a, a + size - 1))
        n = size // PAGE
        m.frames_check(ev, n)
        d = pdes_of(a, size)
        m.tables_check(ev, n, len(d - p.tcert))
        ev.panic(m.left_overlap(p, a))

    @staticmethod
    def add_tables(p, d, certain):
        p.tposs |= d
        if certain:
            p.tcert |= d

    def op_alloc(self, p):
        m = self.m
        rng = self.rng
        if self.style() == "small" or rng.random() < 0.6:
            size = PAGE * (1 if rng.random() < 0.7 else rng.randint(2, 4))
        else:
            size = self.pick_size(zero_ok=True)
        a = self.pick_addr(p)
        ty = self.pick_type("nonref") if rng.random() < 0.97 else self.pick_type("ref")
        rights = self.rights()
        ev = Ev()
        ev.err(size == 0)
        ev.err(size % PAGE != 0)
        n = size // PAGE
        if not ev.done:
            ev.err(True if m.hi < n else (None if m.lo < n or n > 1 else False))
            ev.err(a % PAGE != 0)
            ev.err(not in_userland(a, size))
            if not ev.done:
                ev.err(m.starts_in(p, a, a + size - 1))
                d = pdes_of(a, size)
                m.tables_check(ev, n, len(d - p.tcert))
                ev.panic(m.left_overlap(p, a))
                ev.panic(ty in REFCOUNTED)
        toks = ["map_phys_region_to", "alloc", self.num(size), self.num(a), ty, rights]

        def apply(certain):
            d = pdes_of(a, size)
            m.consume(certain, n, len(d - p.tcert), len(d - p.tposs))
            self.add_tables(p, d, certain)
            p.maps.append(Mapping(a, size, ty, "owned", certain, rights=rights))
        return toks, ev, apply

    def pick_paddr(self):
        rng = self.rng
        m = self.m
        r = rng.random()
        if m.free0 and r < 0.45:
            # a frame that was free before the trace: likely a directory, a page table or
            # a data frame by now
            i = rng.randrange(min(len(m.free0), 24)) if rng.random() < 0.7 else rng.randrange(len(m.free0))
            return m.free0[i] * PAGE
        if r < 0.8:
            # trace RAM that is never handed out
            for _ in range(20):
                base, top = TRACE_RAM[rng.randrange(2)]
                a = base + PAGE * rng.randrange((top - base) // PAGE)
                if not m.initially_free_in(a, PAGE):
                    return a
            return 0x00000000 if not m.initially_free_in(0, PAGE) else 0x000a0000
        if self.style() == "small":
            return rng.choice((0x000b8000, 0x000a0000, 0x000ff000, 0x01000000))
        return rng.choice((0x000b8000, 0xfee00000, 0xfebff000, 0xffffe000, 0xfffff000,
                           0x01000000, 0x80000000, 0x000ff000, 0x00400800))

    def op_mmio(self, p):
        m = self.m
        rng = self.rng
        paddr = self.pick_paddr()
        size = PAGE * rng.randint(1, 3) if rng.random() < 0.85 else self.pick_size(zero_ok=True)
        a = self.pick_addr(p)
        ty = rng.choice(("Io", "Io", "Normal", "Reserved")) if rng.random() < 0.97 else self.pick_type("ref")
        rights = self.rights()
        ev = Ev()
        ev.err(size == 0)
        ev.err(size % PAGE != 0)
        ev.err(paddr % PAGE != 0)
        ev.panic(paddr + size > U32)
        if self.qemu_safe and size and m.initially_free_in(paddr, size):
            return None
        hazard = m.initially_free_in(paddr, size) if not ev.done else False
        if not ev.done:
            ev.err(None if hazard else False)
            ev.err(a % PAGE != 0)
            ev.err(not in_userland(a, size))
            if not ev.done:
                ev.err(m.starts_in(p, a, a + size - 1))
                d = pdes_of(a, size)
                m.tables_check(ev, 0, len(d - p.tcert))
                ev.panic(m.left_overlap(p, a))
                ev.panic(ty in REFCOUNTED)
        toks = ["map_phys_region_to", "mmio", self.num(paddr), self.num(size), self.num(a), ty, rights]

        def apply(certain):
            d = pdes_of(a, size)
            m.consume(certain, 0, len(d - p.tcert), len(d - p.tposs))
            self.add_tables(p, d, certain)
            p.maps.append(Mapping(a, size, ty, "mmio", certain, rights=rights, hazard=hazard))
        return toks, ev, apply

    def op_partial(self, p):
        m = self.m
        rng = self.rng
        if not m.shms:
            return None
        name = rng.choice(list(m.shms))
        arc = m.shms[name]
        a = self.pick_addr(p)
        r = rng.random()
        if r < 0.75:
            off = PAGE * rng.randrange(max(1, arc.lo))
        elif r < 0.9:
            off = arc.lo * PAGE
        else:
            off = rng.choice((PAGE * (arc.lo + 1), 0x800, 0xfffff000))
        maxn = max(1, arc.lo - off // PAGE)
        size = PAGE * rng.randint(1, maxn) if rng.random() < 0.85 else self.pick_size(zero_ok=True)
        ty = self.pick_type("ref") if rng.random() < 0.97 else self.pick_type("nonref")
        rights = self.rights()
        ev = Ev()
        ev.err(a % PAGE != 0)
        ev.err(size == 0)
        ev.err(size % PAGE != 0)
        ev.panic(True if off > arc.hi * PAGE else (None if off > arc.lo * PAGE else False))
        if not ev.done:
            ev.err(True if arc.hi * PAGE - off < size else (None if arc.lo * PAGE - off < size else False))
            ev.err(not in_userland(a, size))
            if not ev.done:
                ev.err(m.starts_in(p, a, a + size - 1))
                ev.panic(off % PAGE != 0)
                ev.panic(ty not in REFCOUNTED)
                d = pdes_of(a, size)
                m.tables_check(ev, 0, len(d - p.tcert))
                ev.panic(m.left_overlap(p, a))
        toks = ["map_partial_shared_mapping", name, self.num(a), self.num(off), self.num(size), ty, rights]

        def apply(certain):
            d = pdes_of(a, size)
            m.consume(certain, 0, len(d - p.tcert), len(d - p.tposs))
            self.add_tables(p, d, certain)
            if certain:
                arc.cref += 1
            else:
                arc.pref += 1
            p.maps.append(Mapping(a, size, ty, "shared", certain, arc, off, rights))
        return toks, ev, apply

    def op_guard(self, p):
        m = self.m
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            # huge guards: whole page-table spans, or more
            pde = rng.choice(self.small_pdes if self.style() == "small" else self.wide_pdes)
            a = max(0, pde * PDE + rng.choice((0, 0, 0, -PAGE, PAGE)))
            size = rng.choice((PDE, 2 * PDE, PDE + 2 * PAGE, 2 * PDE - PAGE))
        else:
            a = self.pick_addr(p)
            size = self.pick_size(zero_ok=True)
        ty = rng.choice(GUARD_TYPES) if rng.random() < 0.9 else self.pick_type("any")
        ev = Ev()
        ev.panic(size == 0)
        if not ev.done:
            ev.err(not in_userland(a, size))
            ev.err(a % PAGE != 0)
            ev.err(size % PAGE != 0)
            ev.err(ty not in GUARD_TYPES)
            if not ev.done:
                ev.err(m.starts_in(p, a, a + size - 1))
                d = partial_pdes_of(a, size)
                m.tables_check(ev, 0, len(d - p.tcert))
                ev.panic(m.left_overlap(p, a))
        toks = ["guard", self.num(a), self.num(size), ty]

        def apply(certain):
            d = partial_pdes_of(a, size)
            m.consume(certain, 0, len(d - p.tcert), len(d - p.tposs))
            self.add_tables(p, d, certain)
            p.maps.append(Mapping(a, size, ty, "guard", certain, rights="none"))
        return toks, ev, apply

    def op_unmap(self, p):
        m = self.m
        rng = self.rng
        maps = [x for x in p.maps if x.certain]
        r = rng.random()
        if maps and r < 0.7:
            x = rng.choice(maps)
            a, size = x.addr, x.size
            if rng.random() < 0.1:
                size = rng.choice((x.size + PAGE, max(PAGE, x.size - PAGE), x.size + 1))
            elif rng.random() < 0.05:
                a = x.addr + PAGE
        elif p.maps and r < 0.8:
            x = rng.choice(p.maps)
            a, size = x.addr, x.size
        else:
            a = self.pick_addr(p)
            size = self.pick_size(zero_ok=True)
        ev = Ev()
        ev.panic(size == 0)
        if not ev.done:
            ev.err(not in_userland(a, size))
        victims = []
        if not ev.done:
            at = [x for x in p.maps if x.addr == a]
            cert = [x for x in at if x.certain]
            if cert:
                ev.err(cert[0].size != size)
                victims = [cert[0]]
            else:
                victims = [x for x in at if x.size == size]
                ev.err(None if victims else True)
        toks = ["unmap", self.num(a), self.num(size)]

        def apply(certain):
            for x in victims:
                p.maps.remove(x)
                m.release_mapping(x, certain and x.certain)
        return toks, ev, apply

    def op_expand(self, p, a=None, new_size=None):
        rng = self.rng
        heaps = [x for x in p.maps if x.certain and x.ty == "Heap" and x.kind == "shared"]
        if a is None:
            if heaps and rng.random() < 0.8:
                x = rng.choice(heaps)
                a = x.addr + (PAGE * rng.randrange(x.size // PAGE) if rng.random() < 0.3 else 0)
                new_size = x.size + PAGE * rng.choice((1, 1, 2, 3, 8, 0, -1))
                if rng.random() < 0.05:
                    new_size = rng.choice((PDE, x.size + 0x800, 0x40000000))
            else:
                a = self.pick_addr(p)
                new_size = self.pick_size(zero_ok=True)
        ev = Ev()
        res = self.eval_expand(ev, p, a, new_size)
        if res is None:
            return None
        toks = ["expand_mapping", self.num(a), self.num(new_size)]
        return toks, ev, res

    def eval_expand(self, ev, p, a, new_size):
        """Returns apply, or None if the model is too unsure of the mapping at a."""
        m = self.m
        ev.err(new_size % PAGE != 0)
        cert, poss = m.containing(p, a)
        if cert == "sys":
            ev.err(True)
            return lambda certain: None
        if cert is None:
            if poss and not ev.done:
                return None
            ev.err(True)
            return lambda certain: None
        x = cert
        ev.err(x.ty != "Heap")
        ev.err(x.kind != "shared")
        ev.panic(new_size == 0)
        if ev.done:
            return lambda certain: None
        ev.err(not in_userland(x.addr, new_size))
        ev.err(new_size < x.size)
        if ev.done or new_size == x.size:
            return lambda certain: None
        k = (new_size - x.size) // PAGE
        ev.err(m.starts_in(p, x.end, x.addr + new_size - 1))
        m.frames_check(ev, k)
        d = pdes_of(x.end, new_size - x.size)
        m.tables_check(ev, k, len(d - p.tcert))

        def apply(certain):
            m.consume(certain, k, len(d - p.tcert), len(d - p.tposs))
            self.add_tables(p, d, certain)
            arc = x.arc
            arc.hi += k
            if certain:
                arc.lo += k
                x.size = new_size
                x.off = 0
            else:
                x.certain = False
                arc.cref -= 1
                arc.pref += 2
                p.maps.append(Mapping(x.addr, new_size, x.ty, "shared", False, arc, 0, x.rights))
        return apply

    def op_resize_heap(self, p):
        m = self.m
        rng = self.rng
        r = rng.random()
        cert, poss = m.containing(p, HEAP_BASE)
        if poss and any(x.ty == "Unmapped" for x in poss):
            return None
        if isinstance(cert, Mapping) and cert.ty == "Unmapped":
            # upstream reads the heap state from the type at the heap base: an Unmapped
            # mapping (or guard) there means "no heap", and it creates one over it
            cert = None
            unmapped_there = True
        else:
            unmapped_there = False
        cur = cert.size if isinstance(cert, Mapping) else 0
        if r < 0.8:
            new_size = cur + PAGE * rng.choice((1, 1, 2, 4, 0, -1, 16))
            if new_size <= 0:
                new_size = PAGE
        else:
            new_size = rng.choice((0x40000000, 0x40001000, 0x800, PDE, 0xfffff000, 0))
        ev = Ev()
        ev.panic(new_size == 0)
        apply = lambda certain: None
        if not ev.done:
            ev.err(not in_userland(HEAP_BASE, new_size))
            if not ev.done:
                if cert is None and poss and not unmapped_there:
                    return None
                if cert is None:
                    # NoHeap: create_regular_mapping(heap base, new_size, Heap, u_rw)
                    self.eval_create(ev, p, HEAP_BASE, new_size)

                    def apply(certain):
                        n = new_size // PAGE
                        d = pdes_of(HEAP_BASE, new_size)
                        m.consume(certain, n, len(d - p.tcert), len(d - p.tposs))
                        self.add_tables(p, d, certain)
                        p.maps.append(Mapping(HEAP_BASE, new_size, "Heap", "shared", certain,
                                              Arc(n, certain), rights="u_rw"))
                elif new_size >= cert.size:
                    apply = self.eval_expand(ev, p, HEAP_BASE, new_size)
                    if apply is None:
                        return None
        toks = ["resize_heap", self.num(new_size)]
        return toks, ev, apply

    def op_mirror(self, p, named=None):
        m = self.m
        rng = self.rng
        shared = [x for x in p.maps if x.certain and x.kind == "shared"]
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
        if named is None:
            named = rng.random() < 0.6
        if named and m.live_named_mirrors >= MIRROR_MAX_LIVE:
            named = False
        ev = Ev()
        ev.err(not (USER_START <= a <= USER_END))
        cert, poss = m.containing(p, a)
        x = None
        if not ev.done:
            if cert is None or cert == "sys":
                if poss and any(y.kind == "shared" for y in poss):
                    return None
                ev.err(True)
            else:
                x = cert
                ev.err(x.kind != "shared")
        mo = full = 0
        if x is not None and not ev.done:
            offset = a - x.addr
            mo = offset % PAGE
            full = align_up(mo + ln)
            ev.panic(full == 0)
            full_off = x.off + align_down(offset)
            arc = x.arc
            need = full_off + full
            ev.err(True if need > arc.hi * PAGE else (None if need > arc.lo * PAGE else False))
        name = self.new_name("M" if rng.random() < 0.7 else "Y") if named else None
        toks = ["mirror_mapping", self.num(a), self.num(ln)] + ([name] if named else [])

        def apply(certain):
            if named and x is not None:
                if certain:
                    m.mirrors[name] = (ln, x.arc, mo, full)
                    x.arc.cref += 1
                else:
                    x.arc.pref += 1          # pinned: the name is never used again
        return toks, ev, apply, named

    # ---- the main loop --------------------------------------------------------------------
    def run(self):
        rng = self.rng
        free = self.phys_lines()
        self.m = Model(free)
        m = self.m
        self.small_pdes = sorted(set([1, 2] + [rng.randint(0, 4) for _ in range(2)]))
        if rng.random() < 0.3:
            self.small_pdes.append(0x200)          # the heap's span, 0x80000000
        self.wide_pdes = sorted(set(self.small_pdes + [rng.randrange(0x300) for _ in range(6)]
                                    + [0x2ff, 0x1ff, 0x200]))
        wide = self.profile != "small"
        weights = {
            "create": 14, "alloc": 4, "mmio": 4, "partial": 6, "guard": 5, "unmap": 8,
            "query": 4, "expand": 3, "fas": 2, "resize": 3, "mirror": 5, "mirror_drop": 2,
            "mirror_rw": 6, "check_range": 3, "shm": 4, "shm_of": 3, "shm_drop": 2, "new": 3,
            "select": 3, "drop": 2, "switch_to": 4, "read": 8, "write": 6, "walk": 4,
            "frames": 3, "free_frames": 3,
        }
        kinds = list(weights)
        wsum = [weights[k] for k in kinds]
        final_panic = (self.profile == "wide" and rng.random() < 0.25) or \
                      (self.profile == "mixed" and rng.random() < 0.08)
        while self.n_ops < self.ops and not self.dead:
            if final_panic and self.n_ops == self.ops - 1:
                if self.try_final_panic():
                    break
            for _ in range(60):
                kind = rng.choices(kinds, wsum)[0]
                if self.step(kind):
                    break
            else:
                self.emit(["free_frames"])
            self.bounds.append((len(self.lines), m.lo, m.hi))
        return self.lines

    def need_process(self):
        """Makes sure a process is selected; may emit `new` or `select`. False if it cannot."""
        m = self.m
        if m.selected is not None:
            return True
        if m.procs and (self.rng.random() < 0.7 or m.lo < 1):
            name = self.rng.choice(list(m.procs))
            self.emit(["select", name])
            m.selected = name
            return True
        return self.do_new()

    def do_new(self):
        m = self.m
        live = len(m.procs)
        cap = 3 if self.profile == "small" else 6
        if live >= cap:
            return False
        ev = Ev()
        ev.panic(True if m.hi < 1 else (None if m.lo < 1 else False))
        if not self.accept(ev.cls):
            return False
        if self.dropped_names and self.rng.random() < 0.3:
            name = self.dropped_names.pop(self.rng.randrange(len(self.dropped_names)))
        else:
            name = self.new_name("P")
        self.emit(["new", name])
        m.consume(ev.cls == "ok", 1, 0, 0)
        m.procs[name] = Proc(name)
        m.selected = name
        return True

    def run_op(self, proposal):
        if proposal is None:
            return False
        toks, ev, apply = proposal[:3]
        cls = ev.cls
        if not self.accept(cls):
            return False
        self.emit(toks)
        if cls in ("ok", "maybe", "maybe_panic"):
            apply(cls == "ok")
        return True

    def step(self, kind):
        m = self.m
        rng = self.rng
        process_ops = ("create", "alloc", "mmio", "partial", "guard", "unmap", "query", "expand",
                       "fas", "resize", "mirror", "check_range", "shm_of", "drop", "switch_to",
                       "walk", "frames")
        if kind == "new":
            return self.do_new()
        if kind in process_ops:
            if not self.need_process():
                return False
            p = self.sel()
        if kind == "create":
            return self.run_op(self.op_create(p))
        if kind == "alloc":
            return self.run_op(self.op_alloc(p))
        if kind == "mmio":
            return self.run_op(self.op_mmio(p))
        if kind == "partial":
            return self.run_op(self.op_partial(p))
        if kind == "guard":
            return self.run_op(self.op_guard(p))
        if kind == "unmap":
            return self.run_op(self.op_unmap(p))
        if kind == "expand":
            return self.run_op(self.op_expand(p))
        if kind == "resize":
            return self.run_op(self.op_resize_heap(p))
        if kind == "mirror":
            prop = self.op_mirror(p)
            if prop is None:
                return False
            if not self.run_op(prop):
                return False
            if prop[3]:
                m.live_named_mirrors += 1
            return True
        if kind == "query":
            self.emit(["query_memory", self.num(self.pick_any_addr(p))])
            return True
        if kind == "frames":
            self.emit(["frames", self.num(self.pick_any_addr(p))])
            return True
        if kind == "fas":
            r = rng.random()
            ln = self.pick_size(zero_ok=True) if r < 0.8 else rng.choice((0xbfe00000, 0xbfe00001, 0xffffffff, 1))
            self.emit(["find_available_space", self.num(ln)])
            return True
        if kind == "walk":
            return self.do_walk(p)
        if kind == "free_frames":
            self.emit(["free_frames"])
            return True
        if kind == "check_range":
            return self.do_check_range(p)
        if kind == "switch_to":
            self.emit(["switch_to"])
            m.active = m.selected
            self.ever_active.add(m.selected)
            return True
        if kind == "select":
            if not m.procs:
                return False
            others = [n for n in m.procs if n != m.selected]
            name = rng.choice(others) if others and rng.random() < 0.9 else rng.choice(list(m.procs))
            self.emit(["select", name])
            m.selected = name
            return True
        if kind == "drop":
            return self.do_drop()
        if kind == "shm":
            return self.do_shm()
        if kind == "shm_of":
            return self.do_shm_of(p)
        if kind == "shm_drop":
            if not m.shms:
                return False
            name = rng.choice(list(m.shms))
            arc = m.shms.pop(name)
            self.emit(["shm_drop", name])
            m.release_arc(arc, True)
            self.free_shm_names.append(name)
            return True
        if kind == "mirror_drop":
            if not m.mirrors:
                return False
            name = rng.choice(list(m.mirrors))
            arc = m.mirrors.pop(name)[1]
            self.emit(["mirror_drop", name])
            m.live_named_mirrors -= 1
            m.release_arc(arc, True)
            return True
        if kind == "mirror_rw":
            return self.do_mirror_rw()
        if kind in ("read", "write"):
            return self.do_rw(kind)
        raise AssertionError(kind)

    def pick_any_addr(self, p):
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice((0x00000000, 0x001fffff, 0x00200000, 0xbfffffff, 0xc0000000,
                               0xffbfffff, 0xffc00000, 0xffffffff, HEAP_BASE))
        a = self.pick_addr(p)
        if rng.random() < 0.3:
            a = (a + rng.randrange(PAGE)) & U32
        return a

    def do_walk(self, p):
        rng = self.rng
        r = rng.random()
        maps = [x for x in p.maps if x.certain]
        if maps and r < 0.5:
            x = rng.choice(maps)
            a = align_down(x.addr)
            ln = align_up(x.end) - a
            if rng.random() < 0.4:
                a = max(0, a - PAGE)
                ln += 2 * PAGE
        elif r < 0.7:
            pde = rng.choice(self.small_pdes)
            a = pde * PDE
            ln = PDE * rng.randint(1, 2)
        elif r < 0.8 and self.style() != "small":
            a, ln = rng.choice(((0, KERNEL_LAND), (0xbfc00000, PDE), (0xbffff000, PAGE),
                                (0, 0x01000000)))
        else:
            a = align_down(self.pick_addr(p))
            ln = align_up(self.pick_size()) or PAGE
        if a + ln > KERNEL_LAND:
            if a >= KERNEL_LAND:
                a = KERNEL_LAND - PAGE
            ln = KERNEL_LAND - a
        self.emit(["walk", self.num(a), self.num(ln)])
        return True

    def do_check_range(self, p):
        rng = self.rng
        maps = [x for x in p.maps if x.certain]
        r = rng.random()
        x = None
        if maps and r < 0.6:
            x = rng.choice(maps)
            a = x.addr + rng.choice((0, 0, PAGE, x.size - 1))
            size = rng.choice((x.size, x.size, PAGE, x.size + PAGE, 0, x.size * 2))
        else:
            a = self.pick_any_addr(p)
            size = rng.choice((0, PAGE, 0x10000, 0x40000000, 0xfff)) if rng.random() < 0.7 else self.pick_size()
        r = rng.random()
        if r < 0.6:
            # what the range holds (if it is one homogeneous block): mostly passes
            state = STATES[x.ty] if x is not None else 0
            perms = perms_of(x.rights) if x is not None else 0
            smask = rng.choice((0xffffffff, 0xff, 0x00400000, 0x03ffdfff))
            pmask = rng.choice((7, 0xffffffff, 1, 2))
            sexp, pexp = state & smask, perms & pmask
            if rng.random() < 0.2:
                sexp ^= rng.choice((0x1, 0x00400000, 0x2000))
        elif r < 0.8:
            smask, sexp = 0xffffffff, rng.choice(STATE_VALUES)
            pmask = rng.choice((0, 1, 3, 7, 0xffffffff))
            pexp = rng.choice((0, 1, 3, 5, 7)) & pmask
        else:
            smask = rng.choice((0, 0xff, 0x00400000, 0xffffffff, rng.randrange(U32 + 1)))
            sexp = rng.randrange(U32 + 1) if rng.random() < 0.3 else 0
            pmask = rng.choice((0, 1, 3, 7, 0xffffffff))
            pexp = rng.randrange(8)
        ev = Ev()
        ev.panic(a + size > U32)
        ev.panic(None if (a >= RTL or a + size > RTL) else False)
        if not self.accept(ev.cls):
            return False
        self.emit(["check_range", self.num(a), self.num(size & U32), self.num(smask),
                   self.num(sexp), self.num(pmask), self.num(pexp)])
        return True

    def do_drop(self):
        m = self.m
        rng = self.rng
        if not m.procs:
            return False
        cands = [n for n in m.procs if n != m.active
                 and not (self.qemu_safe and n in self.ever_active)]
        if not cands:
            return False
        name = rng.choice(cands)
        if m.selected is None:
            # drop needs a selected process: the one dropped or another
            m.selected = rng.choice(list(m.procs))
            self.emit(["select", m.selected])
        p = m.procs.pop(name)
        self.emit(["drop", name])
        if m.selected == name:
            m.selected = None
        for x in p.maps:
            m.release_mapping(x, x.certain)
        m.lo += 1 + len(p.tcert)
        m.hi = min(m.f0, m.hi + 1 + len(p.tposs))
        self.dropped_names.append(name)
        return True

    def do_shm(self):
        m = self.m
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
        ev = Ev()
        ev.err(size == 0)
        ev.err(size % PAGE != 0)
        n = size // PAGE
        if not ev.done:
            m.frames_check(ev, n)
        self.emit(["shm", name, self.num(size)])
        if ev.cls == "ok":
            m.consume(True, n, 0, 0)
            m.shms[name] = Arc(n, True)
        elif ev.cls == "maybe":
            m.consume(False, n, 0, 0)
        return True

    def do_shm_of(self, p):
        m = self.m
        rng = self.rng
        shared = [x for x in p.maps if x.certain and x.kind == "shared"]
        if shared and rng.random() < 0.75:
            x = rng.choice(shared)
            a = x.addr + rng.randrange(x.size)
        else:
            a = self.pick_any_addr(p)
        cert, poss = m.containing(p, a)
        name = self.new_name("X")
        self.emit(["shm_of", name, self.num(a)])
        if isinstance(cert, Mapping):
            if cert.kind == "shared":
                m.shms[name] = cert.arc
                cert.arc.cref += 1
        elif cert is None:
            for y in poss:
                if y.kind == "shared":
                    y.arc.pref += 1          # pinned: the name is never used again
        return True

    def do_mirror_rw(self):
        m = self.m
        rng = self.rng
        if not m.mirrors:
            return False
        name = rng.choice(list(m.mirrors))
        ln, arc, mo, full = m.mirrors[name]
        # OFFSET 4-byte aligned, below len(); keep the 4-byte access inside the mirror's pages
        offs = [o for o in (0, 4, ln - 1, mo and (PAGE - mo)) if o >= 0]
        cands = []
        for o in offs + [rng.randrange(max(1, ln))]:
            o = o & ~3
            if o < ln and (mo + o + 4 <= full or (self.profile == "wide" and not self.qemu_safe
                                                  and rng.random() < 0.1)):
                cands.append(o)
        if not cands:
            return False
        off = rng.choice(cands)
        if rng.random() < 0.5:
            self.emit(["mirror_read", name, self.num(off)])
        else:
            self.emit(["mirror_write", name, self.num(off), self.num(rng.randrange(U32 + 1))])
        return True

    def do_rw(self, kind):
        m = self.m
        rng = self.rng
        act = m.procs.get(m.active) if m.active is not None else None
        maps = [x for x in act.maps if x.certain] if act is not None else []
        if kind == "write":
            maps = [x for x in maps if not x.hazard]
        r = rng.random()
        if maps and r < 0.75:
            x = rng.choice(maps)
            a = x.addr + 4 * rng.randrange(x.size // 4)
            if rng.random() < 0.3:
                a = rng.choice((x.addr, x.end - 4, x.end, x.addr - 4))
        elif r < 0.85:
            a = (self.pick_addr(act) if act is not None else self.pick_addr(None)) & ~3
        else:
            a = rng.choice((0x00000000, 0x00200000, 0xbffffffc, 0x001ffffc, HEAP_BASE, 0x00400000))
        a &= ~3
        if a >= KERNEL_LAND or a < 0:
            a = 0xbffffffc
        if kind == "write" and act is not None:
            # never store through an mmio alias of frames the allocator may hand out
            if any(x.hazard and x.addr <= a < x.end for x in act.maps):
                return False
        if kind == "read":
            self.emit(["read", self.num(a)])
        else:
            v = rng.choice((rng.randrange(U32 + 1), 0, U32, a))
            self.emit(["write", self.num(a), self.num(v)])
        return True

    # ---- deliberate panics ----------------------------------------------------------------
    def try_final_panic(self):
        m = self.m
        rng = self.rng
        if m.selected is None:
            if not m.procs:
                return False
            name = rng.choice(list(m.procs))
            self.emit(["select", name])
            m.selected = name
            return False                          # the select took the last slot
        p = self.sel()
        cands = []
        cands.append(["guard", self.num(self.pick_addr(p)), "0x00000000", "KernelStack"])
        cands.append(["unmap", self.num(self.pick_addr(p)), "0x00000000"])
        cands.append(["resize_heap", "0x00000000"])
        cands.append(["check_range", "0xffc00000", "0x00000000", "0x00000000", "0x00000000",
                      "0x00000000", "0x00000000"])
        cands.append(["check_range", "0xfffff000", "0x00002000", "0x00000000", "0x00000000",
                      "0x00000000", "0x00000000"])
        if m.active is not None and m.active in m.procs:
            cands.append(["drop", m.active])
        heaps = [x for x in p.maps if x.certain and x.ty == "Heap" and x.kind == "shared"]
        if heaps:
            cands.append(["expand_mapping", self.num(rng.choice(heaps).addr), "0x00000000"])
        shared = [x for x in p.maps if x.certain and x.kind == "shared"]
        if shared:
            x = rng.choice(shared)
            cands.append(["mirror_mapping", self.num(x.addr + PAGE * rng.randrange(x.size // PAGE)),
                          "0x00000000"])
        for x in p.maps:
            if x.certain and x.size > PAGE:
                a = x.addr + PAGE
                ev = Ev()
                self.eval_create(ev, p, a, PAGE)
                if ev.cls == "panic":
                    cands.append(["create_regular_mapping", self.num(a), "0x00001000", "Normal", "u_rw"])
                break
        ev = Ev()
        ev.panic(True)
        toks = rng.choice(cands)
        self.emit(toks)
        self.dead = True
        return True


HOSTED_ONLY = "# srdiff: hosted-only"


def generate_with_bounds(seed, ops, profile="mixed", index=1, qemu_safe=True):
    """(trace text, [(line number, lo, hi)]): after the operation ending on that line of
    the text, the model says lo <= free frames <= hi. For tests of the model."""
    g = Gen(seed, ops, profile, index, qemu_safe)
    header = ("# generated by harness/gen.py --seed %d --ops %d --profile %s%s (trace %d); "
              "random operation sequence" % (seed, ops, profile,
                                             " --qemu-safe" if qemu_safe else " --hosted-only", index))
    if not qemu_safe:
        header += "\n" + HOSTED_ONLY
    lines = g.run()
    skip = header.count("\n") + 1  # the header's lines come before the model's
    return header + "\n" + "\n".join(lines) + "\n", [(n + skip, lo, hi) for n, lo, hi in g.bounds]


def generate(seed, ops, profile="mixed", index=1, qemu_safe=True):
    """The text of one trace: about `ops` operation lines (fewer if its last operation
    panics on purpose), after a comment header and any `phys` lines."""
    return generate_with_bounds(seed, ops, profile, index, qemu_safe)[0]


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
    if args.out is None:
        if args.count != 1:
            ap.error("--out DIR is needed when --count > 1")
        sys.stdout.write(generate(args.seed, args.ops, args.profile, 1, not args.hosted_only))
        return 0
    os.makedirs(args.out, exist_ok=True)
    for i in range(1, args.count + 1):
        path = os.path.join(args.out, "gen_%d_%d.trace" % (args.seed, i))
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(generate(args.seed, args.ops, args.profile, i, not args.hosted_only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
