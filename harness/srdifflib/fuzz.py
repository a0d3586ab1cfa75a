"""AFL++ campaigns of the C port against the reference model (the in-process
differential harness harness/fuzz/fuzz_diff.c), and the binary encoding.

A campaign cannot look clean when it is not:
 1. every seed trace is replayed first, before AFL++ starts: on c and ref in
    batch mode (streams compared), on c with the invariant checker (a
    NAME.finding trace must break exactly the invariant it names), and,
    encoded, through the fuzz harness itself (c against ref with the
    checker, line by line). A seed that diverges is a finding: AFL++ would
    drop it silently in its dry run. Seeds slower than --slow-seed ms are
    replayed but not handed to AFL++ (their calibration stalls it);
 2. the fuzz harness runs the invariant checker after every operation as a
    second oracle (documented upstream findings tolerated, see fuzz_diff.c);
 3. AFL++ gets a dictionary generated from the op table (harness/fuzz/
    mkdict.py): every opcode, MemoryType, rights value and land boundary;
 4. the wall time is the one asked for: the clock starts when the command
    starts (after the build when the build compiled anything; an
    up-to-date check is counted), AFL++ is stopped at its share of it, and shrinking stops at the
    end (findings are written unshrunk if time runs out); the progress line
    is printed every few seconds from a counter the harness updates itself;
 5. findings are deduplicated by the shrunk trace's first divergent
    operation and the field that differs (shrink.dedupe_key), each written
    with that key and the time it was first seen.
"""
import os
import re
import shutil
import signal
import subprocess
import struct
import sys
import tempfile
import time

from . import HERE, ROOT, batch, build, impls
from .build import log
from .compare import compare
from .shrink import fuzz_key, fuzz_oracle, shrink, shrink_with
from .status import Status
from .trace import find_traces


ALLOWLIST = os.path.join(HERE, "fuzz", "afl_allowlist.txt")


def afl_env():
    """The environment of an AFL++ build: only the port, the decoder and
    the harness are instrumented (harness/fuzz/afl_allowlist.txt)."""
    return dict(os.environ, CC="afl-clang-fast", AFL_QUIET="1", AFL_LLVM_ALLOWLIST=ALLOWLIST)


def fuzz_build():
    """The AFL++-instrumented CMake tree, beside the build root."""
    return os.path.join(build.root(), "afl-port")


def fuzz_encode(text, limit=None):
    if os.path.join(HERE, "fuzz") not in sys.path:
        sys.path.insert(0, os.path.join(HERE, "fuzz"))
    import encode
    return encode.encode(text, limit)


def make_dict(path):
    if os.path.join(HERE, "fuzz") not in sys.path:
        sys.path.insert(0, os.path.join(HERE, "fuzz"))
    import mkdict
    with open(path, "w") as f:
        f.write(mkdict.render())
    return path


def replay_exe():
    return build.tool("fuzz_diff")


