"""srdiff mutants -- how strong the harness is: mutation testing of the port.

Generates mutants of c/kernel/ (every .c file, arch/i386 included) with a
fixed set of operators, each a change of one token or one statement:

  ROR    relational operator swap: < <=, > >=, == != (each to its partner)
  AOR    arithmetic operator swap: binary + and - (each to the other)
  CONST  an integer constant (a bound, a size, a shift) plus one, and minus
         one when it is not 0
  ERR    an error variant swapped for its partner with the same payload
         type: InvalidAddress <-> InvalidSize (the address or size carried
         over), PhysicalMemoryExhaustion <-> VirtualMemoryExhaustion
         (InvalidMemState and WrongMappingFramesForTy have no partner of
         their payload's type)
  DEL    a call statement on one line deleted (`f(...);` -> `(void)0;`),
         TRY(...) and the TLB flush calls included; kassert(...) is left
         alone (deleting a check that never fires is equivalent)
  FLAG   a flag bit swapped for the next of its family: the i386 entry bits
         (PRESENT, WRITABLE, USER_ACCESSIBLE, HUGE_PAGE, GUARD_PAGE, ...),
         the mapping access rights, the page states, the memory permissions

Comments, strings and preprocessor lines are never mutated. All sites are
enumerated in a fixed order and shuffled with `--seed S`; mutants are taken
from the front of that order (the same seed and tree give the same mutants)
until `--count N` of them are counted. Trivial compiler equivalence (TCE)
decides what is counted: each mutant's file is compiled with sr-run's own
flags, and a mutant whose object file is byte-identical to the unmutated
one (equivalent) or to an earlier mutant's (duplicate), or that does not
compile (stillborn), is not counted, is listed as such, and the next one is
drawn (`--no-tce` counts every compiling mutant).

Each mutant is built out of tree in a scratch copy of the checkout (the
checkout's own files are never written): only sr-run, and for the fuzz run
fuzz_diff (plain and AFL++-instrumented), by `--jobs` workers, each with its
own copy and build trees (incremental: one file recompiled per mutant).
On each mutant, in order, until one kills it:

  1. `srdiff diff --impl c corpus/` against the goldens (batch mode);
  2. `srdiff check corpus/` (the invariant checker);
  3. only on survivors, and when --fuzz-time > 0: `srdiff fuzz
     --stop-on-first --time S` (c against ref, the checker in the loop);
  4. only on survivors, unless --no-unit: the port's own unit tests
     (c/kernel/tests/unit_tests.c, the CTest `unit_tests`), which call
     what no operation of TRACE_FORMAT reaches (KernelMemory's own API,
     PhysicalMemRegion::new_unchecked, a page table's get_child_table),
     built with ASan and UBSan (-DSR_SANITIZE=ON): a mutant whose results
     are the original's but which reads past an array fails them too.

Steps 1-3 are the trace-level detectors; step 4 runs last so that the
report gives both scores: what the corpus, the checker and fuzzing kill
on their own, and what the unit tests add.

Mutants are built with -ftrivial-auto-var-init=pattern (see
UNINIT_PATTERN). A mutant that makes
a step hang (far over the unmutated tree's time) is killed by that step.
`--match REGEX` keeps only the sites whose `FILE:LINE OP TEXT` matches
(e.g. `--match flush` for the deleted TLB flushes). `--slice A:B` runs only the drawn mutants A to B-1 (to split a long
measurement into short runs; the draw is the same). Prints the mutation
score (killed / counted), the TCE exclusions, and every surviving mutant:
file:line, operator, the change, its stable key, and the reason it survives
when --reasons (default harness/fuzz/mutant_reasons.txt) names one (lines
`KEY :: reason`). The verdicts are kept in mutants.json; `--resummarize
mutants.json` prints the summary again with the current reasons.
"""
import filecmp
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

from . import HERE, ROOT, batch, build
from .build import log

SRDIFF = os.path.join(HERE, "srdiff")
# Mutants are built with every uninitialised local filled with a pattern:
# a read of one then shows as a wrong value in the results (what valgrind's
# memcheck reports on the project's own builds), instead of whatever the
# stack happened to hold, which is often a harmless 0.
UNINIT_PATTERN = "-ftrivial-auto-var-init=pattern"
KERNEL = os.path.join("c", "kernel")

# error variants that take the same arguments, swapped within their group
ERROR_GROUPS = [["kerr_invalid_address", "kerr_invalid_size"],
                ["kerr_physical_memory_exhaustion", "kerr_virtual_memory_exhaustion"]]
FLAG_FAMILIES = [
    ["I386_ENTRY_PRESENT", "I386_ENTRY_WRITABLE", "I386_ENTRY_USER_ACCESSIBLE", "I386_ENTRY_WRITE_THROUGH",
     "I386_ENTRY_NO_CACHE", "I386_ENTRY_ACCESSED", "I386_ENTRY_DIRTY", "I386_ENTRY_HUGE_PAGE", "I386_ENTRY_GLOBAL",
     "I386_ENTRY_GUARD_PAGE"],
    ["MAPPING_ACCESS_RIGHTS_READABLE", "MAPPING_ACCESS_RIGHTS_WRITABLE", "MAPPING_ACCESS_RIGHTS_EXECUTABLE",
     "MAPPING_ACCESS_RIGHTS_USER_ACCESSIBLE"],
    ["PAGE_STATE_PRESENT", "PAGE_STATE_GUARDED", "PAGE_STATE_AVAILABLE"],
    ["MEMORY_PERMISSIONS_READABLE", "MEMORY_PERMISSIONS_WRITABLE", "MEMORY_PERMISSIONS_EXECUTABLE"],
]
REL_SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
REL = re.compile(r"(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])")
ARITH = re.compile(r"(?<=[\w)\]] )([+\-])(?= [\w(])")
CONST = re.compile(r"(?<![\w.])(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)(?![\w.])")
CALL_STMT = re.compile(r"^(\s*)([A-Za-z_]\w*)\s*\(.*\)\s*;\s*$")
NOT_CALLS = {"return", "if", "while", "for", "switch", "sizeof", "kassert", "do", "else"}


