//! The trace-level state machine: named processes, shms and mirrors, the
//! selected process, the `phys` phase, and the result line of each
//! operation.

use std::collections::BTreeMap;

use crate::mapping::{MappingFrames, SharedId};
use crate::paging::Slot;
use crate::parse::{parse_line, Cmd, Name};
use crate::process::{Kernel, Mirror, ProcessMemory};
use crate::types::{rights_string, Fail, KResult, PERMS_DECLARED_BITS, STATE_DECLARED_BITS};

/// Frames free when a trace has no `phys` line.
pub const DEFAULT_FREE: (u32, u32) = (0x0040_0000, 0x0080_0000);
/// Most named mirrors live at once.
pub const MAX_NAMED_MIRRORS: usize = 16;

/// What feeding one line produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Blank, comment or `phys` line.
    Silent,
    /// One result line (without newline).
    Line(String),
    /// The line breaks the format; the reason (no file or line number).
    Malformed(String),
    /// The kernel panicked (`panic ...`); the model is dead from now on.
    Panic(String),
}

/// The whole state a trace runs against.
#[derive(Default)]
pub struct Model {
    k: Kernel,
    procs: BTreeMap<Name, ProcessMemory>,
    selected: Option<Name>,
    shms: BTreeMap<Name, SharedId>,
    mirrors: BTreeMap<Name, Mirror>,
    /// An operation line was run (no more `phys` lines).
    started: bool,
    /// A `phys` line was seen (no default free range).
    phys_seen: bool,
    /// The panic line, once the kernel is dead.
    dead: Option<String>,
}

/// Result of running an operation: its result line, or why not.
type Run = KResult<String>;

impl Model {
    /// A model in the state before a trace.
    pub fn new() -> Model {
        Model::default()
    }

    /// Back to the state before a trace.
    pub fn reset(&mut self) {
        *self = Model::new();
    }

    /// Benchmarks only: frees `[start, end)` in the frame allocator.
    pub fn bench_free(&mut self, start: u32, end: u32) {
        self.k.m.frames.set_range(start, end, true);
    }

    /// Whether a panic ended the trace.
    pub fn is_dead(&self) -> bool {
        self.dead.is_some()
    }

    /// Feeds one line (without its newline).
    pub fn feed(&mut self, raw: &[u8]) -> Outcome {
        if let Some(p) = &self.dead {
            return Outcome::Panic(p.clone());
        }
        let cmd = match parse_line(raw) {
            Err(reason) => return Outcome::Malformed(reason),
            Ok(None) => return Outcome::Silent,
            Ok(Some(c)) => c,
        };
        if let Err(reason) = self.check_state(&cmd) {
            return Outcome::Malformed(reason);
        }
        if let Cmd::Phys { free, start, end } = cmd {
            self.k.m.frames.set_range(start, end, free);
            self.phys_seen = true;
            return Outcome::Silent;
        }
        if !self.started {
            self.started = true;
            if !self.phys_seen {
                self.k.m.frames.set_range(DEFAULT_FREE.0, DEFAULT_FREE.1, true);
            }
        }
        match self.run(cmd) {
            Ok(line) => Outcome::Line(line),
            Err(Fail::Kernel(e)) => Outcome::Line(format!("err {}", e)),
            Err(Fail::Panic(msg)) => {
                let line = format!("panic {}", msg);
                self.dead = Some(line.clone());
                Outcome::Panic(line)
            }
        }
    }

