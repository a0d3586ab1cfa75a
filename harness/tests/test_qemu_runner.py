#!/usr/bin/env python3
"""Tests of harness/qemu_runner.py and the i386 kernel's crash handling.

    SR_KERNEL=build/c/baremetal/sr-kernel.elf \\
    SR_STUB_KERNEL=build/c/baremetal/sr-stub-kernel.elf \\
        python3 harness/tests/test_qemu_runner.py [-v]

The stub kernel (c/baremetal/stub_runner.c) crashes, double-faults, triple-faults
and hangs on request: the runner must report each as status 5 for that
trace alone, and the next trace must start from a clean machine. The port
kernel replays the upstream corpus against its goldens, with the kernel's
own check that every reset leaves trace RAM as the format promises. The
rest is the exit-status contract on bad inputs (missing file, directory,
symlink loop, endless input, overlong line), bounded reading, and Ctrl-C.

Exits 77 (SKIPPED for CTest) when qemu-system-i386 is not installed.
"""

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import qemu_runner  # noqa: E402

RUNNER = os.path.join(ROOT, "harness", "qemu_runner.py")
KERNEL = os.environ.get("SR_KERNEL", "")
STUB = os.environ.get("SR_STUB_KERNEL", "")
HANG_TIMEOUT = 10.0   # the runner's no-progress limit in the hang tests
GUARD = 120           # seconds any one run here may take (hang guard)