class Mutant:
    __slots__ = ("file", "line", "col", "op", "old", "new", "verdict", "by", "secs", "afl", "func", "text", "nth",
                 "tce", "reached")

    def __init__(self, file, line, col, op, old, new, func="", text="", nth=1):
        self.file, self.line, self.col, self.op, self.old, self.new = file, line, col, op, old, new
        self.verdict, self.by, self.secs, self.afl = None, None, 0.0, None
        self.func, self.text, self.nth = func, text, nth
        self.tce, self.reached = None, None

    def stable(self):
        """The key of mutant_reasons.txt: file, function, operator, change
        and the mutated line's text (whitespace collapsed), plus `#N` for
        the Nth such change in the same function; no line number, so an
        entry survives code moves."""
        return "%s %s() %s `%s` -> `%s` in `%s`%s" % (self.file, self.func or "-", self.op, self.old.strip(),
                                                     self.new.strip(), self.text,
                                                     " #%d" % self.nth if self.nth > 1 else "")

    def key(self):
        return (self.file, self.line, self.col, self.op, self.new)

    def where(self):
        return "%s:%d" % (self.file, self.line)

    def change(self):
        return "`%s` -> `%s`" % (self.old.strip(), self.new.strip())


def mask(text):
    """The text with comments and string/char literals blanked (columns
    kept), so operators only see code."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if text[k] != "\n":
                    out[k] = " "
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            for k in range(i, min(j + 1, n)):
                out[k] = " "
            i = j + 1
        else:
            i += 1
    return "".join(out)


IDENT_CALL = re.compile(r"([A-Za-z_]\w*)\s*\(")


def functions_of(masked_lines):
    """For each line (1-based list index), the name of the function whose
    body holds it ('' outside any function): the last `name(` seen at brace
    depth 0 before the body's `{`."""
    out = [""]
    depth, pending, cur = 0, "", ""
    for code in masked_lines:
        if code.lstrip().startswith("#"):
            out.append(cur if depth else "")
            continue
        line_func = cur if depth else ""
        for m in re.finditer(r"[{};]|[A-Za-z_]\w*\s*\(", code):
            tok = m.group(0)
            if tok == "{":
                if depth == 0:
                    cur = pending
                    line_func = line_func or cur
                depth += 1
            elif tok == "}":
                depth = max(0, depth - 1)
                if depth == 0:
                    cur, pending = "", ""
            elif tok == ";":
                if depth == 0:
                    pending = ""
            elif depth == 0:
                name = tok.rstrip("( \t")
                if name not in NOT_CALLS and name not in ("__attribute__",) and not pending:
                    pending = name
        out.append(line_func or cur)
    return out


def sites_of(rel, text):
    """Every mutant of one file, in file order."""
    found = []
    masked = mask(text).split("\n")
    orig = text.split("\n")
    funcs = functions_of(masked)
    seen = {}
    for ln, code in enumerate(masked, 1):
        n0 = len(found)
        _line_sites(found, rel, ln, code, orig)
        flat = " ".join(orig[ln - 1].split())
        for m in found[n0:]:
            m.func, m.text = funcs[ln], flat
            k = (m.func, flat, m.op, m.old, m.new)
            seen[k] = seen.get(k, 0) + 1
            m.nth = seen[k]
    return found


def _line_sites(found, rel, ln, code, orig):
    if True:
        if code.lstrip().startswith("#") or not code.strip():
            return
        for m in REL.finditer(code):
            found.append(Mutant(rel, ln, m.start(), "ROR", m.group(1), REL_SWAP[m.group(1)]))
        for m in ARITH.finditer(code):
            found.append(Mutant(rel, ln, m.start(), "AOR", m.group(1), "-" if m.group(1) == "+" else "+"))
        for m in CONST.finditer(code):
            lit, suf = m.group(1), m.group(2)
            v = int(lit, 16) if lit.lower().startswith("0x") else int(lit)
            if lit.lower().startswith("0x"):
                digits = lit[2:]
                hexfmt = "%0" + str(len(digits)) + ("X" if digits != digits.lower() else "x")
                fmt = (lambda x, p=lit[:2], h=hexfmt: p + h % x)
            else:
                fmt = str
            found.append(Mutant(rel, ln, m.start(), "CONST", lit + suf, fmt(v + 1) + suf))
            if v > 0:
                found.append(Mutant(rel, ln, m.start(), "CONST", lit + suf, fmt(v - 1) + suf))
        for grp in ERROR_GROUPS:
            for i, e in enumerate(grp):
                for m in re.finditer(r"\b%s\b" % e, code):
                    found.append(Mutant(rel, ln, m.start(), "ERR", e, grp[(i + 1) % len(grp)]))
        for fam in FLAG_FAMILIES:
            for i, f in enumerate(fam):
                for m in re.finditer(r"\b%s\b" % f, code):
                    found.append(Mutant(rel, ln, m.start(), "FLAG", f, fam[(i + 1) % len(fam)]))
        m = CALL_STMT.match(code)
        if m and m.group(2) not in NOT_CALLS and code.count("(") == code.count(")"):
            stmt = orig[ln - 1][len(m.group(1)):len(code.rstrip())]
            found.append(Mutant(rel, ln, len(m.group(1)), "DEL", stmt, "(void)0;"))


def port_files(root=ROOT):
    """The files mutants are made from, relative to `root`, in order: the
    .c files of c/kernel/, its tests left out."""
    out = []
    base = os.path.join(root, KERNEL)
    for d, _, files in sorted(os.walk(base)):
        if os.sep + "tests" in d[len(base):] + os.sep:
            continue
        out += [os.path.relpath(os.path.join(d, f), root) for f in sorted(files) if f.endswith(".c")]
    return out


def all_sites(root=ROOT):
    out = []
    for rel in port_files(root):
        with open(os.path.join(root, rel)) as fh:
            out += sites_of(rel, fh.read())
    return out


def draw_order(sites, seed):
    """Every site, in the order `--seed` draws them (a seeded shuffle of
    the file order): mutants are taken from its front."""
    order = list(range(len(sites)))
    random.Random(seed).shuffle(order)
    return [sites[i] for i in order]


def select(sites, count, seed):
    """The first `count` sites of the draw, in file order."""
    pos = {id(m): i for i, m in enumerate(sites)}
    return sorted(draw_order(sites, seed)[:count], key=lambda m: pos[id(m)])


