#!/usr/bin/env python3
"""Tests of harness/gen.py (standard library only):

    python3 harness/test_gen.py            # or: python3 -m unittest discover -s harness -p 'test_gen.py'

- every generated trace passes the static checker shared/tools/validate_trace.py (found at
  <repo>/../shared/tools/validate_trace.py; those tests are skipped if it is absent);
- generation is deterministic (in one process, across processes with different hash seeds,
  and through the command line);
- replayed on the reference model (`test_gen.py semantics`) apart from the generator, a
  generated trace is never refused (it never uses a shm/mirror name whose binding failed),
  a `small` trace never panics, and every result is the one the generator was told while
  it chose (so a discarded line left nothing behind).

The generator asks srref for results, so every mode reports SKIPPED (exit 77) when srref
is not built (reference/target/release/srref, or $SRDIFF_REF_EXE).
"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
VALIDATOR = os.path.normpath(os.path.join(REPO, "..", "shared", "tools", "validate_trace.py"))
GEN = os.path.join(HERE, "gen.py")

sys.path.insert(0, HERE)
import gen  # noqa: E402


def load_validator():
    if not os.path.exists(VALIDATOR):
        return None
    spec = importlib.util.spec_from_file_location("validate_trace", VALIDATOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


VALIDATE = load_validator()
NO_VALIDATOR = "validate_trace.py not found at %s (shared/ is expected next to the repository)" % VALIDATOR


def cases(n_per_profile=100):
    """(seed, ops, profile, index, qemu_safe) spread over seeds, lengths and profiles."""
    out = []
    for k in range(n_per_profile):
        for profile in gen.PROFILES:
            out.append((1000 + 37 * k, (20, 60, 150)[k % 3], profile, 1 + k % 4, k % 5 == 4))
    return out


def qemu_unsafe_lines(text):
    """Lines a --qemu-safe trace must not have: an mmio of frames free before the trace,
    a drop of a process that was switched to (unless it is the active one: that panics)."""
    free, any_phys, bad = set(), False, []
    selected, active, ever = None, None, set()
    for no, raw in enumerate(text.split("\n"), 1):
        toks = raw.split("#", 1)[0].split()
        if not toks:
            continue
        op, a = toks[0], toks[1:]
        if op == "phys":
            any_phys = True
            s, e = parse_num(a[1]) // PAGE, min(parse_num(a[2]), 0x01000000) // PAGE
            free = free | set(range(s, e)) if a[0] == "free" else free - set(range(s, e))
            continue
        if not any_phys:
            free, any_phys = set(range(0x400, 0x800)), True
        if op in ("new", "select"):
            selected = a[0]
        elif op == "switch_to":
            active = selected
            ever.add(selected)
        elif op == "drop":
            if a[0] in ever and a[0] != active:
                bad.append(no)
            if selected == a[0]:
                selected = None
        elif op == "map_phys_region_to" and a[0] == "mmio":
            p, n = parse_num(a[1]), parse_num(a[2])
            if any(p // PAGE <= f < (p + n + PAGE - 1) // PAGE for f in free):
                bad.append(no)
    return bad


# ------------------------------------------------------------------------------------------
# What a generated trace does at run time, asked again of the reference model (`srref`, the
# project's one executable model of upstream, checked against upstream's goldens and
# against the C port), independently of the generator's own child process.

PAGE = 0x1000
REF_EXE = os.environ.get("SRDIFF_REF_EXE") or os.path.join(REPO, "reference", "target", "release", "srref")
HAVE_REF = os.path.isfile(REF_EXE) and os.access(REF_EXE, os.X_OK)
NO_REF = "the reference model is not built (%s; build it with `cargo build --release` in reference/, " \
         "or set SRDIFF_REF_EXE); the generator asks it for every result" % REF_EXE
if HAVE_REF:
    os.environ["SRDIFF_REF_EXE"] = REF_EXE    # the generator and its command line use it too


def parse_num(tok):
    return int(tok[2:], 16) if tok.startswith("0x") else int(tok, 10)


def op_of(raw):
    toks = raw.split("#", 1)[0].split()
    return toks[0] if toks else None


def replay_on_ref(texts):
    """Runs each trace on srref in one batch process. For each, returns (results,
    problems): results[i] is the result line of the operation on line i, problems lists
    what srref refused (a name used though its binding failed, any other malformed line,
    a bad exit)."""
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, text in enumerate(texts):
            paths.append(os.path.join(d, "t%d.trace" % i))
            with open(paths[-1], "w", encoding="utf-8") as f:
                f.write(text)
        data = subprocess.run([REF_EXE, "run", "--batch", "--"] + paths, stdout=subprocess.PIPE,
                              check=True, timeout=600).stdout
    reports, pos = [], 0
    for path, text in zip(paths, texts):
        nl = data.index(b"\n", pos)
        tag, status, outlen, errlen = data[pos:nl].decode().split()
        assert tag == "@srdiff", tag
        out = data[nl + 1:nl + 1 + int(outlen)].decode()
        err = data[nl + 1 + int(outlen):nl + 1 + int(outlen) + int(errlen)].decode()
        pos = nl + 1 + int(outlen) + int(errlen)
        lines = [no for no, raw in enumerate(text.split("\n"), 1) if op_of(raw) not in (None, "phys")]
        results, problems = dict(zip(lines, out.splitlines())), []
        if status == "2" and err.startswith(path + ":"):
            problems.append("line %s: refused by the reference model: %s" % tuple(err[len(path) + 1:].rstrip("\n").split(": ", 1)))
        elif status != "0":
            problems.append("reference model exit status %s: %s" % (status, err.strip()))
        reports.append((results, problems))
    return reports


def mismatches(claimed, results):
    """Where the results the generator was given differ from a fresh replay's."""
    out = ["line %d: generator was told %r, the replay prints %r" % (no, res, results.get(no))
           for no, res in claimed if results.get(no) != res]
    if len(results) != len(claimed):
        out.append("%d results replayed, %d told to the generator" % (len(results), len(claimed)))
    return out


