//! Trace lines to commands: the lexical rules of the trace format and every
//! check that does not depend on state (argument counts and kinds, number
//! ranges, alignment and bounds of `phys`, `walk`, `read`, `write`,
//! `mirror_mapping`). Checks that need state (selection, live names, the
//! number of live mirrors, mirror offsets) are the model's.

use crate::phys::range_in_trace_ram;
use crate::types::{rights_from_shorthand, MemoryType, PAGE};

/// A process, shm or mirror name.
pub type Name = String;

/// Most a mirror may span.
pub const MIRROR_MAX_LEN: u32 = 0x0100_0000;
/// First address of KernelLand: `walk`, `read` and `write` stay below it.
const KERNEL_LAND: u64 = 0xc000_0000;

/// One operation of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmd {
    Phys { free: bool, start: u32, end: u32 },
    New(Name),
    Select(Name),
    Drop(Name),
    SwitchTo,
    Shm(Name, u32),
    ShmOf(Name, u32),
    ShmDrop(Name),
    CreateRegularMapping { addr: u32, len: u32, ty: MemoryType, rights: u32 },
    MapPhysAlloc { len: u32, addr: u32, ty: MemoryType, rights: u32 },
    MapPhysMmio { paddr: u32, len: u32, addr: u32, ty: MemoryType, rights: u32 },
    MapPartial { shm: Name, addr: u32, offset: u32, len: u32, ty: MemoryType, rights: u32 },
    Guard { addr: u32, len: u32, ty: MemoryType },
    Unmap { addr: u32, len: u32 },
    QueryMemory(u32),
    ExpandMapping { addr: u32, new_size: u32 },
    FindAvailableSpace(u32),
    ResizeHeap(u32),
    MirrorMapping { addr: u32, len: u32, name: Option<Name> },
    MirrorDrop(Name),
    CheckRange { addr: u32, size: u32, state_mask: u32, state_expected: u32, perms_mask: u32, perms_expected: u32 },
    Frames(u32),
    Walk { addr: u32, len: u32 },
    FreeFrames,
    Read(u32),
    Write(u32, u32),
    MirrorRead(Name, u32),
    MirrorWrite(Name, u32, u32),
}

impl Cmd {
    /// Whether the command runs with no process selected.
    pub fn works_without_process(&self) -> bool {
        matches!(
            self,
            Cmd::Phys { .. }
                | Cmd::New(_)
                | Cmd::Select(_)
                | Cmd::Shm(..)
                | Cmd::ShmDrop(_)
                | Cmd::MirrorDrop(_)
                | Cmd::Read(_)
                | Cmd::Write(..)
                | Cmd::MirrorRead(..)
                | Cmd::MirrorWrite(..)
                | Cmd::FreeFrames
        )
    }
}

/// A token as error messages show it: its first 64 bytes (cut at a
/// character boundary), then `...` when it is longer, so that a huge token
/// never makes a huge message.
pub struct Quoted<'a>(pub &'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MAX: usize = 64;
        if self.0.len() <= MAX {
            return f.write_str(self.0);
        }
        let mut end = MAX;
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        write!(f, "{}...", &self.0[..end])
    }
}

/// Parses a number: decimal, or `0x` and hex digits of any case; 32 bits.
pub fn number(tok: &str) -> Result<u32, String> {
    let (digits, radix) = match tok.strip_prefix("0x") {
        Some(rest) => (rest, 16),
        None => (tok, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!("bad number '{}'", Quoted(tok)));
    }
    let mut v: u32 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix).unwrap_or(0);
        v = v
            .checked_mul(radix)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(|| format!("number '{}' does not fit in 32 bits", Quoted(tok)))?;
    }
    Ok(v)
}

/// Parses a NAME: 1 to 16 of `[A-Za-z0-9_]`.
pub fn name(tok: &str) -> Result<Name, String> {
    if (1..=16).contains(&tok.len()) && tok.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(tok.to_string())
    } else {
        Err(format!("bad name '{}'", Quoted(tok)))
    }
}

/// Parses a TYPE.
pub fn mem_type(tok: &str) -> Result<MemoryType, String> {
    MemoryType::from_name(tok).ok_or_else(|| format!("unknown memory type '{}'", Quoted(tok)))
}

