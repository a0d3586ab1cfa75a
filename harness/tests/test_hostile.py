"""srdiff and its runners under hostile use (label hostile): every bad
input kind on every implementation gets the contract's status and a clear
message; endless and huge inputs stay bounded; two first-use builds at once;
an interrupt; a read-only, prebuilt checkout; a trace named like an option.

Run: cd harness && python3 -m unittest tests.test_hostile
(CTest sets SRDIFF_C_EXE, SRDIFF_REF_EXE and SRDIFF_KERNEL to the built
runners; without them srdiff builds what it needs.)"""
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.dirname(HERE)
ROOT = os.path.dirname(HARNESS)
sys.path.insert(0, HARNESS)
SRDIFF = os.path.join(HARNESS, "srdiff")
FAKE = os.path.join(HERE, "data", "fake_runner.py")

from srdifflib import impls  # noqa: E402

HANG = 120  # seconds: a hang guard only, each case takes well under one


def available_impls():
    out = []
    for n in impls.ORDER:
        ok, _ = impls.get(n).available()
        if ok:
            out.append(n)
    return out


IMPLS = available_impls()


def run(argv, timeout=HANG, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw)


def srdiff_run(impl, trace, cwd=None):
    return run([sys.executable, SRDIFF, "run", "--impl", impl, "--", trace], cwd=cwd)


