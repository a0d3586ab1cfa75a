"""The implementations a trace can be replayed on.

  c         the C port over the hosted i386 simulation (sr-run)
  ref       our Rust reference model (srref)
  qemu      the C port booted as an i386 kernel in QEMU
  upstream  SunriseOS's own memory module, built from a checkout the user
            points to (--upstream DIR or SUNRISE_SRC), run under Node's WASI

Each has `available()` -> (bool, reason), `run(traces, jobs, check)` ->
{trace: Result} (batch mode) and `argv_one(trace, check)` for a single run
whose streams go straight to the terminal.
"""
import os
import shutil
import sys

from . import HERE, ROOT, batch, build
from .status import Result, Status

HOSTED_ONLY = b"# srdiff: hosted-only"


def hang_guard(n):
    """Seconds a batch of n traces may take before it counts as hung: far
    above any expected time (a trace replays in milliseconds to a second,
    under valgrind or a sanitizer in seconds), so a busy machine never
    reaches it."""
    return 600.0 + 20.0 * n


class UsageError(Exception):
    pass


class Impl:
    name = "?"
    checks = False  # runs the invariant checker with --check

    def available(self):
        return True, ""

    def batch_argv(self, check):
        raise NotImplementedError

    def argv_one(self, trace, check):
        raise NotImplementedError

    def skips(self, trace):
        """Why this implementation does not replay `trace`, or None."""
        return None

    def run(self, traces, jobs, check=False):
        return batch.run(self.batch_argv(check and self.checks), traces, jobs, hang_guard)


class C(Impl):
    name = "c"
    checks = True

    def available(self):
        if os.environ.get("SRDIFF_C_EXE") or shutil.which("cmake") or \
                os.path.exists(os.path.join(build.root(), "sr-run")):
            return True, ""
        return False, "cmake not found"

    def batch_argv(self, check):
        return [build.c_runner(), "--batch"] + (["--check"] if check else [])

    def argv_one(self, trace, check):
        return [build.c_runner()] + (["--check"] if check else []) + ["--", trace]


class Ref(Impl):
    name = "ref"

    def available(self):
        if os.environ.get("SRDIFF_REF_EXE") or build.ref_prebuilt() or build.cargo():
            return True, ""
        return False, "cargo not found"

    def batch_argv(self, check):
        return [build.ref_runner(), "run", "--batch"]

    def argv_one(self, trace, check):
        if check:
            raise UsageError("--check: the invariant checker runs on c and qemu, not on the model")
        return [build.ref_runner(), "run", "--", trace]


class Qemu(Impl):
    name = "qemu"
    checks = True

    def available(self):
        if not shutil.which(os.environ.get("SR_QEMU", "qemu-system-i386")):
            return False, "qemu-system-i386 not found (apt-get install qemu-system-x86)"
        return True, ""

    def skips(self, trace):
        try:
            with open(trace, "rb") as f:
                if HOSTED_ONLY in f.read(1 << 20):
                    return "hosted-only"
        except OSError:
            pass
        return None

    def run(self, traces, jobs, check=False):
        sys.path.insert(0, HERE) if HERE not in sys.path else None
        import qemu_runner
        done = qemu_runner.run_traces(build.kernel(), list(traces), check=check, jobs=max(1, jobs))
        return {t: _qemu_result(done[t]) for t in traces}

    def argv_one(self, trace, check):
        return [sys.executable, os.path.join(HERE, "qemu_runner.py"), "--kernel", build.kernel()] + \
            (["--check"] if check else []) + ["--", trace]


def _qemu_result(r):
    status, out, err = r
    if isinstance(status, str):  # older runner: words
        words = {"ok": Status.OK, "malformed": Status.MALFORMED, "invariant": Status.INVARIANT,
                 "unreadable": Status.UNREADABLE}
        if status not in words:
            err = (err or b"") + ("%s\n" % status).encode()
        status = words.get(status, Status.CRASH)
    return Result(Status.of_exit(int(status)), out or b"", err or b"")


class Upstream(Impl):
    """SunriseOS's original module, from the user's checkout."""
    name = "upstream"
    src = None  # set by --upstream

    def checkout(self):
        return Upstream.src or os.environ.get("SUNRISE_SRC")

    def available(self):
        src = self.checkout()
        if not src:
            return False, "no upstream checkout (give --upstream DIR or set SUNRISE_SRC)"
        if not os.path.isdir(os.path.join(src, "kernel", "src", "paging")):
            return False, "%s is not a SunriseOS checkout (no kernel/src/paging)" % src
        if not shutil.which("node"):
            return False, "node not found (apt-get install nodejs)"
        return True, ""

    def wasm(self):
        out = os.path.join(build.root(), "upstream")
        if not getattr(self, "_built", False):
            with build.locked():
                build._run([sys.executable, os.path.join(ROOT, "reference", "upstream", "build.py"),
                            "--upstream", self.checkout(), "--out", out], what="upstream build")
            self._built = True
        return os.path.join(out, "srup.wasm")

    def runner(self):
        return ["node", os.path.join(ROOT, "reference", "upstream", "srup.mjs"), self.wasm()]

    def batch_argv(self, check):
        return self.runner() + ["--batch"]

    def argv_one(self, trace, check):
        if check:
            raise UsageError("--check: the invariant checker runs on c and qemu, not on upstream")
        return self.runner() + ["--", trace]


IMPLS = {i.name: i for i in (C(), Ref(), Qemu(), Upstream())}
ORDER = ("c", "ref", "qemu", "upstream")


def get(name):
    if name not in IMPLS:
        raise UsageError("unknown implementation %r (known: %s)" % (name, ", ".join(ORDER)))
    return IMPLS[name]
