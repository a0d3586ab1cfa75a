"""`srdiff bench`: the port against the model in one process (sr-bench),
replay throughput, QEMU boot and replay, fuzz harness exec/s; a table, a
CSV and a plot."""
import os
import re
import shutil
import subprocess
import tempfile
import time

from . import ROOT, build, impls
from .build import log
from .fuzz import fuzz_encode
from .trace import find_traces


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def timed(fn, runs):
    """Median wall seconds of fn() over `runs` calls."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return median(times)


def cpu_now():
    """CPU seconds of this process and of its waited-for children (QEMU)."""
    import resource
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def timed_cpu(fn, runs):
    """Median CPU seconds (this process and its children) of fn() over
    `runs` calls: on a shared machine the wall time of a QEMU run says more
    about the other processes than about QEMU."""
    times = []
    for _ in range(runs):
        t0 = cpu_now()
        fn()
        times.append(cpu_now() - t0)
    return median(times)


def write_trace(path, lines):
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    return path


class Goal:
    """One row of the goals table: a figure, its unit, the goal and whether
    the figure meets it (None: not measured here)."""

    def __init__(self, name, value, unit, goal, met):
        self.name, self.value, self.unit, self.goal, self.met = name, value, unit, goal, met

    def cells(self):
        v = ("%.3g" % self.value) if isinstance(self.value, float) else str(self.value)
        return [self.name, v + " " + self.unit, self.goal, {True: "met", False: "NOT met", None: "-"}[self.met]]


def goals(a, tmp, runs):
    """Measures each speed goal of the project (replay, QEMU, fuzz harness)."""
    out = []
    corpus = find_traces([os.path.join(ROOT, "corpus")])
    c, ref, qemu = impls.get("c"), impls.get("ref"), impls.get("qemu")
    jobs = os.cpu_count() or 2
    tc = timed(lambda: c.run(corpus, jobs), runs)
    tr = timed(lambda: ref.run(corpus, jobs), runs) if ref.available()[0] else None
    tcc = timed_cpu(lambda: c.run(corpus, jobs), runs)  # c over the corpus, CPU seconds
    out.append(Goal("corpus on c (%d traces)" % len(corpus), tc, "s", "-", None))
    if tr:
        out.append(Goal("corpus on ref", tr, "s", "-", None))
        out.append(Goal("c time / ref time (wall, %d jobs)" % jobs, tc / tr, "x", "<= 1.0", tc <= tr))
        trc = timed_cpu(lambda: ref.run(corpus, jobs), runs)
        out.append(Goal("c time / ref time (CPU)", tcc / trc, "x", "<= 1.0", tcc <= trc))
    # the invariant checker's cost: the corpus, and its longest trace (the
    # bookkeeping-tree check walks the whole tree after each op that may
    # change it), with --check against without, in CPU time
    tck = timed_cpu(lambda: c.run(corpus, jobs, check=True), runs)
    out.append(Goal("checker: corpus on c with --check / without (CPU)", tck / tcc, "x", "-", None))
    def nlines(t):
        with open(t, "rb") as f:
            return f.read().count(b"\n")
    big = max(corpus, key=nlines)
    with open(big) as f:
        text = f.read().splitlines()
    copies = [write_trace(os.path.join(tmp, "big%02d.trace" % i), text) for i in range(20)]
    tbp = timed_cpu(lambda: c.run(copies, 1), runs)
    tbk = timed_cpu(lambda: c.run(copies, 1, check=True), runs)
    out.append(Goal("checker: longest trace (%s, %d lines) with --check / without (CPU)" %
                    (os.path.basename(big), len(text)), tbk / tbp, "x", "-", None))
    if qemu.available()[0]:
        hosted = [t for t in corpus if not qemu.skips(t)]
        tq = timed_cpu(lambda: qemu.run(hosted, 1), max(1, runs // 2))
        tch = timed_cpu(lambda: c.run(hosted, 1), runs)
        total = tc + (tr or 0) + timed(lambda: qemu.run(hosted, jobs), 1)  # wall: what a user waits
        out.append(Goal("main job: diff corpus/ on c, ref, qemu", total, "s", "<= 10 s", total <= 10))
        out.append(Goal("qemu corpus / hosted corpus (one job each, CPU)", tq / tch, "x", "<= 3", tq / tch <= 3))
        one = write_trace(os.path.join(tmp, "one.trace"), ["free_frames"])
        many = [write_trace(os.path.join(tmp, "t%03d.trace" % i), ["free_frames"]) for i in range(200)]
        t1 = timed(lambda: qemu.run([one], 1), runs)
        tm = timed(lambda: qemu.run([one] + many, 1), runs)
        per = (tm - t1) / len(many) * 1000
        out.append(Goal("qemu boot + one trace", t1 * 1000, "ms", "-", None))
        out.append(Goal("qemu per trace inside one boot", per, "ms", "<= 5 ms", per <= 5))
        # per result line: the slope between a short and a long trace, each
        # in one boot, in CPU time (boot and per-trace costs cancel out; a
        # busy machine's scheduling does not count)
        n1, n2 = (10 ** 5, 5 * 10 ** 5) if a.quick else (10 ** 5, 10 ** 6)
        short = write_trace(os.path.join(tmp, "lines1.trace"), ["free_frames"] * n1)
        long_ = write_trace(os.path.join(tmp, "lines2.trace"), ["free_frames"] * n2)
        tl1 = timed_cpu(lambda: qemu.run([short], 1), runs)
        tl2 = timed_cpu(lambda: qemu.run([long_], 1), runs)
        per = max(tl2 - tl1, 1e-9) / (n2 - n1)
        out.append(Goal("qemu per result line (CPU, slope %d to %d lines)" % (n1, n2), per * 1e6, "us",
                        "<= 2 us", per * 1e6 <= 2))
        out.append(Goal("qemu result lines per CPU second", 1 / per, "lines/s", ">= 500000", 1 / per >= 500000))
        cycles = 10000 if a.quick else 100000
        nd = write_trace(os.path.join(tmp, "newdrop.trace"), ["new P", "drop P"] * cycles)
        tqn = timed_cpu(lambda: qemu.run([nd], 1), max(1, runs // 2))
        tcn = timed_cpu(lambda: c.run([nd], 1), runs)
        out.append(Goal("qemu / hosted, %d new+drop cycles (CPU)" % cycles, tqn / tcn, "x", "<= 3", tqn / tcn <= 3))
    fz = build.tool("fuzz_diff")
    if os.path.exists(fz) and tr:
        cases = []
        for i, t in enumerate(find_traces([os.path.join(ROOT, "corpus", "upstream")])):
            with open(t) as f:
                data = fuzz_encode(f.read())
            cases.append(os.path.join(tmp, "case%03d" % i))
            with open(cases[-1], "wb") as f:
                f.write(data)
        p = subprocess.run([fz, "--bench"] + cases, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        # per CPU second: what one free core does, whatever else the machine runs
        m = re.search(rb"([0-9.]+) execs per cpu second", p.stdout)
        if m:
            v = float(m.group(1))
            out.append(Goal("fuzz harness, c+ref, no AFL++ (execs per CPU second, corpus/upstream cases)", v,
                            "execs/s", ">= 50000", v >= 50000))
    return out


def table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


README_BEGIN = "<!-- srdiff bench: begin -->"
README_END = "<!-- srdiff bench: end -->"


def update_readme(text):
    """Puts `text` between the bench markers of README.md."""
    path = os.path.join(ROOT, "README.md")
    with open(path) as f:
        readme = f.read()
    i, j = readme.find(README_BEGIN), readme.find(README_END)
    if i < 0 or j < i:
        raise SystemExit("srdiff bench: README.md has no %s ... %s section" % (README_BEGIN, README_END))
    readme = readme[:i + len(README_BEGIN)] + "\n" + text + "\n" + readme[j:]
    with open(path, "w") as f:
        f.write(readme)


def cmd_bench(a):
    outdir = os.path.abspath(a.out)
    os.makedirs(outdir, exist_ok=True)
    rows = []  # (workload, n, ops, c, ref, ratio)
    p = subprocess.run([build.tool("sr-bench")] + (["--quick"] if a.quick else []),
                       stdout=subprocess.PIPE, check=True)
    for line in p.stdout.decode().splitlines()[1:]:
        w, n, ops, c, r, ratio = line.split(",")
        rows.append((w, int(n), int(ops), float(c), float(r), float(ratio)))
    runs = 3 if a.quick else 5
    tmp = tempfile.mkdtemp(prefix="srbench")
    try:
        gl = goals(a, tmp, runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    work = table(["workload", "N", "ops", "c ops/s", "ref ops/s", "c / ref"],
                 [[w, str(n), str(ops), "%.0f" % c, "%.0f" % r, "%.2f" % ratio] for w, n, ops, c, r, ratio in rows])
    goal = table(["figure", "measured", "goal", ""], [g.cells() for g in gl])
    print(work + "\n\n" + goal)
    with open(os.path.join(outdir, "bench.csv"), "w") as f:
        f.write("workload,n,ops,c_ops_per_s,ref_ops_per_s,ratio\n")
        for r in rows:
            f.write("%s,%d,%d,%.0f,%.0f,%.2f\n" % r)
        for g in gl:
            f.write("%s,,,%.6g,,%s\n" % (g.name.replace(",", ";"), g.value, g.unit))
    plot(rows, outdir)
    if a.readme:
        shutil.copy(os.path.join(outdir, "bench.png"), os.path.join(ROOT, "docs", "bench.png")) \
            if os.path.exists(os.path.join(outdir, "bench.png")) else None
        update_readme("Measured by `srdiff bench%s` on %s (%d cores):\n\n%s\n\n%s" % (
            " --quick" if a.quick else "", time.strftime("%Y-%m-%d"), os.cpu_count() or 1, work, goal))
    return 0


def plot(rows, outdir):
    """Cost per operation against N (log-log), gnuplot PNG."""
    if not shutil.which("gnuplot"):
        log("srdiff bench: gnuplot not found, no plot")
        return
    data = os.path.join(outdir, "bench_cost.dat")
    with open(data, "w") as f:
        for w in ("churn", "find_available_space"):
            f.write("# %s\n" % w)
            for r in rows:
                if r[0] == w:
                    f.write("%d %.6f %.6f\n" % (r[1], 1e6 / r[3], 1e6 / r[4]))
            f.write("\n\n")
    script = """set terminal pngcairo noenhanced size 900,540 font ',11'
set output '%s'
set logscale xy
set xlabel 'live mappings N'
set ylabel 'microseconds per operation'
set key top left
set grid
set title 'Cost per operation against the number of live mappings'
plot '%s' index 0 using 1:2 with linespoints title 'churn (create+query+unmap), C port', \
     '' index 0 using 1:3 with linespoints title 'churn, Rust model', \
     '' index 1 using 1:2 with linespoints title 'find_available_space, C port', \
     '' index 1 using 1:3 with linespoints title 'find_available_space, Rust model'
""" % (os.path.join(outdir, "bench.png"), data)
    subprocess.run(["gnuplot"], input=script.encode(), check=False)
