"""AFL++ campaigns of the C port against the reference model (the in-process
differential harness harness/fuzz/fuzz_diff.c), and the binary encoding."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import HERE, ROOT, batch, build, impls
from .build import log
from .shrink import shrink, signature
from .trace import find_traces


def fuzz_build():
    """The AFL++-instrumented CMake tree, beside the build root."""
    return os.path.join(build.root(), "afl")


def fuzz_encode(text):
    if os.path.join(HERE, "fuzz") not in sys.path:
        sys.path.insert(0, os.path.join(HERE, "fuzz"))
    import encode
    return encode.encode(text)


def replay_exe():
    return build.tool("fuzz_diff")


def decode_case(path):
    p = subprocess.run([replay_exe(), "--decode", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
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


def afl_build():
    with build.locked():
        if not os.path.exists(os.path.join(fuzz_build(), "CMakeCache.txt")):
            env = dict(os.environ, CC="afl-clang-fast")
            build._run(["cmake", "-S", ROOT, "-B", fuzz_build(), "-DCMAKE_BUILD_TYPE=Release", "-DSR_QEMU=OFF",
                        "-DSR_CARGO_TARGET_DIR=" + build.cargo_target()], env=env, what="cmake configure (AFL++)")
        build._run(["cmake", "--build", fuzz_build(), "-j", str(os.cpu_count() or 2), "--target", "fuzz_diff"],
                   what="cmake build (AFL++)")
    return os.path.join(fuzz_build(), "fuzz_diff")


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


def cmd_fuzz(a):
    if not shutil.which("afl-fuzz"):
        raise SystemExit("srdiff fuzz: afl-fuzz not found (apt-get install afl++)")
    harness = afl_build()
    out = os.path.abspath(a.out or os.path.join(build.root(), "campaign"))
    seeds = os.path.join(out, "seeds")
    os.makedirs(seeds, exist_ok=True)
    n = 0
    for t in find_traces([a.seeds or os.path.join(ROOT, "corpus")]):
        if "/malformed/" in t:
            continue
        with open(t, errors="replace") as f:
            data = fuzz_encode(f.read())
        if 1 < len(data) <= 4096:
            with open(os.path.join(seeds, "seed_%04d" % n), "wb") as f:
                f.write(data)
            n += 1
    log("srdiff: %d seeds from corpus/" % n)
    afl_out = os.path.join(out, "afl")
    shutil.rmtree(afl_out, ignore_errors=True)  # a fresh campaign
    env = dict(os.environ, AFL_SKIP_CPUFREQ="1", AFL_NO_UI="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
               AFL_NO_AFFINITY="1", AFL_QUIET="1")
    dict_file = os.path.join(HERE, "fuzz", "ops.dict")
    procs = []
    for j in range(max(1, a.jobs)):
        role = ["-M", "main"] if j == 0 else ["-S", "sec%d" % j]
        argv = ["afl-fuzz", "-i", seeds, "-o", afl_out, "-V", str(a.time), "-t", "2000"] + role
        if os.path.exists(dict_file):
            argv += ["-x", dict_file]
        argv += ["--", harness]
        procs.append(batch.spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
    t0 = time.time()
    while any(p.poll() is None for p in procs):
        time.sleep(min(10, max(1, a.time / 10)))
        execs = speed = crashes = 0
        stab = []
        for d in sorted(os.listdir(afl_out)) if os.path.isdir(afl_out) else []:
            st = read_stats(os.path.join(afl_out, d, "fuzzer_stats"))
            execs += int(st.get("execs_done", 0))
            speed += float(st.get("execs_per_sec", 0))
            crashes += int(st.get("saved_crashes", st.get("unique_crashes", 0)))
            if st.get("stability"):
                stab.append(st["stability"])
        log("srdiff fuzz: %4ds  execs %d  %.0f/s  stability %s  divergences %d" %
            (time.time() - t0, execs, speed, ",".join(stab) or "?", crashes))
    if not os.path.exists(os.path.join(afl_out, "main", "fuzzer_stats")):
        log("srdiff fuzz: AFL++ did not start (no %s)" % os.path.join(afl_out, "main", "fuzzer_stats"))
        return 5
    # crashes -> one shrunk trace per distinct way of diverging
    findings = os.path.join(out, "findings")
    os.makedirs(findings, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="srfuzz")
    seen_sigs = {}
    k = ncrash = 0
    for d in sorted(os.listdir(afl_out)):
        cdir = os.path.join(afl_out, d, "crashes")
        if not os.path.isdir(cdir):
            continue
        for c in sorted(os.listdir(cdir)):
            if not c.startswith("id:"):
                continue
            ncrash += 1
            text = decode_case(os.path.join(cdir, c))
            sig = signature(text, ["c", "ref"], tmp)
            if sig is None or sig in seen_sigs:
                continue
            seen_sigs[sig] = c
            small = shrink(text, ["c", "ref"], log_fn=lambda m: None)
            k += 1
            with open(os.path.join(findings, "divergence_%03d.trace" % k), "w") as f:
                f.write("# found by srdiff fuzz (%s/%s), shrunk; diverges as %s\n" % (d, c.split(",")[0], sig) + small)
    shutil.rmtree(tmp, ignore_errors=True)
    log("srdiff fuzz: %d crashing input(s), %d distinct divergence(s)" % (ncrash, k))
    log("srdiff fuzz: %d divergence(s) written to %s" % (k, findings))
    if a.keep:
        keep_queue(harness, afl_out)
    return 1 if k else 0


def keep_queue(harness, afl_out):
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
        text = decode_case(os.path.join(mini, c))
        if not text.strip():
            continue
        name = os.path.join(dest, "fuzz_%s.trace" % re.sub(r"[^0-9]", "", c.split(",")[0])[:6])
        with open(name, "w") as f:
            f.write("# minimised AFL++ queue entry, decoded\n" + text)
        r = impls.get("c").run([name], 1)[name]
        with open(name[:-6] + ".out", "wb") as f:
            f.write(r.out)
        n += 1
    log("srdiff fuzz: %d queue traces kept in corpus/fuzz/" % n)
