#!/usr/bin/env python3
"""Builds the reference build of upstream SunriseOS's memory module (srup.wasm).

    python3 reference/upstream/build.py --upstream DIR [--out BUILDDIR] [--o0] [--force]

DIR (or the SUNRISE_SRC environment variable) is a SunriseOS checkout root, the folder
holding kernel/src/paging/. Upstream's files are read from it at build time and copied,
with the edits listed in reference/upstream/README.md, into BUILDDIR/src/up/; nothing of
them enters this repository. BUILDDIR defaults to build/upstream under the repository
root, or $SRDIFF_BUILD/upstream when SRDIFF_BUILD (a build root) is set.

Every crate is compiled by rustc directly (no cargo, no registry) for wasm32-wasi with
Debian's /usr/bin/rustc 1.63 (override: SR_UPSTREAM_RUSTC), 32-bit usize, overflow
checks and debug assertions on (upstream's default profile semantics), optimised
(BUILDDIR/srup.wasm). --o0 also builds the same at opt-level 0 (BUILDDIR/srup-O0.wasm),
used to check that optimisation does not change the result streams.

Incremental: nothing is rebuilt when the inputs (upstream files, our files, compiler,
flags) are unchanged. Exit status 0 on success, 1 with a message on stderr otherwise.
Standard library only.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TARGET = "wasm32-wasi"

# Upstream files the build reads, relative to the checkout root. Directories are
# copied whole (their *.rs files).
UPSTREAM_FILES = [
    "kernel/src/error.rs",
    "kernel/src/mem.rs",
    "kernel/src/utils.rs",
    "kernel/src/checks.rs",
    "kernel/src/sync/spin_lock.rs",
    "kernel/src/sync/spin_lock_irq.rs",
    "kernel/src/paging/mod.rs",
    "kernel/src/paging/process_memory.rs",
    "kernel/src/paging/kernel_memory.rs",
    "kernel/src/paging/lands.rs",
    "kernel/src/paging/mapping.rs",
    "kernel/src/paging/cross_process.rs",
    "kernel/src/paging/hierarchical_table.rs",
    "kernel/src/paging/bookkeeping.rs",
    "kernel/src/paging/arch/mod.rs",
    "kernel/src/paging/arch/i386/mod.rs",
    "kernel/src/paging/arch/i386/entry.rs",
    "kernel/src/paging/arch/i386/table.rs",
    "kernel/src/paging/arch/i386/lands.rs",
    "kernel/src/frame_allocator/mod.rs",
    "kernel/src/frame_allocator/i386.rs",
    "kernel/src/frame_allocator/physical_mem_region.rs",
    "libkern/src/lib.rs",
    "libkern/src/error.rs",
    "libkern/src/process.rs",
    "libutils/src/lib.rs",
    "libutils/src/cursor.rs",
    "libutils/src/loop_future.rs",
    "libutils/src/io/mod.rs",
    "libutils/src/io/mmio.rs",
    "libutils/src/io/pio.rs",
]

# Textual edits, applied to the copy: (file, old text, new text, why). Each old text
# must occur exactly once.
EDITS = [
    ("kernel/src/mem.rs", "unsafe impl core::iter::Step for PhysicalAddress",
     "impl core::iter::Step for PhysicalAddress",
     "Step is no longer an unsafe trait in rustc 1.63"),
    ("kernel/src/mem.rs", "unsafe impl core::iter::Step for VirtualAddress",
     "impl core::iter::Step for VirtualAddress",
     "Step is no longer an unsafe trait in rustc 1.63"),
]

# Upstream files replaced by ours: (upstream file, our file relative to this folder).
REPLACEMENTS = [
    ("kernel/src/paging/arch/i386/mod.rs", "src/arch_i386.rs"),
    ("libkern/src/process.rs", "shims/libkern_process.rs"),
]

# Our files copied into the build tree: (our file, destination under BUILDDIR/src).
OURS = [
    ("src/root.rs", "root.rs"),
    ("src/machine.rs", "ours/machine.rs"),
    ("src/interp.rs", "ours/interp.rs"),
    ("src/sync_mod.rs", "ours/sync_mod.rs"),
    ("src/heap.rs", "ours/heap.rs"),
    ("shims/libutils_root.rs", "libutils_root.rs"),
    ("shims/srtrace_root.rs", "srtrace_root.rs"),
    ("../src/alloc.rs", "model/alloc.rs"),
    ("../src/backend.rs", "model/backend.rs"),
    ("../src/bookkeeping.rs", "model/bookkeeping.rs"),
    ("../src/machine.rs", "model/machine.rs"),
    ("../src/mapping.rs", "model/mapping.rs"),
    ("../src/model.rs", "model/model.rs"),
    ("../src/paging.rs", "model/paging.rs"),
    ("../src/parse.rs", "model/parse.rs"),
    ("../src/phys.rs", "model/phys.rs"),
    ("../src/process.rs", "model/process.rs"),
    ("../src/types.rs", "model/types.rs"),
]

# Stand-in crates: (crate name, source under shims/, dependencies).
SHIMS = [
    ("bitflags", "bitflags.rs", []),
    ("spin", "spin.rs", []),
    ("log", "log.rs", []),
    ("lazy_static", "lazy_static.rs", []),
    ("static_assertions", "static_assertions.rs", []),
    ("num_traits", "num_traits.rs", []),
    ("bit_field", "bit_field.rs", []),
    ("byteorder", "byteorder.rs", []),
    ("multiboot2", "multiboot2.rs", []),
    ("failure", "failure.rs", ["failure_derive"]),
]


# ---- mixed Rust/C builds (--mix) -------------------------------------------------
#
# The migration ladder, bottom-up: rung n takes the first n of these modules from
# the C port (c/kernel/) and everything else from upstream's unmodified Rust. The
# names are those of `--mix MODS` and of srdiff's `--impl mix:MODS`.
LADDER = [
    ("frame_allocator", "frame allocator and PhysicalMemRegion"),
    ("i386_tables", "i386 entries and tables"),
    ("hierarchical_table", "hierarchical tables"),
    ("mapping", "Mapping and the bookkeeping"),
    ("kernel_memory", "kernel memory and cross-process mirrors"),
    ("process_memory", "ProcessMemory (all C)"),
]

# Glue of each rung that can be built: replacements of upstream files by ours
# (relative to this folder) and the --cfg flags of the crate. A rung missing here
# is NOT BUILT (MIX_NOT_BUILT gives the reason).
MIX_FRAME_ALLOCATOR = [("kernel/src/frame_allocator/mod.rs", "mix/frame_allocator.rs")]
MIX_RUNGS = {
    1: (MIX_FRAME_ALLOCATOR, []),
    2: (MIX_FRAME_ALLOCATOR + [("kernel/src/paging/arch/i386/entry.rs", "mix/i386_entry.rs"),
                               ("kernel/src/paging/arch/i386/table.rs", "mix/i386_tables.rs")],
        ["sr_mix_rust_kernel_memory", "sr_mix_rust_hierarchy", "sr_mix_c_hierarchy"]),
    3: (MIX_FRAME_ALLOCATOR + [("kernel/src/paging/arch/i386/table.rs", "mix/table.rs")],
        ["sr_mix_rust_kernel_memory", "sr_mix_c_hierarchy"]),
    4: (MIX_FRAME_ALLOCATOR + [("kernel/src/paging/arch/i386/table.rs", "mix/table.rs"),
                               ("kernel/src/paging/bookkeeping.rs", "mix/bookkeeping.rs")],
        ["sr_mix_c_bookkeeping", "sr_mix_rust_kernel_memory", "sr_mix_c_hierarchy"]),
    5: (MIX_FRAME_ALLOCATOR + [("kernel/src/paging/arch/i386/table.rs", "mix/table.rs"),
                               ("kernel/src/paging/bookkeeping.rs", "mix/bookkeeping.rs"),
                               ("kernel/src/paging/cross_process.rs", "mix/cross_process.rs")],
        ["sr_mix_c_kernel_memory", "sr_mix_c_bookkeeping", "sr_mix_c_hierarchy"]),
    6: (MIX_FRAME_ALLOCATOR + [("kernel/src/paging/process_memory.rs", "mix/process_memory.rs"),
                               ("kernel/src/paging/cross_process.rs", "mix/cross_process.rs")],
        ["sr_mix_c_kernel_memory"]),
}
# Below rung 5 the C tables use upstream's Rust KernelMemory (mix/kernel_memory_served.rs):
# the C port's kernel memory and everything above it stay out of those builds.
C_ABOVE_TABLES = ["c/kernel/kernel_memory.c", "c/kernel/cross_process.c", "c/kernel/process_memory.c"]
# On rung 2 the hierarchical tables are upstream's Rust: C's tables call the
# helpers of upstream's HierarchicalTable served by mix/i386_tables.rs, and
# C's hierarchical_table.c stays out.
C_HIERARCHY = ["c/kernel/hierarchical_table.c"]
MIX_NOT_BUILT = {}

# Our glue files, staged into the build tree of every mixed build.
MIX_OURS = [
    ("mix/mod.rs", "ours/mix/mod.rs"),
    ("mix/mach.rs", "ours/mix/mach.rs"),
    ("mix/glue.rs", "ours/mix/glue.rs"),
    ("mix/frames.rs", "ours/mix/frames.rs"),
    ("mix/kernel_memory_served.rs", "ours/mix/kernel_memory_served.rs"),
    ("mix/c_hierarchy.rs", "ours/mix/c_hierarchy.rs"),
    ("../cport/src/ffi.rs", "ours/mix/ffi.rs"),
]

# The C port's sources compiled into a mixed build (all of them: the linker keeps
# what the glue reaches), and the shim.
C_DIRS = ["c/kernel", "c/kernel/arch/i386"]
C_SHIM = "reference/cport/csrc/srp.c"
C_FLAGS = ["--target=wasm32-wasi", "-std=c11", "-O2", "-ffreestanding", "-DSRP_KERNEL_HOST",
           "-fno-common", "-ffunction-sections", "-fdata-sections"]


def parse_mix(text):
    """`MODS` of --mix (separated by commas or +) -> rung number. They must be
    the first modules of LADDER, in any order."""
    names = [m.strip() for m in text.replace("+", ",").split(",") if m.strip()]
    known = [n for n, _ in LADDER]
    for n in names:
        if n not in known:
            raise BuildError("unknown module %r in --mix (known, bottom-up: %s)" % (n, ", ".join(known)))
    if len(set(names)) != len(names):
        raise BuildError("a module is named twice in --mix %s" % text)
    top = max(known.index(n) for n in names) + 1 if names else 0
    if len(names) != top:
        missing = [n for n in known[:top] if n not in names]
        raise BuildError("--mix %s is not a rung of the bottom-up ladder: the C port's modules call the modules "
                         "below them directly, so taking %s from C takes %s too" %
                         (text, known[top - 1], ", ".join(missing)))
    return top


def mix_tag(rung):
    return "+".join(n for n, _ in LADDER[:rung]) if rung else "none"


def find_clang():
    cc = os.environ.get("SR_MIX_CC") or shutil.which("clang-14") or shutil.which("clang")
    if not cc:
        raise BuildError("no clang (install Debian 12's clang-14 and lld; or set SR_MIX_CC)")
    try:
        version = subprocess.run([cc, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError) as e:
        raise BuildError("cannot run %s: %s" % (cc, e))
    return cc, version


def c_sources(cfgs=()):
    """The C files of a build (all of them unless the Rust kernel memory or
    upstream's Rust hierarchical tables serve the C tables)."""
    out = []
    for d in C_DIRS:
        full = os.path.join(REPO, d)
        out += sorted(os.path.join(full, f) for f in os.listdir(full) if f.endswith(".c"))
    if "sr_mix_rust_kernel_memory" in cfgs:
        out = [f for f in out if os.path.relpath(f, REPO) not in C_ABOVE_TABLES]
    if "sr_mix_rust_hierarchy" in cfgs:
        out = [f for f in out if os.path.relpath(f, REPO) not in C_HIERARCHY]
    return out + [os.path.join(REPO, C_SHIM)]


def c_inputs():
    """Bytes of every C source and header of the port, for the stamp."""
    inputs = []
    inc = os.path.join(REPO, "c", "include")
    headers = []
    for dirpath, _dirs, files in os.walk(inc):
        headers += [os.path.join(dirpath, f) for f in files if f.endswith(".h")]
    for path in c_sources() + sorted(headers) + [os.path.join(REPO, "reference/cport/csrc/srp.h")]:
        inputs.append(b"C:" + os.path.relpath(path, REPO).encode() + b"\0" + read(path))
    return inputs


def compile_c(cc, objdir, cfgs):
    os.makedirs(objdir, exist_ok=True)
    for f in os.listdir(objdir):
        if f.endswith(".o"):
            os.remove(os.path.join(objdir, f))
    lower = ["-DSRP_LOWER_ONLY"] if "sr_mix_rust_kernel_memory" in cfgs else []
    if "sr_mix_rust_hierarchy" in cfgs:
        lower.append("-DSRP_RUST_HIERARCHY")
    objs = []
    for src in c_sources(cfgs):
        obj = os.path.join(objdir, os.path.relpath(src, REPO).replace("/", "_")[:-2] + ".o")
        run([cc] + C_FLAGS + lower + ["-fmacro-prefix-map=%s/=" % REPO, "-I", os.path.join(REPO, "c", "include"),
                              "-I", os.path.join(REPO, "c", "include", "sunrise_mm"),
                              "-c", src, "-o", obj], dict(os.environ))
        objs.append(obj)
    return objs


def build_mix(rustc, version, src, out, rung, force):
    """Builds BUILDDIR/srmix-<tag>.wasm for `rung` on top of the all-upstream
    build's crates (built first, in BUILDDIR/lib); returns its path."""
    if rung not in MIX_RUNGS:
        raise BuildError("rung %d (%s) not built: %s" % (rung, mix_tag(rung), MIX_NOT_BUILT.get(rung, "no glue")))
    replacements, cfgs = MIX_RUNGS[rung]
    cc, ccversion = find_clang()
    tag = mix_tag(rung)
    vout = os.path.join(out, "mix", tag)
    ours = MIX_OURS + [(f, "ours/" + f) for _u, f in replacements]
    tree, inputs = stage(src, vout, replacements, ours)
    inputs += c_inputs()
    h = hashlib.sha256()
    h.update(version.encode() + b"\0" + rustc.encode() + b"\0" + ccversion.encode() + b"\0opt=3\0")
    h.update(("rung=%d cfg=%s cflags=%s" % (rung, ",".join(cfgs), " ".join(C_FLAGS))).encode())
    for i in inputs:
        h.update(hashlib.sha256(i).digest())
    # the crates it links: those of the all-upstream build (its stamp)
    h.update(read(os.path.join(out, "srup.stamp")))
    digest = h.hexdigest()
    wasm = os.path.join(out, "srmix-%s.wasm" % tag)
    stamp_path = os.path.join(out, "srmix-%s.stamp" % tag)
    if not force and os.path.exists(wasm) and os.path.exists(stamp_path) \
            and read(stamp_path).decode().strip() == digest:
        print("build.py: %s is up to date" % wasm)
        return wasm
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    objs = compile_c(cc, os.path.join(vout, "c"), cfgs)
    env = dict(os.environ)
    env["RUSTC_BOOTSTRAP"] = "1"
    lib = os.path.join(out, "lib")
    deps = ["bitflags", "spin", "log", "lazy_static", "static_assertions", "failure", "num_traits", "bit_field",
            "byteorder", "multiboot2", "sunrise_libutils", "sunrise_libkern", "srtrace"]
    externs = [(d, os.path.join(lib, "lib%s.rlib" % d)) for d in deps]
    vlib = os.path.join(vout, "lib")
    os.makedirs(vlib, exist_ok=True)
    cmd = rustc_cmd(rustc, "srup", os.path.join(tree, "root.rs"), vlib, "cdylib", externs, "3")
    cmd += ["-L", "dependency=" + lib, "-L", "dependency=" + os.path.join(out, "host"),
            "--cfg", "sr_mix", "-C", "link-arg=--max-memory=4294967296",
            "-C", "link-arg=--export=__stack_pointer", "-C", "link-arg=--no-check-features"]
    for c in cfgs:
        cmd += ["--cfg", c]
    for o in objs:
        cmd += ["-C", "link-arg=" + o]
    run(cmd, env)
    shutil.copyfile(os.path.join(vlib, "srup.wasm"), wasm + ".tmp")
    os.replace(wasm + ".tmp", wasm)
    write_if_changed(stamp_path, (digest + "\n").encode())
    print("build.py: built %s (rung %d: %s in C; %s, %s)" % (wasm, rung, tag, version, ccversion))
    return wasm


class BuildError(Exception):
    pass


def die(msg):
    sys.stderr.write("build.py: error: %s\n" % msg)
    sys.exit(1)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write_if_changed(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path) and read(path) == data:
        return
    with open(path, "wb") as f:
        f.write(data)


def check_checkout(src):
    if not os.path.isdir(src):
        raise BuildError("upstream checkout %r is not a directory" % src)
    if not os.path.isdir(os.path.join(src, "kernel", "src", "paging")):
        raise BuildError("%r is not a SunriseOS checkout root: it has no kernel/src/paging/ "
                         "(point --upstream or SUNRISE_SRC at the folder holding kernel/, libkern/ and libutils/)" % src)
    missing = [f for f in UPSTREAM_FILES if not os.path.isfile(os.path.join(src, f))]
    if missing:
        raise BuildError("the checkout %r does not have the expected shape; missing: %s" % (src, ", ".join(missing)))


def find_rustc():
    rustc = os.environ.get("SR_UPSTREAM_RUSTC", "/usr/bin/rustc")
    if not (os.path.isfile(rustc) and os.access(rustc, os.X_OK)):
        raise BuildError("no rustc at %s (install Debian 12's rustc and libstd-rust-dev-wasm32, "
                         "or set SR_UPSTREAM_RUSTC)" % rustc)
    try:
        version = subprocess.run([rustc, "--version"], capture_output=True, text=True, check=True).stdout.strip()
        sysroot = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        raise BuildError("cannot run %s: %s" % (rustc, e))
    if not os.path.isdir(os.path.join(sysroot, "lib", "rustlib", TARGET)):
        raise BuildError("%s (%s) has no standard library for %s: install the Debian package "
                         "libstd-rust-dev-wasm32" % (rustc, version, TARGET))
    return rustc, version


def stage(src, out, replacements=(), extra_ours=()):
    """Copies upstream's files (edited, replaced) and ours into out/src; returns the
    bytes of every input, for the build stamp. `replacements` and `extra_ours` add
    to REPLACEMENTS and OURS (a mixed build's glue)."""
    tree = os.path.join(out, "src")
    inputs = []
    replacements = REPLACEMENTS + list(replacements)
    for rel in UPSTREAM_FILES:
        data = read(os.path.join(src, rel))
        inputs.append(b"U:" + rel.encode() + b"\0" + data)
        for f, old, new, _why in EDITS:
            if f == rel:
                text = data.decode("utf-8")
                n = text.count(old)
                if n != 1:
                    raise BuildError("edit of %s expects %r exactly once, found it %d times: the checkout "
                                     "does not have the expected shape" % (rel, old, n))
                data = text.replace(old, new).encode("utf-8")
        for f, ours in replacements:
            if f == rel:
                data = read(os.path.normpath(os.path.join(HERE, ours)))
        write_if_changed(os.path.join(tree, "up", rel), data)
    for ours, dest in OURS + [(os.path.join("shims", s), os.path.join("shims", s)) for _n, s, _d in SHIMS] + \
            [("shims/failure_derive.rs", "shims/failure_derive.rs"), ("shims/libkern_process.rs", "shims/libkern_process.rs"),
             ("src/arch_i386.rs", "ours/arch_i386.rs")] + list(extra_ours):
        data = read(os.path.normpath(os.path.join(HERE, ours)))
        inputs.append(b"O:" + dest.encode() + b"\0" + data)
        write_if_changed(os.path.join(tree, dest), data)
    return tree, inputs


def rustc_cmd(rustc, name, root, out_dir, crate_type, externs, opt, target=True, edition="2018"):
    cmd = [rustc, "--edition", edition, "--crate-name", name, "--crate-type", crate_type, root,
           "--out-dir", out_dir, "-L", "dependency=" + out_dir, "--cap-lints", "allow"]
    if target:
        cmd += ["--target", TARGET, "-C", "opt-level=%s" % opt, "-C", "overflow-checks=on",
                "-C", "debug-assertions=on", "-C", "panic=abort", "-C", "debuginfo=0"]
    else:
        cmd += ["-C", "opt-level=1"]
    for e, path in externs:
        cmd += ["--extern", "%s=%s" % (e, path)]
    return cmd


def run(cmd, env):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError("command failed: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))


def compile_all(rustc, tree, out, opt, suffix):
    env = dict(os.environ)
    env["RUSTC_BOOTSTRAP"] = "1"  # Debian's stable rustc; upstream needs a few nightly features
    host = os.path.join(out, "host")
    lib = os.path.join(out, "lib" + suffix)
    os.makedirs(host, exist_ok=True)
    os.makedirs(lib, exist_ok=True)
    derive = os.path.join(host, "libfailure_derive.so")
    run(rustc_cmd(rustc, "failure_derive", os.path.join(tree, "shims", "failure_derive.rs"), host,
                  "proc-macro", [], opt, target=False) + ["-o", derive], env)
    rlibs = {"failure_derive": derive}

    def build(name, root, deps, crate_type="rlib"):
        externs = [(d, rlibs[d]) for d in deps]
        run(rustc_cmd(rustc, name, root, lib, crate_type, externs, opt) + ["-L", "dependency=" + host], env)
        rlibs[name] = os.path.join(lib, "lib%s.rlib" % name)

    for name, src, deps in SHIMS:
        build(name, os.path.join(tree, "shims", src), deps)
    build("sunrise_libutils", os.path.join(tree, "libutils_root.rs"), ["num_traits", "bit_field", "byteorder"])
    build("sunrise_libkern", os.path.join(tree, "up", "libkern", "src", "lib.rs"),
          ["sunrise_libutils", "bitflags", "lazy_static", "static_assertions"])
    build("srtrace", os.path.join(tree, "srtrace_root.rs"), [])
    deps = ["bitflags", "spin", "log", "lazy_static", "static_assertions", "failure", "num_traits", "bit_field",
            "byteorder", "multiboot2", "sunrise_libutils", "sunrise_libkern", "srtrace"]
    externs = [(d, rlibs[d]) for d in deps]
    cmd = rustc_cmd(rustc, "srup", os.path.join(tree, "root.rs"), lib, "cdylib", externs, opt)
    cmd += ["-L", "dependency=" + host, "-C", "link-arg=--max-memory=4294967296",
            "-C", "link-arg=--export=__stack_pointer", "-C", "link-arg=--no-check-features"]
    run(cmd, env)
    wasm = os.path.join(out, "srup%s.wasm" % suffix)
    shutil.copyfile(os.path.join(lib, "srup.wasm"), wasm + ".tmp")
    os.replace(wasm + ".tmp", wasm)
    return wasm


def main(argv):
    ap = argparse.ArgumentParser(description="Build upstream SunriseOS's memory module for wasm32-wasi (srup.wasm).")
    ap.add_argument("--upstream", help="SunriseOS checkout root (default: $SUNRISE_SRC)")
    ap.add_argument("--out", help="build directory (default: build/upstream, or $SRDIFF_BUILD/upstream)")
    ap.add_argument("--o0", action="store_true", help="also build srup-O0.wasm at opt-level 0")
    ap.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    ap.add_argument("--mix", metavar="MODS",
                    help="also build a mixed Rust/C build, srmix-<MODS>.wasm: the named modules (comma "
                         "separated, the first ones of the bottom-up ladder: %s) from the C port, the rest "
                         "from upstream's Rust" % ", ".join(n for n, _ in LADDER))
    args = ap.parse_args(argv)
    src = args.upstream or os.environ.get("SUNRISE_SRC")
    if not src:
        die("no upstream checkout: pass --upstream DIR or set SUNRISE_SRC to a SunriseOS checkout root")
    if args.out:
        out = args.out
    elif os.environ.get("SRDIFF_BUILD"):
        out = os.path.join(os.environ["SRDIFF_BUILD"], "upstream")
    else:
        out = os.path.join(REPO, "build", "upstream")
    out = os.path.abspath(out)
    try:
        check_checkout(src)
        rustc, version = find_rustc()
        os.makedirs(out, exist_ok=True)
        tree, inputs = stage(os.path.abspath(src), out)
        variants = [("3", "")] + ([("0", "-O0")] if args.o0 else [])
        for opt, suffix in variants:
            h = hashlib.sha256()
            h.update(version.encode() + b"\0" + rustc.encode() + b"\0opt=" + opt.encode() + b"\0")
            for i in inputs:
                h.update(hashlib.sha256(i).digest())
            stamp_path = os.path.join(out, "srup%s.stamp" % suffix)
            wasm = os.path.join(out, "srup%s.wasm" % suffix)
            digest = h.hexdigest()
            if not args.force and os.path.exists(wasm) and os.path.exists(stamp_path) \
                    and read(stamp_path).decode().strip() == digest:
                print("build.py: %s is up to date" % wasm)
                continue
            if os.path.exists(stamp_path):
                os.remove(stamp_path)
            compile_all(rustc, tree, out, opt, suffix)
            write_if_changed(stamp_path, (digest + "\n").encode())
            print("build.py: built %s (%s, opt-level %s)" % (wasm, version, opt))
        if args.mix is not None:
            rung = parse_mix(args.mix)
            if rung:
                build_mix(rustc, version, os.path.abspath(src), out, rung, args.force)
    except BuildError as e:
        die(str(e))
    except OSError as e:
        die("%s" % e)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
