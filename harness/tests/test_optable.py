"""Tests that the trace format's implementations agree with the op table
(harness/ops.def): the table itself, docs/TRACE_FORMAT.md, the fuzz
encoder (and, when built, the decoder), the generator, and the corpus
(malformed cases, goldens and their result lines).

    python3 harness/tests/test_optable.py

Set SRDIFF_OPS_DEF, SRDIFF_TRACE_FORMAT or SRDIFF_GEN to check another copy
of the table, the spec or the generator (a scratch copy with a drift must
make a test fail).
"""
import glob
import importlib.util
import collections
import os
import re
import subprocess
import sys
import unittest

HARNESS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(HARNESS)
sys.path.insert(0, HARNESS)
import optable  # noqa: E402

OPS_DEF = os.environ.get("SRDIFF_OPS_DEF", optable.OPS_DEF)
TRACE_FORMAT = os.environ.get("SRDIFF_TRACE_FORMAT", os.path.join(ROOT, "docs", "TRACE_FORMAT.md"))
GEN = os.environ.get("SRDIFF_GEN", os.path.join(HARNESS, "gen.py"))
# the generator asks the reference model for results
REF_EXE = os.environ.get("SRDIFF_REF_EXE") or os.path.join(ROOT, "reference", "target", "release", "srref")


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ops():
    return optable.load(OPS_DEF)


def corpus(pattern):
    return sorted(glob.glob(os.path.join(ROOT, "corpus", pattern)))


def read_results(trace):
    out = trace[:-len(".trace")] + ".out"
    if not os.path.exists(out):
        return None
    with open(out, encoding="utf-8") as f:
        return f.read().split("\n")


class Table(unittest.TestCase):
    def test_rows(self):
        rows = ops()
        self.assertGreater(len(rows), 0)
        for o in rows:
            self.assertTrue(o.results or o.proc == "pre", o.id)
            names = [a for a in o.args if a.is_name]
            if "selects" in o.rules:
                self.assertTrue(any(a.space == "proc" for a in names), o.id)
            if any(a.kind == "moff" for a in o.args):
                self.assertTrue(any(a.space == "mirror" for a in names), o.id)

    def test_parser_rejects_bad_rows(self):
        good = 'OP(x, "x", "", "ADDR:addr", sel, "", "ok")'
        optable.parse(good)
        for bad in ('OP(x, "x", "", "ADDR:address", sel, "", "ok")',
                    'OP(x, "x", "", "ADDR:addr", maybe, "", "ok")',
                    'OP(x, "x", "", "ADDR:addr", sel, "no_such_rule", "ok")',
                    'OP(x, "x", "", "ADDR:addr", sel, "", "okay")',
                    'OP(x, "x", "", "[A:addr] B:addr", sel, "", "ok")',
                    'OP(x, "x", "", "ADDR:addr", sel, "")',
                    good + "\n" + good):
            with self.assertRaises(optable.TableError, msg=bad):
                optable.parse(bad)


class TraceFormat(unittest.TestCase):
    """The op lines TRACE_FORMAT.md documents are the table's rows."""

    def doc(self):
        with open(TRACE_FORMAT, encoding="utf-8") as f:
            return f.read()

    def documented_syntax(self, text):
        found = set()
        for line in text.split("\n"):
            if line.startswith("| `"):
                first = line.split("|")[1]
                found.update(" ".join(s.split()) for s in re.findall(r"`([^`]+)`", first))
            m = re.match(r"^    (phys \S+ .*?)\s*(#.*)?$", line)
            if m:
                found.add(" ".join(m.group(1).split()))
        return found

    def test_every_op_line(self):
        table = {o.syntax() for o in ops()}
        doc = self.documented_syntax(self.doc())
        self.assertEqual(sorted(doc - table), [], "documented but not in the op table")
        self.assertEqual(sorted(table - doc), [], "in the op table but not documented")

    def test_ops_without_a_process(self):
        m = re.search(r"^Only (.*?) work with no process selected", self.doc(), re.S | re.M)
        self.assertIsNotNone(m)
        doc = set(re.findall(r"`(\w+)`", m.group(1)))
        table = {o.name for o in ops() if o.proc == "none"}
        self.assertEqual(doc, table)