/// Parses RIGHTS: a shorthand or a number 0..=15.
pub fn rights(tok: &str) -> Result<u32, String> {
    if let Some(r) = rights_from_shorthand(tok) {
        return Ok(r);
    }
    match number(tok) {
        Ok(v) if v <= 15 => Ok(v),
        Ok(_) => Err(format!("rights '{}' out of range 0..15", Quoted(tok))),
        Err(_) => Err(format!("bad rights '{}'", Quoted(tok))),
    }
}

/// Splits a raw line into tokens after the lexical checks; an empty vector
/// for a blank or comment-only line.
pub fn tokens(raw: &[u8]) -> Result<Vec<&str>, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "line is not valid UTF-8".to_string())?;
    if let Some(c) = text.chars().find(|&c| c != '\t' && c.is_control()) {
        return Err(format!("control character U+{:04X} in the line", c as u32));
    }
    let code = text.split('#').next().unwrap_or("");
    Ok(code.split([' ', '\t']).filter(|t| !t.is_empty()).collect())
}

/// Checks the argument count of `op`.
fn arity(op: &str, args: &[&str], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!("'{}' takes {} argument(s), got {}", op, n, args.len()))
    }
}

/// Parses one raw line (without its newline). `Ok(None)` for a line with
/// no operation.
pub fn parse_line(raw: &[u8]) -> Result<Option<Cmd>, String> {
    let toks = tokens(raw)?;
    let (op, args) = match toks.split_first() {
        Some((op, args)) => (*op, args),
        None => return Ok(None),
    };
    let cmd = match op {
        "phys" => {
            arity(op, args, 3)?;
            let free = match args[0] {
                "free" => true,
                "reserve" => false,
                other => return Err(format!("phys takes 'free' or 'reserve', not '{}'", Quoted(other))),
            };
            let (start, end) = (number(args[1])?, number(args[2])?);
            if start % PAGE != 0 || end % PAGE != 0 {
                return Err("phys START and END must be page aligned".into());
            }
            if start > end {
                return Err("phys START > END".into());
            }
            if free && !range_in_trace_ram(start, end) {
                return Err(format!("phys free range {:#010x}..{:#010x} is not inside trace RAM", start, end));
            }
            Cmd::Phys { free, start, end }
        }
        "new" | "select" | "drop" | "shm_drop" | "mirror_drop" => {
            arity(op, args, 1)?;
            let n = name(args[0])?;
            match op {
                "new" => Cmd::New(n),
                "select" => Cmd::Select(n),
                "drop" => Cmd::Drop(n),
                "shm_drop" => Cmd::ShmDrop(n),
                _ => Cmd::MirrorDrop(n),
            }
        }
        "switch_to" | "free_frames" => {
            arity(op, args, 0)?;
            if op == "switch_to" {
                Cmd::SwitchTo
            } else {
                Cmd::FreeFrames
            }
        }
        "shm" | "shm_of" => {
            arity(op, args, 2)?;
            let (n, v) = (name(args[0])?, number(args[1])?);
            if op == "shm" {
                Cmd::Shm(n, v)
            } else {
                Cmd::ShmOf(n, v)
            }
        }
        "create_regular_mapping" => {
            arity(op, args, 4)?;
            Cmd::CreateRegularMapping {
                addr: number(args[0])?,
                len: number(args[1])?,
                ty: mem_type(args[2])?,
                rights: rights(args[3])?,
            }
        }
        "map_phys_region_to" => match args.first() {
            Some(&"alloc") => {
                arity("map_phys_region_to alloc", &args[1..], 4)?;
                Cmd::MapPhysAlloc {
                    len: number(args[1])?,
                    addr: number(args[2])?,
                    ty: mem_type(args[3])?,
                    rights: rights(args[4])?,
                }
            }
            Some(&"mmio") => {
                arity("map_phys_region_to mmio", &args[1..], 5)?;
                Cmd::MapPhysMmio {
                    paddr: number(args[1])?,
                    len: number(args[2])?,
                    addr: number(args[3])?,
                    ty: mem_type(args[4])?,
                    rights: rights(args[5])?,
                }
            }
            _ => return Err("'map_phys_region_to' needs 'alloc' or 'mmio' first".into()),
        },
        "map_partial_shared_mapping" => {
            arity(op, args, 6)?;
            Cmd::MapPartial {
                shm: name(args[0])?,
                addr: number(args[1])?,
                offset: number(args[2])?,
                len: number(args[3])?,
                ty: mem_type(args[4])?,
                rights: rights(args[5])?,
            }
        }
        "guard" => {
            arity(op, args, 3)?;
            Cmd::Guard { addr: number(args[0])?, len: number(args[1])?, ty: mem_type(args[2])? }
        }
        "unmap" | "expand_mapping" | "walk" | "write" => {
            arity(op, args, 2)?;
            let (a, b) = (number(args[0])?, number(args[1])?);
            match op {
                "unmap" => Cmd::Unmap { addr: a, len: b },
                "expand_mapping" => Cmd::ExpandMapping { addr: a, new_size: b },
                "walk" => {
                    if a % PAGE != 0 || b % PAGE != 0 || b == 0 {
                        return Err("walk ADDR and LEN must be page aligned, LEN > 0".into());
                    }
                    if u64::from(a) + u64::from(b) > KERNEL_LAND {
                        return Err("walk ADDR + LEN must not exceed 0xc0000000".into());
                    }
                    Cmd::Walk { addr: a, len: b }
                }
                _ => {
                    check_access_addr(op, a)?;
                    Cmd::Write(a, b)
                }
            }
        }
        "query_memory" | "find_available_space" | "resize_heap" | "frames" | "read" => {
            arity(op, args, 1)?;
            let v = number(args[0])?;
            match op {
                "query_memory" => Cmd::QueryMemory(v),
                "find_available_space" => Cmd::FindAvailableSpace(v),
                "resize_heap" => Cmd::ResizeHeap(v),
                "frames" => Cmd::Frames(v),
                _ => {
                    check_access_addr(op, v)?;
                    Cmd::Read(v)
                }
            }
        }
        "mirror_mapping" => {
            let n = if args.len() == 3 { 3 } else { 2 };
            arity(op, args, n)?;
            let (addr, len) = (number(args[0])?, number(args[1])?);
            let name = if n == 3 { Some(name(args[2])?) } else { None };
            if len > MIRROR_MAX_LEN {
                return Err(format!("mirror_mapping LEN {:#010x} exceeds {:#010x}", len, MIRROR_MAX_LEN));
            }
            Cmd::MirrorMapping { addr, len, name }
        }
        "check_range" => {
            arity(op, args, 6)?;
            let v = args.iter().map(|a| number(a)).collect::<Result<Vec<u32>, String>>()?;
            Cmd::CheckRange {
                addr: v[0],
                size: v[1],
                state_mask: v[2],
                state_expected: v[3],
                perms_mask: v[4],
                perms_expected: v[5],
            }
        }
        "mirror_read" => {
            arity(op, args, 2)?;
            let (n, off) = (name(args[0])?, number(args[1])?);
            check_mirror_offset(off)?;
            Cmd::MirrorRead(n, off)
        }
        "mirror_write" => {
            arity(op, args, 3)?;
            let (n, off, v) = (name(args[0])?, number(args[1])?, number(args[2])?);
            check_mirror_offset(off)?;
            Cmd::MirrorWrite(n, off, v)
        }
        _ => return Err(format!("unknown op '{}'", Quoted(op))),
    };
    Ok(Some(cmd))
}

