"""srdiff -- the front door of the differential harness.

  srdiff run  [--impl c|ref|qemu|upstream] [--check] TRACE
                 replay one trace; its result stream on stdout and the
                 runner's exit status (see "Exit status" below)
  srdiff diff [--impl LIST] [--require LIST] [--jobs N] [--report FILE]
              [--quiet] [--check] [--no-golden] PATH...
                 replay traces (files, or directories searched for *.trace) on
                 every listed implementation (default: every available one;
                 the others are named on stderr with the reason), compare the
                 streams with each other and with NAME.out (NAME.err for
                 malformed traces); exit 1 on any divergence
  srdiff check [--impl c|qemu] [--jobs N] [--quiet] PATH...
                 replay traces on c (or the port booted in QEMU, hosted-only
                 traces skipped) with the invariant checker after every
                 operation and a teardown at the end; a trace with NAME.finding
                 must break exactly the invariant that file names (an upstream
                 finding), every other trace must break none
  srdiff record [--force] PATH...
                 write NAME.out (NAME.err when malformed) for traces, from
                 upstream's own module; never overwrites without --force
  srdiff gen  --seed N --count K [--out DIR] [--ops M] [--profile P]
                 write random valid traces
  srdiff shrink [--impl LIST] [--out FILE] TRACE
                 delta-debug a diverging trace down to a few lines that still
                 diverge the same way
  srdiff fuzz [--time S] [--jobs N] [--out DIR] [--keep] [--seeds DIR]
              [--stop-on-first]
                 AFL++ campaign of the c port against the reference model;
                 the seeds are replayed first (a diverging seed is a
                 finding), the invariant checker runs in the loop; exit 1
                 on any finding, 77 when afl-fuzz is missing
  srdiff mutants [--seed N] [--count N] [--fuzz-time S]
                 mutation score of diff corpus/ + check + fuzz (+ the
                 port's unit tests) on mutants
                 of c/kernel/ (see harness/srdifflib/mutants.py)
  srdiff encode TRACE OUT / srdiff decode CASE
                 trace <-> the fuzz harness's binary encoding
  srdiff bench [--quick] [--out DIR]
                 benchmarks; a table on stdout, DIR/bench.csv, DIR/bench.png
  srdiff build [--impl LIST]
                 build the implementations
  srdiff ladder [--rungs LIST] [--jobs N] [PATH...]
                 the bottom-up migration ladder: replay traces (default
                 corpus/) on every rung, from 0 (all upstream Rust) to 6 (all
                 C through the same glue), one row per rung with its pass
                 count, first divergence and build time; exit 1 when a rung
                 fails or is NOT BUILT (docs/migration.md, "The ladder")

Implementations: c (the C port over the hosted simulation), ref (the Rust
reference model), qemu (the C port booted as an i386 kernel in QEMU),
upstream (SunriseOS's own module from the checkout given by --upstream DIR or
SUNRISE_SRC), mix:MODS (upstream's Rust with the named modules from the C
port, separated by + or commas, e.g. mix:frame_allocator or
mix:frame_allocator+i386_tables+hierarchical_table). Everything is built on
first use, serialised by a lock: CMake
into build/ ($SRDIFF_BUILD overrides; a read-only checkout builds in the
user's cache), cargo into reference/target/; SRDIFF_C_EXE, SRDIFF_REF_EXE
and SRDIFF_KERNEL name prebuilt binaries instead. A trace whose text holds
the line `# srdiff: hosted-only` is not replayed on qemu.

Exit status: `run` exits with the runner's status: 0 ran (to its end or a
panic), 1 usage, 2 malformed trace (FILE:LINE: reason), 3 broken invariant
(--check), 4 unreadable input, 5 the implementation crashed or hung. The
other commands: 0 all passed, 1 a divergence or failure, 2 usage, 6 a build
step failed, 130 interrupted (children killed, partial summary printed).
"""
import argparse
import os
import signal
import sys
import time

from . import HERE, ROOT, batch, build, impls
from .build import BuildError, log
from .compare import compare, golden_of, malformed_line_no
from .report import Case, Console, junit
from .status import Status
from .trace import NoTrace, find_traces

EXIT_FAIL, EXIT_USAGE, EXIT_BUILD, EXIT_INTERRUPTED = 1, 2, 6, 130


class Usage(Exception):
    pass


class Skip(Exception):
    """An implementation the command needs is missing and --skip-missing
    was given: the command reports SKIPPED and exits 77."""