class Encoder(unittest.TestCase):
    def test_opcodes_from_table(self):
        enc = load_module("encode", os.path.join(HARNESS, "fuzz", "encode.py"))
        self.assertEqual(enc.OPCODE, optable.opcodes(ops()))
        for ident in enc.STRATEGY:
            self.assertIn(ident, enc.OPCODE)

    def test_round_trip(self):
        """encode then decode gives every golden back, up to names and the
        spelling of numbers (needs the fuzz_diff replayer)."""
        exe = os.environ.get("SRDIFF_FUZZ_EXE", os.path.join(ROOT, "build", "fuzz_diff"))
        if not os.access(exe, os.X_OK):
            self.skipTest("no fuzz_diff at %s (set SRDIFF_FUZZ_EXE)" % exe)
        enc = load_module("encode", os.path.join(HARNESS, "fuzz", "encode.py"))
        rows = ops()
        for trace in corpus("upstream/*.trace"):
            with open(trace, encoding="utf-8") as f:
                text = f.read()
            case = os.path.join(os.environ.get("TMPDIR", "/tmp"), "optable_case_%d.bin" % os.getpid())
            with open(case, "wb") as f:
                f.write(enc.encode(text))
            try:
                back = subprocess.run([exe, "--decode", case], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, check=True).stdout.decode()
            finally:
                os.unlink(case)
            want = canonical(rows, text)
            results = [r for r in read_results(trace) if r]
            if results and results[-1].startswith("panic"):
                # the replay stops at the panic: so does the decoded trace
                ops_run = [i for i, line in enumerate(want) if not line[0].startswith("phys")]
                want = want[:ops_run[len(results) - 1] + 1]
            self.assertEqual(canonical(rows, back), want, trace)


def canonical(rows, text):
    """A trace's op lines with numbers as values and names renamed by
    binding: the n-th binding of a name space is `<space><n>`."""
    c = optable.Checker(rows)
    rename = {ns: {} for ns in optable.NAME_SPACES}
    count = {ns: 0 for ns in optable.NAME_SPACES}
    out = []
    for raw in optable.split_lines(text.encode()):
        toks = optable.lexical(raw)
        if not toks:
            continue
        op, args = c.find(toks)
        line = [op.id]
        for a, t in zip(op.args, args):
            if a.is_name:
                if a.kind.endswith("+"):
                    rename[a.space][t] = "%s%d" % (a.space, count[a.space])
                    count[a.space] += 1
                line.append(rename[a.space].get(t, "?" + t))
            elif a.kind == "type":
                line.append(t)
            elif a.kind == "rights":
                line.append(optable.rights(t))
            else:
                line.append(optable.number(t))
        out.append(tuple(line))
    return out


class Generator(unittest.TestCase):
    @unittest.skipUnless(os.access(REF_EXE, os.X_OK), "srref is not built (%s)" % REF_EXE)
    def test_generated_traces_follow_the_table(self):
        os.environ["SRDIFF_REF_EXE"] = REF_EXE
        gen = load_module("gen_under_test", GEN)
        rows = ops()
        used = set()
        for profile in ("small", "wide", "mixed"):
            for seed in range(1, 21):
                text = gen.generate(seed, 200, profile)
                data = text.encode()
                self.assertIsNone(optable.check_trace(data, rows), "%s seed %d" % (profile, seed))
                c = optable.Checker(rows)
                for raw in optable.split_lines(data):
                    op, _ = c.line(raw)
                    if op is not None:
                        used.add(op.id)
        self.assertEqual(sorted({o.id for o in rows} - used), [], "rows the generator never emits")


class Corpus(unittest.TestCase):
    def test_malformed_line(self):
        rows = ops()
        cases = corpus("malformed/*.trace")
        self.assertGreater(len(cases), 100)
        for trace in cases:
            with open(trace[:-len(".trace")] + ".err") as f:
                want = int(f.read())
            with open(trace, "rb") as f:
                got = optable.check_trace(f.read(), rows)
            self.assertIsNotNone(got, trace)
            self.assertEqual(got[0], want, "%s: %s" % (trace, got[1]))

    def test_well_formed(self):
        rows = ops()
        for trace in corpus("*/*.trace"):
            if os.sep + "malformed" + os.sep in trace:
                continue
            with open(trace, "rb") as f:
                self.assertIsNone(optable.check_trace(f.read(), rows, read_results(trace)), trace)

    def test_result_kinds(self):
        """Every result line of every golden has a shape its op may print."""
        rows = ops()
        seen = set()
        for trace in corpus("*/*.trace"):
            results = read_results(trace)
            if results is None:
                continue
            results = collections.deque(results)
            c = optable.Checker(rows)
            with open(trace, "rb") as f:
                lines = optable.split_lines(f.read())
            for raw in lines:
                result = results[0] if results else ""
                op, _ = c.line(raw, result)
                if op is None or op.proc == "pre":
                    continue
                results.popleft()
                kinds = optable.result_kinds(result) & set(op.results)
                self.assertTrue(kinds, "%s: %s printed %r" % (trace, op.id, result))
                seen.update((op.id, k) for k in kinds)
                if result.startswith("panic"):
                    break
        # every result kind other than panic that the table allows is seen
        missing = sorted((o.id, k) for o in rows for k in o.results
                         if k != "panic" and (o.id, k) not in seen)
        self.assertEqual(missing, [], "result kinds no golden shows")


if __name__ == "__main__":
    unittest.main()