def apply(text, m):
    lines = text.split("\n")
    line = lines[m.line - 1]
    assert line[m.col:m.col + len(m.old)] == m.old, (m.where(), m.old, line)
    lines[m.line - 1] = line[:m.col] + m.new + line[m.col + len(m.old):]
    return "\n".join(lines)


# ---- running -----------------------------------------------------------------------

def _skipped(rel_dir, names):
    """The names under `rel_dir` that a scratch copy leaves out."""
    skip = {".git", "build", "corpus"} if rel_dir == "." else set()
    if rel_dir == "reference":
        skip.add("target")
    return {n for n in names if n in skip or n.startswith("build-")}


def scratch_copy(dest, source=ROOT):
    """Makes `dest` a copy of the checkout (or of `source`, an earlier
    copy) to build mutants from: no build trees, no .git; the corpus is
    linked, read only. An existing copy is brought up to date: a file is
    rewritten only when its content differs (so its mtime moves and the
    build trees recompile it), and files gone from `source` are removed.
    (Worker.prepare also touches every file of c/kernel/, the ones
    mutants are written into.)"""
    for d, dirs, files in os.walk(source):
        rel = os.path.relpath(d, source)
        skip = _skipped(rel, dirs + files)
        dirs[:] = sorted(x for x in dirs if x not in skip)
        out_dir = os.path.join(dest, rel)
        os.makedirs(out_dir, exist_ok=True)
        keep = set(dirs)
        for f in sorted(files):
            if f in skip:
                continue
            keep.add(f)
            src_f, dst_f = os.path.join(d, f), os.path.join(out_dir, f)
            if os.path.islink(src_f):
                if not (os.path.islink(dst_f) and os.readlink(dst_f) == os.readlink(src_f)):
                    if os.path.lexists(dst_f):
                        os.remove(dst_f)
                    os.symlink(os.readlink(src_f), dst_f)
                continue
            if os.path.isfile(dst_f) and not os.path.islink(dst_f) and filecmp.cmp(src_f, dst_f, shallow=False):
                continue
            if os.path.lexists(dst_f):
                os.remove(dst_f)
            shutil.copy(src_f, dst_f)  # mtime now: newer than any object built from an older text
        for n in os.listdir(out_dir):
            if n in keep or n in _skipped(rel, [n]):
                continue
            x = os.path.join(out_dir, n)
            shutil.rmtree(x) if os.path.isdir(x) and not os.path.islink(x) else os.remove(x)
    link = os.path.join(dest, "corpus")
    if not os.path.islink(link):
        os.symlink(os.path.join(ROOT, "corpus"), link)


