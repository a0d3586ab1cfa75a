//! Replays every trace of `corpus/upstream` through this crate's
//! upstream-shaped API (the C port underneath), driven by the reference
//! model's trace interpreter (`srref::Model<CPort>`), and compares the result
//! stream with the golden `.out` recorded from upstream with `srref::golden`
//! (byte for byte except that a `panic ...` line is compared on the word
//! `panic` only).

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::{c_model, run_trace};
use srref::golden::compare;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/upstream")
}

fn traces() -> Vec<PathBuf> {
    let mut traces: Vec<PathBuf> = fs::read_dir(corpus())
        .expect("corpus/upstream exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().map_or(false, |e| e == "trace"))
        .collect();
    traces.sort();
    assert!(!traces.is_empty(), "no golden traces found");
    traces
}

/// Replays the corpus through the C port; returns (passed, failures).
fn replay() -> (usize, Vec<String>) {
    let mut failed = Vec::new();
    let mut passed = 0;
    for trace in traces() {
        let text = fs::read(&trace).expect("trace");
        let want = fs::read(trace.with_extension("out")).expect("golden output");
        let name = trace.file_name().unwrap().to_string_lossy().into_owned();
        let mut model = c_model();
        match run_trace(&mut model, &text) {
            Ok(got) => match compare(&want, &got) {
                None => passed += 1,
                Some(d) => failed.push(format!("{}: result line {}: golden `{}`, got `{}`", name, d.line, d.want, d.got)),
            },
            Err((line, why)) => failed.push(format!("{}:{}: malformed: {}", name, line, why)),
        }
    }
    (passed, failed)
}

#[test]
fn upstream_goldens_through_the_c_port() {
    common::quiet_kernel_panics();
    let (passed, failed) = replay();
    let total = passed + failed.len();
    // written to stderr directly so that it shows even when the test passes
    let _ = writeln!(std::io::stderr(), "corpus through sunrise_mm_c (C port): {}/{} traces match the goldens", passed, total);
    assert!(failed.is_empty(), "{} of {} goldens differ:\n{}", failed.len(), total, failed.join("\n"));
}
