"""Tests of srdiff's own modules (harness/srdifflib), against recorded
outputs and a stand-in runner (data/fake_runner.py) that speaks the batch
protocol. Run: cd harness && python3 -m unittest tests.test_srdifflib"""
import io
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.dirname(HERE)
sys.path.insert(0, HARNESS)

from srdifflib import batch, compare, report  # noqa: E402
from srdifflib.status import Result, Status  # noqa: E402

FAKE = os.path.join(HERE, "data", "fake_runner.py")
SRDIFF = os.path.join(HARNESS, "srdiff")


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class TestStatus(unittest.TestCase):
    def test_exit_codes(self):
        self.assertEqual(Status.of_exit(0), Status.OK)
        self.assertEqual(Status.of_exit(2), Status.MALFORMED)
        self.assertEqual(Status.of_exit(4), Status.UNREADABLE)
        self.assertEqual(Status.of_exit(-9), Status.CRASH)
        self.assertEqual(Status.of_exit(70), Status.CRASH)

    def test_describe_crash_names_reason(self):
        self.assertEqual(Result(5, b"", b"x\nguest reset (triple fault)\n").describe(),
                         "crash: guest reset (triple fault)")


class TestRecords(unittest.TestCase):
    def test_parse(self):
        data = b"@srdiff 0 3 0\nok\n@srdiff 2 0 9\nt:1: bad\n"
        r = batch.parse_records(data, 2)
        self.assertEqual([x.status for x in r], [Status.OK, Status.MALFORMED])
        self.assertEqual(r[0].out, b"ok\n")
        self.assertEqual(r[1].err, b"t:1: bad\n")

    def test_truncated_tail_dropped(self):
        self.assertEqual(len(batch.parse_records(b"@srdiff 0 3 0\nok\n@srdiff 0 10 0\nshort", 2)), 1)

    def test_bad_header(self):
        with self.assertRaises(batch.ProtocolError):
            batch.parse_records(b"garbage\n", 1)

    def test_chunks_cover_everything_once(self):
        items = list(range(1001))
        parts = batch.chunks(items, 2)
        self.assertEqual(sum(parts, []), items)
        self.assertEqual(len(parts), 8)


class TestCompare(unittest.TestCase):
    def test_panic_rule(self):
        self.assertEqual(compare.norm_line(b"panic at foo.rs:3"), b"panic")
        self.assertEqual(compare.norm_line(b"panic"), b"panic")
        self.assertEqual(compare.norm_line(b"panicky"), b"panicky")
        self.assertEqual(compare.norm_line(b"ok panic"), b"ok panic")

    def test_agree_modulo_panic_text(self):
        with tempfile.TemporaryDirectory() as d:
            t = write(d, "a.trace", "new P\nselect P\n")
            res = {"c": Result(0, b"ok\npanic one\n"), "ref": Result(0, b"ok\npanic two\n")}
            self.assertIsNone(compare.compare(t, res))

    def test_first_divergence_report(self):
        with tempfile.TemporaryDirectory() as d:
            t = write(d, "a.trace", "# c\nphys free 0x0 0x1000\nnew P\n\nunmap 0x1000 0x1000\n")
            res = {"c": Result(0, b"ok\nerr InvalidAddress address=0x00001000\n"),
                   "golden": Result(0, b"ok\nerr InvalidSize size=0x00001000\n")}
            dv = compare.compare(t, res)
            self.assertEqual(dv.lines(), [
                "first divergence at result line 2",
                "  trace line 5: unmap 0x1000 0x1000",
                "  differs in: error variant",
                "  c:        err InvalidAddress address=0x00001000",
                "  golden:   err InvalidSize size=0x00001000",
            ])

    def test_field_payload_and_end(self):
        self.assertEqual(compare.differing_field(["err InvalidMemState address=0x1 ty=Heap",
                                                  "err InvalidMemState address=0x1 ty=Normal"]), "payload ty")
        self.assertEqual(compare.differing_field(["ok", None]), "result kind")
        self.assertEqual(compare.differing_field(["state flags=0x3", "state flags=0x7"]), "flag bits")

    def test_status_and_malformed_lines(self):
        with tempfile.TemporaryDirectory() as d:
            t = write(d, "a.trace", "x\n")
            self.assertIn("status differs", compare.compare(t, {"c": Result(0), "ref": Result(2)}).headline)
            self.assertIsNone(compare.compare(t, {"c": Result(2, b"", b"a:3: x\n"), "g": Result(2, None, b"a:3: y\n")}))
            dv = compare.compare(t, {"c": Result(2, b"", b"a:3: x\n"), "g": Result(2, None, b"a:4: y\n")})
            self.assertEqual(dv.headline, "malformed line differs: c=3, g=4")

    def test_golden_of(self):
        with tempfile.TemporaryDirectory() as d:
            a = write(d, "a.trace", "")
            write(d, "a.out", "ok\n")
            b = write(d, "b.trace", "")
            write(d, "b.err", "7\n")
            c = write(d, "c.trace", "")
            self.assertEqual(compare.golden_of(a).out, b"ok\n")
            g = compare.golden_of(b)
            self.assertEqual((g.status, compare.malformed_line_no(g.err)), (Status.MALFORMED, 7))
            self.assertIsNone(compare.golden_of(c))