def qemu_children(pid):
    """Pids of the QEMU processes whose parent is `pid`."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        if ppid == pid and comm.startswith("qemu-system"):
            found.append(int(d))
    return found


def alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rindex(")") + 2] != "Z"


def cut_panics(stream):
    return re.sub(rb"(?m)^panic .*$", b"panic", stream)


def write(path, text):
    with open(path, "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode())
    return path


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sr-qemu-test-")

    def tearDown(self):
        for root, dirs, files in os.walk(self.tmp):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def trace(self, name, text):
        return write(os.path.join(self.tmp, name), text)

    def cli(self, *args, **kw):
        return subprocess.run([sys.executable, RUNNER] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=GUARD, **kw)


def parse_batch(data):
    """The @srdiff records of a batch run: [(status, out, err)]."""
    recs, pos = [], 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        tag, st, no, ne = data[pos:nl].split(b" ")
        assert tag == b"@srdiff", data[pos:nl]
        no, ne = int(no), int(ne)
        body = data[nl + 1:nl + 1 + no + ne]
        recs.append((int(st), body[:no], body[no:]))
        pos = nl + 1 + no + ne
    return recs


class StubCrashes(Base):
    """Crash, double fault, triple fault and hang, each in one boot with
    healthy traces around it."""

    def test_crashes_cost_one_trace(self):
        t = {n: self.trace(n + ".trace", body) for n, body in [
            ("ok", "free_frames\n"),
            ("write", "map 0x400000 0x500000\nwrite 0x400010 7\n"
                      "read 0x400010\n"),
            ("check", "check_reset\ncheck_ram\n"),
            ("crash", "free_frames\ncrash\nfree_frames\n"),
            ("overflow", "overflow\n"),
            ("triple", "triple\n"),
            ("bad", "free_frames\nbogus\nfree_frames\n"),
            ("panic", "panic\nfree_frames\n"),
        ]}
        order = ["ok", "write", "check", "crash", "check", "overflow",
                 "check", "triple", "check", "bad", "panic", "check"]
        res = list(qemu_runner.replay(STUB, [t[n] for n in order],
                                      timeout=HANG_TIMEOUT))
        self.assertEqual([r[0] for r in res], list(range(len(order))))
        got = {}
        for (i, st, out, err), name in zip(res, order):
            got.setdefault(name, []).append((st, out, err))
        self.assertEqual(got["ok"], [(0, b"ok 1024\n", b"")])
        self.assertEqual(got["write"], [(0, b"ok\nok\nok 0x00000007\n", b"")])
        # The machine is clean after each crash and after the write.
        self.assertEqual(got["check"], [(0, b"ok\nok\n", b"")] * 5)
        st, out, err = got["crash"][0]
        self.assertEqual((st, out), (5, b"ok 1024\n"))
        self.assertRegex(err, rb"^%s: crash: #PF page fault .*cr2=0xbffff000"
                         % re.escape(t["crash"].encode()))
        st, out, err = got["overflow"][0]
        self.assertEqual(st, 5)
        self.assertRegex(err, rb": crash: #DF double fault")
        st, out, err = got["triple"][0]
        self.assertEqual((st, err), (5, t["triple"].encode() +
                                     b": crash: guest reset (triple fault)\n"))
        self.assertEqual(got["bad"], [(2, b"ok 1024\n",
                                       t["bad"].encode() + b":2: unknown op\n")])
        st, out, err = got["panic"][0]
        self.assertEqual((st, err), (0, b""))
        self.assertTrue(out.startswith(b"panic "), out)

    def test_hang_is_reported_and_the_run_goes_on(self):
        hang = self.trace("hang.trace", "free_frames\nhang\n")
        ok = self.trace("ok.trace", "free_frames\ncheck_reset\n")
        t0 = time.monotonic()
        res = list(qemu_runner.replay(STUB, [ok, hang, ok],
                                      timeout=HANG_TIMEOUT))
        took = time.monotonic() - t0
        self.assertEqual([r[1] for r in res], [0, 5, 0])
        self.assertEqual(res[1][3], hang.encode() +
                         b": timeout: no progress for 10 s\n")
        self.assertEqual(res[2][2], b"ok 1024\nok\n")
        self.assertGreaterEqual(took, HANG_TIMEOUT)

    def test_cli_single_mode_statuses(self):
        cases = [("free_frames\n", 0, b"ok 1024\n", rb"^$"),
                 ("bogus\n", 2, b"", rb"^\S+:1: unknown op\n$"),
                 ("free_frames\ncrash\n", 5, b"ok 1024\n",
                  rb"^\S+: crash: #PF page fault"),
                 ("triple\n", 5, b"", rb"^\S+: crash: guest reset")]
        for i, (text, status, out, err) in enumerate(cases):
            p = self.cli("--kernel", STUB, self.trace("t%d.trace" % i, text))
            self.assertEqual(p.returncode, status, p.stderr)
            self.assertEqual(p.stdout, out)
            self.assertRegex(p.stderr, err)

    def test_batch_records_and_dash_names(self):
        dash = self.trace("-dash.trace", "free_frames\n")
        bad = self.trace("bad.trace", "bogus\n")
        missing = os.path.join(self.tmp, "missing.trace")
        cwd = self.tmp
        p = self.cli("--kernel", os.path.abspath(STUB), "--batch", "--",
                     "-dash.trace", "bad.trace", "missing.trace",
                     "-dash.trace", cwd=cwd)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(parse_batch(p.stdout), [
            (0, b"ok 1024\n", b""),
            (2, b"", b"bad.trace:1: unknown op\n"),
            (4, b"", b"missing.trace: cannot read: No such file or directory\n"),
            (0, b"ok 1024\n", b"")])
        self.assertTrue(os.path.exists(dash) and os.path.exists(bad))
        self.assertFalse(os.path.exists(missing))

    def test_run_traces_in_parallel(self):
        names = ["ok", "crash", "bad", "triple"] * 3
        bodies = {"ok": "free_frames\ncheck_reset\n", "crash": "crash\n",
                  "bad": "bogus\n", "triple": "triple\n"}
        paths = [self.trace("%s%d.trace" % (n, i), bodies[n])
                 for i, n in enumerate(names)]
        res = qemu_runner.run_traces(STUB, paths, jobs=2)
        self.assertEqual(sorted(res), sorted(paths))
        want = {"ok": 0, "crash": 5, "bad": 2, "triple": 5}
        for n, p in zip(names, paths):
            self.assertEqual(res[p][0], want[n], (p, res[p]))
            if n == "ok":
                self.assertEqual(res[p][1], b"ok 1024\nok\n")

    def test_usage_errors_exit_1(self):
        t = self.trace("a.trace", "free_frames\n")
        for args in (["--kernel", STUB], ["--kernel", STUB, t, t],
                     ["--kernel", os.path.join(self.tmp, "none.elf"), t],
                     [t]):
            p = self.cli(*args)
            self.assertEqual(p.returncode, 1, args)
            self.assertNotIn(b"Traceback", p.stderr)


class BadInput(Base):
    """The exit-status contract on inputs that cannot be read or never end."""

    def run1(self, path, kernel=None, **kw):
        res = list(qemu_runner.replay(kernel or STUB, [path], **kw))
        self.assertEqual(len(res), 1)
        return res[0][1:]

    def test_unreadable_inputs(self):
        d = os.path.join(self.tmp, "dir.trace")
        os.mkdir(d)
        loop = os.path.join(self.tmp, "loop.trace")
        os.symlink(loop, loop)
        missing = os.path.join(self.tmp, "missing.trace")
        ok = self.trace("ok.trace", "free_frames\n")
        cases = [(missing, "No such file or directory"),
                 (d, "Is a directory"),
                 (loop, "Too many levels of symbolic links")]
        if os.geteuid() != 0:
            locked = self.trace("locked.trace", "free_frames\n")
            os.chmod(locked, 0)
            cases.append((locked, "Permission denied"))
        paths = [ok]
        for path, _ in cases:
            paths += [path, ok]
        res = list(qemu_runner.replay(STUB, paths))
        self.assertEqual(res[0][1:], (0, b"ok 1024\n", b""))
        for k, (path, why) in enumerate(cases):
            self.assertEqual(res[2 * k + 1][1:], (4, b"", (
                "%s: cannot read: %s\n" % (path, why)).encode()))
            self.assertEqual(res[2 * k + 2][1:], (0, b"ok 1024\n", b""))
        # The CLI says the same and exits 4, with no traceback.
        p = self.cli("--kernel", STUB, d)
        self.assertEqual((p.returncode, p.stdout), (4, b""))
        self.assertEqual(p.stderr, ("%s: cannot read: Is a directory\n"
                                    % d).encode())

    def test_dev_zero_stops_at_line_1(self):
        st, out, err = self.run1("/dev/zero", KERNEL)
        self.assertEqual((st, out), (2, b""))
        self.assertRegex(err, rb"^/dev/zero:1: control character")

    def test_fifo_streams(self):
        fifo = os.path.join(self.tmp, "fifo.trace")
        os.mkfifo(fifo)

        def writer():
            with open(fifo, "wb") as f:
                for _ in range(3):
                    f.write(b"free_frames\n")
                    f.flush()
                    time.sleep(0.2)
        th = threading.Thread(target=writer)
        th.start()
        try:
            self.assertEqual(self.run1(fifo), (0, b"ok 1024\n" * 3, b""))
        finally:
            th.join()

    def test_endless_input_after_a_bad_line_is_not_read(self):
        """A writer that never stops, behind a malformed line 1: the
        runner reads a bounded amount, then closes the pipe."""
        fifo = os.path.join(self.tmp, "endless.trace")
        os.mkfifo(fifo)
        written = [0]

        def writer():
            block = b"free_frames\n" * 8192
            try:
                with open(fifo, "wb") as f:
                    f.write(b"bogus\n")
                    while written[0] < (1 << 30):
                        f.write(block)
                        written[0] += len(block)
            except BrokenPipeError:
                pass
        th = threading.Thread(target=writer, daemon=True)
        th.start()
        st, out, err = self.run1(fifo)
        th.join(GUARD)
        self.assertFalse(th.is_alive())
        self.assertEqual((st, out), (2, b""))
        self.assertLess(written[0], qemu_runner.READ_AHEAD +
                        qemu_runner.CHUNK + (4 << 20))

    def test_overlong_line(self):
        long = self.trace("long.trace", b"free_frames\n# " +
                          b"x" * (qemu_runner.LINE_LIMIT + 10) + b"\n")
        st, out, err = self.run1(long, KERNEL)
        self.assertEqual((st, out), (2, b"ok 1024\n"))
        self.assertEqual(err, b"%s:2: line longer than %d bytes\n" % (
            long.encode(), qemu_runner.LINE_LIMIT))

    def test_lines_near_the_limit_wrap_the_ring(self):
        big = b"# " + b"x" * (qemu_runner.LINE_LIMIT - 16) + b"\n"
        t = self.trace("big.trace", big + b"free_frames\n" + big + big +
                       b"free_frames\n")
        self.assertEqual(self.run1(t, KERNEL), (0, b"ok 1024\n" * 2, b""))

    def test_one_mib_lines_are_lines(self):
        t = self.trace("mib.trace", b"# " + b"x" * (1 << 20) + b"\n" +
                       b" " * (1 << 20) + b"free_frames\n" + b"new " +
                       b"A" * (1 << 20) + b"\n")
        st, out, err = self.run1(t, KERNEL)
        self.assertEqual((st, out), (2, b"ok 1024\n"))
        self.assertRegex(err, rb"^\S+:3: ")
        self.assertLess(len(err), 400)

    def test_no_files_left_behind(self):
        before = set(os.listdir(tempfile.gettempdir()))
        self.run1("/dev/zero", KERNEL)
        after = set(os.listdir(tempfile.gettempdir()))
        self.assertEqual([n for n in after - before
                          if n.startswith("sr-qemu") and
                          not n.startswith("sr-qemu-test-")], [])


class Interrupts(Base):
    """Ctrl-C and kill: no QEMU left behind, no traceback."""

    def start_hanging_cli(self):
        hang = self.trace("hang.trace", "hang\n")
        p = subprocess.Popen([sys.executable, RUNNER, "--kernel", STUB,
                              "--timeout", "600", hang],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        deadline = time.monotonic() + GUARD
        while not qemu_children(p.pid):
            self.assertIsNone(p.poll(), p.stderr.read() if p.poll() is not
                              None else "")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        time.sleep(0.5)  # the guest is hanging now
        return p, qemu_children(p.pid)

    def wait_gone(self, pids):
        deadline = time.monotonic() + 10
        while any(alive(q) for q in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse([q for q in pids if alive(q)])

    def test_sigint_to_python_alone(self):
        p, qemus = self.start_hanging_cli()
        os.kill(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=GUARD)
        self.assertEqual(p.returncode, 130, err)
        self.assertNotIn(b"Traceback", err)
        self.wait_gone(qemus)

    def test_sigterm(self):
        p, qemus = self.start_hanging_cli()
        os.kill(p.pid, signal.SIGTERM)
        out, err = p.communicate(timeout=GUARD)
        self.assertEqual(p.returncode, 143, err)
        self.assertNotIn(b"Traceback", err)
        self.wait_gone(qemus)

    def test_sigkill_does_not_orphan_qemu(self):
        p, qemus = self.start_hanging_cli()
        os.kill(p.pid, signal.SIGKILL)
        p.communicate(timeout=GUARD)
        self.wait_gone(qemus)

    def test_keyboard_interrupt_reaches_the_caller(self):
        hang = self.trace("hang.trace", "hang\n")
        timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            with self.assertRaises(KeyboardInterrupt):
                qemu_runner.run_traces(STUB, [hang], timeout=600)
        finally:
            timer.cancel()
        self.wait_gone(qemu_children(os.getpid()))
        self.assertEqual(qemu_children(os.getpid()), [])


class PortKernel(Base):
    """The port kernel on the upstream corpus, every reset checked."""

    def test_upstream_goldens_with_reset_check(self):
        d = os.path.join(ROOT, "corpus", "upstream")
        traces = sorted(os.path.join(d, n) for n in os.listdir(d)
                        if n.endswith(".trace"))
        self.assertGreater(len(traces), 0)
        bad = []
        for i, st, out, err in qemu_runner.replay(KERNEL, traces,
                                                  verify_reset=True):
            with open(traces[i][:-len(".trace")] + ".out", "rb") as f:
                want = f.read()
            if st != 0 or err or cut_panics(out) != cut_panics(want):
                bad.append((traces[i], st, err[:200]))
        self.assertEqual(bad, [])


def main():
    qemu = shutil.which(qemu_runner.QEMU)
    if not qemu:
        print("SKIPPED: %s not found (Debian: qemu-system-x86)"
              % qemu_runner.QEMU)
        return 77
    for name, path in (("SR_KERNEL", KERNEL), ("SR_STUB_KERNEL", STUB)):
        if not path or not os.path.isfile(path):
            print("%s must name the built kernel (got %r)" % (name, path))
            return 1
    prog = unittest.main(exit=False, verbosity=2 if "-v" in sys.argv else 1)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
