//! C interface to the model (see `include/srref.h`).
//!
//! Model panics are ordinary results ([`Outcome::Panic`]); nothing unwinds
//! across the interface. As a last line of defence against a bug in the
//! model itself, each call is run under `catch_unwind`: such a failure is
//! reported as -1 and the handle refuses further lines until reset.

use std::os::raw::{c_char, c_int};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::model::{Model, Outcome};

/// The handle C code holds (`srref *`).
pub struct Srref {
    model: Model,
    /// Set when the model itself failed; cleared by reset.
    broken: bool,
    /// Full length of the text the last `srref_line` produced.
    last_len: usize,
}

/// The line produced no output (blank, comment, `phys`).
pub const SRREF_SILENT: c_int = 0;
/// One result line was written to `out`.
pub const SRREF_LINE: c_int = 1;
/// The line is malformed; `out` holds the reason.
pub const SRREF_MALFORMED: c_int = 2;
/// The kernel panicked; `out` holds the `panic ...` line.
pub const SRREF_PANIC: c_int = 3;
/// Bad arguments, or an internal failure of the model.
pub const SRREF_ERROR: c_int = -1;

/// Copies `text` into `out` (capacity `cap`), truncated, NUL-terminated.
///
/// # Safety
/// `out` must be null or valid for `cap` bytes.
unsafe fn write_out(text: &str, out: *mut c_char, cap: usize) {
    if out.is_null() || cap == 0 {
        return;
    }
    let n = text.len().min(cap - 1);
    std::ptr::copy_nonoverlapping(text.as_ptr(), out.cast::<u8>(), n);
    *out.add(n) = 0;
}

/// Creates a model in the state before a trace. Never returns null unless
/// the process is out of memory.
#[no_mangle]
pub extern "C" fn srref_new() -> *mut Srref {
    match catch_unwind(|| Box::new(Srref { model: Model::new(), broken: false, last_len: 0 })) {
        Ok(b) => Box::into_raw(b),
        Err(_) => std::ptr::null_mut(),
    }
}

/// Destroys a model.
///
/// # Safety
/// `m` must be null or a pointer returned by [`srref_new`] not yet freed.
#[no_mangle]
pub unsafe extern "C" fn srref_free(m: *mut Srref) {
    if !m.is_null() {
        drop(Box::from_raw(m));
    }
}

/// Puts a model back in the state before a trace.
///
/// # Safety
/// `m` must be null or a live pointer returned by [`srref_new`].
#[no_mangle]
pub unsafe extern "C" fn srref_reset(m: *mut Srref) {
    if let Some(h) = m.as_mut() {
        let _ = catch_unwind(AssertUnwindSafe(|| h.model.reset()));
        h.broken = false;
        h.last_len = 0;
    }
}

/// Feeds one trace line (`len` bytes at `line`, without the newline) and
/// writes the result (or reason) to `out`. Returns one of the `SRREF_*`
/// codes.
///
/// # Safety
/// `m` must be a live handle; `line` valid for `len` bytes (or null with
/// `len` 0); `out` null or valid for `outcap` bytes.
#[no_mangle]
pub unsafe extern "C" fn srref_line(m: *mut Srref, line: *const c_char, len: usize, out: *mut c_char, outcap: usize) -> c_int {
    let h = match m.as_mut() {
        Some(h) => h,
        None => return SRREF_ERROR,
    };
    let bytes: &[u8] = if len == 0 {
        &[]
    } else if line.is_null() {
        return SRREF_ERROR;
    } else {
        std::slice::from_raw_parts(line.cast::<u8>(), len)
    };
    const BROKEN: &str = "internal model failure";
    if h.broken {
        h.last_len = BROKEN.len();
        write_out(BROKEN, out, outcap);
        return SRREF_ERROR;
    }
    let outcome = match catch_unwind(AssertUnwindSafe(|| h.model.feed(bytes))) {
        Ok(o) => o,
        Err(_) => {
            h.broken = true;
            h.last_len = BROKEN.len();
            write_out(BROKEN, out, outcap);
            return SRREF_ERROR;
        }
    };
    let (code, text) = match &outcome {
        Outcome::Silent => (SRREF_SILENT, ""),
        Outcome::Line(s) => (SRREF_LINE, s.as_str()),
        Outcome::Malformed(s) => (SRREF_MALFORMED, s.as_str()),
        Outcome::Panic(s) => (SRREF_PANIC, s.as_str()),
    };
    h.last_len = text.len();
    write_out(text, out, outcap);
    code
}

