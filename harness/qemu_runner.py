#!/usr/bin/env python3
"""qemu_runner.py -- replay traces on the i386 trace kernel under QEMU.

    python3 harness/qemu_runner.py --kernel sr-kernel.elf [--check]
        [--timeout S] TRACE                          # single mode
    python3 harness/qemu_runner.py --kernel sr-kernel.elf [--check]
        [--timeout S] --batch [--] TRACE...          # batch mode

Single mode writes the trace's result stream on stdout and its error text on
stderr, and exits with the trace's status. Batch mode writes one record per
trace, in argument order,

    @srdiff <status> <outlen> <errlen>\\n<out bytes><err bytes>

and exits 0 (1 on a usage or internal error). Statuses: 0 ran (to its end
or to a panic), 1 usage or internal error, 2 malformed (FILE:LINE: reason),
3 broken invariant under --check, 4 unreadable input (FILE: cannot read:
reason), 5 the guest crashed or hung (the reason on stderr).

Python code calls run_traces(kernel, traces, timeout, check, jobs), which
returns {trace: (status, out, err)} with the raw streams (jobs > 1 splits
the traces over that many QEMUs), or iterates replay(...), which yields
each trace's result in order as soon as it is known. Comparing streams with
goldens is not this module's business.

How it works. QEMU boots the kernel (c/baremetal) once for the whole run; guest
RAM is a memfd that this process maps too (memory-backend-file, share=on),
and the kernel finds a control page and two rings there (layout and record
formats: c/baremetal/srio.h). Traces are streamed into the input ring in bounded
chunks of whole lines; results come back through the output ring in bulk.
The guest rings a doorbell (one byte on isa-debugcon) when a trace ends or
when it waits for input. Input is read at most READ_AHEAD bytes ahead of
the guest; a line longer than LINE_LIMIT is malformed ("line longer than N
bytes"); a line that is not over yet is cut after its first byte that no
valid line holds (a control character, a byte never in UTF-8), as the
hosted runner does, so an endless input stops there. A trace that crashes
the guest costs one reboot inside the same QEMU (the kernel reports it
after the reset); a trace that makes no progress for `timeout` seconds is
reported with status 5 and QEMU is started again for the traces after it.
Nothing is written to disk. QEMU runs in its own session (a terminal's
Ctrl-C reaches only this process, which stops it) and dies with this
process whatever kills it (PR_SET_PDEATHSIG).

Standard library only; needs qemu-system-i386 (Debian: qemu-system-x86).
"""

import argparse
import ctypes
import errno
import mmap
import os
import re
import select
import signal
import stat
import struct
import subprocess
import sys
import threading
import time

QEMU = os.environ.get("SR_QEMU", "qemu-system-i386")
DEFAULT_TIMEOUT = 30.0   # seconds the guest may go without progress

OK, USAGE, MALFORMED, INVARIANT, UNREADABLE, CRASH = 0, 1, 2, 3, 4, 5

# Guest memory: the kernel's heap ends where the I/O area starts.
IO_BASE = 0x08000000
CTRL_SIZE = 0x1000
RING_SIZE = 16 << 20
IO_SIZE = CTRL_SIZE + 2 * RING_SIZE
RAM_SIZE = 176 << 20       # the I/O area, then 15 MiB above it

LINE_LIMIT = 8 << 20     # a longer line is malformed
READ_AHEAD = 8 << 20     # input bytes the guest may have still to consume
CHUNK = 1 << 20          # file read size
MAX_BARREN_BOOTS = 3     # boots in a row that finish no trace: give up

# srio.h
SRIO_MAGIC, SRIO_VERSION, SRIO_BELL = 0x4f495253, 1, 0x07
IN_BEGIN, IN_DATA, IN_LONG, IN_END, IN_STOP, IN_PAD = 1, 2, 3, 4, 5, 6
OUT_HELLO, OUT_DATA, OUT_ERR, OUT_END, OUT_PAD = 1, 2, 3, 4, 6
F_CHECK = 0x1
CTRL_VERIFY_RESET = 0x1
(C_MAGIC, C_VERSION, C_IN_OFF, C_IN_SIZE, C_OUT_OFF, C_OUT_SIZE, C_IN_HEAD,
 C_IN_TAIL, C_OUT_HEAD, C_OUT_TAIL, C_WANT_SPACE, C_BOOTS, C_RUNNING,
 C_PROGRESS, C_FLAGS) = range(0, 60, 4)
