#!/usr/bin/env python3
"""Tests of harness/gen.py (standard library only):

    python3 harness/test_gen.py            # or: python3 -m unittest discover -s harness -p 'test_gen.py'

- every generated trace passes the static checker shared/tools/validate_trace.py (found at
  <repo>/../shared/tools/validate_trace.py; those tests are skipped if it is absent);
- generation is deterministic (in one process, across processes with different hash seeds,
  and through the command line);
- run on the reference model (`srref`; `test_gen.py semantics`, SKIPPED when it is not
  built), a generated trace is never refused (it never uses a shm/mirror name whose binding
  failed), a `small` trace never panics, and the free frame count always lies within the
  bounds the generator's own conservative model claims.
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
# What a generated trace does at run time, asked of the reference model (`srref`, the
# project's one executable model of upstream, checked against upstream's goldens and
# against the C port).

PAGE = 0x1000
REF_EXE = os.environ.get("SRDIFF_REF_EXE") or os.path.join(REPO, "reference", "target", "release", "srref")
HAVE_REF = os.path.isfile(REF_EXE) and os.access(REF_EXE, os.X_OK)
NO_REF = "the reference model is not built (%s; build it with `cargo build --release` in reference/, " \
         "or set SRDIFF_REF_EXE)" % REF_EXE


def parse_num(tok):
    return int(tok[2:], 16) if tok.startswith("0x") else int(tok, 10)


def op_of(raw):
    toks = raw.split("#", 1)[0].split()
    return toks[0] if toks else None


def instrument(text):
    """The trace with a `free_frames` line after each operation line (it changes no state),
    and, for each result line srref will print, (line number in `text`, kind): kind is "op"
    for the operation's own result and "free" for the count after it."""
    out, results, where = [], [], {}
    for no, raw in enumerate(text.split("\n"), 1):
        out.append(raw)
        where[len(out)] = no
        op = op_of(raw)
        if op is not None and op != "phys":
            results.append((no, "op"))
            out.append("free_frames")
            where[len(out)] = no
            results.append((no, "free"))
    return "\n".join(out), results, where


def replay_on_ref(texts):
    """Runs each trace on srref in one batch process. For each, returns (outcomes,
    problems, free) where outcomes[i] is ok/err/panic for the operation on line i,
    problems lists what srref refused (a name used though its binding failed, any other
    malformed line, a bad exit), and free[i] is the free frame count after line i."""
    reports = []
    with tempfile.TemporaryDirectory() as d:
        paths, plans = [], []
        for i, text in enumerate(texts):
            body, results, where = instrument(text)
            path = os.path.join(d, "t%d.trace" % i)
            with open(path, "w", encoding="utf-8") as f:
                f.write(body)
            paths.append(path)
            plans.append((results, where))
        data = subprocess.run([REF_EXE, "run", "--batch", "--"] + paths, stdout=subprocess.PIPE,
                              check=True, timeout=600).stdout
    pos = 0
    for path, (results, where) in zip(paths, plans):
        nl = data.index(b"\n", pos)
        tag, status, outlen, errlen = data[pos:nl].decode().split()
        assert tag == "@srdiff", tag
        out = data[nl + 1:nl + 1 + int(outlen)].decode()
        err = data[nl + 1 + int(outlen):nl + 1 + int(outlen) + int(errlen)].decode()
        pos = nl + 1 + int(outlen) + int(errlen)
        outcomes, problems, free = {}, [], {}
        for (no, kind), line in zip(results, out.splitlines()):
            if kind == "free":
                free[no] = int(line.split()[1])
            elif line.startswith("panic"):
                outcomes[no] = "panic"
            else:
                outcomes[no] = "err" if line.startswith("err") else "ok"
        if status == "2" and err.startswith(path + ":"):
            line_no, reason = err[len(path) + 1:].rstrip("\n").split(": ", 1)
            problems.append("line %d: refused by the reference model: %s" % (where[int(line_no)], reason))
        elif status != "0":
            problems.append("reference model exit status %s: %s" % (status, err.strip()))
        reports.append((outcomes, problems, free))
    return reports


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
    """Against the reference model; run as `test_gen.py semantics`, which reports SKIPPED
    (exit 77) when srref is not built."""

    @unittest.skipUnless(HAVE_REF, NO_REF)
    def test_runtime_semantics_on_the_reference_model(self):
        problems = []
        panics = {p: 0 for p in gen.PROFILES}
        runs = [(c, gen.generate_with_bounds(*c)) for c in cases(60)]
        reports = replay_on_ref([text for _, (text, _) in runs])
        checked = 0
        for ((seed, ops, profile, index, qemu), (text, bounds)), (outcomes, probs, free) in zip(runs, reports):
            where = "seed %d ops %d profile %s index %d qemu %s" % (seed, ops, profile, index, qemu)
            problems += ["%s: %s" % (where, x) for x in probs]
            if "panic" in outcomes.values():
                panics[profile] += 1
                if profile == "small":
                    line = [n for n, o in outcomes.items() if o == "panic"][0]
                    problems.append("%s: panic on line %d" % (where, line))
            for line, lo, hi in bounds:
                if line in free:
                    checked += 1
                    if not lo <= free[line] <= hi:
                        problems.append("%s: line %d: %d free frames, outside [%d, %d]"
                                        % (where, line, free[line], lo, hi))
                        break
        self.assertEqual(problems, [])
        self.assertEqual(panics["small"], 0)
        # the generator does make the other profiles panic at times, and the bounds were
        # compared on most operations
        self.assertGreater(panics["wide"] + panics["mixed"], 0)
        self.assertGreater(checked, sum(len(b) for _, (_, b) in runs) // 2)

    @unittest.skipUnless(HAVE_REF, NO_REF)
    def test_the_check_can_fail(self):
        # an unbound name, a panic and a free count are all seen
        text = ("new A\nshm S 0\nshm_drop S\n")
        (outcomes, problems, free), = replay_on_ref([text])
        self.assertEqual(outcomes, {1: "ok", 2: "err"})
        self.assertEqual(free, {1: 1023, 2: 1023})
        self.assertEqual(len(problems), 1)
        self.assertIn("line 3: refused by the reference model", problems[0])
        (outcomes, problems, free), = replay_on_ref(["new A\nguard 0x00400000 0 KernelStack\nfree_frames\n"])
        self.assertEqual(outcomes, {1: "ok", 2: "panic"})
        self.assertEqual(problems, [])

if __name__ == "__main__":
    if sys.argv[1:] == ["validity"]:
        if VALIDATE is None:
            print("SKIPPED: " + NO_VALIDATOR)
            sys.exit(77)
        unittest.main(argv=[sys.argv[0], "TestValidity"])
    if sys.argv[1:] == ["semantics"]:
        if not HAVE_REF:
            print("SKIPPED: " + NO_REF)
            sys.exit(77)
        unittest.main(argv=[sys.argv[0], "TestSemantics"])
    unittest.main(argv=[sys.argv[0], "TestGenerator"] + sys.argv[1:])