/// Length in bytes (without the NUL) of the whole text the last
/// [`srref_line`] call produced, so a caller can tell it was truncated
/// (`srref_out_len(m) >= outcap`) and feed the line again to a fresh model
/// with a bigger buffer. A `walk` line can reach tens of megabytes.
///
/// # Safety
/// `m` must be null or a live pointer returned by [`srref_new`].
#[no_mangle]
pub unsafe extern "C" fn srref_out_len(m: *const Srref) -> usize {
    m.as_ref().map_or(0, |h| h.last_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(m: *mut Srref, line: &str, cap: usize) -> (c_int, String) {
        let mut buf = vec![0x55 as c_char; cap.max(1)];
        let code = unsafe { srref_line(m, line.as_ptr().cast(), line.len(), buf.as_mut_ptr(), cap) };
        let end = buf.iter().position(|&c| c == 0).unwrap_or(0);
        let text = String::from_utf8(buf[..end].iter().map(|&c| c as u8).collect()).unwrap();
        (code, text)
    }

    #[test]
    fn round_trip() {
        let m = srref_new();
        assert_eq!(feed(m, "# comment", 64), (SRREF_SILENT, String::new()));
        assert_eq!(feed(m, "new A", 64), (SRREF_LINE, "ok".into()));
        assert_eq!(feed(m, "free_frames", 64), (SRREF_LINE, "ok 1023".into()));
        assert_eq!(feed(m, "free_frames", 4), (SRREF_LINE, "ok ".into()));
        assert_eq!(unsafe { srref_out_len(m) }, 7);
        assert_eq!(feed(m, "bogus", 64).0, SRREF_MALFORMED);
        assert_eq!(feed(m, "unmap 0x00400000 0", 64).0, SRREF_PANIC);
        let (code, text) = feed(m, "free_frames", 64);
        assert_eq!(code, SRREF_PANIC);
        assert!(text.starts_with("panic"));
        unsafe { srref_reset(m) };
        assert_eq!(feed(m, "free_frames", 64), (SRREF_LINE, "ok 1024".into()));
        unsafe { srref_free(m) };
    }

    #[test]
    fn bad_arguments() {
        assert_eq!(unsafe { srref_line(std::ptr::null_mut(), std::ptr::null(), 0, std::ptr::null_mut(), 0) }, SRREF_ERROR);
        let m = srref_new();
        assert_eq!(unsafe { srref_line(m, std::ptr::null(), 0, std::ptr::null_mut(), 0) }, SRREF_SILENT);
        assert_eq!(unsafe { srref_line(m, std::ptr::null(), 3, std::ptr::null_mut(), 0) }, SRREF_ERROR);
        unsafe { srref_free(m) };
    }
}

/// Benchmarks only: makes the frames of `[start, end)` free, beyond what a
/// trace's `phys` lines may declare (the bench runner's larger simulated
/// physical memory). Memory outside trace RAM reads as zero.
///
/// # Safety
/// `m` must be null or a live pointer returned by [`srref_new`].
#[no_mangle]
pub unsafe extern "C" fn srref_bench_free(m: *mut Srref, start: u32, end: u32) {
    if let Some(h) = m.as_mut() {
        h.model.bench_free(start, end);
    }
}
