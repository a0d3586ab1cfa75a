//! The C port (through this crate) and the reference model (its own kernel)
//! driven side by side by the same trace interpreter, `srref::Model`, over
//! two backends (`Model<CPort>` and `Model<Kernel>`), on generated operation
//! sequences: every result must be identical (a kernel panic on one side
//! must be a kernel panic on the other; its text is free).
//!
//! The sequences come from a small deterministic PRNG; each operation is
//! chosen from the state both sides agree on (live processes, shared frames
//! and mirrors, mappings made so far). `SUNRISE_MM_SEQUENCES` sets how many
//! (default 5000); a failure prints the seed and the sequence as a trace.

mod common;

use std::io::Write;

use common::{c_model, CPort};
use srref::{Model, Outcome};

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize].clone()
    }
}

const BASE: u32 = 0x0040_0000;
const HEAP: u32 = 0x8000_0000;
const TYPES: [&str; 22] = [
    "Unmapped", "Io", "Normal", "CodeStatic", "CodeMutable", "Heap", "SharedMemory", "Alias", "ModuleCodeStatic",
    "ModuleCodeMutable", "Ipc", "Stack", "ThreadLocal", "TransferMemoryIsolated", "TransferMemory", "ProcessMemory",
    "Reserved", "NonSecureIpc", "NonDeviceIpc", "KernelStack", "CodeReadOnly", "CodeWritable",
];

/// The frames an operation maps.
#[derive(Clone, Copy)]
enum Frames {
    Owned,
    Shared,
    None,
    Any,
}

/// What the generator knows beside the two models' state.
struct Gen {
    rng: Rng,
    /// (address, length) of mappings made so far (maybe gone since).
    made: Vec<(u32, u32)>,
    next_name: u32,
    /// Careful sequences place new mappings in 32 KiB slots with sane
    /// lengths, so that they live longer (no left overlap, no zero length)
    /// and reach deeper states.
    careful: bool,
}