def decode_case(path, exe=None):
    p = subprocess.run([exe or replay_exe(), "--decode", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout.decode()


def cmd_encode(a):
    with open(a.trace) as f:
        data = fuzz_encode(f.read())
    with open(a.out, "wb") as f:
        f.write(data)
    return 0


def cmd_decode(a):
    sys.stdout.write(decode_case(a.case))
    return 0


def afl_build(src=None, tree=None):
    """Builds fuzz_diff with afl-clang-fast (of the checkout, or of `src`
    into `tree`)."""
    src = src or ROOT
    tree = tree or fuzz_build()
    with build.locked():
        if not os.path.exists(os.path.join(tree, "CMakeCache.txt")):
            build._run(["cmake", "-S", src, "-B", tree, "-DCMAKE_BUILD_TYPE=Release", "-DSR_QEMU=OFF",
                        "-DSR_CARGO_TARGET_DIR=" + build.cargo_target()], env=afl_env(), what="cmake configure (AFL++)")
        build._run(["cmake", "--build", tree, "-j", str(min(2, os.cpu_count() or 2)), "--target", "fuzz_diff"],
                   env=afl_env(), what="cmake build (AFL++)")
    return os.path.join(tree, "fuzz_diff")


def read_stats(path):
    st = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(":")
                st[k.strip()] = v.strip()
    except OSError:
        pass
    return st


class Finding:
    def __init__(self, source, text, key, found_at, detail=""):
        self.source, self.text, self.key, self.found_at, self.detail = source, text, key, found_at, detail


# ---- 1. seed replay --------------------------------------------------------------

def seed_traces(src):
    return [t for t in find_traces([src]) if "/malformed/" not in t]


def replay_seeds(traces, jobs, log_fn=log):
    """Findings among the seed traces themselves: c against ref (batch), and
    c with the checker. Returns [(trace, why)]."""
    from .cli import check_verdict
    import threading
    bad = []
    got = {}

    def run(key, impl, check):
        got[key] = impls.get(impl).run(traces, max(1, jobs // 2), check=check)
    th = [threading.Thread(target=run, args=a) for a in (("ck", "c", True), ("ref", "ref", False))]
    for t in th:
        t.start()
    for t in th:
        t.join()
    ck, r = got["ck"], got["ref"]
    # c's stream under the checker is its plain stream unless an invariant
    # broke: only those traces are replayed again without the checker
    again = [t for t in traces if ck[t].status == Status.INVARIANT]
    c = dict(ck)
    if again:
        c.update(impls.get("c").run(again, jobs))
    for t in traces:
        d = compare(t, {"c": c[t], "ref": r[t]})
        if d is not None:
            bad.append((t, "c/ref: " + " / ".join(l.strip() for l in d.lines())))
            continue
        why = check_verdict(t, ck[t])
        if why:
            bad.append((t, "check: " + why))
    return bad


def with_progress(what, t_start, every, fn):
    """fn() in a thread, with a progress line every `every` seconds."""
    import threading
    box = {}

    def run():
        try:
            box["v"] = fn()
        except BaseException as e:  # re-raised in the caller's thread
            box["e"] = e
    th = threading.Thread(target=run, daemon=True)
    th.start()
    t0 = time.time()
    while th.is_alive():
        th.join(every)
        if th.is_alive():
            log("srdiff fuzz: %4.0fs  %s running (%.0f s)" % (time.time() - t_start, what, time.time() - t0))
    if "e" in box:
        raise box["e"]
    return box["v"]


def write_seeds(traces, seeds):
    """Encodes the traces into `seeds`; returns {case path: trace}."""
    os.makedirs(seeds, exist_ok=True)
    cases = {}
    for n, t in enumerate(traces):
        with open(t, errors="replace") as f:
            data = fuzz_encode(f.read(), limit=4096)
        if 1 < len(data) <= 4096:
            p = os.path.join(seeds, "seed_%04d" % n)
            with open(p, "wb") as f:
                f.write(data)
            cases[p] = t
    return cases


def replay_cases(harness, cases, env=None):
    """Runs the fuzz harness over binary cases: {case: (usec, ok, stderr)}."""
    out = {}
    paths = list(cases)
    for i in range(0, len(paths), 200):
        chunk = paths[i:i + 200]
        p = subprocess.run([harness, "--list"] + chunk, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        err = p.stderr.decode("utf-8", "replace")
        # the detail of a case precedes its "CASE: divergence" line
        details, cur = {}, []
        for line in err.splitlines(True):
            m = re.match(r"^(.*): divergence\n$", line)
            if m and m.group(1) in cases:
                details[m.group(1)] = "".join(cur)
                cur = []
            else:
                cur.append(line)
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            f = line.split("\t")
            if len(f) == 3:
                out[f[0]] = (int(f[1]), f[2] == "ok", details.get(f[0], ""))
        for c in chunk:
            if c not in out:  # the harness died on it
                out[c] = (0, False, "fuzz_diff exit %d: %s" % (p.returncode, err[-300:]))
    return out


# ---- 2. the campaign ---------------------------------------------------------------

def crash_files(afl_out):
    found = []
    if not os.path.isdir(afl_out):
        return found
    for d in sorted(os.listdir(afl_out)):
        cdir = os.path.join(afl_out, d, "crashes")
        if os.path.isdir(cdir):
            found += [os.path.join(cdir, c) for c in sorted(os.listdir(cdir)) if c.startswith("id:")]
    return found


def read_counter(path):
    try:
        with open(path, "rb") as f:
            return struct.unpack("<Q", f.read(8))[0]
    except (OSError, struct.error):
        return 0


def stop(procs, grace=3.0):
    for p in procs:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGINT)
            except OSError:
                pass
    t = time.time() + grace
    for p in procs:
        try:
            p.wait(max(0.1, t - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cmd_fuzz(a):
    t_start = time.time()
    total = float(a.time)
    if not shutil.which("afl-fuzz"):
        log("srdiff fuzz: afl-fuzz not found (apt-get install afl++)")
        return 77
    # analysis (dedupe, shrinking) gets the last part of the time
    reserve = min(15.0, max(2.0, total * 0.15)) if total > 0 else 0.0

    def mtime(p):
        try:
            return os.stat(p).st_mtime
        except OSError:
            return None
    before = (mtime(a.harness or os.path.join(fuzz_build(), "fuzz_diff")),
              mtime(a.replay or os.path.join(build.root(), "fuzz_diff")))
    harness = a.harness or afl_build()
    replay = a.replay or replay_exe()
    build.ref_runner()
    built = time.time() - t_start
    if (mtime(harness), mtime(replay)) != before or None in before:
        # a real build (minutes the first time) is not counted in --time;
        # an up-to-date check is
        t_start = time.time()
        log("srdiff fuzz: harness built in %.1f s (not counted in --time)" % built)
    out = os.path.abspath(a.out or os.path.join(build.root(), "campaign"))
    shutil.rmtree(out, ignore_errors=True)  # a fresh campaign
    seeds = os.path.join(out, "seeds")
    findings_dir = os.path.join(out, "findings")
    os.makedirs(findings_dir, exist_ok=True)
    env = dict(os.environ)
    findings = []

    # 1. the seeds
    traces = seed_traces(a.seeds or os.path.join(ROOT, "corpus"))
    if not traces:
        log("srdiff fuzz: no seed trace in %s" % (a.seeds or "corpus/"))
        return 2
    def seed_phase():
        # --seeds-replayed: the caller has just replayed these traces on c
        # against the goldens and with the checker (srdiff mutants): only
        # the encoded replay through the harness is left
        bad = [] if getattr(a, "seeds_replayed", False) else replay_seeds(traces, a.jobs_replay)
        cases = write_seeds(traces, seeds)
        return bad, cases, replay_cases(replay, cases, env)
    bad, cases, res = with_progress("seed replay", t_start, a.progress, seed_phase)
    for t, why in bad:
        findings.append(Finding("seed %s" % os.path.relpath(t, ROOT) if t.startswith(ROOT) else "seed " + t,
                                open(t, errors="replace").read(), None, time.time() - t_start, why))
    slow = 0
    for c, (usec, ok, detail) in sorted(res.items()):
        if not ok:
            text = decode_case(c, replay)
            findings.append(Finding("seed %s (encoded)" % (os.path.relpath(cases[c], ROOT) if cases[c].startswith(ROOT + os.sep) else cases[c]), text,
                                    fuzz_key(detail), time.time() - t_start, detail.strip()))
            os.remove(c)
        elif usec > a.slow_seed * 1000:
            os.remove(c)
            slow += 1
    log("srdiff fuzz: %d seed traces replayed (c/ref batch, checker, fuzz harness) in %.1f s: %d diverge; "
        "%d slow seeds (> %d ms) left out of AFL++" % (len(traces), time.time() - t_start,
                                                     len(findings), slow, a.slow_seed))
    if findings and a.stop_on_first:
        log("srdiff fuzz: AFL++ not run: a seed diverges (--stop-on-first)")
        return report(a, out, findings, replay, env, t_start, total, afl_ran=False)
    if getattr(a, "seeds_replayed", False):
        # srdiff mutants: --time is the fuzzing time of each mutant, so the
        # harness's own replay of the seeds (tens of seconds) is not in it
        log("srdiff fuzz: seed replay not counted in --time (--seeds-replayed)")
        t_start = time.time()

    # 2. AFL++
    afl_out = os.path.join(out, "afl")
    counter = os.path.join(out, "execs.count")
    dict_file = make_dict(os.path.join(out, "ops.dict"))
    run_env = dict(env, AFL_SKIP_CPUFREQ="1", AFL_NO_UI="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
                   AFL_NO_AFFINITY="1", AFL_QUIET="1", AFL_NO_STARTUP_CALIBRATION="1", AFL_FAST_CAL="1",
                   AFL_NO_CRASH_README="1", SRDIFF_FUZZ_STATS=counter)
    if a.stop_on_first:
        run_env["AFL_BENCH_UNTIL_CRASH"] = "1"
    # AFL++ stops where the analysis' reserve starts when there is anything
    # to analyse, else it may use the reserve too (less 1.5 s to stop it)
    t_afl_end = t_start + total - reserve
    t_afl_last = t_start + total - 1.5
    budget = int(t_afl_last - time.time())
    procs = []
    if budget >= 1 and os.listdir(seeds):
        for j in range(max(1, a.jobs)):
            role = ["-M", "main"] if j == 0 else ["-S", "sec%d" % j]
            argv = ["afl-fuzz", "-i", seeds, "-o", afl_out, "-V", str(budget), "-t", "1000", "-x", dict_file] + role
            argv += ["--", harness]
            procs.append(batch.spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=run_env))
    elif not os.listdir(seeds):
        log("srdiff fuzz: no seed left for AFL++")
    t0 = time.time()
    last_print = 0.0
    first_crash = None
    last_execs, last_t = 0, t0
    try:
        while procs and any(p.poll() is None for p in procs):
            time.sleep(0.5)
            now = time.time()
            crashes = crash_files(afl_out)
            if crashes and first_crash is None:
                first_crash = now - t_start
            if a.stop_on_first and (crashes or findings):
                break
            if now >= t_afl_last or (now >= t_afl_end and (crashes or findings)):
                break
            if now - last_print >= a.progress:
                execs = read_counter(counter)
                rate = (execs - last_execs) / max(1e-3, now - last_t)
                stab = [read_stats(os.path.join(afl_out, d, "fuzzer_stats")).get("stability", "?")
                        for d in sorted(os.listdir(afl_out))] if os.path.isdir(afl_out) else []
                log("srdiff fuzz: %4.0fs  execs %d  %.0f/s  stability %s  crashing inputs %d" %
                    (now - t_start, execs, rate, ",".join(stab) or "?", len(crashes)))
                last_print, last_execs, last_t = now, execs, now
    finally:
        stop(procs)
    afl_secs = time.time() - t0
    execs = read_counter(counter)
    stab = [read_stats(os.path.join(afl_out, d, "fuzzer_stats")).get("stability", "?")
            for d in sorted(os.listdir(afl_out))] if os.path.isdir(afl_out) else []
    if not procs:
        log("srdiff fuzz: AFL++ not run")
    else:
        log("srdiff fuzz: AFL++ ran %.1f s: %d execs, %.0f exec/s (%.0f per instance), stability %s" %
            (afl_secs, execs, execs / max(1e-3, afl_secs), execs / max(1e-3, afl_secs) / max(1, len(procs)),
             ",".join(stab) or "?"))
    if procs and not os.path.isdir(os.path.join(afl_out, "main")):
        log("srdiff fuzz: AFL++ did not start (no %s)" % os.path.join(afl_out, "main"))
        return 5
    crashes = crash_files(afl_out)
    # one harness process keys every crashing input (fuzz_diff --list)
    replayed = replay_cases(replay, {c: c for c in crashes}, env) if crashes else {}
    for c in crashes:
        try:
            when = os.stat(c).st_mtime - t_start
        except OSError:
            when = first_crash or 0
        usec, ok, detail = replayed.get(c, (0, False, ""))
        key = fuzz_key(detail) if not ok else ("unreproduced", "crashed under AFL++ only")
        findings.append(Finding("afl %s" % os.path.relpath(c, afl_out), decode_case(c, replay), key, when,
                                detail.strip()))
    rc = report(a, out, findings, replay, env, t_start, total, afl_ran=bool(procs))
    if procs and not a.no_upstream and impls.get("upstream").available()[0]:
        rc = max(rc, queue_on_upstream(afl_out, replay, out, set()))
    if a.keep:
        keep_queue(harness, afl_out, replay)
    return rc


def queue_on_upstream(afl_out, replay, out, seen, log_fn=log):
    """Replays every queue entry of the campaign not in `seen` on upstream's
    own module, on c and on ref (batch mode), and compares. A divergence
    between c and upstream is shrunk against upstream into
    OUT/findings/upstream_NNN.trace; one where only ref differs from
    upstream is reported as a bug of the model. Returns 1 on any divergence."""
    qdir = os.path.join(out, "queue-traces")
    os.makedirs(qdir, exist_ok=True)
    traces = []
    for inst in sorted(os.listdir(afl_out)) if os.path.isdir(afl_out) else []:
        q = os.path.join(afl_out, inst, "queue")
        for c in sorted(os.listdir(q)) if os.path.isdir(q) else []:
            path = os.path.join(q, c)
            if not c.startswith("id:") or path in seen:
                continue
            seen.add(path)
            text = decode_case(path, replay)
            if not text.strip():
                continue
            t = os.path.join(qdir, "%s_%s.trace" % (inst, c.split(",")[0].replace(":", "")))
            with open(t, "w") as f:
                f.write(text)
            traces.append(t)
    if not traces:
        return 0
    t0 = time.time()
    names = ("c", "ref", "upstream")
    res = {n: impls.get(n).run(traces, os.cpu_count() or 2) for n in names}
    bad = model_bugs = 0
    for t in traces:
        d = compare(t, {"c": res["c"][t], "upstream": res["upstream"][t]})
        if d is not None:
            bad += 1
            with open(t) as f:
                small = shrink(f.read(), ["c", "upstream"], log_fn=lambda m: None)
            path = os.path.join(out, "findings", "upstream_%03d.trace" % bad)
            with open(path, "w") as f:
                f.write("# srdiff fuzz: queue entry %s diverges from upstream; %s\n" % (os.path.basename(t), d.headline) +
                        "".join("# %s\n" % l.strip() for l in d.detail) + small)
            log_fn("srdiff fuzz: c DIVERGES FROM UPSTREAM on %s -> %s" % (os.path.basename(t), path))
        elif compare(t, {"ref": res["ref"][t], "upstream": res["upstream"][t]}) is not None:
            model_bugs += 1
            log_fn("srdiff fuzz: model bug: ref differs from upstream on %s (c agrees with upstream)" % t)
    log_fn("srdiff fuzz: %d queue traces replayed on upstream, c and ref in %.1f s: %d diverge from upstream, "
           "%d model bug(s)" % (len(traces), time.time() - t0, bad, model_bugs))
    return 1 if bad or model_bugs else 0


# ---- 3. findings -----------------------------------------------------------------

def progress_oracle(oracle, t_start, every=5.0):
    """The oracle, with a progress line at most every `every` seconds."""
    last = [time.time()]
    probes = [0]

    def key(text):
        probes[0] += 1
        if time.time() - last[0] >= every:
            last[0] = time.time()
            log("srdiff fuzz: %4.0fs  shrinking (%d probes)" % (time.time() - t_start, probes[0]))
        return oracle(text)
    return key


def report(a, out, findings, replay, env, t_start, total, afl_ran):
    """Dedupes and shrinks findings, writes them, prints the summary; the
    exit status: 1 when there is any finding."""
    findings_dir = os.path.join(out, "findings")
    tmp = tempfile.mkdtemp(prefix="srfuzz")
    oracle = fuzz_oracle(replay, tmp, env)
    deadline = t_start + total
    # key each finding unshrunk first; shrink one per unshrunk key, then
    # key again on the shrunk trace (several may meet)
    by_key = {}
    for f in findings:
        k = f.key or (oracle(f.text) if time.time() < deadline else None)
        if k is None:  # diverges on c/ref or the checker, not in the harness
            k = ("seed", f.detail.split(":", 1)[0] + ": " + re.sub(r"0x[0-9a-f]+|\d+", "N", f.detail)[:120])
        f.key = k
        if k not in by_key or f.found_at < by_key[k].found_at:
            by_key[k] = f
    final = {}
    for k, f in sorted(by_key.items(), key=lambda kv: kv[1].found_at):
        small, k2 = (None, None)
        if k[0] not in ("seed", "unreproduced") and time.time() < deadline:
            log("srdiff fuzz: %4.0fs  shrinking: %s differs in %s" % (time.time() - t_start, k[0], k[1]))
            small, k2 = shrink_with(f.text, progress_oracle(oracle, t_start), deadline=deadline,
                                    log_fn=lambda m: None)
        if small is None:
            small, k2 = f.text, k
        elif small != f.text:
            # the trace the harness ran: the shrunk text, encoded and decoded
            case = os.path.join(tmp, "shrunk.bin")
            with open(case, "wb") as fh:
                fh.write(fuzz_encode(small))
            small = decode_case(case, replay) or small
        if k2 not in final:
            final[k2] = (f, small)
    shutil.rmtree(tmp, ignore_errors=True)
    first = min((f.found_at for f in findings), default=None)
    for i, (k, (f, small)) in enumerate(final.items(), 1):
        path = os.path.join(findings_dir, "divergence_%03d.trace" % i)
        with open(path, "w") as fh:
            fh.write("# found by srdiff fuzz (%s) at %.1f s\n# differs: %s: %s\n" % (f.source, f.found_at, k[0], k[1]))
            if f.detail:
                fh.write("".join("# %s\n" % l for l in f.detail.splitlines()[:6]))
            fh.write(small)
        log("srdiff fuzz: FINDING %d: %s differs in %s (%s, first at %.1f s) -> %s" %
            (i, k[0], k[1], f.source, f.found_at, path))
    log("srdiff fuzz: %d finding(s) (%d raw), time to first divergence: %s, wall time %.1f s" %
        (len(final), len(findings), "%.1f s" % first if first is not None else "none",
         time.time() - t_start))
    return 1 if final else 0


def keep_queue(harness, afl_out, replay):
    """afl-cmin over the main queue; the survivors become corpus/fuzz/ traces
    with their results (.out from the C port, checked against ref)."""
    queue = os.path.join(afl_out, "main", "queue")
    mini = os.path.join(afl_out, "cmin")
    shutil.rmtree(mini, ignore_errors=True)
    env = dict(os.environ, AFL_SKIP_CPUFREQ="1", AFL_QUIET="1")
    subprocess.run(["afl-cmin", "-i", queue, "-o", mini, "--", harness], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    dest = os.path.join(ROOT, "corpus", "fuzz")
    os.makedirs(dest, exist_ok=True)
    n = 0
    for c in sorted(os.listdir(mini)) if os.path.isdir(mini) else []:
        text = decode_case(os.path.join(mini, c), replay)
        if not text.strip():
            continue
        name = os.path.join(dest, "fuzz_%s.trace" % re.sub(r"[^0-9]", "", c.split(",")[0])[:6])
        with open(name, "w") as f:
            f.write("# minimised AFL++ queue entry, decoded\n" + text)
        r = impls.get("c").run([name], 1)[name]
        if r.status == Status.OK:
            with open(name[:-6] + ".out", "wb") as f:
                f.write(r.out)
        n += 1
    log("srdiff fuzz: %d queue traces kept in corpus/fuzz/" % n)
