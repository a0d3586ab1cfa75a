//! Runs every trace of `../corpus/upstream` through the `srref` binary and
//! compares its stdout with the recorded `.out`, byte for byte except that a
//! `panic ...` line is compared on the word `panic` only. Also checks the
//! CLI's handling of malformed input.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn srref() -> &'static str {
    env!("CARGO_BIN_EXE_srref")
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/upstream")
}

use srref::golden::{compare, normalise};

fn run(path: &Path) -> Output {
    Command::new(srref()).arg("run").arg(path).output().expect("srref runs")
}

#[test]
fn upstream_goldens() {
    let mut traces: Vec<PathBuf> = fs::read_dir(corpus())
        .expect("corpus/upstream exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().map_or(false, |e| e == "trace"))
        .collect();
    traces.sort();
    assert!(!traces.is_empty(), "no golden traces found");
    let mut failed = Vec::new();
    for trace in &traces {
        let want = fs::read(trace.with_extension("out")).expect("golden output");
        let got = run(trace);
        if !got.status.success() {
            failed.push(format!("{}: exit {}", trace.display(), got.status));
        } else if let Some(d) = compare(&want, &got.stdout) {
            failed.push(format!("{}:{}: golden `{}`, got `{}`", trace.display(), d.line, d.want, d.got));
        }
    }
    assert!(failed.is_empty(), "{} of {} goldens differ: {:?}", failed.len(), traces.len(), failed);
}

/// Writes `content` to a scratch trace file named after the test.
fn scratch(name: &str, content: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{}.trace", name));
    fs::write(&path, content).expect("write scratch trace");
    path
}

#[test]
fn malformed_line_stops_with_status_2() {
    let path = scratch("malformed", b"new A\nfree_frames\nnew A\nfree_frames\n");
    let out = run(&path);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"ok\nok 1023\n");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with(&format!("{}:3: ", path.display())), "{}", err);
}

#[test]
fn hostile_bytes_are_malformed_not_crashes() {
    let cases: [&[u8]; 6] = [
        b"new A\r\n",
        b"new A\x00\n",
        b"new A # \xff\xfe\n",
        b"query_memory 0x1ffffffff\n",
        b"new A\nquery_memory 99999999999999999999999999\n",
        b"new A\nmap_phys_region_to mmio\n",
    ];
    for (i, c) in cases.iter().enumerate() {
        let out = run(&scratch(&format!("hostile{}", i), c));
        assert_eq!(out.status.code(), Some(2), "case {}", i);
    }
}

#[test]
fn panic_ends_the_stream_with_status_0() {
    let out = run(&scratch("panic", b"new A\nunmap 0x00400000 0\nfree_frames\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(normalise(&out.stdout), b"ok\npanic\n");
}

#[test]
fn last_line_without_newline_and_empty_file() {
    let out = run(&scratch("nonl", b"free_frames"));
    assert_eq!(out.stdout, b"ok 1024\n");
    let out = run(&scratch("empty", b""));
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn long_lines_and_many_lines() {
    let mut t = b"new A\n# ".to_vec();
    t.extend(std::iter::repeat(b'x').take(1 << 20));
    t.extend_from_slice(b"\n");
    for _ in 0..2000 {
        t.extend_from_slice(b"query_memory 0x00400000\n");
    }
    let out = run(&scratch("long", &t));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 2001);
}
