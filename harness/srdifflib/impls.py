"""The implementations a trace can be replayed on.

  c         the C port over the hosted i386 simulation (sr-run)
  ref       our Rust reference model (srref)
  qemu      the C port booted as an i386 kernel in QEMU
  upstream  SunriseOS's own memory module, built from a checkout the user
            points to (--upstream DIR or SUNRISE_SRC), run under Node's WASI
  mix:MODS  a mixed build: the named modules from the C port (the first ones
            of the bottom-up ladder, see reference/upstream/build.py LADDER),
            the rest upstream's Rust, from the same checkout and runner

Each has `available()` -> (bool, reason), `run(traces, jobs, check)` ->
{trace: Result} (batch mode) and `argv_one(trace, check)` for a single run
whose streams go straight to the terminal.
"""
import os
import shutil
import subprocess
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


def upstream_build_module():
    """reference/upstream/build.py as a module (the ladder's one definition)."""
    import importlib.util
    path = os.path.join(ROOT, "reference", "upstream", "build.py")
    spec = importlib.util.spec_from_file_location("sr_upstream_build", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class NotBuilt(build.BuildError):
    """A mixed build that has no glue yet (the reason is the message)."""


class Mix(Upstream):
    """Upstream's Rust with the first `rung` modules of the ladder from the
    C port (build.py --mix), replayed by the same runner."""

    def __init__(self, rung):
        self.rung = rung
        b = upstream_build_module()
        self.mods = [n for n, _ in b.LADDER[:rung]]
        self.tag = b.mix_tag(rung)
        self.buildable = rung in b.MIX_RUNGS
        self.name = "mix:" + ",".join(self.mods)
        self.cached = None

    def available(self):
        ok, why = Upstream.available(self)
        if not ok:
            return ok, why
        cc = os.environ.get("SR_MIX_CC")
        if cc and not shutil.which(cc):
            return False, "SR_MIX_CC=%s: not found" % cc
        if not (cc or shutil.which("clang-14") or shutil.which("clang")):
            return False, "clang not found (apt-get install clang-14 lld)"
        return True, ""

    def wasm(self):
        out = os.path.join(build.root(), "upstream")
        if not getattr(self, "_built", False):
            argv = [sys.executable, os.path.join(ROOT, "reference", "upstream", "build.py"),
                    "--upstream", self.checkout(), "--out", out, "--mix", ",".join(self.mods)]
            with build.locked():
                p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            text = p.stdout.decode("utf-8", "replace")
            if p.returncode != 0:
                if not self.buildable and " not built: " in text:
                    raise NotBuilt(text.split(" not built: ", 1)[1].strip())
                tail = text.strip().splitlines()[-15:]
                raise build.BuildError("mixed build %s failed (exit %d): %s\n%s" % (
                    self.name, p.returncode, " ".join(argv), "\n".join("  | " + l for l in tail)))
            self.cached = "srmix-%s.wasm is up to date" % self.tag in text
            self._built = True
        return os.path.join(out, "srmix-%s.wasm" % self.tag)


IMPLS = {i.name: i for i in (C(), Ref(), Qemu(), Upstream())}
ORDER = ("c", "ref", "qemu", "upstream")


def mix(mods):
    """The mixed implementation for `mods` (comma separated), e.g. mix:frame_allocator."""
    b = upstream_build_module()
    try:
        rung = b.parse_mix(mods)
    except b.BuildError as e:
        raise UsageError("mix:%s: %s" % (mods, e))
    if rung == 0:
        raise UsageError("mix: names no module (the all-upstream build is --impl upstream)")
    return rung_impl(rung)


def rung_impl(rung):
    """The implementation of the ladder's rung (0: upstream)."""
    if rung == 0:
        return IMPLS["upstream"]
    for i in IMPLS.values():
        if isinstance(i, Mix) and i.rung == rung:
            return i
    i = Mix(rung)
    IMPLS[i.name] = i
    return i


def split_list(text):
    """An --impl list: names separated by commas, where the modules of a
    mix:MODS may be separated by commas too (mix:a,b,upstream is mix:a,b and
    upstream)."""
    out = []
    for tok in text.split(","):
        if out and out[-1].startswith("mix:") and not tok.startswith("mix:") and tok not in IMPLS:
            out[-1] += "," + tok
        else:
            out.append(tok)
    return out


def get(name):
    if name.startswith("mix:"):
        return mix(name[4:])
    if name not in IMPLS:
        raise UsageError("unknown implementation %r (known: %s, mix:MODS)" % (name, ", ".join(ORDER)))
    return IMPLS[name]
