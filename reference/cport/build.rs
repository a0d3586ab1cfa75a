//! Compiles the C port (every `.c` of `c/kernel` and `c/kernel/arch/i386`),
//! the hosted backend (`c/hostsim/sim.c`) and the panic-armed shim
//! (`csrc/srp.c`) with the C compiler, archives them with `ar` into
//! `OUT_DIR/libsrport.a`, and links that archive. Standard library only.
//!
//! `CC` (default `cc`) and `AR` (default `ar`) may name another compiler or
//! archiver, with leading arguments (`CC="ccache gcc"`); `CFLAGS` is appended.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// A command line from an environment variable: program and arguments.
fn tool(var: &str, default: &str) -> (String, Vec<String>) {
    println!("cargo:rerun-if-env-changed={}", var);
    let value = env::var(var).ok().filter(|v| !v.trim().is_empty());
    let value = value.unwrap_or_else(|| default.to_string());
    let mut words = value.split_whitespace().map(str::to_string);
    let program = words.next().unwrap_or_else(|| default.to_string());
    (program, words.collect())
}

/// The `.c` files directly in `dir`, sorted.
fn c_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {}", dir.display(), e))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().map_or(false, |e| e == "c"))
        .collect();
    files.sort();
    files
}

fn wait(what: &str, mut child: Child) {
    let status = child.wait().unwrap_or_else(|e| panic!("{}: {}", what, e));
    if !status.success() {
        panic!("{} failed ({})", what, status);
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..").canonicalize().expect("the project root");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let kernel = root.join("c/kernel");
    let hosted = root.join("c/hostsim");
    let include = root.join("c/include");
    let public = include.join("sunrise_mm");
    let csrc = manifest.join("csrc");

    let mut sources: Vec<(String, PathBuf)> = Vec::new();
    for f in c_files(&kernel) {
        sources.push((format!("kernel_{}", stem(&f)), f));
    }
    for f in c_files(&kernel.join("arch/i386")) {
        sources.push((format!("i386_{}", stem(&f)), f));
    }
    sources.push(("hosted_sim".into(), hosted.join("sim.c")));
    sources.push(("srp".into(), csrc.join("srp.c")));

    for dir in [&kernel, &hosted, &include, &csrc] {
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    println!("cargo:rerun-if-env-changed=CFLAGS");

    let (cc, cc_args) = tool("CC", "cc");
    let opt = match env::var("OPT_LEVEL").as_deref() {
        Ok("0") => "-O0",
        Ok("1") => "-O1",
        Ok("s") => "-Os",
        Ok("z") => "-Os",
        _ => "-O2",
    };
    let extra: Vec<String> = env::var("CFLAGS")
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();

    // compile every file at once, then wait for all
    let mut objects = Vec::new();
    let mut jobs = Vec::new();
    for (name, src) in &sources {
        let obj = out.join(format!("{}.o", name));
        let mut cmd = Command::new(&cc);
        cmd.args(&cc_args)
            .args(["-std=c11", opt, "-g", "-fPIC", "-Wall", "-Wextra", "-DSR_HOSTED=1"])
            // panic messages name files relative to the project root
            .arg(format!("-fmacro-prefix-map={}/=", root.display()))
            .arg(format!("-fmacro-prefix-map={}/=", manifest.display()))
            .arg("-I")
            .arg(&public)
            .arg("-I")
            .arg(&hosted)
            .arg("-I")
            .arg(&include)
            .arg("-I")
            .arg(&csrc)
            .args(&extra)
            .arg("-c")
            .arg(src)
            .arg("-o")
            .arg(&obj);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run the C compiler `{}`: {}", cc, e));
        jobs.push((format!("compiling {}", src.display()), child));
        objects.push(obj);
    }
    for (what, child) in jobs {
        wait(&what, child);
    }

    let lib = out.join("libsrport.a");
    let _ = fs::remove_file(&lib);
    let (ar, ar_args) = tool("AR", "ar");
    let child = Command::new(&ar)
        .args(&ar_args)
        .arg("crs")
        .arg(&lib)
        .args(&objects)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the archiver `{}`: {}", ar, e));
    wait("ar", child);

    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=srport");
}

fn stem(p: &Path) -> String {
    p.file_stem().expect("file name").to_string_lossy().into_owned()
}
