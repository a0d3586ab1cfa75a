#!/usr/bin/env python3
"""qemu_runner.py -- replay traces on the i386 trace kernel under QEMU.

    python3 harness/qemu_runner.py --kernel sr-kernel.elf [--timeout S]
        [--batch N] [--jobs N] [--machine microvm|pc] [--check]
        [--out-dir DIR] [--check-against-out] TRACE...

The kernel (c/i386) is booted with `qemu-system-i386 -kernel`; the traces
are its multiboot modules, several per boot. The kernel replays each module
with the trace runner and frames its output on the serial port (see
c/i386/kmain.c):

    \\x02BEGIN i name        result bytes (STX and DLE escaped as DLE, b^0x40)
    \\x02ERR line            one per line the runner wrote on `err`
    \\x02END i status        0, 2, 3 as runner_run returns, or "CRASH reason"

A trace that crashes the kernel is reported as crashed; when the guest dies
(triple fault, fatal double fault) or hangs, the trace it was running is
reported as crashed or timed out and the traces of the batch it had not
started are run again in a new boot.

With one trace, its result stream goes to stdout, its error stream to
stderr, and the exit status is 0 (ran), 2 (malformed) or 3 (broken
invariant under --check, crash or timeout), like the hosted runner. With
several traces, each one gets a line "<status>\\t<path>" on stdout (exit
status 3 if any is not "ok" or "malformed"), and --out-dir DIR keeps the
streams as DIR/<name>.out and DIR/<name>.err. --check-against-out compares
each stream with the <trace>.out file beside it (text after `panic`
ignored) and ends with an "N passed, M failed" line.

Python code can call run_traces(kernel, traces, timeout) instead.
Standard library only; needs qemu-system-i386 (Debian: qemu-system-x86).
"""

import argparse
import concurrent.futures
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

QEMU = os.environ.get("SR_QEMU", "qemu-system-i386")
DEFAULT_TIMEOUT = 30.0   # seconds a boot may go without any guest output
DEFAULT_BATCH = 256      # traces per boot
DEFAULT_MACHINE = "microvm"
DEFAULT_MEMORY = None     # guest RAM: enough for the batch's modules
MIN_MEMORY_MIB = 128
MAX_MEMORY_MIB = 508      # the kernel maps RAM up to 0x1fc00000 only
MAX_INITRD_CHARS = 100_000  # Linux caps one argument at 128 KiB
DONE_GRACE = 2.0         # seconds QEMU gets to exit once the guest is done

STX = 0x02
DLE = 0x10


# ---- the framed serial stream ------------------------------------------------

def unescape(data):
    """Payload bytes with the kernel's DLE escapes undone."""
    if DLE not in data:
        return bytes(data)
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b == DLE and i + 1 < len(data):
            out.append(data[i + 1] ^ 0x40)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


class Record:
    """What one boot said about one module."""

    def __init__(self):
        self.begun = False
        self.status = None  # text after "END i ", once seen
        self.out = bytearray()
        self.err = bytearray()


class BootLog:
    """A parsed serial stream: records by module index, and boot events."""

    def __init__(self, data):
        self.records = {}
        self.hello = None
        self.done = False
        self.fatal = None
        self._parse(bytes(data))

    def record(self, i):
        """The record of module i (created on first use)."""
        return self.records.setdefault(i, Record())

    def _parse(self, data):
        """Splits `data` into payload and frames."""
        current = None
        raw_out = bytearray()
        pos = 0
        while pos < len(data):
            stx = data.find(b"\x02", pos)
            end = len(data) if stx < 0 else stx
            if current is not None:
                raw_out += data[pos:end]
            if stx < 0:
                break
            nl = data.find(b"\n", stx)
            if nl < 0:
                break  # the guest died in the middle of a frame
            current, raw_out = self._frame(data[stx + 1:nl], current, raw_out)
            pos = nl + 1
        if current is not None:
            current.out += unescape(raw_out)

    def _frame(self, text, current, raw_out):
        """Applies one frame; returns the new (current record, raw output)."""
        word, _, rest = text.partition(b" ")
        if word == b"BEGIN":
            rec = self.record(int(rest.split(b" ", 1)[0]))
            rec.begun = True
            return rec, bytearray()
        if word in (b"ERR", b"ERR-") and current is not None:
            current.err += unescape(rest) + (b"\n" if word == b"ERR" else b"")
            return current, raw_out
        if word == b"END":
            idx, _, status = rest.partition(b" ")
            rec = self.record(int(idx))
            if current is rec:
                rec.out += unescape(raw_out)
            rec.status = status.decode("utf-8", "replace")
            return None, bytearray()
        if word == b"FATAL":
            self.fatal = rest.decode("utf-8", "replace")
        elif word == b"DONE":
            self.done = True
        elif word == b"HELLO":
            self.hello = rest.decode("utf-8", "replace")
        return current, raw_out


