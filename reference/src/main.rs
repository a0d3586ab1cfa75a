//! `srref run TRACE`: replays a trace against the model and prints the
//! result stream on stdout.
//!
//! Exit status: 0 when the trace ran to its end or to a panic; 2 at the
//! first malformed line (after printing `FILE:LINE: reason` on stderr);
//! 1 for usage or I/O errors; 70 if the model itself failed.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

use srref::{Model, Outcome};

fn usage() -> ExitCode {
    eprintln!("usage: srref run TRACE");
    ExitCode::from(1)
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

fn run(path: &OsString) -> io::Result<u8> {
    let mut input = BufReader::new(File::open(path)?);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut model = Model::new();
    let mut line = Vec::new();
    let mut line_no: u64 = 0;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        line_no += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let outcome = match catch_unwind(AssertUnwindSafe(|| model.feed(&line))) {
            Ok(o) => o,
            Err(_) => {
                out.flush()?;
                eprintln!("srref: internal model failure at line {}", line_no);
                return Ok(70);
            }
        };
        match outcome {
            Outcome::Silent => {}
            Outcome::Line(s) => writeln!(out, "{}", s)?,
            Outcome::Panic(s) => {
                writeln!(out, "{}", s)?;
                break;
            }
            Outcome::Malformed(reason) => {
                out.flush()?;
                let mut err = io::stderr().lock();
                err.write_all(&display_path(path))?;
                writeln!(err, ":{}: {}", line_no, reason)?;
                return Ok(2);
            }
        }
    }
    out.flush()?;
    Ok(0)
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.len() != 2 || args[0] != "run" {
        return usage();
    }
    match run(&args[1]) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(1),
        Err(e) => {
            eprintln!("srref: {}: {}", args[1].to_string_lossy(), e);
            ExitCode::from(1)
        }
    }
}