impl Gen {
    /// A type, mostly one that suits the frames of the operation (a type
    /// upstream refuses there is an `expect`, a kernel panic).
    fn ty(&mut self, frames: Frames) -> &'static str {
        if self.rng.chance(8) {
            return self.rng.pick(&TYPES);
        }
        match frames {
            // not IS_REFERENCE_COUNTED
            Frames::Owned => self.rng.pick(&["Normal", "Normal", "Io", "Reserved", "KernelStack"]),
            Frames::Shared => self.rng.pick(&["Heap", "SharedMemory", "Stack", "Ipc", "CodeStatic", "CodeMutable", "Alias"]),
            Frames::None => self.rng.pick(&["Reserved", "KernelStack", "Unmapped"]),
            Frames::Any => self.rng.pick(&["Normal", "Heap", "SharedMemory", "Stack", "Io", "Ipc", "CodeStatic", "Alias"]),
        }
    }

    fn rights(&mut self) -> String {
        if self.rng.chance(70) {
            self.rng.pick(&["u_rw", "u_r", "u_rx", "k_rw", "k_r", "none"]).to_string()
        } else {
            self.rng.below(16).to_string()
        }
    }

    fn addr(&mut self) -> u32 {
        match self.rng.below(10) {
            0..=5 => BASE + self.rng.below(24) as u32 * 0x1000,
            6 if !self.made.is_empty() => {
                let (a, l) = self.rng.pick(&self.made);
                a.wrapping_add((self.rng.below(u64::from(l / 0x1000).max(1)) as u32).wrapping_mul(0x1000))
            }
            7 => HEAP + self.rng.below(4) as u32 * 0x1000,
            8 => BASE + 0x800 + self.rng.below(4) as u32,
            _ => self.rng.pick(&[
                0, 0x1000, 0x001f_f000, 0x0020_0000, 0x003f_f000, 0x7fff_f000, 0xbfff_e000, 0xbfff_f000, 0xc000_0000,
                0xffc0_0000, 0xffff_f000, 0xffff_ffff,
            ]),
        }
    }

    fn len(&mut self) -> u32 {
        match self.rng.below(40) {
            0..=31 => (1 + self.rng.below(6) as u32) * 0x1000,
            32 => 0,
            33..=35 => self.rng.pick(&[0x800, 0x1001, 0x1ffc]),
            _ => self.rng.pick(&[0x0040_0000, 0x4000_0000, 0x8000_0000, 0xffff_f000, 0xffff_ffff]),
        }
    }

    /// Where to put a new mapping, and how long.
    fn place(&mut self) -> (u32, u32) {
        if self.careful && self.rng.chance(90) {
            (BASE + self.rng.below(16) as u32 * 0x8000, (1 + self.rng.below(8) as u32) * 0x1000)
        } else {
            (self.addr(), self.len())
        }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.next_name += 1;
        format!("{}{}", prefix, self.next_name)
    }

    /// The next operation line, from the state both runners share.
    fn op(&mut self, r: &Model<CPort>) -> String {
        let procs = r.live_procs();
        let shms = r.live_shms();
        let mirrors = r.live_mirrors();
        let have = r.selected().is_some();
        loop {
            let line = match self.rng.below(32) {
                0 if procs.len() < 3 => format!("new {}", self.name("P")),
                1 if !procs.is_empty() => format!("select {}", self.rng.pick(&procs)),
                2 if have && !procs.is_empty() && self.rng.chance(30) => format!("drop {}", self.rng.pick(&procs)),
                3 if have && self.rng.chance(40) => "switch_to".into(),
                4 if shms.len() < 4 => format!("shm {} {:#x}", self.name("S"), self.len()),
                5 if have && shms.len() < 4 => format!("shm_of {} {:#x}", self.name("S"), self.addr()),
                6 if !shms.is_empty() => format!("shm_drop {}", self.rng.pick(&shms)),
                7..=9 if have => {
                    let (a, l) = self.place();
                    self.made.push((a, l));
                    format!("create_regular_mapping {:#x} {:#x} {} {}", a, l, self.ty(Frames::Any), self.rights())
                }
                10 if have => {
                    let (a, l) = self.place();
                    self.made.push((a, l));
                    format!("map_phys_region_to alloc {:#x} {:#x} {} {}", l, a, self.ty(Frames::Owned), self.rights())
                }
                11 if have => {
                    let paddr = if self.careful {
                        self.rng.pick(&[0x0010_0000u32, 0x0090_0000, 0xfee0_0000])
                    } else {
                        self.rng.pick(&[0x0010_0000u32, 0x0040_0000, 0x0090_0000, 0xfee0_0000, 0xffff_f000, 0x0010_0800])
                    };
                    let (a, l) = self.place();
                    self.made.push((a, l));
                    format!("map_phys_region_to mmio {:#x} {:#x} {:#x} {} {}", paddr, l, a, self.ty(Frames::Owned), self.rights())
                }
                12 | 13 if have && !shms.is_empty() => {
                    let s = self.rng.pick(&shms);
                    let (a, l) = self.place();
                    let off = if self.careful {
                        self.rng.pick(&[0u32, 0x1000, 0x2000])
                    } else {
                        self.rng.pick(&[0u32, 0x1000, 0x2000, 0x800, 0x7000, 0xffff_f000])
                    };
                    self.made.push((a, l));
                    format!("map_partial_shared_mapping {} {:#x} {:#x} {:#x} {} {}", s, a, off, l, self.ty(Frames::Shared), self.rights())
                }
                14 if have => {
                    let (a, l) = self.place();
                    self.made.push((a, l));
                    format!("guard {:#x} {:#x} {}", a, l, self.ty(Frames::None))
                }
                15 | 16 if have => {
                    if !self.made.is_empty() && self.rng.chance(80) {
                        let (a, l) = self.rng.pick(&self.made);
                        format!("unmap {:#x} {:#x}", a, l)
                    } else {
                        format!("unmap {:#x} {:#x}", self.addr(), self.len())
                    }
                }
                17 if have => format!("query_memory {:#x}", self.addr()),
                18 if have => {
                    let a = if self.rng.chance(50) { HEAP } else { self.addr() };
                    format!("expand_mapping {:#x} {:#x}", a, self.len())
                }
                19 if have => format!("find_available_space {:#x}", self.len()),
                20 if have => {
                    let size = if self.careful {
                        (1 + self.rng.below(8) as u32) * 0x1000
                    } else if self.rng.chance(80) {
                        self.rng.below(8) as u32 * 0x1000
                    } else {
                        self.len()
                    };
                    format!("resize_heap {:#x}", size)
                }
                21 | 22 if have => {
                    let a = self.addr().wrapping_add(if self.rng.chance(30) { self.rng.below(0x1000) as u32 & !3 } else { 0 });
                    let l = self.rng.pick(&[0, 4, 0x10, 0x1000, 0x1800, 0x3000, 0x0100_0000]);
                    if mirrors.len() < 16 && self.rng.chance(60) {
                        format!("mirror_mapping {:#x} {:#x} {}", a, l, self.name("M"))
                    } else {
                        format!("mirror_mapping {:#x} {:#x}", a, l)
                    }
                }
                23 if !mirrors.is_empty() => format!("mirror_drop {}", self.rng.pick(&mirrors).0),
                24 if have => {
                    let (a, s) = if self.careful { (BASE + self.rng.below(32) as u32 * 0x1000, 0x1000 * (1 + self.rng.below(32) as u32)) } else { (self.addr(), self.len()) };
                    let st = self.rng.pick(&[0u32, 0xff, 0x0040_0000, 0xffff_ffff]);
                    let (se, pm, pe) = (self.rng.pick(&[0u32, 0x02, 0x05, 0x0040_0000]), self.rng.below(8) as u32, self.rng.below(8) as u32);
                    format!("check_range {:#x} {:#x} {:#x} {:#x} {:#x} {:#x}", a, s, st, se, pm, pe)
                }
                25 if have => format!("frames {:#x}", self.addr()),
                26 if have => {
                    if self.rng.chance(5) {
                        self.rng.pick(&["walk 0x0 0x1000000", "walk 0x0 0xc0000000", "walk 0xbfc00000 0x400000"]).to_string()
                    } else {
                        let a = BASE - 0x2000 + self.rng.below(24) as u32 * 0x1000;
                        format!("walk {:#x} {:#x}", a, (1 + self.rng.below(16) as u32) * 0x1000)
                    }
                }
                27 => "free_frames".into(),
                28 => {
                    let a = if self.rng.chance(80) { (BASE + self.rng.below(0x18000) as u32) & !3 } else { self.addr() & !3 };
                    let a = a.min(0xbfff_fffc);
                    if self.rng.chance(50) {
                        format!("read {:#x}", a)
                    } else {
                        format!("write {:#x} {:#x}", a, self.rng.next() as u32)
                    }
                }
                29 | 30 if !mirrors.is_empty() => {
                    let (n, len) = self.rng.pick(&mirrors);
                    let off = (self.rng.below(u64::from(len.max(1))) as u32) & !3;
                    if off >= len {
                        continue;
                    }
                    if self.rng.chance(50) {
                        format!("mirror_read {} {:#x}", n, off)
                    } else {
                        format!("mirror_write {} {:#x} {:#x}", n, off, self.rng.next() as u32)
                    }
                }
                31 if procs.is_empty() => format!("new {}", self.name("P")),
                _ => continue,
            };
            return line;
        }
    }

    /// `phys` lines to start a sequence with (none: the default range).
    fn phys(&mut self) -> Vec<String> {
        let mut v = Vec::new();
        match self.rng.below(4) {
            0 => {
                let frames = 1 + self.rng.below(40) as u32;
                v.push(format!("phys free {:#x} {:#x}", BASE, BASE + frames * 0x1000));
            }
            1 => {
                v.push(format!("phys free {:#x} {:#x}", BASE, BASE + 0x20000));
                let hole = BASE + (2 + self.rng.below(20) as u32) * 0x1000;
                v.push(format!("phys reserve {:#x} {:#x}", hole, hole + 0x1000 * (1 + self.rng.below(3) as u32)));
                if self.rng.chance(50) {
                    v.push("phys free 0x100000 0x104000".into());
                }
            }
            _ => {}
        }
        v
    }
}