# ------------------------------------------------------------------------------------------

class TestValidity(unittest.TestCase):
    """Against the shared static checker; run as `test_gen.py validity`,
    which reports SKIPPED (exit 77) when the checker is absent."""

    @unittest.skipIf(VALIDATE is None, NO_VALIDATOR)
    def test_traces_are_well_formed(self):
        bad = []
        for seed, ops, profile, index, qemu in cases(100):
            text = gen.generate(seed, ops, profile, index, qemu)
            errors = VALIDATE.check_bytes(text.encode("utf-8"))
            if errors:
                bad.append("seed %d ops %d profile %s index %d qemu %s: line %d: %s"
                           % (seed, ops, profile, index, qemu, errors[0][0], errors[0][1]))
        self.assertEqual(bad, [])

    @unittest.skipIf(VALIDATE is None, NO_VALIDATOR)
    def test_long_traces_are_well_formed(self):
        for profile in gen.PROFILES:
            for seed in range(5):
                text = gen.generate(seed, 1500, profile)
                self.assertEqual(VALIDATE.check_bytes(text.encode("utf-8")), [],
                                 "seed %d profile %s" % (seed, profile))


class TestGenerator(unittest.TestCase):
    def test_deterministic_in_process(self):
        for seed, ops, profile, index, qemu in cases(10):
            self.assertEqual(gen.generate(seed, ops, profile, index, qemu),
                             gen.generate(seed, ops, profile, index, qemu))

    def test_seeds_and_profiles_differ(self):
        texts = {gen.generate(s, 40, p) for s in range(10) for p in gen.PROFILES}
        self.assertEqual(len(texts), 30)

    def test_deterministic_across_processes(self):
        outs = []
        for hashseed in ("0", "12345"):
            env = dict(os.environ, PYTHONHASHSEED=hashseed)
            outs.append(subprocess.run(
                [sys.executable, GEN, "--seed", "42", "--ops", "120", "--profile", "wide"],
                env=env, stdout=subprocess.PIPE, check=True).stdout)
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(outs[0].decode("utf-8"), gen.generate(42, 120, "wide"))

    def test_cli_writes_files(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, GEN, "--seed", "5", "--count", "3", "--ops", "30",
                            "--profile", "small", "--out", d], check=True)
            self.assertEqual(sorted(os.listdir(d)),
                             ["gen_5_1.trace", "gen_5_2.trace", "gen_5_3.trace"])
            for i in (1, 2, 3):
                with open(os.path.join(d, "gen_5_%d.trace" % i), encoding="utf-8") as f:
                    self.assertEqual(f.read(), gen.generate(5, 30, "small", i))

    def test_qemu_safe(self):
        bad = []
        for seed in range(40):
            for profile in gen.PROFILES:
                text = gen.generate(seed, 150, profile, 1, True)
                if "--qemu-safe" not in text.splitlines()[0]:
                    bad.append("seed %d %s: header" % (seed, profile))
                lines = qemu_unsafe_lines(text)
                if lines:
                    bad.append("seed %d %s: lines %s" % (seed, profile, lines))
        self.assertEqual(bad, [])
        # the check does find what it looks for in traces made for hosted runs only,
        # and those carry the marker that keeps them off QEMU
        hosted = [gen.generate(s, 150, "wide", 1, False) for s in range(40)]
        self.assertTrue(any(qemu_unsafe_lines(t) for t in hosted))
        self.assertTrue(all(gen.HOSTED_ONLY in t.splitlines()[:2] for t in hosted))

    def test_op_count(self):
        for profile in gen.PROFILES:
            text = gen.generate(9, 50, profile)
            ops = [l for l in text.splitlines()
                   if l.split("#")[0].strip() and not l.startswith("phys")]
            self.assertLessEqual(len(ops), 51)
            self.assertGreaterEqual(len(ops), 1)