class TestBadInputs(unittest.TestCase):
    """The error contract, on every available implementation."""

    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="srhostile")

    def tearDown(self):
        shutil.rmtree(self.d, ignore_errors=True)

    def expect_unreadable(self, path):
        for impl in IMPLS:
            with self.subTest(impl=impl, path=path):
                p = srdiff_run(impl, path)
                self.assertEqual(p.returncode, 4, p.stderr)
                self.assertIn(b"cannot read", p.stderr)
                self.assertNotIn(b"Traceback", p.stderr)

    def test_missing_file(self):
        self.expect_unreadable(os.path.join(self.d, "missing.trace"))

    def test_directory(self):
        self.expect_unreadable(self.d)

    def test_symlink_loop(self):
        loop = os.path.join(self.d, "loop.trace")
        os.symlink(loop, loop)
        self.expect_unreadable(loop)

    def test_dev_zero_stops_on_line_1(self):
        for impl in IMPLS:
            with self.subTest(impl=impl):
                p = srdiff_run(impl, "/dev/zero")
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(b"/dev/zero:1: ", p.stderr)

    def test_dash_named_trace(self):
        with open(os.path.join(self.d, "-h.trace"), "w") as f:
            f.write("free_frames\n")
        for impl in IMPLS:
            with self.subTest(impl=impl):
                p = srdiff_run(impl, "-h.trace", cwd=self.d)
                self.assertEqual((p.returncode, p.stdout), (0, b"ok 1024\n"), p.stderr)

    def test_huge_token_gives_a_short_message(self):
        path = os.path.join(self.d, "token.trace")
        with open(path, "wb") as f:
            f.write(b"new ")
            chunk = b"A" * (1 << 20)
            for _ in range(100):
                f.write(chunk)
            f.write(b"\n")
        for impl in IMPLS:
            with self.subTest(impl=impl):
                p = srdiff_run(impl, path)
                self.assertEqual(p.returncode, 2)
                self.assertIn(b":1: ", p.stderr)
                self.assertLess(len(p.stderr), 1024)

    def test_fifo_streams(self):
        """A FIFO's first result comes out before the writer closes it."""
        for impl in [i for i in IMPLS if i in ("c", "ref")]:
            with self.subTest(impl=impl):
                fifo = os.path.join(self.d, "%s.fifo" % impl)
                os.mkfifo(fifo)
                p = subprocess.Popen([sys.executable, SRDIFF, "run", "--impl", impl, fifo],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                got = []
                with open(fifo, "w") as w:
                    w.write("free_frames\n")
                    w.flush()
                    reader = threading.Thread(target=lambda: got.append(p.stdout.readline()))
                    reader.start()
                    reader.join(HANG)
                    self.assertEqual(got, [b"ok 1024\n"])  # writer still open
                    w.write("free_frames\n")
                self.assertEqual(p.stdout.read(), b"ok 1024\n")
                self.assertEqual(p.wait(HANG), 0)
                p.stdout.close()
                p.stderr.close()


def runner_argv(impl):
    if impl == "c":
        return [impls.build.c_runner()]
    return [impls.build.ref_runner(), "run"]


def peak_rss_kib(argv):
    """Runs argv (stdout discarded); its peak resident set in KiB."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, usage.ru_maxrss


class TestBoundedMemory(unittest.TestCase):
    def test_memory_does_not_grow_with_the_file(self):
        d = tempfile.mkdtemp(prefix="srbig")
        try:
            small = os.path.join(d, "small.trace")
            big = os.path.join(d, "big.trace")
            with open(small, "w") as f:
                f.write("free_frames\n")
            with open(big, "w") as f:
                line = "free_frames    # " + "x" * 100 + "\n"
                f.write(line * 400000)  # ~48 MB
            for impl in [i for i in IMPLS if i in ("c", "ref")]:
                with self.subTest(impl=impl):
                    rc0, base = peak_rss_kib(runner_argv(impl) + [small])
                    rc1, peak = peak_rss_kib(runner_argv(impl) + [big])
                    self.assertEqual((rc0, rc1), (0, 0))
                    self.assertLess(peak - base, 16 * 1024, "%d KiB against %d KiB" % (peak, base))
        finally:
            shutil.rmtree(d, ignore_errors=True)


class TestTool(unittest.TestCase):
    def test_check_with_the_model_in_the_diff(self):
        """--check runs the checker where there is one and plain replay on
        the model, instead of failing every trace."""
        trace = os.path.join(ROOT, "corpus", "upstream", "walk_entries.trace")
        names = ",".join(i for i in IMPLS if i in ("c", "ref"))
        p = run([sys.executable, SRDIFF, "diff", "--check", "--impl", names, trace])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(p.stdout.endswith(b"1 passed, 0 failed\n"), p.stdout)

    def test_interrupt_kills_children_and_summarises(self):
        self._interrupt(6, signal.SIGINT)

    def test_sigterm_on_one_trace_kills_its_runner(self):
        """One trace runs in srdiff's main thread, with no worker pool: the
        interrupted wait must still kill the runner (it used to be left
        running, orphaned)."""
        self._interrupt(1, signal.SIGTERM)

    def _interrupt(self, count, sig):
        d = tempfile.mkdtemp(prefix="srint")
        try:
            for i in range(count):
                with open(os.path.join(d, "t%d.trace" % i), "w") as f:
                    f.write("# hang\n")
            env = dict(os.environ, SRDIFF_C_EXE=FAKE, SRDIFF_REF_EXE=FAKE)
            p = subprocess.Popen([sys.executable, SRDIFF, "diff", "--impl", "c", d], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.time() + HANG
            while not self._children_of(d) and time.time() < deadline:
                time.sleep(0.1)
            self.assertTrue(self._children_of(d), "no runner started")
            p.send_signal(sig)  # to srdiff alone, not its group
            out, err = p.communicate(timeout=HANG)
            self.assertEqual(p.returncode, 130, err)
            self.assertNotIn(b"Traceback", err)
            self.assertIn(b"interrupted", out)
            self.assertTrue(out.rstrip().endswith(b"0 passed, 0 failed"), out)
            time.sleep(0.5)
            self.assertEqual(self._children_of(d), [])
        finally:
            shutil.rmtree(d, ignore_errors=True)

    @staticmethod
    def _children_of(d):
        pids = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read()
                with open("/proc/%s/stat" % pid) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if FAKE.encode() in cmd and d.encode() in cmd and state != "Z":
                pids.append(int(pid))
        return pids

    @unittest.skipUnless(shutil.which("cmake"), "cmake not installed")
    def test_two_first_builds_at_once(self):
        build = tempfile.mkdtemp(prefix="srrace")
        try:
            env = dict(os.environ, SRDIFF_BUILD=build)
            env.pop("SRDIFF_C_EXE", None)
            argv = [sys.executable, SRDIFF, "build", "--impl", "c"]
            ps = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
            outs = [p.communicate(timeout=900) for p in ps]
            for p, (o, e) in zip(ps, outs):
                self.assertEqual(p.returncode, 0, e.decode())
            self.assertTrue(os.access(os.path.join(build, "sr-run"), os.X_OK))
        finally:
            shutil.rmtree(build, ignore_errors=True)

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("runuser"),
                         "needs root and runuser to act as a user who cannot write the checkout")
    def test_read_only_prebuilt_checkout(self):
        top = tempfile.mkdtemp(prefix="srro")
        try:
            os.chmod(top, 0o755)
            clone = os.path.join(top, "checkout")
            shutil.copytree(HARNESS, os.path.join(clone, "harness"),
                            ignore=shutil.ignore_patterns("__pycache__"))
            os.makedirs(os.path.join(clone, "build"))
            open(os.path.join(clone, "build", "CMakeCache.txt"), "w").close()
            shutil.copy(impls.build.c_runner(), os.path.join(clone, "build", "sr-run"))
            rel = os.path.join(clone, "reference", "target", "release")
            os.makedirs(rel)
            shutil.copy(impls.build.ref_runner(), os.path.join(rel, "srref"))
            trace = os.path.join(clone, "t.trace")
            with open(trace, "w") as f:
                f.write("free_frames\n")
            cache = os.path.join(top, "cache")
            os.mkdir(cache)
            os.chown(cache, 65534, 65534)
            subprocess.run(["chmod", "-R", "a-w,a+rX", clone], check=True)
            env = {"PATH": "/usr/bin:/bin", "HOME": cache, "XDG_CACHE_HOME": cache}
            for impl in ("c", "ref"):
                with self.subTest(impl=impl):
                    p = run([shutil.which("runuser"), "-u", "nobody", "--", "/usr/bin/python3",
                             os.path.join(clone, "harness", "srdiff"), "run", "--impl", impl, trace], env=env)
                    self.assertEqual((p.returncode, p.stdout), (0, b"ok 1024\n"), p.stderr.decode())
        finally:
            subprocess.run(["chmod", "-R", "u+w", top])
            shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
