//! Replays every trace of `corpus/upstream` through this crate's
//! upstream-shaped API (the C port underneath) and compares the result
//! stream with the golden `.out` recorded from upstream, byte for byte except
//! that a `panic ...` line is compared on the word `panic` only.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::{run_trace, CPort, Model, Runner};
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

/// Replays the corpus on a backend; returns (passed, failures).
fn replay<B: common::Backend>(make: impl Fn() -> B) -> (usize, Vec<String>) {
    let mut failed = Vec::new();
    let mut passed = 0;
    for trace in traces() {
        let text = fs::read(&trace).expect("trace");
        let want = fs::read(trace.with_extension("out")).expect("golden output");
        let name = trace.file_name().unwrap().to_string_lossy().into_owned();
        let mut runner = Runner::new(make());
        match run_trace(&mut runner, &text) {
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
    let (passed, failed) = replay(CPort::new);
    let total = passed + failed.len();
    // written to stderr directly so that it shows even when the test passes
    let _ = writeln!(std::io::stderr(), "corpus through sunrise_mm_c (C port): {}/{} traces match the goldens", passed, total);
    assert!(failed.is_empty(), "{} of {} goldens differ:\n{}", failed.len(), total, failed.join("\n"));
}

#[test]
fn upstream_goldens_through_the_model_adapter() {
    // the side-by-side test's adapter of the reference model, checked on the
    // same goldens
    let (passed, failed) = replay(Model::default);
    let total = passed + failed.len();
    let _ = writeln!(std::io::stderr(), "corpus through the srref adapter: {}/{} traces match the goldens", passed, total);
    assert!(failed.is_empty(), "{} of {} goldens differ:\n{}", failed.len(), total, failed.join("\n"));
}