class TestSemantics(unittest.TestCase):
    """Against the reference model; run as `test_gen.py semantics`."""

    def test_runtime_semantics_on_the_reference_model(self):
        problems = []
        panics = {p: 0 for p in gen.PROFILES}
        runs = [(c, gen.generate_with_results(*c)) for c in cases(60)]
        reports = replay_on_ref([text for _, (text, _) in runs])
        for ((seed, ops, profile, index, qemu), (text, claimed)), (results, probs) in zip(runs, reports):
            where = "seed %d ops %d profile %s index %d qemu %s" % (seed, ops, profile, index, qemu)
            problems += ["%s: %s" % (where, x) for x in probs + mismatches(claimed, results)]
            if any(r.startswith("panic") for r in results.values()):
                panics[profile] += 1
        self.assertEqual(problems, [])
        self.assertEqual(panics["small"], 0)
        # the generator does make the other profiles panic at times
        self.assertGreater(panics["wide"] + panics["mixed"], 0)

    def test_the_check_can_fail(self):
        # an unbound name is refused, and a result the generator was not told is seen
        (results, problems), = replay_on_ref(["new A\nshm S 0\nshm_drop S\n"])
        self.assertEqual(results, {1: "ok", 2: "err InvalidSize size=0x00000000"})
        self.assertEqual(len(problems), 1)
        self.assertIn("line 3: refused by the reference model", problems[0])
        self.assertEqual(mismatches([(1, "ok"), (2, "ok")], results),
                         ["line 2: generator was told 'ok', the replay prints 'err InvalidSize size=0x00000000'"])
        self.assertEqual(len(mismatches([(1, "ok")], results)), 1)

    def test_discard_undoes(self):
        # a discarded panic leaves srref as if it had never seen the line
        o = gen.Oracle()
        try:
            self.assertIsNone(o.ask("phys free 0x00400000 0x00402000"))
            o.keep()
            self.assertEqual(o.ask("new A"), "ok")
            o.keep()
            self.assertEqual(o.peek("free_frames"), "ok 1")
            self.assertTrue(o.ask("guard 0x00400000 0 KernelStack").startswith("panic"))
            o.discard()
            self.assertEqual(o.ask("shm S 0x2000"), "err PhysicalMemoryExhaustion")
            o.discard()
            self.assertEqual(o.ask("shm S 0x1000"), "ok")
            o.keep()
            self.assertEqual(o.peek("free_frames"), "ok 0")
            self.assertEqual(o.kept, ["phys free 0x00400000 0x00402000", "new A", "shm S 0x1000"])
        finally:
            o.close()


if __name__ == "__main__":
    if not HAVE_REF:
        print("SKIPPED: " + NO_REF)
        sys.exit(77)
    if sys.argv[1:] == ["validity"]:
        if VALIDATE is None:
            print("SKIPPED: " + NO_VALIDATOR)
            sys.exit(77)
        unittest.main(argv=[sys.argv[0], "TestValidity"])
    if sys.argv[1:] == ["semantics"]:
        unittest.main(argv=[sys.argv[0], "TestSemantics"])
    unittest.main(argv=[sys.argv[0], "TestGenerator"] + sys.argv[1:])