class TestBatchRuns(unittest.TestCase):
    def test_crash_charged_to_its_trace(self):
        with tempfile.TemporaryDirectory() as d:
            ts = [write(d, "t%d.trace" % i, "# die\n" if i == 2 else "line%d\n" % i) for i in range(5)]
            res = batch.run_chunk([sys.executable, FAKE, "--batch"], ts, lambda n: 60)
            self.assertEqual([r.status for r in res], [0, 0, Status.CRASH, 0, 0])
            self.assertIn(b"killed by signal 9", res[2].err)
            self.assertEqual(res[4].out, b"line4\n")

    def test_hang_guard(self):
        with tempfile.TemporaryDirectory() as d:
            ts = [write(d, "a.trace", "a\n"), write(d, "b.trace", "# hang\n"), write(d, "c.trace", "c\n")]
            res = batch.run_chunk([sys.executable, FAKE, "--batch"], ts, lambda n: 3)
            self.assertEqual([r.status for r in res], [0, Status.CRASH, 0])
            self.assertIn(b"hang guard", res[1].err)

    def test_parallel_run_keeps_order(self):
        with tempfile.TemporaryDirectory() as d:
            ts = [write(d, "t%03d.trace" % i, "x%d\n" % i) for i in range(40)]
            res = batch.run([sys.executable, FAKE, "--batch"], ts, 2, lambda n: 60)
            self.assertEqual([res[t].out for t in ts], [b"x%d\n" % i for i in range(40)])


def srdiff(args, env=None):
    e = dict(os.environ, SRDIFF_C_EXE=FAKE)
    e.pop("SUNRISE_SRC", None)
    e.update(env or {})
    p = subprocess.run([sys.executable, SRDIFF] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class TestCommandLine(unittest.TestCase):
    def test_diff_against_goldens(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "good.trace", "ok\n")
            write(d, "good.out", "ok\n")
            write(d, "bad.trace", "# out: err InvalidSize size=0x00000000\n")
            write(d, "bad.out", "ok\n")
            write(d, "mal.trace", "# bad: 3\n")
            write(d, "mal.err", "3\n")
            rep = os.path.join(d, "r.xml")
            rc, out, _ = srdiff(["diff", "--impl", "c", "--report", rep, d])
            self.assertEqual(rc, 1)
            lines = out.splitlines()
            self.assertEqual(lines[-1], "2 passed, 1 failed")
            self.assertIn("DIFF %s" % os.path.join(d, "bad.trace"), lines)
            self.assertIn("     first divergence at result line 1", lines)
            self.assertIn("       differs in: result kind", lines)
            with open(rep) as f:
                xml = f.read()
            self.assertIn('tests="3" failures="1"', xml)

    def test_dash_named_trace(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "-x.trace", "ok\n")
            p = subprocess.run([sys.executable, SRDIFF, "diff", "--impl", "c", "--", "-x.trace"], cwd=d,
                               stdout=subprocess.PIPE, env=dict(os.environ, SRDIFF_C_EXE=FAKE))
            self.assertEqual(p.returncode, 0)
            self.assertTrue(p.stdout.decode().endswith("1 passed, 0 failed\n"))

    def test_skip_missing_upstream(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "a.trace", "ok\n")
            rc, out, _ = srdiff(["diff", "--impl", "upstream", "--skip-missing", d])
            self.assertEqual(rc, 77)
            self.assertTrue(out.startswith("SKIPPED: implementation upstream is not available"))
            rc, _, err = srdiff(["diff", "--impl", "upstream", d])
            self.assertEqual(rc, 2)

    def test_require(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "a.trace", "ok\n")
            rc, _, err = srdiff(["diff", "--require", "upstream", d])
            self.assertEqual(rc, 2)
            self.assertIn("upstream is not available", err)

    def test_run_exit_status_is_the_runners(self):
        with tempfile.TemporaryDirectory() as d:
            t = write(d, "a.trace", "# bad: 1\n")
            rc, _, err = srdiff(["run", "--impl", "c", t])
            self.assertEqual(rc, 2)
            self.assertIn(":1: bad line", err)
            rc, _, err = srdiff(["run", "--impl", "c", os.path.join(d, "missing.trace")])
            self.assertEqual(rc, 4)

    def test_check_refused_on_the_model(self):
        with tempfile.TemporaryDirectory() as d:
            t = write(d, "a.trace", "ok\n")
            rc, _, err = srdiff(["run", "--impl", "ref", "--check", t], env={"SRDIFF_REF_EXE": FAKE})
            self.assertEqual(rc, 2)
            self.assertIn("--check", err)


class TestConsole(unittest.TestCase):
    def test_summary(self):
        buf = io.StringIO()
        con = report.Console(False, 3, out=buf)
        con.case(report.Case("a"))
        con.case(report.Case("b", ["first divergence at result line 1"]))
        con.case(report.Case("c", skipped="hosted-only"))
        con.summary()
        self.assertEqual(buf.getvalue().splitlines(), [
            "PASS a", "DIFF b", "     first divergence at result line 1", "SKIP c  (hosted-only)",
            "1 passed, 1 failed, 1 skipped"])


if __name__ == "__main__":
    unittest.main()
