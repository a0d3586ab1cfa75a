"""srdiff ladder: the corpus on every rung of the bottom-up migration.

Rung 0 is upstream's Rust alone; rung n takes the first n modules of the ladder
(reference/upstream/build.py LADDER) from the C port, the rest from upstream's
unmodified Rust, all in one wasm module (build.py --mix). Each rung is built
(cached by its stamp), the traces are replayed on it in batch mode and each
result is compared (compare.compare, TRACE_FORMAT's panic rule) with the trace's
golden, or, for a trace without one, with rung 0's result. One row per rung:

    RUNG  C MODULES  PASSED/TOTAL  FIRST DIVERGENCE (trace:line)  BUILD

A rung without glue is NOT BUILT with the reason and counts as failing; so does
a rung whose build fails. Exit status 0 when every rung passes every trace, 1
otherwise (6 when rung 0 itself cannot be built)."""
import os
import resource
import time

from . import impls
from .build import BuildError, log
from .compare import compare, golden_of
from .status import Status
from .trace import find_traces


def _rel(t, root):
    return os.path.relpath(t, root) if os.path.abspath(t).startswith(root + os.sep) else t


def first_divergence(trace, res, golden, base, root):
    """None when `res` agrees with the golden (or, without one, rung 0's
    result), else `TRACE:LINE (what differs)`, LINE being the trace line of the
    first differing result or the malformed line."""
    want = golden if golden is not None else base
    where = _rel(trace, root)
    if want is None:
        return None if res.status in (Status.OK, Status.MALFORMED) else "%s (%s)" % (where, res.describe())
    d = compare(trace, {"rung": res, "golden": want})
    if d is None:
        return None
    for l in d.detail:
        l = l.strip()
        if l.startswith("trace line "):
            where += ":" + l.split()[2].rstrip(":")
            break
    return "%s (%s)" % (where, d.field or d.headline)


def run(paths, rungs, jobs, root, out=print):
    b = impls.upstream_build_module()
    traces = find_traces(paths)
    names = {n: what for n, what in b.LADDER}
    goldens = {t: golden_of(t) for t in traces}
    base = {}
    rows = []
    failed = False
    out("%-4s  %-39s  %-9s  %-44s  %s" % ("rung", "modules in C (bottom-up)", "passed", "first divergence", "build"))
    for rung in rungs:
        impl = impls.rung_impl(rung)
        mods = [n for n, _ in b.LADDER[:rung]]
        label = "none (all upstream Rust)" if rung == 0 else mods[0] if rung == 1 else \
            "%s..%s%s" % (mods[0], mods[-1], " (all C)" if rung == len(b.LADDER) else "")
        ok, why = impl.available()
        if not ok:
            failed = True
            out("%-4d  %-39s  %-9s  NOT BUILT: %s" % (rung, label, "-", why))
            continue
        t0, c0 = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            impl.wasm()
        except impls.NotBuilt as e:
            failed = True
            out("%-4d  %-39s  %-9s  NOT BUILT: %s" % (rung, label, "-", e))
            continue
        except BuildError as e:
            failed = True
            lines = str(e).splitlines()
            why = next((l.split("error:", 1)[1].strip() for l in lines if "error:" in l), lines[0] if lines else "")
            out("%-4d  %-39s  %-9s  NOT BUILT: build failed: %s" % (rung, label, "-", why))
            log(str(e))
            continue
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
        built = "%.1f s wall, %.1f s CPU%s" % (time.time() - t0, cpu, " (cached)" if getattr(impl, "cached", False) else "")
        results = impl.run(traces, jobs)
        passed, first = 0, None
        for t in traces:
            r = results[t]
            if rung == 0:
                base[t] = r
            d = first_divergence(t, r, goldens[t], base.get(t), root)
            if d is None:
                passed += 1
            elif first is None:
                first = d
        if passed != len(traces):
            failed = True
        out("%-4d  %-39s  %3d/%-5d  %-44s  %s" % (rung, label, passed, len(traces), first or "-", built))
    return 1 if failed else 0