    /// The checks that depend on state: `phys` placement, selection, live
    /// names, the mirror limit and mirror offsets.
    fn check_state(&self, cmd: &Cmd) -> Result<(), String> {
        if let Cmd::Phys { .. } = cmd {
            return if self.started { Err("'phys' after the first operation".into()) } else { Ok(()) };
        }
        if self.selected.is_none() && !cmd.works_without_process() {
            return Err("this op needs a selected process (none is selected)".into());
        }
        let need = |live: bool, kind: &str, n: &str| {
            if live {
                Ok(())
            } else {
                Err(format!("no live {} named '{}'", kind, n))
            }
        };
        let fresh = |live: bool, kind: &str, n: &str| {
            if live {
                Err(format!("{} name '{}' is still live", kind, n))
            } else {
                Ok(())
            }
        };
        match cmd {
            Cmd::New(n) => fresh(self.procs.contains_key(n), "process", n),
            Cmd::Select(n) | Cmd::Drop(n) => need(self.procs.contains_key(n), "process", n),
            Cmd::Shm(n, _) | Cmd::ShmOf(n, _) => fresh(self.shms.contains_key(n), "shm", n),
            Cmd::ShmDrop(n) | Cmd::MapPartial { shm: n, .. } => need(self.shms.contains_key(n), "shm", n),
            Cmd::MirrorMapping { name: Some(n), .. } => {
                fresh(self.mirrors.contains_key(n), "mirror", n)?;
                if self.mirrors.len() >= MAX_NAMED_MIRRORS {
                    return Err(format!("more than {} named mirrors would be live", MAX_NAMED_MIRRORS));
                }
                Ok(())
            }
            Cmd::MirrorDrop(n) => need(self.mirrors.contains_key(n), "mirror", n),
            Cmd::MirrorRead(n, off) | Cmd::MirrorWrite(n, off, _) => match self.mirrors.get(n) {
                None => need(false, "mirror", n),
                Some(m) if *off >= m.len => {
                    Err(format!("mirror OFFSET {:#010x} must be below len() = {:#010x}", off, m.len))
                }
                Some(_) => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Runs a well-formed operation.
    fn run(&mut self, cmd: Cmd) -> Run {
        let ok = |_| "ok".to_string();
        match cmd {
            Cmd::Phys { .. } => unreachable!("phys lines are handled before"),
            Cmd::New(n) => {
                let p = ProcessMemory::new(&mut self.k)?;
                self.procs.insert(n.clone(), p);
                self.selected = Some(n);
                Ok("ok".into())
            }
            Cmd::Select(n) => {
                self.selected = Some(n);
                Ok("ok".into())
            }
            Cmd::Drop(n) => {
                let p = self.procs.remove(&n).expect("state check guarantees the process");
                if self.selected.as_ref() == Some(&n) {
                    self.selected = None;
                }
                p.destroy(&mut self.k).map(ok)
            }
            Cmd::SwitchTo => self.with_current(|p, k| p.switch_to(k)).map(ok),
            Cmd::Shm(n, len) => {
                let regions = self.k.m.frames.allocate_fragmented(len)?;
                let id = self.k.shared.create(regions);
                self.shms.insert(n, id);
                Ok("ok".into())
            }
            Cmd::ShmOf(n, addr) => {
                let id = self.with_current(|p, _| p.shared_frames_at(addr))?;
                let id = self.k.shared.clone_ref(id);
                self.shms.insert(n, id);
                Ok("ok".into())
            }
            Cmd::ShmDrop(n) => {
                let id = self.shms.remove(&n).expect("state check guarantees the shm");
                self.k.release_frames(MappingFrames::Shared(id)).map(ok)
            }
            Cmd::CreateRegularMapping { addr, len, ty, rights } => self.with_current(|p, k| p.create_regular_mapping(k, addr, len, ty, rights)).map(ok),
            Cmd::MapPhysAlloc { len, addr, ty, rights } => self
                .with_current(|p, k| {
                    let region = k.m.frames.allocate_region(len)?;
                    p.map_phys_region_to(k, region, addr, ty, rights)
                })
                .map(ok),
            Cmd::MapPhysMmio { paddr, len, addr, ty, rights } => self
                .with_current(|p, k| {
                    let region = k.m.frames.on_fixed_mmio(paddr, len)?;
                    p.map_phys_region_to(k, region, addr, ty, rights)
                })
                .map(ok),
            Cmd::MapPartial { shm, addr, offset, len, ty, rights } => {
                let id = self.shms[&shm];
                self.with_current(|p, k| p.map_partial_shared_mapping(k, id, addr, offset, len, ty, rights)).map(ok)
            }
            Cmd::Guard { addr, len, ty } => self.with_current(|p, k| p.guard(k, addr, len, ty)).map(ok),
            Cmd::Unmap { addr, len } => self.with_current(|p, k| p.unmap(k, addr, len)).map(ok),
            Cmd::QueryMemory(addr) => self.with_current(|p, _| {
                let q = p.query_memory(addr)?;
                let m = q.mapping();
                Ok(format!(
                    "ok addr={:#010x} len={:#010x} type={} state={:#010x} flags={} offset={:#010x}",
                    m.address,
                    m.length,
                    m.ty.name(),
                    m.ty.state(),
                    rights_string(m.rights),
                    m.offset
                ))
            }),
            Cmd::ExpandMapping { addr, new_size } => self.with_current(|p, k| p.expand_mapping(k, addr, new_size)).map(ok),
            Cmd::FindAvailableSpace(len) => {
                self.with_current(|p, _| p.find_available_space(len)).map(|a| format!("ok {:#010x}", a))
            }
            Cmd::ResizeHeap(size) => self.with_current(|p, k| p.resize_heap(k, size)).map(|a| format!("ok {:#010x}", a)),
            Cmd::MirrorMapping { addr, len, name } => {
                let mirror = self.with_current(|p, k| p.mirror_mapping(k, addr, len))?;
                match name {
                    Some(n) => {
                        self.mirrors.insert(n, mirror);
                        Ok("ok".into())
                    }
                    None => mirror.destroy(&mut self.k).map(ok),
                }
            }
            Cmd::MirrorDrop(n) => {
                let mirror = self.mirrors.remove(&n).expect("state check guarantees the mirror");
                mirror.destroy(&mut self.k).map(ok)
            }
            Cmd::CheckRange { addr, size, state_mask, state_expected, perms_mask, perms_expected } => {
                let (state, perms) = self.with_current(|p, _| {
                    p.check_range(
                        addr,
                        size,
                        state_mask & STATE_DECLARED_BITS,
                        state_expected & STATE_DECLARED_BITS,
                        perms_mask & PERMS_DECLARED_BITS,
                        perms_expected & PERMS_DECLARED_BITS,
                    )
                })?;
                Ok(format!("ok state={:#010x} perms={:#010x} attrs=0x00000000", state, perms))
            }
            Cmd::Frames(addr) => {
                let frames = self.with_current(|p, k| Ok(p.query_memory(addr)?.mapping().frame_list(&k.shared)))?;
                Ok(format_frames(&frames))
            }
            Cmd::Walk { addr, len } => {
                let entries = self.with_current(|p, k| p.walk(k, addr, len))?;
                Ok(format_walk(&entries))
            }
            Cmd::FreeFrames => Ok(format!("ok {}", self.k.m.frames.free_count())),
            Cmd::Read(addr) => Ok(format_read(self.k.m.data_read(addr))),
            Cmd::Write(addr, value) => Ok(format_write(self.k.m.data_write(addr, value))),
            Cmd::MirrorRead(n, off) => {
                let va = self.mirrors[&n].addr.wrapping_add(off);
                Ok(format_read(self.k.m.data_read(va)))
            }
            Cmd::MirrorWrite(n, off, value) => {
                let va = self.mirrors[&n].addr.wrapping_add(off);
                Ok(format_write(self.k.m.data_write(va, value)))
            }
        }
    }

    /// Runs `f` on the selected process (the state check guarantees there
    /// is one) and the kernel.
    fn with_current<T>(&mut self, f: impl FnOnce(&mut ProcessMemory, &mut Kernel) -> KResult<T>) -> KResult<T> {
        let Model { k, procs, selected, .. } = self;
        let name = selected.as_ref().expect("state check guarantees a selected process");
        f(procs.get_mut(name).expect("the selected process is live"), k)
    }
}

fn format_read(v: Option<u32>) -> String {
    match v {
        Some(v) => format!("ok {:#010x}", v),
        None => "fault".into(),
    }
}

fn format_write(done: bool) -> String {
    if done { "ok" } else { "fault" }.into()
}

/// `frames` result: runs of consecutive frames, `start*count`.
pub fn format_frames(frames: &[u32]) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &f in frames {
        match runs.last_mut() {
            Some((start, n)) if start.wrapping_add(n.wrapping_mul(0x1000)) == f => *n += 1,
            _ => runs.push((f, 1)),
        }
    }
    if runs.is_empty() {
        return "ok -".into();
    }
    let parts: Vec<String> = runs.iter().map(|(s, n)| format!("{:#010x}*{}", s, n)).collect();
    format!("ok {}", parts.join(" "))
}

/// `walk` result: runs of entries with the same state and span, present
/// pages merged when their frames follow each other.
pub fn format_walk(entries: &[(Slot, u32)]) -> String {
    struct Run {
        slot: Slot,
        span: u32,
        count: u32,
    }
    let mut runs: Vec<Run> = Vec::new();
    for &(slot, span) in entries {
        if let Some(r) = runs.last_mut() {
            let same = r.span == span
                && match (r.slot, slot) {
                    (Slot::Available, Slot::Available) | (Slot::Guarded, Slot::Guarded) => true,
                    (Slot::Present(first), Slot::Present(f)) => first.wrapping_add(r.count.wrapping_mul(span)) == f,
                    _ => false,
                };
            if same {
                r.count += 1;
                continue;
            }
        }
        runs.push(Run { slot, span, count: 1 });
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|r| match r.slot {
            Slot::Available => format!("avail/{:#010x}*{}", r.span, r.count),
            Slot::Guarded => format!("guard/{:#010x}*{}", r.span, r.count),
            Slot::Present(f) => format!("page/{:#010x}*{}@{:#010x}", r.span, r.count, f),
        })
        .collect();
    format!("ok {}", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(model: &mut Model, lines: &str) -> Vec<Outcome> {
        lines.lines().map(|l| model.feed(l.as_bytes())).filter(|o| *o != Outcome::Silent).collect()
    }

    fn line(s: &str) -> Outcome {
        Outcome::Line(s.into())
    }

    #[test]
    fn walk_merging() {
        let e = [
            (Slot::Available, 0x40_0000),
            (Slot::Present(0x1000), 0x1000),
            (Slot::Present(0x2000), 0x1000),
            (Slot::Present(0x4000), 0x1000),
            (Slot::Guarded, 0x1000),
            (Slot::Guarded, 0x40_0000),
            (Slot::Available, 0x1000),
            (Slot::Available, 0x1000),
        ];
        assert_eq!(
            format_walk(&e),
            "ok avail/0x00400000*1 page/0x00001000*2@0x00001000 page/0x00001000*1@0x00004000 \
             guard/0x00001000*1 guard/0x00400000*1 avail/0x00001000*2"
        );
    }

    #[test]
    fn frames_runs() {
        assert_eq!(format_frames(&[]), "ok -");
        assert_eq!(format_frames(&[0x401000, 0x402000, 0x409000]), "ok 0x00401000*2 0x00409000*1");
    }

    #[test]
    fn first_mapping_takes_data_then_table() {
        let mut m = Model::new();
        let out = run(
            &mut m,
            "new A\ncreate_regular_mapping 0x00400000 0x1000 Normal u_rw\nframes 0x00400000\nwalk 0x00400000 0x1000\nfree_frames",
        );
        assert_eq!(out, vec![line("ok"), line("ok"), line("ok 0x00401000*1"), line("ok page/0x00001000*1@0x00401000"), line("ok 1021")]);
    }

    #[test]
    fn state_checks() {
        let mut m = Model::new();
        assert!(matches!(m.feed(b"switch_to"), Outcome::Malformed(_)));
        assert!(matches!(m.feed(b"select A"), Outcome::Malformed(_)));
        assert_eq!(m.feed(b"free_frames"), line("ok 1024"));
        assert!(matches!(m.feed(b"phys free 0x00100000 0x00200000"), Outcome::Malformed(_)));
        assert_eq!(m.feed(b"new A"), line("ok"));
        assert!(matches!(m.feed(b"new A"), Outcome::Malformed(_)));
        assert!(matches!(m.feed(b"mirror_read M 0"), Outcome::Malformed(_)));
        // a failed shm leaves its name unbound
        assert_eq!(m.feed(b"shm S 0"), line("err InvalidSize size=0x00000000"));
        assert!(matches!(m.feed(b"shm_drop S"), Outcome::Malformed(_)));
        assert_eq!(m.feed(b"drop A"), line("ok"));
        assert!(matches!(m.feed(b"query_memory 0"), Outcome::Malformed(_)));
    }

    #[test]
    fn panic_kills_the_model() {
        let mut m = Model::new();
        assert_eq!(m.feed(b"new A"), line("ok"));
        assert!(matches!(m.feed(b"guard 0x00400000 0 KernelStack"), Outcome::Panic(_)));
        assert!(m.is_dead());
        assert!(matches!(m.feed(b"free_frames"), Outcome::Panic(_)));
        m.reset();
        assert_eq!(m.feed(b"free_frames"), line("ok 1024"));
    }

    #[test]
    fn mirror_limit_counts_live_mirrors() {
        let mut m = Model::new();
        m.feed(b"new A");
        m.feed(b"create_regular_mapping 0x00400000 0x1000 SharedMemory u_rw");
        for i in 0..16 {
            assert_eq!(m.feed(format!("mirror_mapping 0x00400000 4 M{}", i).as_bytes()), line("ok"));
        }
        assert!(matches!(m.feed(b"mirror_mapping 0x00400000 4 M16"), Outcome::Malformed(_)));
        assert_eq!(m.feed(b"mirror_mapping 0x00400000 4"), line("ok"));
        assert_eq!(m.feed(b"mirror_drop M3"), line("ok"));
        assert_eq!(m.feed(b"mirror_mapping 0x00400000 4 M3"), line("ok"));
        assert!(matches!(m.feed(b"mirror_read M3 4"), Outcome::Malformed(_)));
        assert_eq!(m.feed(b"mirror_read M3 0"), line("ok 0x00401000"));
    }
}