def _stop_group(p, grace=10):
    """srdiff puts each of its own children in a process group of its own,
    so a SIGKILL of p's group alone would leave them running (a looping
    mutant's sr-run, AFL++, orphaned): SIGTERM first, on which srdiff kills
    every child group, then SIGKILL whatever is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(p.pid, sig)
        except OSError:
            pass
        try:
            p.communicate(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_bounded(argv, env, timeout, cwd=None):
    """(exit status, seconds, tail of output); status None on a timeout.
    Raises batch.Interrupted, after stopping the child, once the run is
    being stopped."""
    t0 = time.time()
    if batch.stopping():
        raise batch.Interrupted()
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        while True:
            try:
                out, _ = p.communicate(timeout=max(0.01, min(1.0, t0 + timeout - time.time())))
                break
            except subprocess.TimeoutExpired:
                if batch.stopping() or time.time() >= t0 + timeout:
                    _stop_group(p)
                    if batch.stopping():
                        raise batch.Interrupted()
                    return None, time.time() - t0, "timeout"
    except BaseException:
        if p.poll() is None:
            _stop_group(p, grace=2)
        raise
    if batch.stopping():
        raise batch.Interrupted()
    return p.returncode, time.time() - t0, out.decode("utf-8", "replace")[-2000:]


class Worker:
    def __init__(self, wdir, ref_exe):
        self.dir = wdir
        self.src = os.path.join(wdir, "src")
        self.plain = os.path.join(wdir, "build")
        self.afl = os.path.join(wdir, "afl")
        self.san = os.path.join(wdir, "san")
        self.ref_exe = ref_exe
        self.afl_ready = False
        self.san_ready = False

    def prepare(self, source=ROOT):
        """Brings the copy up to date with `source` (the checkout for the
        first worker, the first worker's copy for the others, so that every
        worker judges the same tree even when the checkout changes during a
        run); the build trees are kept and rebuild what changed."""
        scratch_copy(self.src, source)
        # the files mutants are written into: whatever an earlier run left
        # in the build trees, they are compiled again from this text
        for d, _, files in os.walk(os.path.join(self.src, KERNEL)):
            for f in files:
                if f.endswith(".c"):
                    os.utime(os.path.join(d, f))
        if not os.path.exists(os.path.join(self.plain, "compile_commands.json")):
            build._run(["cmake", "-S", self.src, "-B", self.plain, "-DCMAKE_BUILD_TYPE=Release", "-DSR_QEMU=OFF",
                        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DCMAKE_C_FLAGS=" + UNINIT_PATTERN,
                        "-DSR_CARGO_TARGET_DIR=" + build.cargo_target()], what="cmake configure (mutants)")
        self.make(["sr-run"])

    # ---- trivial compiler equivalence ----

    def compile_argv(self, rel, obj):
        """The command that compiles c/kernel file `rel` into sr-run (the
        sr_port library's flags), writing `obj` and no dependency file."""
        if not hasattr(self, "_cc"):
            with open(os.path.join(self.plain, "compile_commands.json")) as f:
                self._cc = json.load(f)
        want = os.path.realpath(os.path.join(self.src, rel))
        for e in self._cc:
            argv = e.get("arguments") or shlex.split(e["command"])
            if os.path.realpath(os.path.join(e["directory"], e["file"])) != want:
                continue
            if not any("sr_port.dir" in x for x in argv):
                continue
            out, i = [], 0
            while i < len(argv):
                x = argv[i]
                if x in ("-o", "-MT", "-MF"):
                    if x == "-o":
                        out += ["-o", obj]
                    i += 2
                    continue
                if x in ("-MD", "-MMD"):
                    i += 1
                    continue
                out.append(x)
                i += 1
            return out, e["directory"]
        raise RuntimeError("no sr_port compile command for " + rel)

    def object_of(self, rel, text, obj):
        """Compiles `text` as c/kernel file `rel`; the object's SHA-256, or
        None when it does not compile. The file is restored after."""
        path = os.path.join(self.src, rel)
        with open(path) as f:
            orig = f.read()
        st = os.stat(path)
        try:
            if text != orig:
                with open(path, "w") as f:
                    f.write(text)
            argv, cwd = self.compile_argv(rel, obj)
            p = batch.call(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if p.returncode != 0:
                return None
            with open(obj, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        finally:
            if text != orig:
                with open(path, "w") as f:
                    f.write(orig)
                os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    def make(self, targets, tree=None, env=None):
        from .fuzz import afl_env
        env = env or (afl_env() if tree else dict(os.environ))
        tree = tree or self.plain
        p = batch.call(["cmake", "--build", tree, "-j", "1", "--target"] + targets, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return p.returncode == 0

    def prepare_fuzz(self):
        if self.afl_ready:
            return
        if not os.path.exists(os.path.join(self.afl, "CMakeCache.txt")):
            from .fuzz import afl_env
            env = afl_env()
            build._run(["cmake", "-S", self.src, "-B", self.afl, "-DCMAKE_BUILD_TYPE=Release", "-DSR_QEMU=OFF",
                        "-DCMAKE_C_FLAGS=" + UNINIT_PATTERN,
                        "-DSR_CARGO_TARGET_DIR=" + build.cargo_target()], env=env,
                       what="cmake configure (mutants, AFL++)")
        self.afl_ready = True

    def prepare_unit(self):
        """Configures the tree the unit tests are built in: ASan and UBSan
        (-DSR_SANITIZE=ON), so that a mutant that reads or writes out of
        bounds, or overflows a signed or shifts out of range, fails them
        even where its results are the original's."""
        if self.san_ready:
            return
        if not os.path.exists(os.path.join(self.san, "CMakeCache.txt")):
            build._run(["cmake", "-S", self.src, "-B", self.san, "-DCMAKE_BUILD_TYPE=Debug", "-DSR_QEMU=OFF",
                        "-DSR_SANITIZE=ON", "-DSR_CARGO_TARGET_DIR=" + build.cargo_target()],
                       what="cmake configure (mutants, unit tests under ASan+UBSan)")
        self.san_ready = True

    def build_unit(self):
        self.prepare_unit()
        return self.make(["unit_tests"], self.san, env=dict(os.environ))

    def env(self):
        return dict(os.environ, SRDIFF_C_EXE=os.path.join(self.plain, "sr-run"), SRDIFF_REF_EXE=self.ref_exe,
                    SRDIFF_BUILD=os.path.join(self.dir, "srdiff-build"))

    def steps(self, a, limits):
        py = sys.executable
        corpus = os.path.join(ROOT, "corpus")
        yield "diff", [py, SRDIFF, "diff", "--impl", "c", "--quiet", "--jobs", "1", corpus], limits["diff"]
        yield "check", [py, SRDIFF, "check", "--quiet", "--jobs", "1", corpus], limits["check"]

    def unit_argv(self):
        return [os.path.join(self.san, "unit_tests")]

    def fuzz_argv(self, a):
        return [sys.executable, SRDIFF, "fuzz", "--time", str(a.fuzz_time), "--stop-on-first", "--jobs", "1",
                "--jobs-replay", "1", "--harness", os.path.join(self.afl, "fuzz_diff"),
                "--replay", os.path.join(self.plain, "fuzz_diff"), "--out", os.path.join(self.dir, "campaign"),
                "--progress", "1000", "--seeds-replayed"]

    def run(self, m, a, limits):
        """Builds and judges one mutant; restores the file after."""
        t0 = time.time()
        path = os.path.join(self.src, m.file)
        with open(path) as f:
            orig = f.read()
        try:
            with open(path, "w") as f:
                f.write(apply(orig, m))
            if not self.make(["sr-run"]):
                m.verdict, m.by = "stillborn", "does not compile"
                return
            env = self.env()
            for name, argv, limit in self.steps(a, limits):
                rc, secs, out = run_bounded(argv, env, limit)
                if rc is None:
                    m.verdict, m.by = "killed", name + " (hang)"
                    return
                if rc == 1:
                    m.verdict, m.by = "killed", name
                    return
                if rc != 0:
                    m.verdict, m.by = "error", "%s exit %s: %s" % (name, rc, out.strip().splitlines()[-1:])
                    return
            if a.fuzz_time > 0:
                self.prepare_fuzz()
                if not (self.make(["fuzz_diff"]) and self.make(["fuzz_diff"], self.afl)):
                    m.verdict, m.by = "stillborn", "fuzz_diff does not compile"
                    return
                rc, secs, out = run_bounded(self.fuzz_argv(a), env, a.fuzz_time * 3 + 120)
                ran = re.search(r"AFL\+\+ ran ([0-9.]+) s: (\d+) execs", out)
                m.afl = (float(ran.group(1)), int(ran.group(2))) if ran else (0.0, 0)
                if rc is None or rc == 1:
                    m.verdict, m.by = "killed", "fuzz" + (" (hang)" if rc is None else "")
                    fnd = re.search(r"FINDING 1: (.*?) \(", out)
                    if fnd:
                        m.by += ": " + fnd.group(1)
                    return
                if rc != 0:
                    m.verdict, m.by = "error", "fuzz exit %s: %s" % (rc, out.strip().splitlines()[-1:] or "")
                    return
            if getattr(a, "unit", True):
                if not self.build_unit():
                    m.verdict, m.by = "stillborn", "unit_tests does not compile"
                    return
                rc, secs, out = run_bounded(self.unit_argv(), env, limits["unit"])
                if rc != 0:  # a failed check, an unexpected panic, a crash or a hang
                    m.verdict, m.by = "killed", "unit" + (" (hang)" if rc is None else "")
                    fail = (re.search(r"^FAIL (.*)$", out or "", re.M) or
                            re.search(r"^(\S+: runtime error: .*)$", out or "", re.M) or
                            re.search(r"^SUMMARY: (\w+Sanitizer: .*)$", out or "", re.M))
                    if fail:
                        m.by += ": " + fail.group(1).replace(self.src + os.sep, "")[:120]
                    return
            m.verdict, m.by = "survived", None
        finally:
            with open(path, "w") as f:
                f.write(orig)
            m.secs = time.time() - t0


def coverage_key(worker):
    """A digest of what the corpus's coverage depends on: the C sources of
    the worker's unmutated copy (c/, the runner and checker) and every
    corpus trace."""
    import glob
    h = hashlib.sha256()
    src = sorted(glob.glob(os.path.join(worker.src, "c", "**", "*"), recursive=True) +
                 glob.glob(os.path.join(worker.src, "harness", "*.[ch]")) +
                 [os.path.join(worker.src, "harness", "ops.def")])
    corpus = sorted(glob.glob(os.path.join(ROOT, "corpus", "**", "*.trace"), recursive=True))
    for base, files in ((worker.src, src), (ROOT, corpus)):
        for f in files:
            if os.path.isfile(f):
                h.update(os.path.relpath(f, base).encode() + b"\0")
                with open(f, "rb") as fh:
                    h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def corpus_coverage(worker, out):
    """{c/kernel file: {"executed": line numbers the whole corpus executes,
    "executable": the lines gcov counts at all}} on the hosted port (a
    --coverage build of the worker's unmutated copy, every trace with and
    without --check, gcov), also written to OUT/coverage.json; None when that cannot
    be built. An OUT/coverage.json made from the same sources and corpus
    (OUT/coverage.key) is read back instead (a re-run into the same
    directory)."""
    import glob
    cov = os.path.join(out, "cov")
    key = coverage_key(worker)
    try:
        with open(os.path.join(out, "coverage.key")) as f:
            if f.read().strip() == key:
                with open(os.path.join(out, "coverage.json")) as f2:
                    return {k: {n: set(v) for n, v in c.items()} for k, c in json.load(f2).items()}
    except (OSError, ValueError):
        pass
    try:
        if not os.path.exists(os.path.join(cov, "CMakeCache.txt")):
            build._run(["cmake", "-S", worker.src, "-B", cov, "-DCMAKE_BUILD_TYPE=Debug", "-DSR_QEMU=OFF",
                        "-DSR_COVERAGE=ON", "-DSR_CARGO_TARGET_DIR=" + build.cargo_target()],
                       what="cmake configure (mutants, coverage)")
        if batch.call(["cmake", "--build", cov, "-j", "1", "--target", "sr-run"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
            return None
        for g in glob.glob(os.path.join(cov, "**", "*.gcda"), recursive=True):
            os.unlink(g)
        traces = sorted(glob.glob(os.path.join(ROOT, "corpus", "**", "*.trace"), recursive=True))
        # as `diff` runs them, and as `check` does (which stops a trace at
        # its first broken invariant, and drops everything at its end)
        for i in range(0, len(traces), 200):
            for mode in ([], ["--check"]):
                batch.call([os.path.join(cov, "sr-run"), "--batch"] + mode + ["--"] + traces[i:i + 200],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cover = {}
        for g in glob.glob(os.path.join(cov, "CMakeFiles", "sr_port.dir", "**", "*.gcda"), recursive=True):
            p = batch.call(["gcov", "--json-format", "--stdout", g], cwd=cov, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
            for line in p.stdout.decode("utf-8", "replace").splitlines():
                if not line.strip():
                    continue
                for f in json.loads(line)["files"]:
                    rel = os.path.relpath(os.path.realpath(os.path.join(cov, f["file"])),
                                          os.path.realpath(worker.src))
                    c = cover.setdefault(rel, {"executed": set(), "executable": set()})
                    c["executed"].update(ln["line_number"] for ln in f["lines"] if ln["count"] > 0)
                    c["executable"].update(ln["line_number"] for ln in f["lines"])
        if not cover:
            return None
        with open(os.path.join(out, "coverage.json"), "w") as f:
            json.dump({k: {n: sorted(v) for n, v in c.items()} for k, c in cover.items()}, f)
        with open(os.path.join(out, "coverage.key"), "w") as f:
            f.write(key + "\n")
        return cover
    except (OSError, ValueError, subprocess.SubprocessError, build.BuildError):
        return None


def draw(worker, sites, count, seed, out, tce=True):
    """Takes mutants from the front of the seed's draw until `count` of
    them are counted: trivial compiler equivalence (TCE) compiles each
    mutant's file with sr-run's own flags, and a mutant whose object is
    byte-identical to the unmutated one (`equivalent`) or to an earlier
    mutant's (`duplicate`), or that does not compile (`stillborn`), is
    excluded (m.tce says why) and the next one drawn. Returns (every
    mutant drawn, the counted ones in file order)."""
    pos = {id(m): i for i, m in enumerate(sites)}
    obj = os.path.join(out, "tce.o")
    base, seen, texts = {}, {}, {}
    drawn, counted = [], []
    for m in draw_order(sites, seed):
        if len(counted) >= count:
            break
        drawn.append(m)
        if tce:
            if m.file not in texts:
                with open(os.path.join(worker.src, m.file)) as f:
                    texts[m.file] = f.read()
                base[m.file] = worker.object_of(m.file, texts[m.file], obj)
            h = worker.object_of(m.file, apply(texts[m.file], m), obj)
            if h is None:
                m.tce, m.verdict, m.by = "stillborn", "stillborn", "does not compile"
                continue
            if h == base[m.file]:
                m.tce, m.verdict, m.by = "equivalent", "equivalent", "object identical to the unmutated one"
                continue
            if h in seen:
                m.tce, m.verdict = "duplicate", "duplicate"
                m.by = "object identical to that of %s %s %s" % (seen[h].where(), seen[h].op, seen[h].change())
                continue
            seen[h] = m
        counted.append(m)
    try:
        os.unlink(obj)
    except OSError:
        pass
    counted.sort(key=lambda m: pos[id(m)])
    return drawn, counted


DEFAULT_REASONS = os.path.join(HERE, "fuzz", "mutant_reasons.txt")


def load_reasons(path):
    """{stable key: reason} from lines `KEY :: reason` (KEY as
    Mutant.stable() prints it)."""
    reasons = {}
    path = path or (DEFAULT_REASONS if os.path.exists(DEFAULT_REASONS) else None)
    if path:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and " :: " in line:
                    k, _, why = line.partition(" :: ")
                    reasons[k.strip()] = why.strip()
    return reasons


def load_run(path):
    """(record, counted mutants, excluded mutants) of an earlier run's
    mutants.json."""
    with open(path) as f:
        rec = json.load(f)
    chosen, excluded = [], []
    for d in rec["mutants"]:
        m = Mutant(d["file"], d["line"], d["col"], d["op"], d["old"], d["new"], d["func"], d["text"], d["nth"])
        for k in Mutant.__slots__:
            setattr(m, k, tuple(d[k]) if isinstance(d[k], list) else d[k])
        (chosen if d["counted"] else excluded).append(m)
    return rec, chosen, excluded


def port_changes(old_src, new_src):
    """The files mutants are made from (port_files) that differ between two
    trees, or are in one only."""
    a, b = set(port_files(old_src)), set(port_files(new_src))
    return sorted(f for f in a | b if f not in a or f not in b or
                  not filecmp.cmp(os.path.join(old_src, f), os.path.join(new_src, f), shallow=False))


def resummarize(a):
    """Prints the summary of an earlier run (its mutants.json) again, with
    the current reasons file."""
    rec, chosen, excluded = load_run(a.resummarize)
    a.seed, a.fuzz_time, a.slice, a.unit = rec["seed"], rec["fuzz_time"], rec.get("slice"), rec.get("unit", False)
    a.rerun_note = rec.get("rerun_note")
    # coverage marks again, with the current rules, when the run kept its
    # coverage and its copy of the tree
    here = os.path.dirname(os.path.abspath(a.resummarize))
    cov_json, src = os.path.join(here, "coverage.json"), os.path.join(here, "w0", "src")
    if os.path.exists(cov_json) and os.path.isdir(src):
        with open(cov_json) as f:
            cover = {k: {n: set(v) for n, v in c.items()} for k, c in json.load(f).items()}
        mark_reached(chosen, cover, src)
    return summary(a, chosen, os.path.dirname(os.path.abspath(a.resummarize)), rec["secs"], excluded)


def cmd_mutants(a):
    if getattr(a, "resummarize", None):
        return resummarize(a)
    t_start = time.time()
    sites = all_sites()
    if getattr(a, "match", None):
        rx = re.compile(a.match)
        sites = [m for m in sites if rx.search("%s %s %s" % (m.where(), m.op, m.old)) or rx.search(m.stable())]
    by_op = {}
    for s in sites:
        by_op[s.op] = by_op.get(s.op, 0) + 1
    if not getattr(a, "rerun_survivors", None):
        log("srdiff mutants: %d sites in c/kernel/ (%s); drawing with seed %d until %d are counted" %
            (len(sites), ", ".join("%s %d" % kv for kv in sorted(by_op.items())), a.seed, a.count))
    if a.fuzz_time > 0 and not a.list and not shutil.which("afl-fuzz"):
        log("srdiff mutants: afl-fuzz not found; use --fuzz-time 0")
        return 77
    out = os.path.abspath(a.out or os.path.join(build.root(), "mutants"))
    os.makedirs(out, exist_ok=True)
    ref_exe = build.ref_runner()
    rerun = getattr(a, "rerun_survivors", None)
    if rerun:
        # the earlier run's kills still hold only if the port is the same:
        # its own copy of the tree against the checkout
        prev_src = os.path.join(os.path.dirname(os.path.abspath(rerun)), "w0", "src")
        if not os.path.isdir(prev_src):
            log("srdiff mutants: %s has no copy of its tree beside it (w0/src): cannot tell whether the port "
                "changed since" % rerun)
            return 2
        changed = port_changes(prev_src, ROOT)
        if changed:
            log("srdiff mutants: the port changed since %s (%s): its kills may no longer hold; run it again" %
                (rerun, ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")))
            return 2
    workers = [Worker(os.path.join(out, "w0"), ref_exe)]
    workers[0].prepare()
    if rerun:
        rec, chosen, excluded = load_run(rerun)
        # what the trace-level steps left alive: the survivors, and the
        # mutants only the unit tests killed (a new trace or invariant may
        # kill them at trace level now); the fuzz and unit steps judge them
        # again as well
        todo = [m for m in chosen if m.verdict in ("survived", "error") or
                (m.verdict == "killed" and (m.by or "").startswith("unit"))]
        by_unit = sum(m.verdict == "killed" for m in todo)
        for m in todo:
            m.verdict, m.by, m.reached, m.secs = None, None, None, 0.0
            if a.fuzz_time > 0:
                m.afl = None
        a.seed, a.slice = rec["seed"], None
        a.rerun_note = ("what the trace-level steps of an earlier run (%.0f s, fuzz %d s, unit tests %s) left alive, "
                        "judged again here (fuzz %d s, unit tests %s): its %d trace-level kills are kept, its %d "
                        "survivors and %d kills by the unit tests re-judged" %
                        (rec["secs"], rec["fuzz_time"], "on" if rec.get("unit") else "off", a.fuzz_time,
                         "on" if getattr(a, "unit", True) else "off", len(chosen) - len(todo), len(todo) - by_unit,
                         by_unit))
        log("srdiff mutants: " + a.rerun_note)
        if not todo:
            a.fuzz_time, a.unit = rec["fuzz_time"], rec.get("unit", False)
            return summary(a, chosen, out, time.time() - t_start, excluded)
    else:
        drawn, chosen = draw(workers[0], sites, a.count, a.seed, out, tce=not getattr(a, "no_tce", False))
        excluded = [m for m in drawn if m.tce]
        log("srdiff mutants: %d generated, %d excluded by trivial compiler equivalence (%d equivalent, %d duplicate, "
            "%d stillborn), %d counted" % (len(drawn), len(excluded), sum(m.tce == "equivalent" for m in excluded),
                                           sum(m.tce == "duplicate" for m in excluded),
                                           sum(m.tce == "stillborn" for m in excluded), len(chosen)))
        todo = chosen
    if getattr(a, "slice", None):
        lo, _, hi = a.slice.partition(":")
        lo, hi = int(lo or 0), int(hi or len(chosen))
        chosen = todo = chosen[lo:hi]
        excluded = [] if lo else excluded
        log("srdiff mutants: slice %d:%d of the counted mutants (%d mutants)" % (lo, hi, len(chosen)))
    if a.list:
        for m in excluded:
            print("%-10s %s  %-5s %s  %s" % (m.tce, m.where(), m.op, m.change(), m.by or ""))
        for m in chosen:
            print("%-10s %s  %-5s %s" % ("counted", m.where(), m.op, m.change()))
        return 0
    jobs = max(1, min(a.jobs, len(todo) or 1))
    workers += [Worker(os.path.join(out, "w%d" % i), ref_exe) for i in range(1, jobs)]
    for w in workers[1:]:
        w.prepare(source=workers[0].src)
    # the unmutated tree must pass every step; its times bound the steps
    base = workers[0]
    limits = {}
    for name, argv, _ in base.steps(a, {"diff": None, "check": None}):
        rc, secs, tail = run_bounded(argv, base.env(), 1800)
        if rc != 0:
            log("srdiff mutants: the unmutated tree fails `%s` (exit %s); nothing to measure\n%s" % (name, rc, tail))
            return 1
        limits[name] = max(30.0, 10 * secs)  # a hang guard, 10x the unmutated time
    if getattr(a, "unit", True):
        if not base.build_unit():
            log("srdiff mutants: unit_tests of the unmutated tree does not build")
            return 1
        rc, secs, tail = run_bounded(base.unit_argv(), base.env(), 600)
        if rc != 0:
            log("srdiff mutants: the unmutated tree fails its unit tests (exit %s); nothing to measure\n%s" % (rc, tail))
            return 1
        limits["unit"] = max(30.0, 10 * secs)
    if a.fuzz_time > 0:
        # the fuzz step too: a finding on the unmutated tree would "kill"
        # every mutant that reaches it
        base.prepare_fuzz()
        if not (base.make(["fuzz_diff"]) and base.make(["fuzz_diff"], base.afl)):
            log("srdiff mutants: fuzz_diff of the unmutated tree does not build")
            return 1
        rc, secs, tail = run_bounded(base.fuzz_argv(a), base.env(), a.fuzz_time * 3 + 120)
        if rc != 0:
            log("srdiff mutants: a %d s fuzz run finds a divergence on the unmutated tree (exit %s); the fuzz step "
                "cannot judge mutants\n%s" % (a.fuzz_time, rc, tail))
            return 1
        ran = re.search(r"AFL\+\+ ran ([0-9.]+) s: (\d+) execs", tail)
        log("srdiff mutants: the unmutated tree survives %d s of fuzzing (%s)" %
            (a.fuzz_time, "AFL++ %s s, %s execs" % ran.groups() if ran else "AFL++ figures not found"))
    log("srdiff mutants: baseline passes (setup %.0f s); running %d mutants on %d worker(s)" %
        (time.time() - t_start, len(todo), jobs))
    queue = list(todo)
    lock = threading.Lock()
    done = [0]

    def work(w):
        while True:
            with lock:
                if not queue or batch.stopping():
                    return
                m = queue.pop(0)
            try:
                w.run(m, a, limits)
            except Exception as e:  # a broken mutant run is reported, never hidden
                m.verdict, m.by = "error", "%s: %s" % (type(e).__name__, e)
            with lock:
                if batch.stopping():  # its verdict is that of a killed child, not of the mutant
                    return
                done[0] += 1
                log("srdiff mutants: [%d/%d] %-9s %s %s %s%s" % (done[0], len(todo), m.verdict, m.where(), m.op,
                                                                 m.change(), " (by %s)" % m.by if m.by else ""))

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException:
        # an interrupt: no mutant starts any more, every child is stopped,
        # and the workers end before srdiff reports it
        batch.kill_all()
        for t in threads:
            t.join(30)
        raise
    # coverage (a minute) only matters when something survived
    cover = corpus_coverage(workers[0], out) if any(m.verdict == "survived" for m in chosen) else None
    mark_reached(chosen, cover, workers[0].src)
    if rerun:
        # every survivor went through the earlier run's fuzz and unit steps
        a.fuzz_time = max(a.fuzz_time, rec["fuzz_time"])
        a.unit = getattr(a, "unit", True) or rec.get("unit", False)
    return summary(a, chosen, out, time.time() - t_start, excluded)


def statement_lines(lines, line):
    """The line numbers of the statement that line `line` (1-based) of
    `lines` belongs to, back to its first line: gcov counts a statement
    written over several lines on one of them only."""
    out = [line]
    i = line - 1
    while i >= 1:
        t = lines[i - 1].strip()
        if not t or t.endswith((";", "{", "}", "*/")) or t.startswith(("#", "/*", "*", "//")):
            break
        out.append(i)
        i -= 1
    # the body of a braceless `if (...)`, `else`, `for`, `while`, `case`: a
    # statement of its own, which starts after the head (gcov counts the
    # head when its condition runs, not the body)
    first = min(out)
    for n in sorted(out):
        if n == line or not re.match(r"(if|else|for|while|switch|case|default|do)\b", lines[n - 1].strip()):
            continue
        depth, end = 0, n
        for k in range(n, line):
            text = re.sub(r'"(\\.|[^"\\])*"', '""', lines[k - 1])
            depth += text.count("(") - text.count(")")
            if depth <= 0:
                end = k
                break
        else:
            continue  # the mutated line is in the head itself
        first = end + 1
    return [n for n in out if n >= first]


def reached(m, cover, lines):
    """Whether the unmutated port executed the statement of mutant m
    (`cover`: its file's entry of corpus_coverage; `lines`: that file's
    text). A line gcov does not count at all (a static table's initializer)
    is data the code reads, so it counts as reached."""
    stmt = statement_lines(lines, m.line)
    if not cover or not any(n in cover["executable"] for n in stmt):
        return True
    return any(n in cover["executed"] for n in stmt)


def mark_reached(chosen, cover, src):
    """Sets m.reached of every mutant from corpus_coverage's `cover` (None
    when there is none), each file of the tree `src` read once."""
    texts = {}
    for m in chosen:
        if cover is None:
            m.reached = None
            continue
        if m.file not in texts:
            with open(os.path.join(src, m.file)) as f:
                texts[m.file] = f.read().split("\n")
        m.reached = reached(m, cover.get(m.file), texts[m.file])


def reason_kind(reason):
    """The class of a survivor's written reason: "equivalent", "not
    reached", "other reason" or "no reason"."""
    return "equivalent" if reason.startswith("equivalent") else "not reached" if reason.startswith("not reached") \
        else "other reason" if reason else "no reason"


def summary(a, chosen, out, secs, excluded=()):
    reasons = load_reasons(a.reasons)
    killed = [m for m in chosen if m.verdict == "killed"]
    survived = [m for m in chosen if m.verdict == "survived"]
    stillborn = [m for m in chosen if m.verdict == "stillborn"]
    errors = [m for m in chosen if m.verdict == "error"]
    counted = len(killed) + len(survived)
    by = {}
    for m in killed:
        step = m.by.split(" ")[0].split(":")[0]
        by[step] = by.get(step, 0) + 1
    fuzzed = [m for m in chosen if m.afl is not None]
    afl_note = ""
    if fuzzed:
        afl_note = "; fuzzed %d mutant(s): AFL++ ran %.0f s in all (%.1f s each on average), %d execs" % (
            len(fuzzed), sum(m.afl[0] for m in fuzzed), sum(m.afl[0] for m in fuzzed) / len(fuzzed),
            sum(m.afl[1] for m in fuzzed))
    n_eq = sum(m.tce == "equivalent" for m in excluded)
    n_dup = sum(m.tce == "duplicate" for m in excluded)
    n_sb = sum(m.tce == "stillborn" for m in excluded)
    unit = getattr(a, "unit", True)
    lines = ["mutation score: %d/%d killed (%.1f%%) -- seed %d, %d generated, %d TCE-equivalent, %d TCE-duplicate, "
             "%d stillborn, %d counted, %d errors, fuzz %d s, unit tests %s, %.0f s" %
             (len(killed), counted, 100.0 * len(killed) / counted if counted else 0.0, a.seed,
              len(chosen) + len(excluded), n_eq, n_dup, n_sb + len(stillborn), len(chosen) - len(stillborn),
              len(errors), a.fuzz_time, "on" if unit else "off", secs),
             "killed by: " + (", ".join("%s %d" % kv for kv in sorted(by.items())) or "none") + afl_note]
    if getattr(a, "rerun_note", None):
        lines.append("re-run: " + a.rerun_note)
    if unit:
        traces = len(killed) - by.get("unit", 0)
        lines.append("trace-level score (diff corpus/ + check + fuzz, without the unit tests): %d/%d killed (%.1f%%); "
                     "the unit tests killed %d more" % (traces, counted, 100.0 * traces / counted if counted else 0.0,
                                                        by.get("unit", 0)))
    if survived:
        lines.append("surviving mutants (file:line, operator, change, reason):")
        for m in survived:
            lines.append("  %s  %-5s %s  reason: %s%s" % (
                m.where(), m.op, m.change(), reasons.get(m.stable(), "?"),
                "  [line never executed by the corpus]" if m.reached is False else ""))
            lines.append("      key: %s" % m.stable())
    if survived:
        # the reasons are claims, not proofs: this line only sorts them, and
        # the score above counts every survivor
        kinds = {}
        for m in survived:
            k = reason_kind(reasons.get(m.stable(), ""))
            kinds[k] = kinds.get(k, 0) + 1
        lines.append("survivors by reason: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())) +
                     ("; with the %d argued equivalent left out of the count: %d/%d killed (%.1f%%)" % (
                         kinds["equivalent"], len(killed), counted - kinds["equivalent"],
                         100.0 * len(killed) / (counted - kinds["equivalent"]))
                      if kinds.get("equivalent") and counted > kinds["equivalent"] else ""))
    if any(m.reached is not None for m in chosen):
        unreached = [m for m in chosen if m.reached is False]
        lines.append("on lines the corpus never executes (coverage of the unmutated port): %d counted mutants, "
                     "%d of them killed, %d survived" % (len(unreached), sum(m.verdict == "killed" for m in unreached),
                                                         sum(m.verdict == "survived" for m in unreached)))
        executed = [m for m in chosen if m.reached and m.verdict in ("killed", "survived")]
        if unit and executed:
            k = sum(m.verdict == "killed" and not m.by.startswith("unit") for m in executed)
            lines.append("trace-level score on the lines the corpus executes: %d/%d killed (%.1f%%)" % (
                k, len(executed), 100.0 * k / len(executed)))
            # the survivors argued equivalent and the mutants on lines no
            # trace executes are out of any trace-level step's reach until
            # traces execute more lines (or the reasons are wrong)
            eq_exec = sum(m.verdict == "survived" and reason_kind(reasons.get(m.stable(), "")) == "equivalent"
                          for m in executed)
            if eq_exec and len(executed) > eq_exec:
                lines.append("the same over the %d not argued equivalent: %d/%d killed (%.1f%%); at most %d/%d "
                             "(%.1f%%) can die at trace level until traces execute more lines" % (
                                 len(executed) - eq_exec, k, len(executed) - eq_exec,
                                 100.0 * k / (len(executed) - eq_exec), len(executed) - eq_exec, counted,
                                 100.0 * (len(executed) - eq_exec) / counted))
    eq = [m for m in excluded if m.tce in ("equivalent", "duplicate")]
    if eq:
        lines.append("excluded by trivial compiler equivalence (not counted):")
        for m in eq:
            lines.append("  %-10s %s  %-5s %s  (%s)" % (m.tce, m.where(), m.op, m.change(), m.by))
    for m in errors:
        lines.append("  error %s %s %s: %s" % (m.where(), m.op, m.change(), m.by))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if not getattr(a, "resummarize", None):
        # every verdict, to print the summary again later (--resummarize)
        # with a reasons file written after the run
        rec = {"seed": a.seed, "fuzz_time": a.fuzz_time, "secs": secs, "slice": getattr(a, "slice", None), "unit": unit,
               "rerun_note": getattr(a, "rerun_note", None),
               "mutants": [dict({k: getattr(m, k) for k in Mutant.__slots__}, counted=m in chosen)
                           for m in list(excluded) + list(chosen)]}
        name_json = "mutants.json" if not getattr(a, "slice", None) else "mutants-%s.json" % a.slice.replace(":", "-")
        with open(os.path.join(out, name_json), "w") as f:
            json.dump(rec, f, indent=1)
    name = "mutants.txt" if not getattr(a, "slice", None) else "mutants-%s.txt" % a.slice.replace(":", "-")
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
        f.write("all mutants:\n")
        for m in chosen:
            f.write("  %-9s %s %-5s %s %s %.1fs%s\n" % (m.verdict, m.where(), m.op, m.change(), m.by or "", m.secs,
                                                       " (AFL++ %.1f s, %d execs)" % m.afl if m.afl else ""))
    return 1 if errors else 0