# ---- one boot ------------------------------------------------------------------

def guest_memory(cwd, modules):
    """Guest RAM for `modules`: the kernel and its heap need about 64 MiB
    beside the modules, which QEMU loads above the kernel."""
    total = sum(os.path.getsize(os.path.join(cwd, m)) for m in modules)
    mib = MIN_MEMORY_MIB + (total >> 20)
    return "%dM" % min(mib, MAX_MEMORY_MIB)


def qemu_command(kernel, modules, machine, memory, check):
    """The QEMU command line that boots `kernel` with `modules`."""
    cmd = [QEMU, "-machine", machine, "-accel", "tcg", "-m", memory,
           "-nodefaults", "-no-user-config", "-display", "none",
           "-serial", "stdio", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", kernel, "-initrd", ",".join(modules)]
    if check:
        cmd += ["-append", "check"]
    return cmd


class Boot:
    """The outcome of one QEMU run."""

    def __init__(self, log, returncode, timed_out, stderr):
        self.log = log
        self.returncode = returncode
        self.timed_out = timed_out
        self.stderr = stderr

    def death(self):
        """Why the guest stopped before finishing, in a few words."""
        if self.timed_out:
            return "timeout"
        if self.log.fatal:
            return "crash: " + self.log.fatal
        if self.returncode == 0:
            return "crash: guest reset (triple fault)"
        tail = self.stderr.decode("utf-8", "replace").strip().splitlines()
        why = tail[-1] if tail else "no message"
        return "crash: QEMU exited with status %s: %s" % (self.returncode, why)


def boot(kernel, modules, cwd, timeout, machine, memory, check):
    """Boots QEMU once on `modules` (names relative to `cwd`). The boot is
    killed after `timeout` seconds without guest output."""
    cmd = qemu_command(os.path.abspath(kernel), modules, machine,
                       memory or guest_memory(cwd, modules), check)
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = bytearray(), bytearray()
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, out)
    sel.register(proc.stderr, selectors.EVENT_READ, err)
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = b"\x02DONE" not in out
                proc.kill()
                break
            for key, _ in sel.select(min(left, 1.0)):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                key.data.extend(chunk)
                if key.data is out:
                    deadline = time.monotonic() + timeout
                    if b"\x02DONE" in out[-len(chunk) - 16:]:
                        deadline = min(deadline,
                                       time.monotonic() + DONE_GRACE)
    finally:
        sel.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return Boot(BootLog(out), proc.returncode, timed_out, bytes(err))


# ---- batches -------------------------------------------------------------------

def status_of_end(text):
    """run_traces status for the status field of an END frame."""
    if text == "0":
        return "ok"
    if text == "2":
        return "malformed"
    if text == "3":
        return "invariant"
    if text.startswith("CRASH"):
        return "crash: " + text[5:].strip()
    return "crash: runner returned " + text


def rename_err(err, module, path):
    """`err` with the module name at the start of each line replaced by the
    trace's own path, as the hosted runner prints it."""
    prefix = module.encode() + b":"
    lines = err.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(prefix):
            lines[i] = os.fsencode(path) + b":" + line[len(prefix):]
    return b"\n".join(lines)


