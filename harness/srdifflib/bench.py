"""`srdiff bench`: the port against the model in one process (sr-bench),
replay throughput, QEMU boot and replay, fuzz harness exec/s; a table, a
CSV and a plot."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import HERE, ROOT, build, impls
from .build import log
from .fuzz import fuzz_encode
from .trace import find_traces


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def bench_replay(impl, traces, runs):
    """Traces per second of `srdiff diff`-style replay on one implementation
    (process start included, as diff pays it)."""
    times = []
    for _ in range(runs):
        t0 = time.time()
        impls.get(impl).run(traces, os.cpu_count() or 2)
        times.append(time.time() - t0)
    return len(traces) / median(times)


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
    corpus = find_traces([os.path.join(ROOT, "corpus", "upstream")])
    extra = []  # (name, value, unit)
    rc = bench_replay("c", corpus, runs)
    rr = bench_replay("ref", corpus, runs) if impls.get("ref").available()[0] else 0
    rows.append(("replay_traces", len(corpus), len(corpus), rc, rr, rc / rr if rr else 0))
    if impls.get("qemu").available()[0]:
        qemu = impls.get("qemu")
        one = [os.path.join(ROOT, "corpus", "upstream", "new_consumes_directory.trace")]
        boots = []
        for _ in range(runs):
            t0 = time.time()
            qemu.run(one, 1)
            boots.append(time.time() - t0)
        t0 = time.time()
        qemu.run(corpus, 1)
        tq = time.time() - t0
        extra.append(("qemu_boot_one_trace", median(boots) * 1000, "ms"))
        extra.append(("qemu_replay", len(corpus) / tq, "traces/s"))
    fz = build.tool("fuzz_diff")
    if os.path.exists(fz):
        tmp = tempfile.mkdtemp(prefix="srbench")
        cases = []
        for i, t in enumerate(corpus):
            with open(t) as f:
                data = fuzz_encode(f.read())
            path = os.path.join(tmp, "c%03d" % i)
            with open(path, "wb") as f:
                f.write(data)
            cases.append(path)
        p = subprocess.run([fz, "--bench"] + cases, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        m = re.search(rb"([0-9.]+) execs/s", p.stdout)
        if m:
            extra.append(("fuzz_harness_replay", float(m.group(1)), "execs/s (c+ref, one core, no AFL)"))
        shutil.rmtree(tmp, ignore_errors=True)
    print("%-24s %8s %9s %14s %14s  %s" % ("workload", "n", "ops", "c ops/s", "ref ops/s", "ratio"))
    for w, n, ops, c, r, ratio in rows:
        print("%-24s %8d %9d %14.0f %14.0f  ratio=%.2f" % (w, n, ops, c, r, ratio))
    for name, v, unit in extra:
        print("%-24s %s %s" % (name, ("%.1f" % v), unit))
    with open(os.path.join(outdir, "bench.csv"), "w") as f:
        f.write("workload,n,ops,c_ops_per_s,ref_ops_per_s,ratio\n")
        for r in rows:
            f.write("%s,%d,%d,%.0f,%.0f,%.2f\n" % r)
        for name, v, unit in extra:
            f.write("%s,,,%.1f,,%s\n" % (name, v, unit))
    plot(rows, outdir)
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