/// `read`/`write` ADDR: 4-byte aligned, below KernelLand.
fn check_access_addr(op: &str, addr: u32) -> Result<(), String> {
    if !(addr % 4 == 0) {
        return Err(format!("{} ADDR must be 4-byte aligned", op));
    }
    if u64::from(addr) >= KERNEL_LAND {
        return Err(format!("{} ADDR must be below 0xc0000000", op));
    }
    Ok(())
}

/// Mirror OFFSET: 4-byte aligned (its bound by `len()` is stateful).
fn check_mirror_offset(off: u32) -> Result<(), String> {
    if !(off % 4 == 0) {
        return Err(format!("mirror OFFSET {:#010x} must be 4-byte aligned", off));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Option<Cmd> {
        parse_line(s.as_bytes()).unwrap()
    }

    fn bad(s: &[u8]) -> String {
        parse_line(s).unwrap_err()
    }

    #[test]
    fn numbers() {
        assert_eq!(number("4096"), Ok(4096));
        assert_eq!(number("0x00ABCDEF"), Ok(0xabcdef));
        assert_eq!(number("4294967295"), Ok(u32::MAX));
        assert_eq!(number("0x0000000000000001"), Ok(1));
        for b in ["0X10", "0x", "", "+1", "1_000", "4294967296", "0x100000000", "-1", "12a", "0x1g"] {
            assert!(number(b).is_err(), "{}", b);
        }
    }

    #[test]
    fn names_types_rights() {
        assert!(name("ABCDEFGHIJKLMNOP").is_ok());
        assert!(name("ABCDEFGHIJKLMNOPQ").is_err());
        assert!(name("A-B").is_err());
        assert!(name("").is_err());
        assert!(mem_type("normal").is_err());
        assert_eq!(rights("u_rw"), Ok(11));
        assert_eq!(rights("0xf"), Ok(15));
        assert!(rights("16").is_err());
        assert!(rights("rw").is_err());
    }

    #[test]
    fn lexical_rules() {
        assert_eq!(ok(""), None);
        assert_eq!(ok("   # just a comment"), None);
        assert_eq!(ok("new\tA\t# tab"), Some(Cmd::New("A".into())));
        assert_eq!(ok("new A#x"), Some(Cmd::New("A".into())));
        bad(b"new A\r");
        bad(b"new A # c\r");
        bad(b"new A\x00");
        bad("new A # \u{7f}".as_bytes());
        bad("new A # \u{85}".as_bytes());
        bad(b"new A # \xff");
        bad("new\u{a0}A".as_bytes());
        bad(b"new A B");
        bad(b"switch_to 1");
        bad(b"foo");
        bad(b"New A");
    }

    #[test]
    fn ops_and_bounds() {
        assert_eq!(
            ok("map_phys_region_to mmio 0xfee00000 0x1000 0x00400000 Io u_rw"),
            Some(Cmd::MapPhysMmio { paddr: 0xfee0_0000, len: 0x1000, addr: 0x40_0000, ty: MemoryType::Io, rights: 11 })
        );
        bad(b"map_phys_region_to mmio 0x00900000 0x1000 0x00400000 Io");
        bad(b"map_phys_region_to foo 1 2 Normal u_rw");
        assert!(ok("walk 0xbffff000 0x1000").is_some());
        assert!(ok("walk 0x00000000 0xc0000000").is_some());
        bad(b"walk 0xbffff000 0x2000");
        bad(b"walk 0x00400000 0");
        bad(b"walk 0x00400800 0x1000");
        assert!(ok("read 0xbffffffc").is_some());
        bad(b"read 0xc0000000");
        bad(b"read 0x00400002");
        bad(b"write 0xfffff000 1");
        assert!(ok("mirror_mapping 0x00400000 0x01000000").is_some());
        bad(b"mirror_mapping 0x00400000 0x01000001");
        bad(b"mirror_write M 2 0");
        assert_eq!(ok("mirror_mapping 1 2 M"), Some(Cmd::MirrorMapping { addr: 1, len: 2, name: Some("M".into()) }));
        bad(b"mirror_mapping 1 2 M N");
    }

    #[test]
    fn phys_lines() {
        assert_eq!(ok("phys free 0x00100000 0x01000000"), Some(Cmd::Phys { free: true, start: 0x10_0000, end: 0x100_0000 }));
        assert!(ok("phys free 0x00200000 0x00200000").is_some());
        assert!(ok("phys reserve 0x00000000 0xfffff000").is_some());
        bad(b"phys free 0x00000000 0x000a0000");
        bad(b"phys free 0x000a0000 0x000a0000");
        bad(b"phys free 0x00f00000 0x01001000");
        bad(b"phys free 0x00500000 0x00400000");
        bad(b"phys reserve 0x00500000 0x00400000");
        bad(b"phys free 0x00400800 0x00800000");
        bad(b"phys allocate 0x00400000 0x00800000");
        bad(b"phys free 0x00400000");
    }
}
