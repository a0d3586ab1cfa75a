"""Building the implementations on first use.

Builds go to the build root: $SRDIFF_BUILD, else build/ in the checkout when
the checkout is writable, else a per-checkout folder of the user's cache
($XDG_CACHE_HOME or ~/.cache, srdiff/<hash>), so a read-only checkout works.
Concurrent first uses in one checkout serialise on a lock file in the build
root; the second waits, then finds everything built. SRDIFF_C_EXE,
SRDIFF_REF_EXE and SRDIFF_KERNEL name prebuilt binaries instead.
"""
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys

from . import ROOT


class BuildError(Exception):
    """A build step failed; the message says which and why."""


def _writable(path):
    return os.access(path, os.W_OK)


def root():
    """The build root (created if needed)."""
    env = os.environ.get("SRDIFF_BUILD")
    in_tree = os.path.join(ROOT, "build")
    if env:
        path = os.path.abspath(env)
    elif _writable(ROOT) or os.path.exists(os.path.join(in_tree, "CMakeCache.txt")):
        path = in_tree  # writable, or built before the checkout became read-only
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        tag = hashlib.sha256(os.path.realpath(ROOT).encode()).hexdigest()[:12]
        path = os.path.join(cache, "srdiff", tag)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise BuildError("cannot create the build directory %s: %s (set SRDIFF_BUILD)" % (path, e.strerror))
    return path


def cargo_target():
    """Where cargo builds the reference model: reference/target in a
    writable checkout, else inside the build root."""
    ref = os.path.join(ROOT, "reference")
    if not os.environ.get("SRDIFF_BUILD") and (_writable(ref) or os.path.isdir(os.path.join(ref, "target"))):
        return os.path.join(ROOT, "reference", "target")
    return os.path.join(root(), "cargo")


@contextlib.contextmanager
def locked():
    """Holds the build root's lock (blocking) while building."""
    path = os.path.join(root(), ".srdiff-build.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield  # a read-only build root: nothing will be built there
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _run(argv, cwd=None, env=None, what=None):
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        tail = p.stdout.decode("utf-8", "replace").strip().splitlines()[-15:]
        raise BuildError("%s failed (exit %d): %s\n%s" % (what or argv[0], p.returncode, " ".join(argv),
                                                          "\n".join("  | " + l for l in tail)))


_done = set()


def cmake_target(target, path):
    """Configures the CMake tree (once) and builds one target of it; returns
    `path` inside the tree. A read-only tree that holds the file already is
    used as it is."""
    build = root()
    out = os.path.join(build, path)
    if target in _done:
        return out
    if not _writable(build) and os.path.exists(out):
        _done.add(target)  # prebuilt, read-only: use as is
        return out
    if not shutil.which("cmake"):
        raise BuildError("cmake not found (apt-get install cmake build-essential)")
    with locked():
        if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
            _run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                  "-DSR_CARGO_TARGET_DIR=" + cargo_target()], what="cmake configure")
        _run(["cmake", "--build", build, "-j", str(os.cpu_count() or 2), "--target", target],
             what="cmake build")
    _done.add(target)
    return out


def c_runner():
    """The hosted runner, sr-run."""
    if os.environ.get("SRDIFF_C_EXE"):
        return os.environ["SRDIFF_C_EXE"]
    return cmake_target("sr-run", "sr-run")


def kernel():
    """The i386 kernel booted in QEMU."""
    if os.environ.get("SRDIFF_KERNEL"):
        return os.environ["SRDIFF_KERNEL"]
    k = cmake_target("sr-kernel", os.path.join("c", "baremetal", "sr-kernel.elf"))
    if not os.path.exists(k):
        raise BuildError("the i386 kernel was not built (%s): is SR_QEMU off?" % k)
    return k


def tool(name):
    """Another executable of the CMake tree (fuzz_diff, sr-bench)."""
    return cmake_target(name, name)


def cargo():
    """The cargo to use: $CARGO, else the first on PATH."""
    return os.environ.get("CARGO") or shutil.which("cargo")


def ref_prebuilt():
    """Whether a read-only checkout holds a built srref to use as it is."""
    target = cargo_target()
    return not _writable(target) and os.path.exists(os.path.join(target, "release", "srref"))


def ref_runner():
    """The reference model's runner, srref."""
    if os.environ.get("SRDIFF_REF_EXE"):
        return os.environ["SRDIFF_REF_EXE"]
    target = cargo_target()
    exe = os.path.join(target, "release", "srref")
    if "ref" in _done:
        return exe
    if ref_prebuilt():
        _done.add("ref")
        return exe
    if not cargo():
        raise BuildError("cargo not found (apt-get install cargo)")
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    with locked():
        _run([cargo(), "build", "--release", "--offline", "--quiet", "--bin", "srref"],
             cwd=os.path.join(ROOT, "reference"), env=env, what="cargo build (reference model)")
    _done.add("ref")
    return exe


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()