EXIT_SKIPPED = 77


def rel(t):
    return os.path.relpath(t, ROOT) if os.path.abspath(t).startswith(ROOT + os.sep) else t


def select_impls(a):
    """The implementations a command runs on: those named by --impl (each
    must be available), else every available one; the rest are logged with
    the reason, and --require makes one of them an error."""
    names = impls.split_list(a.impl) if a.impl else list(impls.ORDER)
    for n in names:
        impls.get(n)
    chosen = []
    for n in names:
        ok, why = impls.get(n).available()
        if ok:
            chosen.append(n)
        elif getattr(a, "skip_missing", False):
            raise Skip("implementation %s is not available: %s" % (n, why))
        elif a.impl or n in (getattr(a, "require", None) or "").split(","):
            raise Usage("implementation %s is not available: %s" % (n, why))
        else:
            log("srdiff: skipping %s: %s" % (n, why))
    for n in (getattr(a, "require", None) or "").split(","):
        if n and n not in chosen:
            impls.get(n)
            raise Usage("implementation %s is required but not selected" % n)
    if not chosen:
        raise Usage("no implementation available")
    return chosen


# ---- run ------------------------------------------------------------------------

def cmd_run(a):
    impl = impls.get(a.impl)
    ok, why = impl.available()
    if not ok:
        raise Usage("implementation %s is not available: %s" % (a.impl, why))
    if a.check and not impl.checks:
        raise Usage("--check: the invariant checker runs on c and qemu only")
    p = batch.spawn(impl.argv_one(a.trace, a.check))
    try:
        return p.wait()
    finally:
        batch.reap(p)


# ---- diff -----------------------------------------------------------------------

def cmd_diff(a):
    chosen = select_impls(a)
    traces = find_traces(a.paths)
    if not traces:
        raise Usage("no trace found")
    t0 = time.time()
    results, planned = {}, {}
    interrupted = False
    try:
        for name in chosen:
            impl = impls.get(name)
            todo = [t for t in traces if not impl.skips(t)]
            for t in todo:
                planned.setdefault(t, []).append(name)
            log("srdiff: %d trace(s) on %s" % (len(todo), name))
            t1 = time.time()
            for t, r in impl.run(todo, a.jobs, a.check).items():
                results.setdefault(t, {})[name] = r
            log("srdiff: %s took %.2f s" % (name, time.time() - t1))
    except (KeyboardInterrupt, batch.Interrupted):
        batch.kill_all()
        interrupted = True
    cases = []
    con = Console(a.quiet, len(traces))
    for t in traces:
        res = results.get(t, {})
        if interrupted and (not res or set(res) != set(planned.get(t, []))):
            continue
        name = rel(t)
        if not planned.get(t):
            c = Case(name, skipped="no implementation replays it (%s)" % ", ".join(
                "%s: %s" % (n, impls.get(n).skips(t)) for n in chosen))
        else:
            res = dict(res)
            gold = golden_of(t)
            if gold and not a.no_golden:
                res["golden"] = gold
            if len(res) > 1:
                d = compare(t, res)
                c = Case(name, d.lines() if d else None)
            else:
                only = next(iter(res.values()))
                ok = only.status in (Status.OK, Status.MALFORMED)
                c = Case(name, None if ok else [only.describe()])
        cases.append(c)
        con.case(c, list(res) if not c.skipped else ())
    if a.report:
        junit(a.report, cases, time.time() - t0)
    con.summary(interrupted)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAIL if con.nfail else 0


# ---- check ----------------------------------------------------------------------

def check_verdict(trace, r):
    """None when the checker's verdict on a trace is the expected one, else
    the reason: a trace with NAME.finding must break the invariant it names,
    any other must break none."""
    finding = trace[:-len(".trace")] + ".finding"
    err = r.err.decode("utf-8", "replace").strip()
    if os.path.exists(finding):
        with open(finding) as f:
            want = f.readline().strip()
        if r.status == Status.INVARIANT and want in err:
            return None
        return "expected the upstream finding: %s; got %s %s" % (want, r.describe(), err)
    if r.status in (Status.OK, Status.MALFORMED):
        return None
    return "%s %s" % (r.describe(), err)


