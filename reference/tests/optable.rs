//! The reference model's trace front end (`parse.rs`, and the stateful
//! checks of `model.rs`) against the op table `harness/ops.def`: every row
//! parses and runs, with the arity, argument kinds, selection rule, names
//! and results the table gives, and every `Cmd` variant is some row's.
//! `SRDIFF_OPS_DEF` names another copy of the table (to see a drift fail).

use std::collections::HashSet;
use std::path::PathBuf;

use srref::parse::{parse_line, Cmd};
use srref::{Model, Outcome};

struct Arg {
    kind: String,
    optional: bool,
}

struct Row {
    id: String,
    name: String,
    form: String,
    args: Vec<Arg>,
    proc_: String,
    results: Vec<String>,
}

fn table_path() -> PathBuf {
    match std::env::var_os("SRDIFF_OPS_DEF") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../harness/ops.def"),
    }
}

/// The fields of one `OP(...)` line: identifiers bare, strings unquoted.
fn fields(line: &str) -> Vec<String> {
    let inner = line.trim().strip_prefix("OP(").and_then(|l| l.strip_suffix(')')).expect("OP(...) row");
    inner.split(',').map(|f| f.trim().trim_matches('"').to_string()).collect()
}

fn table() -> Vec<Row> {
    let text = std::fs::read_to_string(table_path()).expect("ops.def readable");
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("OP(")) {
        let f = fields(line);
        assert_eq!(f.len(), 7, "{}", line);
        let args = f[3]
            .split_whitespace()
            .map(|w| {
                let optional = w.starts_with('[');
                let w = w.trim_matches(|c| c == '[' || c == ']');
                let kind = w.split(':').nth(1).expect("SPEC:kind").to_string();
                Arg { kind, optional }
            })
            .collect();
        rows.push(Row {
            id: f[0].clone(),
            name: f[1].clone(),
            form: f[2].clone(),
            args,
            proc_: f[4].clone(),
            results: f[6].split_whitespace().map(String::from).collect(),
        });
    }
    assert!(!rows.is_empty());
    rows
}

/// A valid token for an argument of `kind` after `setup()`.
fn valid(kind: &str) -> &'static str {
    match kind {
        "proc" | "proc-" => "P",
        "proc+" => "Q",
        "shm" | "shm-" => "S",
        "shm+" => "T",
        "mirror" | "mirror-" => "M",
        "mirror+" => "N",
        "type" => "Normal",
        "rights" => "u_rw",
        "page" => "0x00400000",
        "pages" => "0x00001000",
        "uword" => "0x00400000",
        "mlen" => "0x00001000",
        "moff" => "0",
        "size" => "0x00001000",
        "addr" => "0x00400000",
        _ => "0",
    }
}

/// Tokens that break an argument of `kind`, if the kind has a constraint.
fn invalid(kind: &str) -> Vec<&'static str> {
    match kind {
        "proc" | "proc-" | "shm" | "shm-" | "mirror" | "mirror-" => vec!["Z"],
        "proc+" => vec!["P"],
        "shm+" => vec!["S"],
        "mirror+" => vec!["M"],
        "type" => vec!["normal"],
        "rights" => vec!["16"],
        "page" => vec!["0x00400800"],
        "pages" => vec!["0", "0x00000800"],
        "uword" => vec!["0x00400002", "0xc0000000"],
        "mlen" => vec!["0x01000001"],
        "moff" => vec!["2", "0x00001000"],
        _ => vec!["0x100000000"],
    }
}

/// Names every row may use: processes P (and R, selected, when `selected`),
/// shm S, a mirror M of 0x1000 bytes.
fn setup(selected: bool) -> Model {
    let mut m = Model::new();
    let mut lines = vec![
        "new P",
        "create_regular_mapping 0x00400000 0x00004000 SharedMemory u_rw",
        "shm S 0x00002000",
        "mirror_mapping 0x00400000 0x00001000 M",
    ];
    if !selected {
        lines.extend(["new R", "drop R"]);
    }
    for l in lines {
        match m.feed(l.as_bytes()) {
            Outcome::Line(s) if s.starts_with("ok") => {}
            other => panic!("setup line {:?}: {:?}", l, outcome_text(&other)),
        }
    }
    m
}

fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Silent => "(silent)".into(),
        Outcome::Line(s) => s.clone(),
        Outcome::Malformed(s) => format!("malformed: {}", s),
        Outcome::Panic(s) => format!("panic {}", s),
    }
}

fn line(row: &Row, args: &[&str]) -> String {
    let mut words = vec![row.name.as_str()];
    if !row.form.is_empty() {
        words.push(&row.form);
    }
    words.extend_from_slice(args);
    words.join(" ")
}

fn valid_args(row: &Row) -> Vec<&'static str> {
    row.args.iter().map(|a| valid(&a.kind)).collect()
}