def batches(paths, size):
    """Consecutive slices of `paths`, at most `size` traces and at most
    MAX_INITRD_CHARS of module names each."""
    batch, chars = [], 0
    for i, path in enumerate(paths):
        name_len = len("%d.trace," % i)
        if batch and (len(batch) >= size or chars + name_len > MAX_INITRD_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(i)
        chars += name_len
    if batch:
        yield batch


def run_batch(kernel, paths, indexes, workdir, timeout, machine, memory,
              check, results):
    """Runs traces paths[i] for i in `indexes`, booting again for the ones a
    dying guest did not start; fills results[path]."""
    pending = list(indexes)
    while pending:
        modules = ["%d.trace" % i for i in pending]
        b = boot(kernel, modules, workdir, timeout, machine, memory, check)
        started = 0
        for slot, i in enumerate(pending):
            rec = b.log.records.get(slot)
            if rec is None or not rec.begun:
                continue
            started = slot + 1
            status = status_of_end(rec.status) if rec.status is not None \
                else b.death()
            err = rename_err(bytes(rec.err), modules[slot], paths[i])
            results[paths[i]] = (status, bytes(rec.out), err)
        if started == 0 and len(pending) > 1 and not b.timed_out:
            # QEMU refused the batch (e.g. its modules do not fit in guest
            # RAM): try halves.
            half = len(pending) // 2
            for part in (pending[:half], pending[half:]):
                run_batch(kernel, paths, part, workdir, timeout, machine,
                          memory, check, results)
            return
        if started == 0:
            why = b.death() if not b.log.done else "crash: not run"
            for i in pending:
                results[paths[i]] = (why, b"", b.stderr)
            return
        pending = [i for slot, i in enumerate(pending)
                   if slot >= started and paths[i] not in results]


def run_traces(kernel, traces, timeout=DEFAULT_TIMEOUT, batch=DEFAULT_BATCH,
               machine=DEFAULT_MACHINE, memory=DEFAULT_MEMORY, check=False,
               jobs=1):
    """Replays `traces` on the kernel ELF `kernel` under QEMU.

    Returns {path: (status, stdout_bytes, stderr_bytes)} where status is
    "ok" (runner exit 0), "malformed" (exit 2), "invariant" (exit 3: the
    checker, on with `check`, found a broken invariant), "timeout", or
    "crash: <reason>". `timeout` is how long a boot may go without output;
    up to `jobs` QEMUs run at once.
    """
    paths = list(dict.fromkeys(traces))
    jobs = max(1, min(jobs, len(paths)))
    size = max(1, min(batch, -(-len(paths) // jobs)))
    results = {}
    workdir = tempfile.mkdtemp(prefix="sr-qemu-")
    try:
        for i, path in enumerate(paths):
            shutil.copyfile(path, os.path.join(workdir, "%d.trace" % i))
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            futures = [pool.submit(run_batch, kernel, paths, indexes, workdir,
                                   timeout, machine, memory, check, results)
                       for indexes in batches(paths, size)]
            for f in futures:
                f.result()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


# ---- command line ----------------------------------------------------------------

def cut_panics(stream):
    """`stream` with every `panic ...` line cut to `panic`."""
    lines = stream.split(b"\n")
    return b"\n".join(b"panic" if l.startswith(b"panic ") else l
                      for l in lines)


def expected_stream(path):
    """The golden .out beside trace `path`, or None."""
    base = path[:-len(".trace")] if path.endswith(".trace") else path
    try:
        with open(base + ".out", "rb") as f:
            return f.read()
    except OSError:
        return None


def save_streams(out_dir, path, out, err):
    """Writes DIR/<name>.out and DIR/<name>.err for trace `path`."""
    name = os.path.basename(path)
    if name.endswith(".trace"):
        name = name[:-len(".trace")]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".out"), "wb") as f:
        f.write(out)
    with open(os.path.join(out_dir, name + ".err"), "wb") as f:
        f.write(err)


def parse_args(argv):
    """The command line."""
    p = argparse.ArgumentParser(
        description="Replay traces on the i386 trace kernel under QEMU.")
    p.add_argument("--kernel", required=True, help="sr-kernel.elf")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds a boot may go without guest output")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                   help="traces per boot")
    p.add_argument("--jobs", type=int, default=1,
                   help="QEMUs to run at once")
    p.add_argument("--machine", default=DEFAULT_MACHINE,
                   help="QEMU machine type (microvm or pc)")
    p.add_argument("--memory", default=DEFAULT_MEMORY,
                   help="guest RAM (default: 128M plus the traces' size)")
    p.add_argument("--check", action="store_true",
                   help="run the port's invariant checker after every op")
    p.add_argument("--out-dir", help="keep each trace's streams here")
    p.add_argument("--check-against-out", action="store_true",
                   help="compare each stream with the .out beside its trace")
    p.add_argument("traces", nargs="+", metavar="TRACE")
    return p.parse_args(argv)


def main(argv):
    """CLI entry point; returns the exit status."""
    args = parse_args(argv)
    for path in args.traces:
        if not os.path.isfile(path):
            print("%s: no such trace" % path, file=sys.stderr)
            return 3
    if not os.path.isfile(args.kernel):
        print("%s: no such kernel" % args.kernel, file=sys.stderr)
        return 3
    results = run_traces(args.kernel, args.traces, args.timeout, args.batch,
                         args.machine, args.memory, args.check, args.jobs)
    codes = {"ok": 0, "malformed": 2}
    paths = list(dict.fromkeys(args.traces))

    if len(paths) == 1 and not args.check_against_out:
        status, out, err = results[paths[0]]
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
        sys.stderr.buffer.write(err)
        if status not in codes:
            print("%s: %s" % (paths[0], status), file=sys.stderr)
        if args.out_dir:
            save_streams(args.out_dir, paths[0], out, err)
        return codes.get(status, 3)

    worst, passed, failed = 0, 0, 0
    for path in paths:
        status, out, err = results[path]
        if args.out_dir:
            save_streams(args.out_dir, path, out, err)
        worst = max(worst, 0 if status in codes else 3)
        if not args.check_against_out:
            print("%s\t%s" % (status, path))
            continue
        want = expected_stream(path)
        same = want is not None and status in codes and \
            cut_panics(want) == cut_panics(out)
        passed, failed = passed + same, failed + (not same)
        print("%s\t%s\t%s" % ("PASS" if same else "FAIL", status, path))
    if args.check_against_out:
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
