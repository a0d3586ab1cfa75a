"""The batch protocol: many traces replayed by one runner process.

A runner started as `RUNNER --batch [--check] -- TRACE...` writes, for each
trace in order, one record on stdout:

    @srdiff STATUS OUTLEN ERRLEN\\n<OUTLEN bytes of out><ERRLEN bytes of err>

Every child runs in its own process group and is registered here, so that
an interrupt (or SIGTERM) kills them all (`kill_all`) and no new one starts.
"""
import concurrent.futures as cf
import os
import signal
import subprocess
import threading

from .status import Result, Status

HEADER = b"@srdiff "


class Interrupted(Exception):
    """The run is being stopped; no new child is started."""


class ProtocolError(Exception):
    pass


_lock = threading.Lock()
_children = set()
_stopping = False


def spawn(argv, **kw):
    """Popen in a new process group, registered for kill_all."""
    with _lock:
        if _stopping:
            raise Interrupted()
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        _children.add(p)
    return p


def reap(p):
    with _lock:
        _children.discard(p)


def kill_all():
    """Stops the run: every registered child's process group is killed."""
    global _stopping
    with _lock:
        _stopping = True
        kids = list(_children)
    for p in kids:
        _kill_group(p)


def stopping():
    """Whether the run is being stopped (kill_all was called)."""
    return _stopping


def _kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait(p, stdin=None, timeout=None):
    """(returncode or None on timeout, out, err) of a spawned child, which
    is deregistered at the end. On a timeout its group is killed; on an
    interrupt while waiting too, since kill_all no longer reaches it once
    deregistered. Interrupted when the run is being stopped."""
    try:
        out, err = p.communicate(stdin, timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        _kill_group(p)
        out, err = p.communicate()
        rc = None
    except BaseException:
        _kill_group(p)
        raise
    finally:
        reap(p)
    if _stopping:
        raise Interrupted()
    return rc, out, err


def call(argv, **kw):
    """subprocess.run for a child that kill_all must reach: its own process
    group, registered while it runs; Interrupted when the run is stopped."""
    rc, out, err = _wait(spawn(argv, **kw))
    return subprocess.CompletedProcess(argv, rc, out, err)


def communicate(argv, timeout, stdin=None):
    """Runs argv to its end; (returncode or None on timeout, out, err)."""
    p = spawn(argv, stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return _wait(p, stdin, timeout)


def parse_records(data, count):
    """The records of a batch's stdout, at most `count`: a list of Result.
    A truncated tail (the runner died mid-record) is dropped."""
    res = []
    pos = 0
    while len(res) < count and pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0 or not data.startswith(HEADER, pos):
            if nl < 0:
                break
            raise ProtocolError("bad record header at byte %d: %r" % (pos, data[pos:pos + 60]))
        try:
            st, no, ne = (int(x) for x in data[pos + len(HEADER):nl].split())
        except ValueError:
            raise ProtocolError("bad record header: %r" % data[pos:nl][:80])
        body = nl + 1
        if body + no + ne > len(data):
            break
        res.append(Result(Status.of_exit(st), data[body:body + no], data[body + no:body + no + ne]))
        pos = body + no + ne
    return res


def run_chunk(argv, traces, timeout):
    """Replays `traces` with the batch runner `argv` (which ends before the
    paths). A runner that dies or hangs part-way is charged to the trace it
    was on (CRASH with the reason); the traces after it run again."""
    results = []
    todo = list(traces)
    while todo:
        rc, out, err = communicate(argv + ["--"] + todo, timeout(len(todo)))
        got = parse_records(out, len(todo))
        results += got
        if len(got) == len(todo):
            break  # every record is in
        culprit = todo[len(got)]
        if rc is None:
            why = "hang guard: no end after %.0f s" % timeout(len(todo))
        elif rc < 0:
            why = "killed by signal %d" % -rc
        else:
            why = "runner exited %d before its record" % rc
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        results.append(Result(Status.CRASH, b"", ("%s: %s\n%s" % (culprit, why, "\n".join(tail))).encode()))
        todo = todo[len(got) + 1:]
    return results


def chunks(traces, jobs, most=400):
    """Splits traces into about 4 chunks per job (load balance), each of
    at most `most` traces."""
    n = len(traces)
    size = max(1, min(most, -(-n // max(1, jobs * 4))))
    return [traces[i:i + size] for i in range(0, n, size)]


def run(argv, traces, jobs, timeout):
    """Every trace through the batch runner argv, `jobs` processes at once;
    returns {trace: Result}."""
    out = {}
    parts = chunks(list(traces), jobs)
    if len(parts) <= 1 or jobs <= 1:
        for part in parts:
            out.update(zip(part, run_chunk(argv, part, timeout)))
        return out
    pool = cf.ThreadPoolExecutor(max_workers=jobs)
    try:
        futs = [(part, pool.submit(run_chunk, argv, part, timeout)) for part in parts]
        for part, f in futs:
            out.update(zip(part, f.result()))
    except BaseException:
        kill_all()  # so that the workers' children end and the pool can close
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return out