def cmd_check(a):
    traces = find_traces(a.paths)
    if not traces:
        raise Usage("no trace found")
    t0 = time.time()
    con = Console(a.quiet, len(traces), fail_word="FAIL")
    cases = []
    impl = impls.get(getattr(a, "impl", "c"))
    ok, why = impl.available()
    if not ok:
        raise Usage("check needs %s: %s" % (impl.name, why))
    todo = [t for t in traces if not impl.skips(t)]
    try:
        res = impl.run(todo, a.jobs, check=True) if todo else {}
    except (KeyboardInterrupt, batch.Interrupted):
        batch.kill_all()
        con.summary(True)
        return EXIT_INTERRUPTED
    for t in traces:
        if t not in res:
            c = Case(rel(t), skipped="%s: %s" % (impl.name, impl.skips(t)))
            cases.append(c)
            con.case(c)
            continue
        why = check_verdict(t, res[t])
        c = Case(rel(t), [why] if why else None)
        cases.append(c)
        con.case(c)
    if a.report:
        junit(a.report, cases, time.time() - t0, suite="srdiff-check")
    con.summary()
    return EXIT_FAIL if con.nfail else 0


# ---- record ---------------------------------------------------------------------

def cmd_record(a):
    up = impls.get("upstream")
    ok, why = up.available()
    if not ok:
        raise Usage("record needs upstream: %s" % why)
    traces = find_traces(a.paths)
    todo, kept = [], 0
    for t in traces:
        base = t[:-len(".trace")] if t.endswith(".trace") else t
        if not a.force and any(os.path.exists(base + s) for s in (".out", ".err")):
            kept += 1
        else:
            todo.append(t)
    res = up.run(todo, a.jobs)
    bad = changed = 0
    for t in todo:
        r = res[t]
        base = t[:-len(".trace")] if t.endswith(".trace") else t
        before = golden_of(t) if t.endswith(".trace") else None
        if r.status == Status.OK:
            keep, other, data = ".out", ".err", r.out
        elif r.status == Status.MALFORMED:
            keep, other, data = ".err", ".out", b"%d\n" % malformed_line_no(r.err)
        else:
            bad += 1
            print("FAIL %s: %s" % (rel(t), r.describe()))
            continue
        d = compare(t, {"recorded": before, "upstream": r}) if before else None
        if d:
            changed += 1
            print("CHANGED %s" % rel(t))
            for line in d.lines():
                print("     " + line)
        with open(base + keep, "wb") as f:
            f.write(data)
        if os.path.exists(base + other):
            os.remove(base + other)
    print("recorded %d (%d changed), kept %d (existing; --force overwrites), failed %d"
          % (len(todo) - bad, changed, kept, bad))
    return EXIT_FAIL if bad or (changed and a.fail_on_change) else 0


# ---- small commands -------------------------------------------------------------

def cmd_gen(a):
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import gen
    argv = ["--seed", str(a.seed), "--count", str(a.count)]
    for opt in ("out", "ops", "profile"):
        if getattr(a, opt):
            argv += ["--" + opt, str(getattr(a, opt))]
    if a.hosted_only:
        argv.append("--hosted-only")
    return gen.main(argv)


def cmd_build(a):
    for n in select_impls(a):
        impl = impls.get(n)
        if n == "c":
            build.c_runner()
        elif n == "ref":
            build.ref_runner()
        elif n == "qemu":
            build.kernel()
        elif n == "upstream" or n.startswith("mix:"):
            impl.wasm()
        log("srdiff: built %s" % n)
    return 0


def cmd_ladder(a):
    from . import ladder
    b = impls.upstream_build_module()
    top = len(b.LADDER)
    if a.rungs:
        try:
            rungs = sorted({int(x) for x in a.rungs.split(",") if x.strip()})
        except ValueError:
            raise Usage("--rungs: a comma-separated list of rung numbers 0..%d" % top)
        if not rungs or rungs[0] < 0 or rungs[-1] > top:
            raise Usage("--rungs: rung numbers go from 0 to %d" % top)
    else:
        rungs = list(range(top + 1))
    ok, why = impls.get("upstream").available()
    if ok and a.skip_missing:
        # the toolchain: Debian's rustc for wasm32 (every rung), clang (rungs 1..)
        try:
            b.find_rustc()
        except b.BuildError as e:
            ok, why = False, str(e)
        if ok and any(r > 0 for r in rungs):
            ok, why = impls.rung_impl(max(rungs)).available()
    if not ok:
        if a.skip_missing:
            raise Skip(why)
        raise Usage("the ladder needs upstream: %s" % why)
    paths = a.paths or [os.path.join(ROOT, "corpus")]
    return ladder.run(paths, rungs, a.jobs, ROOT)