/// Whether two outcomes agree (panics on the word `panic` only).
fn same(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Panic(_), Outcome::Panic(_)) => true,
        (Outcome::Malformed(_), Outcome::Malformed(_)) => true,
        _ => a == b,
    }
}

struct Stats {
    ops: u64,
    panics: u64,
    errors: u64,
    /// Kernel panics per op name.
    panic_ops: std::collections::BTreeMap<String, u64>,
}

/// Runs one generated sequence on both sides; Err with a report on the
/// first disagreement.
fn sequence(seed: u64, stats: &mut Stats) -> Result<(), String> {
    let mut g = Gen { rng: Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed), made: Vec::new(), next_name: 0, careful: false };
    g.careful = g.rng.chance(50);
    let mut c = c_model();
    let mut m = Model::new();
    let mut trace: Vec<String> = Vec::new();
    let mut lines: Vec<String> = g.phys();
    lines.push(format!("new {}", g.name("P")));
    let n = 20 + g.rng.below(60);
    let teardown = g.rng.chance(40);
    let mut i = 0;
    loop {
        let line = if let Some(l) = lines.first().cloned() {
            lines.remove(0);
            l
        } else if i < n {
            i += 1;
            g.op(&c)
        } else if teardown {
            // drop everything: mirrors, shared frames, then processes (the
            // active one panics on both sides, as upstream)
            if let Some((name, _)) = c.live_mirrors().first() {
                format!("mirror_drop {}", name)
            } else if let Some(name) = c.live_shms().first() {
                format!("shm_drop {}", name)
            } else if let Some(name) = c.live_procs().first() {
                if c.selected().is_none() {
                    format!("select {}", name)
                } else {
                    format!("drop {}", name)
                }
            } else {
                break;
            }
        } else {
            break;
        };
        trace.push(line.clone());
        let (a, b) = (c.feed(line.as_bytes()), m.feed(line.as_bytes()));
        stats.ops += 1;
        if !same(&a, &b) {
            return Err(format!(
                "seed {}: line {} `{}`\n  C port: {:?}\n  model:  {:?}\ntrace:\n{}\n",
                seed,
                trace.len(),
                line,
                a,
                b,
                trace.join("\n")
            ));
        }
        match a {
            Outcome::Panic(_) => {
                stats.panics += 1;
                let op = line.split(' ').next().unwrap_or("").to_string();
                *stats.panic_ops.entry(op).or_insert(0) += 1;
                break;
            }
            Outcome::Malformed(why) => return Err(format!("seed {}: generated a malformed line `{}`: {}", seed, line, why)),
            Outcome::Line(l) if l.starts_with("err") => stats.errors += 1,
            _ => {}
        }
    }
    let (a, b) = (c.feed(b"free_frames"), m.feed(b"free_frames"));
    if !same(&a, &b) {
        return Err(format!("seed {}: free frames at the end: {:?} vs {:?}\ntrace:\n{}\n", seed, a, b, trace.join("\n")));
    }
    Ok(())
}

#[test]
fn c_port_and_reference_model_agree() {
    common::quiet_kernel_panics();
    let count: u64 = std::env::var("SUNRISE_MM_SEQUENCES").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    let mut stats = Stats { ops: 0, panics: 0, errors: 0, panic_ops: Default::default() };
    let mut failures = Vec::new();
    for seed in 0..count {
        if let Err(report) = sequence(seed, &mut stats) {
            failures.push(report);
            if failures.len() >= 3 {
                break;
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "side by side: {} sequences, {} operations ({} kernel errors, {} kernel panics), {} disagreements",
        count,
        stats.ops,
        stats.errors,
        stats.panics,
        failures.len()
    );
    let _ = writeln!(std::io::stderr(), "  kernel panics by op: {:?}", stats.panic_ops);
    assert!(failures.is_empty(), "the C port and the reference model disagree:\n{}", failures.join("\n"));
}