C_CRASH = 128

# A byte that ends a line's chance of being valid: a control character but
# the tab (TRACE_FORMAT), or a byte that never occurs in UTF-8 ('\n' never
# reaches this test). The hosted runner stops reading at the same bytes.
HOPELESS = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f\xc0\xc1\xf5-\xff]")


class QemuError(Exception):
    """QEMU or the kernel cannot be used at all (an internal error)."""


class Cancelled(Exception):
    """replay() stopped because its `cancel` event was set."""


def cannot_read(path, err):
    """The contract's message for an unreadable input."""
    return ("%s: cannot read: %s\n" % (path, os.strerror(err))).encode(
        "utf-8", "surrogateescape")


def _pad8(n):
    return (n + 7) & ~7


# ---- one trace's input ---------------------------------------------------------

class Source:
    """The input of one trace, read in bounded chunks and cut into pieces
    of whole lines (the guest feeds the runner a line at a time)."""

    def __init__(self, index, path):
        self.index = index
        self.path = path
        self.fd = None
        self.pending = b""     # the start of a line whose end is not read yet
        self.scanned = 0       # bytes of `pending` known free of hopeless bytes
        self.records = []      # (type, payload) ready to send
        self.eof = False       # every record of this trace is in `records`
        self.error = None      # errno of a failed open or read

    def open(self):
        """Opens the file; False (and self.error) when it cannot be read."""
        try:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            st = os.fstat(self.fd)
            if stat.S_ISDIR(st.st_mode):
                raise OSError(errno.EISDIR, os.strerror(errno.EISDIR))
            if not stat.S_ISREG(st.st_mode):
                os.set_blocking(self.fd, False)  # FIFOs: select, then read
        except OSError as e:
            self.error = e.errno or errno.EIO
            self.close()
            return False
        return True

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def finish(self, *extra):
        """Ends the input: the `extra` records, then END."""
        self.records.extend(extra)
        self.records.append((IN_END, b""))
        self.eof = True
        self.close()

    def fill(self):
        """Reads one chunk; queues DATA records of whole lines. Returns
        False when a non-blocking read would block."""
        try:
            chunk = os.read(self.fd, CHUNK)
        except BlockingIOError:
            return False
        except OSError as e:
            self.error = e.errno or errno.EIO
            self.finish()
            return True
        if not chunk:
            tail = [(IN_DATA, self.pending)] if self.pending else []
            self.pending = b""
            self.finish(*tail)
            return True
        nl = chunk.find(b"\n")
        if nl >= 0 and len(self.pending) + nl > LINE_LIMIT:
            self.pending += chunk[:nl]   # a line over the limit ends here
            self._bound_pending(over=True)
            return True
        cut = chunk.rfind(b"\n") + 1
        if cut:
            data = self.pending + chunk[:cut]
            self.pending, self.scanned = chunk[cut:], 0
            self.records.append((IN_DATA, data))
        else:
            self.pending += chunk
        self._bound_pending()
        return True

    def _bound_pending(self, over=False):
        """A line that is not over yet (or `over` LINE_LIMIT): cut it just
        after its first hopeless byte (the runner reports the first bad
        byte, this one or an earlier one, whatever follows), or give up on
        it past LINE_LIMIT."""
        m = HOPELESS.search(self.pending, self.scanned)
        if m and m.start() < LINE_LIMIT:
            line = self.pending[:m.start() + 1]
            self.pending = b""
            self.finish((IN_DATA, line))
            return
        self.scanned = len(self.pending)
        if over or len(self.pending) > LINE_LIMIT:
            self.pending = b""
            self.finish((IN_LONG, struct.pack("<I", LINE_LIMIT)))