def cmd_shrink(a):
    from . import shrink
    return shrink.cmd_shrink(a)


def cmd_fuzz(a):
    from . import fuzz
    return fuzz.cmd_fuzz(a)


def cmd_encode(a):
    from . import fuzz
    return fuzz.cmd_encode(a)


def cmd_decode(a):
    from . import fuzz
    return fuzz.cmd_decode(a)


def cmd_mutants(a):
    from . import mutants
    return mutants.cmd_mutants(a)


def cmd_bench(a):
    from . import bench
    return bench.cmd_bench(a)


# ---- the command line -------------------------------------------------------------

def parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--upstream", metavar="DIR",
                        help="a SunriseOS checkout to build upstream's module from (else $SUNRISE_SRC)")
    ap = argparse.ArgumentParser(prog="srdiff", description=__doc__, parents=[common],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    jobs = os.cpu_count() or 2
    r = sub.add_parser("run", parents=[common], help="replay one trace")
    r.add_argument("--impl", default="c", help="c, ref, qemu, upstream or mix:MODS (default: c)")
    r.add_argument("--check", action="store_true", help="run the invariant checker after each op")
    r.add_argument("trace")
    d = sub.add_parser("diff", parents=[common], help="differential replay")
    d.add_argument("--impl", help="comma-separated list (default: all available)")
    d.add_argument("--require", help="comma-separated implementations that must be available")
    d.add_argument("--jobs", type=int, default=jobs)
    d.add_argument("--report", help="write a JUnit XML report")
    d.add_argument("--quiet", action="store_true", help="print only divergences and the summary")
    d.add_argument("--check", action="store_true", help="run the invariant checker (c, qemu)")
    d.add_argument("--no-golden", action="store_true", help="ignore NAME.out files")
    d.add_argument("--skip-missing", action="store_true",
                   help="exit 77 (SKIPPED) instead of failing when a listed implementation is missing")
    d.add_argument("paths", nargs="+")
    c = sub.add_parser("check", parents=[common], help="replay on c (or qemu) with the invariant checker")
    c.add_argument("--impl", default="c", choices=("c", "qemu"), help="c (default) or qemu")
    c.add_argument("--jobs", type=int, default=jobs)
    c.add_argument("--quiet", action="store_true")
    c.add_argument("--report", help="write a JUnit XML report")
    c.add_argument("paths", nargs="+")
    rc = sub.add_parser("record", parents=[common], help="record NAME.out from upstream")
    rc.add_argument("--force", action="store_true", help="overwrite existing NAME.out / NAME.err")
    rc.add_argument("--fail-on-change", action="store_true",
                    help="exit 1 when a recording differs from the one it replaces (panic lines on the word)")
    rc.add_argument("--jobs", type=int, default=jobs)
    rc.add_argument("paths", nargs="+")
    g = sub.add_parser("gen", help="generate random valid traces")
    g.add_argument("--seed", type=int, required=True)
    g.add_argument("--count", type=int, default=1)
    g.add_argument("--out")
    g.add_argument("--ops", type=int)
    g.add_argument("--profile")
    g.add_argument("--hosted-only", action="store_true",
                   help="also what QEMU cannot replay identically; such traces are marked hosted-only")
    sh = sub.add_parser("shrink", parents=[common], help="minimise a diverging trace")
    sh.add_argument("--impl")
    sh.add_argument("--out")
    sh.add_argument("trace")
    fz = sub.add_parser("fuzz", parents=[common], help="AFL++ campaign, c against ref")
    fz.add_argument("--time", type=int, default=60)
    fz.add_argument("--jobs", type=int, default=1)
    fz.add_argument("--out")
    fz.add_argument("--keep", action="store_true")
    fz.add_argument("--seeds", help="traces to seed from (default: corpus/)")
    fz.add_argument("--stop-on-first", action="store_true", help="stop at the first finding")
    fz.add_argument("--no-upstream", action="store_true",
                    help="do not replay the queue on upstream at the end (done when a checkout is given)")
    fz.add_argument("--slow-seed", type=int, default=20, metavar="MS",
                    help="seeds slower than MS ms are replayed but not given to AFL++ (default 20)")
    fz.add_argument("--progress", type=float, default=5.0, metavar="S", help="seconds between progress lines")
    fz.add_argument("--jobs-replay", type=int, default=jobs, help="processes for the seed replay")
    fz.add_argument("--harness", help=argparse.SUPPRESS)  # a prebuilt AFL++ fuzz_diff (srdiff mutants)
    fz.add_argument("--replay", help=argparse.SUPPRESS)   # a prebuilt plain fuzz_diff
    fz.add_argument("--seeds-replayed", action="store_true", help=argparse.SUPPRESS)  # srdiff mutants
    mu = sub.add_parser("mutants", parents=[common], help="mutation testing of the harness on c/kernel/")
    mu.add_argument("--seed", type=int, default=1)
    mu.add_argument("--count", type=int, default=30)
    mu.add_argument("--fuzz-time", type=int, default=60, help="seconds of fuzzing per surviving mutant (0: none)")
    mu.add_argument("--jobs", type=int, default=jobs)
    mu.add_argument("--out", help="scratch and report directory (default: BUILD/mutants)")
    mu.add_argument("--list", action="store_true", help="print the selected mutants and stop")
    mu.add_argument("--slice", metavar="A:B", help="run only the drawn mutants A..B-1")
    mu.add_argument("--match", metavar="REGEX", help="only sites whose `FILE:LINE OP TEXT` matches")
    mu.add_argument("--reasons", help="a file of `KEY :: reason` lines for known survivors (KEY as the report prints it)")
    mu.add_argument("--resummarize", metavar="JSON", help="print the summary of an earlier run (its mutants.json) "
                    "again with the current --reasons, and stop")
    mu.add_argument("--rerun-survivors", metavar="JSON", help="judge again, on the current tests and harness, what "
                    "the trace-level steps of an earlier run (its mutants.json) left alive: its survivors and the "
                    "mutants only the unit tests killed; the port must be unchanged; its other kills are kept")
    mu.add_argument("--no-tce", action="store_true", help="count every compiling mutant (no trivial compiler equivalence)")
    mu.add_argument("--no-unit", dest="unit", action="store_false",
                    help="do not run the port's unit tests as the last detector")
    en = sub.add_parser("encode", help="trace to binary case")
    en.add_argument("trace")
    en.add_argument("out")
    de = sub.add_parser("decode", help="binary case to trace")
    de.add_argument("case")
    be = sub.add_parser("bench", help="benchmarks")
    be.add_argument("--quick", action="store_true")
    be.add_argument("--out")
    be.add_argument("--readme", action="store_true", help="write the figures into README.md and docs/bench.png")
    la = sub.add_parser("ladder", parents=[common], help="replay traces on every rung of the migration ladder")
    la.add_argument("--rungs", help="comma-separated rung numbers (default: all, 0..6)")
    la.add_argument("--jobs", type=int, default=jobs)
    la.add_argument("--skip-missing", action="store_true",
                    help="exit 77 (SKIPPED) when there is no upstream checkout or no node")
    la.add_argument("paths", nargs="*")
    b = sub.add_parser("build", parents=[common], help="build implementations")
    b.add_argument("--impl")
    return ap


COMMANDS = {"run": cmd_run, "diff": cmd_diff, "check": cmd_check, "record": cmd_record, "gen": cmd_gen,
            "shrink": cmd_shrink, "fuzz": cmd_fuzz, "encode": cmd_encode, "decode": cmd_decode,
            "bench": cmd_bench, "build": cmd_build, "mutants": cmd_mutants, "ladder": cmd_ladder}


def _terminate(signum, frame):
    raise KeyboardInterrupt()


def main(argv):
    a = parser().parse_args(argv)
    if getattr(a, "upstream", None):
        impls.Upstream.src = os.path.abspath(a.upstream)
    if getattr(a, "out", None) is None and a.cmd == "bench":
        a.out = os.path.join(build.root(), "bench")
    # Stop cleanly on the first SIGINT or SIGTERM, even where the caller
    # started srdiff with SIGINT ignored (a background job of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS[a.cmd](a)
    except (KeyboardInterrupt, batch.Interrupted):
        batch.kill_all()
        log("srdiff: interrupted")
        return EXIT_INTERRUPTED
    except Skip as e:
        print("SKIPPED: %s" % e)
        return EXIT_SKIPPED
    except BuildError as e:
        batch.kill_all()
        log("srdiff: build step failed: %s" % e)
        return EXIT_BUILD
    except (Usage, impls.UsageError, NoTrace) as e:
        log("srdiff: %s" % e)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_FAIL
