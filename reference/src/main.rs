//! `srref`: replays traces against the model.
//!
//! ```text
//! srref run [--] TRACE              the result stream on stdout
//! srref run --batch [--] TRACE...   many traces, one record each:
//!     @srdiff STATUS OUTLEN ERRLEN\n<out bytes><err bytes>
//! ```
//!
//! Exit status (single mode; STATUS in a batch record): 0 when the trace ran
//! to its end or to a panic; 1 for a usage error; 2 at the first malformed
//! line (`FILE:LINE: reason` on stderr); 4 when the input cannot be read
//! (`FILE: cannot read: reason`); 5 if the model itself failed. A batch
//! exits 0 once every record is written.
//!
//! Input is read as a stream, one line at a time, and a line holding a byte
//! that no valid line can hold (a NUL, a control character, a byte that
//! never occurs in UTF-8) is judged at once, so an endless input stops there.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

use srref::{Model, Outcome};

const ST_OK: u8 = 0;
const ST_USAGE: u8 = 1;
const ST_MALFORMED: u8 = 2;
const ST_UNREADABLE: u8 = 4;
const ST_FAILED: u8 = 5;

fn usage() -> ExitCode {
    eprintln!("usage: srref run [--] TRACE\n       srref run --batch [--] TRACE...");
    ExitCode::from(ST_USAGE)
}

/// The path exactly as given, for messages.
fn display_path(p: &OsString) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().into_owned().into_bytes()
    }
}

/// Whether no valid line can hold byte `c` (see the module comment).
fn hopeless_byte(c: u8) -> bool {
    (c < 0x20 && c != b'\t' && c != b'\n') || c == 0x7f || c == 0xc0 || c == 0xc1 || c >= 0xf5
}

/// Reads the next line into `line` (without its `\n`), stopping early after
/// a hopeless byte. Returns false at the end of the input.
fn next_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(any);
        }
        any = true;
        match buf.iter().position(|&c| c == b'\n' || hopeless_byte(c)) {
            Some(i) => {
                let stop = buf[i];
                if stop != b'\n' {
                    line.extend_from_slice(&buf[..=i]);
                } else {
                    line.extend_from_slice(&buf[..i]);
                }
                input.consume(i + 1);
                return Ok(true);
            }
            None => {
                let n = buf.len();
                line.extend_from_slice(buf);
                input.consume(n);
            }
        }
    }
}

/// Replays the trace at `path`, writing its streams to `out` and `err`.
/// With `follow`, `out` is flushed after each result line when the input is
/// not a regular file (a FIFO, a terminal), so results come as lines do.
fn replay(path: &OsString, out: &mut impl Write, err: &mut impl Write, follow: bool) -> io::Result<u8> {
    let cannot_read = |err: &mut dyn Write, e: io::Error| -> io::Result<u8> {
        err.write_all(&display_path(path))?;
        writeln!(err, ": cannot read: {}", e)?;
        Ok(ST_UNREADABLE)
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return cannot_read(err, e),
    };
    let flush_each = follow && !file.metadata().map(|m| m.is_file()).unwrap_or(true);
    let mut input = BufReader::with_capacity(1 << 16, file);
    let mut model = Model::new();
    let mut line = Vec::new();
    let mut line_no: u64 = 0;
    loop {
        match next_line(&mut input, &mut line) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return cannot_read(err, e),
        }
        line_no += 1;
        let outcome = match catch_unwind(AssertUnwindSafe(|| model.feed(&line))) {
            Ok(o) => o,
            Err(_) => {
                writeln!(err, "srref: internal model failure at line {}", line_no)?;
                return Ok(ST_FAILED);
            }
        };
        match outcome {
            Outcome::Silent => {}
            Outcome::Line(s) => {
                writeln!(out, "{}", s)?;
                if flush_each {
                    out.flush()?;
                }
            }
            Outcome::Panic(s) => {
                writeln!(out, "{}", s)?;
                break;
            }
            Outcome::Malformed(reason) => {
                err.write_all(&display_path(path))?;
                writeln!(err, ":{}: {}", line_no, reason)?;
                return Ok(ST_MALFORMED);
            }
        }
    }
    Ok(ST_OK)
}

fn run_single(path: &OsString) -> io::Result<u8> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let stderr = io::stderr();
    let mut err = stderr.lock();
    let rc = replay(path, &mut out, &mut err, true)?;
    out.flush()?;
    Ok(rc)
}

fn run_batch(paths: &[OsString]) -> io::Result<u8> {
    let stdout = io::stdout();
    let mut sink = io::BufWriter::new(stdout.lock());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    for path in paths {
        out.clear();
        err.clear();
        let rc = replay(path, &mut out, &mut err, false)?;
        writeln!(sink, "@srdiff {} {} {}", rc, out.len(), err.len())?;
        sink.write_all(&out)?;
        sink.write_all(&err)?;
    }
    sink.flush()?;
    Ok(ST_OK)
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().map(|a| a != "run").unwrap_or(true) {
        return usage();
    }
    let mut batch = false;
    let mut i = 1;
    while i < args.len() {
        if args[i] == "--batch" {
            batch = true;
        } else if args[i] == "--" {
            i += 1;
            break;
        } else if args[i].to_string_lossy().starts_with('-') && args[i].len() > 1 {
            return usage();
        } else {
            break;
        }
        i += 1;
    }
    let paths = &args[i..];
    if !batch && paths.len() != 1 {
        return usage();
    }
    let res = if batch { run_batch(paths) } else { run_single(&paths[0]) };
    match res {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(ST_USAGE),
        Err(e) => {
            eprintln!("srref: {}", e);
            ExitCode::from(ST_USAGE)
        }
    }
}