/// The result kinds (ops.def RESULTS) a result line has the shape of.
fn kinds(result: &str) -> Vec<&'static str> {
    let hex = |s: &str| s.len() == 10 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit());
    let mut k = Vec::new();
    let rest = result.strip_prefix("ok ");
    if result == "ok" {
        k.push("ok");
    }
    if result == "fault" {
        k.push("fault");
    }
    if result.starts_with("err ") {
        k.push("err");
    }
    if result == "panic" || result.starts_with("panic ") {
        k.push("panic");
    }
    if let Some(r) = rest {
        if hex(r) {
            k.extend(["ok-addr", "ok-value"]);
        }
        if r.bytes().all(|b| b.is_ascii_digit()) && !r.is_empty() {
            k.push("ok-count");
        }
        if r.starts_with("addr=") {
            k.push("ok-query");
        }
        if r.starts_with("state=") {
            k.push("ok-range");
        }
        if r == "-" || r.split(' ').all(|run| run.contains('*') && hex(run.split('*').next().unwrap_or(""))) {
            k.push("ok-frames");
        }
        if r.split(' ').all(|run| run.starts_with("avail/") || run.starts_with("guard/") || run.starts_with("page/")) {
            k.push("ok-walk");
        }
    }
    k
}

fn run(m: &mut Model, l: &str) -> Outcome {
    m.feed(l.as_bytes())
}

#[test]
fn every_row_parses_and_runs_as_the_table_says() {
    for row in table() {
        let args = valid_args(&row);
        let l = line(&row, &args);
        let o = if row.proc_ == "pre" { run(&mut Model::new(), &l) } else { run(&mut setup(true), &l) };
        match &o {
            Outcome::Silent => assert!(row.results.is_empty(), "{}: `{}` printed nothing", row.id, l),
            Outcome::Line(s) => assert!(
                kinds(s).iter().any(|k| row.results.iter().any(|r| r == k)),
                "{}: `{}` printed {:?}, the table allows {:?}",
                row.id,
                l,
                s,
                row.results
            ),
            Outcome::Panic(_) => assert!(row.results.iter().any(|r| r == "panic"), "{}: `{}` panicked", row.id, l),
            Outcome::Malformed(why) => panic!("{}: `{}` is malformed: {}", row.id, l, why),
        }
    }
}

#[test]
fn arity() {
    for row in table() {
        let args = valid_args(&row);
        let required = row.args.iter().filter(|a| !a.optional).count();
        let mut more = args.clone();
        more.push("0");
        assert!(parse_line(line(&row, &more).as_bytes()).is_err(), "{}: one argument too many", row.id);
        if required > 0 {
            let fewer = &args[..required - 1];
            assert!(parse_line(line(&row, fewer).as_bytes()).is_err(), "{}: one argument too few", row.id);
        }
        if required < args.len() {
            let l = line(&row, &args[..required]);
            assert!(!matches!(run(&mut setup(true), &l), Outcome::Malformed(_)), "{}: `{}`", row.id, l);
        }
    }
}

#[test]
fn selection_rule() {
    for row in table().iter().filter(|r| r.proc_ != "pre") {
        let l = line(row, &valid_args(row));
        let o = run(&mut setup(false), &l);
        let malformed = matches!(o, Outcome::Malformed(_));
        assert_eq!(malformed, row.proc_ == "sel", "{}: `{}` with no process selected: {}", row.id, l, outcome_text(&o));
        let cmd = parse_line(l.as_bytes()).expect("parses").expect("an op");
        assert_eq!(cmd.works_without_process(), row.proc_ == "none", "{}: works_without_process", row.id);
    }
}

#[test]
fn pre_rows_only_before_the_first_operation() {
    for row in table().iter().filter(|r| r.proc_ == "pre") {
        let l = line(row, &valid_args(row));
        assert!(matches!(run(&mut setup(true), &l), Outcome::Malformed(_)), "{}: `{}` after an op", row.id, l);
    }
}

#[test]
fn argument_kinds() {
    for row in table() {
        for (i, a) in row.args.iter().enumerate() {
            for bad in invalid(&a.kind) {
                let mut args = valid_args(&row);
                args[i] = bad;
                let l = line(&row, &args);
                let mut m = if row.proc_ == "pre" { Model::new() } else { setup(true) };
                let o = run(&mut m, &l);
                assert!(matches!(o, Outcome::Malformed(_)), "{}: `{}` (kind {}): {}", row.id, l, a.kind, outcome_text(&o));
            }
        }
    }
}

/// Every variant of `Cmd` is the parse of some row (rows may share one, as
/// `phys free` and `phys reserve` do).
#[test]
fn every_cmd_variant_is_a_row() {
    let src = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/parse.rs")).expect("parse.rs");
    let start = src.find("pub enum Cmd {").expect("enum Cmd");
    let body = &src[start..start + src[start..].find("\n}").expect("end of enum Cmd")];
    let variants = body
        .lines()
        .skip(1)
        .filter(|l| l.trim_start().chars().next().map_or(false, |c| c.is_ascii_uppercase()))
        .count();
    let mut seen = HashSet::new();
    for row in table() {
        let cmd: Cmd = parse_line(line(&row, &valid_args(&row)).as_bytes()).expect("parses").expect("an op");
        seen.insert(std::mem::discriminant(&cmd));
    }
    assert_eq!(seen.len(), variants, "Cmd has {} variants, the table's rows reach {}", variants, seen.len());
}
