//! The comparison of result streams (docs/TRACE_FORMAT.md, "Result lines"):
//! byte for byte, except that a `panic` line — the word `panic`, alone or
//! followed by a space and free text — is compared on the word `panic`
//! alone. Every Rust test that compares a stream with a golden uses this.

/// Whether a result line (without its newline) is a `panic` line.
pub fn is_panic_line(line: &[u8]) -> bool {
    line == b"panic" || line.starts_with(b"panic ")
}

/// `stream` with every `panic ...` line cut to `panic`.
pub fn normalise(stream: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stream.len());
    for line in stream.split_inclusive(|&b| b == b'\n') {
        let (text, newline) = match line.strip_suffix(b"\n") {
            Some(text) => (text, true),
            None => (line, false),
        };
        out.extend_from_slice(if is_panic_line(text) { b"panic" } else { text });
        if newline {
            out.push(b'\n');
        }
    }
    out
}

/// The first result line on which two streams differ under the rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Difference {
    /// 1-based result line number.
    pub line: usize,
    /// The golden's line (`<end>` past its end), normalised.
    pub want: String,
    /// The implementation's line, likewise.
    pub got: String,
}

/// `None` when `got` matches the golden `want`, else where it first differs.
pub fn compare(want: &[u8], got: &[u8]) -> Option<Difference> {
    let (w, g) = (normalise(want), normalise(got));
    if w == g {
        return None;
    }
    let w: Vec<&[u8]> = w.split(|&b| b == b'\n').collect();
    let g: Vec<&[u8]> = g.split(|&b| b == b'\n').collect();
    let text = |v: &[&[u8]], i: usize| v.get(i).map_or("<end>".to_string(), |l| String::from_utf8_lossy(l).into_owned());
    let i = (0..w.len().max(g.len())).find(|&i| w.get(i) != g.get(i)).unwrap_or(0);
    Some(Difference { line: i + 1, want: text(&w, i), got: text(&g, i) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_lines_compare_on_the_word() {
        assert_eq!(compare(b"ok\npanic at a\n", b"ok\npanic elsewhere\n"), None);
        assert_eq!(compare(b"panic\n", b"panic x\n"), None);
        assert_eq!(compare(b"ok\npanic a", b"ok\npanic b"), None);
    }

    #[test]
    fn everything_else_byte_for_byte() {
        let d = compare(b"ok\nok 1\n", b"ok\nok 2\n").expect("differs");
        assert_eq!(d, Difference { line: 2, want: "ok 1".into(), got: "ok 2".into() });
        // not the word panic
        assert!(compare(b"panicky\n", b"panic\n").is_some());
        assert!(compare(b"panic\n", b"Panic\n").is_some());
        // a missing line, a missing final newline
        assert_eq!(compare(b"ok\nok\n", b"ok\n").map(|d| d.line), Some(2));
        assert!(compare(b"ok\n", b"ok").is_some());
        assert!(compare(b"panic x\n", b"panic x").is_some());
    }
}