# ---- one QEMU -----------------------------------------------------------------

def _set_pdeathsig():
    """In the child: die with the parent, whatever kills it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Machine:
    """Guest RAM (a memfd), the I/O area mapped here, and the QEMU process
    that boots on it."""

    def __init__(self, kernel, verify_reset=False):
        self.kernel = os.path.abspath(kernel)
        self.verify_reset = verify_reset
        self.fd = os.memfd_create("sr-qemu-ram", os.MFD_CLOEXEC)
        os.ftruncate(self.fd, RAM_SIZE)
        self.mm = mmap.mmap(self.fd, IO_SIZE, offset=IO_BASE)
        self.proc = None
        self.con = bytearray()      # debug console text (bells dropped)
        self.errtext = bytearray()  # QEMU's stderr
        self.in_head = 0
        self.out_tail = 0
        ctrl = struct.pack("<15I", SRIO_MAGIC, SRIO_VERSION, CTRL_SIZE,
                           RING_SIZE, CTRL_SIZE + RING_SIZE, RING_SIZE,
                           0, 0, 0, 0, 0, 0, 0, 0,
                           CTRL_VERIFY_RESET if verify_reset else 0)
        self.mm[0:len(ctrl)] = ctrl

    # control page
    def get(self, off):
        return struct.unpack_from("<I", self.mm, off)[0]

    def put(self, off, value):
        struct.pack_into("<I", self.mm, off, value & 0xffffffff)

    def crash_text(self):
        raw = self.mm[C_CRASH:C_CRASH + 256]
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")

    def start(self):
        """Starts QEMU on the current contents of guest RAM."""
        append = "srio=0x%x" % IO_BASE
        if self.verify_reset:
            append += " verifyreset"
        cmd = [QEMU, "-machine", "microvm,memory-backend=sr-ram",
               "-object", "memory-backend-file,id=sr-ram,size=%d,"
               "mem-path=/proc/self/fd/%d,share=on" % (RAM_SIZE, self.fd),
               "-m", "%dM" % (RAM_SIZE >> 20), "-accel", "tcg",
               "-nodefaults", "-no-user-config", "-display", "none",
               "-chardev", "stdio,id=sr-con,signal=off",
               "-device", "isa-debugcon,iobase=0xe9,chardev=sr-con",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-kernel", self.kernel, "-append", append]
        self.con.clear()
        self.errtext.clear()
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, pass_fds=(self.fd,),
                start_new_session=True, preexec_fn=_set_pdeathsig)
        except OSError as e:
            raise QemuError("%s: %s" % (QEMU, e.strerror)) from None
        for f in (self.proc.stdout, self.proc.stderr):
            os.set_blocking(f.fileno(), False)

    def kill(self):
        """Stops QEMU (its whole process group) and reaps it."""
        p, self.proc = self.proc, None
        if p is None:
            return
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        p.stdout.close()
        p.stderr.close()

    def close(self):
        self.kill()
        self.mm.close()
        os.close(self.fd)

    def wait_events(self, timeout, extra_fds=()):
        """Waits for a doorbell, console text or one of `extra_fds`;
        returns the ready extra fds."""
        fds = list(extra_fds)
        if self.proc:
            fds += [self.proc.stdout.fileno(), self.proc.stderr.fileno()]
        try:
            ready, _, _ = select.select(fds, [], [], timeout)
        except InterruptedError:
            return []
        if self.proc:
            for f, sink in ((self.proc.stdout, self.con),
                            (self.proc.stderr, self.errtext)):
                if f.fileno() in ready:
                    try:
                        data = os.read(f.fileno(), 1 << 16)
                    except BlockingIOError:
                        data = b""
                    sink += data.replace(bytes([SRIO_BELL]), b"")
                    del sink[:-4096]
        return [fd for fd in ready if fd in extra_fds]

    def exited(self):
        return self.proc is None or self.proc.poll() is not None

    def death(self):
        """Why QEMU is gone, in a few words."""
        con = self.con.decode("utf-8", "replace").strip().splitlines()
        for line in reversed(con):
            if line.startswith("FATAL "):
                return "kernel stopped: " + line[6:]
        err = self.errtext.decode("utf-8", "replace").strip().splitlines()
        code = self.proc.returncode if self.proc else None
        return "QEMU exited with status %s%s" % (
            code, ": " + err[-1] if err else "")

    # input ring
    def in_free(self):
        return RING_SIZE - ((self.in_head - self.get(C_IN_TAIL)) & 0xffffffff)

    def in_inflight(self):
        return (self.in_head - self.get(C_IN_TAIL)) & 0xffffffff

    def try_send(self, rtype, payload):
        """Writes one input record if it fits; False when it does not (a
        PAD record may have been written: the next try starts at 0)."""
        size = 8 + _pad8(len(payload))
        off = self.in_head % RING_SIZE
        base = CTRL_SIZE
        if size > RING_SIZE - off:
            if RING_SIZE - off > self.in_free():
                return False
            struct.pack_into("<II", self.mm, base + off, IN_PAD, 0)
            self.in_head += RING_SIZE - off
            self.put(C_IN_HEAD, self.in_head)
            off = 0
        if size > self.in_free():
            return False
        struct.pack_into("<II", self.mm, base + off, rtype, len(payload))
        self.mm[base + off + 8:base + off + 8 + len(payload)] = payload
        self.in_head += size
        self.put(C_IN_HEAD, self.in_head)
        return True

    # output ring
    def records(self):
        """Yields the output records published since the last call."""
        head = self.get(C_OUT_HEAD)
        base = CTRL_SIZE + RING_SIZE
        while self.out_tail != head:
            off = self.out_tail % RING_SIZE
            rtype, n = struct.unpack_from("<II", self.mm, base + off)
            if rtype == OUT_PAD:
                self.out_tail = (self.out_tail + RING_SIZE - off) & 0xffffffff
            else:
                yield rtype, self.mm[base + off + 8:base + off + 8 + n]
                self.out_tail = (self.out_tail + 8 + _pad8(n)) & 0xffffffff
            self.put(C_OUT_TAIL, self.out_tail)

    def resync(self):
        """After QEMU died: take the rings as the guest left them."""
        self.in_head = self.get(C_IN_HEAD)
        self.put(C_RUNNING, 0)
        self.put(C_WANT_SPACE, 0)


# ---- a run ----------------------------------------------------------------------

def replay(kernel, traces, timeout=DEFAULT_TIMEOUT, check=False,
           verify_reset=False, cancel=None):
    """Replays `traces` (paths, in order; repeats allowed) on the kernel ELF
    `kernel`. Yields (index, status, out, err) for each trace, in order,
    as soon as it is known. `timeout`: seconds the guest may go without
    progress before its trace is reported as hung. Raises QemuError when
    QEMU cannot be started; KeyboardInterrupt stops QEMU and goes on up, and
    so does Cancelled once the threading.Event `cancel` is set."""
    traces = list(traces)
    if not traces:
        return
    if not os.path.isfile(kernel) or not os.access(kernel, os.R_OK):
        raise QemuError("%s: cannot read the kernel" % kernel)
    flags = F_CHECK if check else 0
    m = Machine(kernel, verify_reset)
    try:
        yield from _run(m, traces, timeout, flags, cancel)
    finally:
        m.close()


def _run(m, traces, timeout, flags, cancel):
    done = {}            # index -> (status, out, err), not yet yielded
    read_errors = {}     # index -> errno of a read that failed midway
    next_yield = 0
    next_open = 0        # next trace to open
    src = None           # the Source being sent
    sent = []            # indexes whose BEGIN went to the guest, unfinished
    out, err = [], []    # streams of sent[0]
    stop_sent = False
    barren_boots = 0     # boots since the last finished trace
    restarts = 0         # QEMU starts since the last finished trace
    m.start()
    last_change = time.monotonic()
    seen = None

    def fail_current(why):
        nonlocal out, err
        if sent:
            tid = sent.pop(0)
            crash = m.crash_text()
            if crash and why.startswith("crash:"):
                why = "crash: " + crash
            e = b"".join(err) + ("%s: %s\n" % (traces[tid], why)).encode(
                "utf-8", "surrogateescape")
            done[tid] = (CRASH, b"".join(out), e)
            stop_reading(tid)
        out, err = [], []
        m.put(C_CRASH, 0)

    def stop_reading(tid):
        if src is not None and src.index == tid and not src.eof:
            src.records.clear()
            src.finish()

    while next_yield < len(traces):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        # 1. results
        for rtype, payload in m.records():
            if rtype == OUT_DATA:
                out.append(payload)
            elif rtype == OUT_ERR:
                err.append(payload)
            elif rtype == OUT_HELLO:
                barren_boots += 1
            elif rtype == OUT_END:
                tid, status = struct.unpack_from("<II", payload)
                reason = bytes(payload[8:]).decode("utf-8", "replace")
                if not sent or sent[0] != tid:
                    out, err = [], []
                    continue  # reported by the host already
                sent.pop(0)
                e = b"".join(err)
                if status == CRASH:
                    e += ("%s: crash: %s\n" % (traces[tid], reason)).encode(
                        "utf-8", "surrogateescape")
                elif tid in read_errors:
                    status = UNREADABLE
                    e += cannot_read(traces[tid], read_errors.pop(tid))
                done[tid] = (status, b"".join(out), e)
                stop_reading(tid)
                out, err = [], []
                barren_boots = restarts = 0
        while next_yield in done:
            st, o, e = done.pop(next_yield)
            yield next_yield, st, o, e
            next_yield += 1
        if next_yield >= len(traces):
            break

        # 2. input, as far as the ring and the read-ahead bound allow
        blocked_fd = None
        while True:
            if src is None and next_open < len(traces):
                src = Source(next_open, traces[next_open])
                next_open += 1
                if not src.open():
                    done[src.index] = (UNREADABLE, b"",
                                       cannot_read(src.path, src.error))
                    src = None
                    continue
                src.records.append((IN_BEGIN, struct.pack(
                    "<II", src.index, flags) + os.fsencode(src.path)))
            if src is None:
                if not stop_sent and not sent:
                    stop_sent = m.try_send(IN_STOP, b"")
                break
            if src.records:
                rtype, payload = src.records[0]
                inflight = m.in_inflight()
                if (inflight and inflight + len(payload) > READ_AHEAD) or \
                        not m.try_send(rtype, payload):
                    m.put(C_WANT_SPACE, 1)
                    break
                src.records.pop(0)
                if rtype == IN_BEGIN:
                    sent.append(src.index)
                continue
            if src.eof:
                if src.error is not None and src.index in sent:
                    read_errors[src.index] = src.error
                src = None
                continue
            if not src.fill():
                blocked_fd = src.fd
                break

        # 3. the machine: exited, reset in a loop, hung?
        hung = False
        if not m.exited():
            state = (m.get(C_PROGRESS), m.get(C_IN_TAIL), m.get(C_OUT_HEAD))
            now = time.monotonic()
            if state != seen:
                seen, last_change = state, now
            elif m.in_inflight() and now - last_change > timeout:
                hung = True  # the guest has input and does nothing with it
            if barren_boots > MAX_BARREN_BOOTS or hung:
                m.kill()
        if m.exited():
            if stop_sent and not sent:
                break
            if hung:
                why = "timeout: no progress for %g s" % timeout
            elif barren_boots > MAX_BARREN_BOOTS:
                why = "crash: the guest resets again and again"
            else:
                why = "crash: " + m.death()
            fail_current(why)
            restarts += 1
            barren_boots = 0
            if restarts > MAX_BARREN_BOOTS:
                rest = list(sent) + ([src.index] if src else []) + \
                    list(range(next_open, len(traces)))
                for i in rest:
                    done.setdefault(i, (CRASH, b"", ("%s: %s\n" % (
                        traces[i], why)).encode("utf-8", "surrogateescape")))
                sent.clear()
                stop_reading(src.index if src else None)
                src, next_open = None, len(traces)
                continue
            m.resync()
            m.start()
            seen, last_change = None, time.monotonic()
            continue
        m.wait_events(0.1, [blocked_fd] if blocked_fd is not None else [])

    while next_yield in done:
        st, o, e = done.pop(next_yield)
        yield next_yield, st, o, e
        next_yield += 1
    # Every result is in: QEMU is killed (replay's finally), not waited for.


def run_traces(kernel, traces, timeout=DEFAULT_TIMEOUT, check=False, jobs=1):
    """Replays `traces` on the kernel ELF `kernel` under QEMU, one boot for
    all of them (or one per slice with `jobs` QEMUs at once). Returns
    {trace: (status, out, err)}: the status per the exit-status contract
    (0, 2, 3, 4 or 5), and the raw stdout and stderr bytes a single-trace
    run would write. `timeout`: seconds the guest may go without progress.
    Raises QemuError when QEMU cannot be used, and KeyboardInterrupt (every
    QEMU stopped) on Ctrl-C."""
    traces = list(dict.fromkeys(traces))
    jobs = max(1, min(int(jobs), len(traces)))
    if jobs == 1:
        return {traces[i]: (st, out, err) for i, st, out, err in
                replay(kernel, traces, timeout, check)}
    # Slices of about equal size in bytes, in order.
    sizes = []
    for t in traces:
        try:
            sizes.append(max(os.path.getsize(t), 1))
        except OSError:
            sizes.append(1)
    total, slices, acc = sum(sizes), [[] for _ in range(jobs)], 0
    for t, n in zip(traces, sizes):
        slices[min(jobs - 1, acc * jobs // total)].append(t)
        acc += n
    cancel = threading.Event()
    results, failures = {}, []

    def work(part):
        try:
            for i, st, out, err in replay(kernel, part, timeout, check,
                                          cancel=cancel):
                results[part[i]] = (st, out, err)
        except Cancelled:
            pass
        except BaseException as e:  # handed to the caller below
            failures.append(e)
            cancel.set()

    threads = [threading.Thread(target=work, args=(p,), daemon=True)
               for p in slices if p]
    for th in threads:
        th.start()
    try:
        for th in threads:
            while th.is_alive():
                th.join(0.2)
    except BaseException:
        cancel.set()
        for th in threads:
            th.join()
        raise
    if failures:
        raise failures[0]
    return results


# ---- command line ----------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("%s: error: %s\n" % (self.prog, message))
        sys.exit(USAGE)


def parse_args(argv):
    p = _Parser(prog="qemu_runner.py",
                description="Replay traces on the i386 trace kernel under QEMU.")
    p.add_argument("--kernel", required=True, help="sr-kernel.elf")
    p.add_argument("--check", action="store_true",
                   help="run the port's invariant checker after every op")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds the guest may go without progress "
                        "(default %(default)s)")
    p.add_argument("--batch", action="store_true",
                   help="many traces, one @srdiff record each")
    p.add_argument("--verify-reset", action="store_true",
                   help=argparse.SUPPRESS)  # tests: check RAM after resets
    p.add_argument("traces", nargs="*", metavar="TRACE")
    a = p.parse_args(argv)
    if not a.batch and len(a.traces) != 1:
        p.error("single mode takes one TRACE (use --batch for more)")
    if a.timeout <= 0:
        p.error("--timeout must be positive")
    return a


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv):
    """CLI entry point; returns the exit status."""
    a = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    stdout = sys.stdout.buffer
    try:
        for i, status, out, err in replay(a.kernel, a.traces, a.timeout,
                                          a.check, a.verify_reset):
            if a.batch:
                stdout.write(b"@srdiff %d %d %d\n" % (status, len(out),
                                                      len(err)))
                stdout.write(out)
                stdout.write(err)
                stdout.flush()
            else:
                stdout.write(out)
                stdout.flush()
                sys.stderr.buffer.write(err)
                sys.stderr.flush()
                return status
    except QemuError as e:
        sys.stderr.write("qemu_runner.py: %s\n" % e)
        return USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
