//! The trace-level state machine: named processes, shms and mirrors, the
//! selected process, the `phys` phase, and the result line of each
//! operation. It runs over a [`Backend`]: the model's own kernel by default,
//! or any other implementation of the memory module (the C port's tests
//! drive it over the port).

use std::collections::BTreeMap;

use crate::backend::Backend;
use crate::paging::Slot;
use crate::parse::{parse_line, Cmd, Name};
use crate::mapping::SharedFrames;
use crate::process::Kernel;
use crate::types::{rights_string, Fail, KResult};

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

/// The whole state a trace runs against, over backend `B` (the model's own
/// kernel unless said otherwise).
pub struct Model<B: Backend = Kernel> {
    /// Declared first, so dropped first: a backend whose handles refer to
    /// its machine (the C port) sees them dropped after it, as stale.
    b: B,
    procs: BTreeMap<Name, B::Proc>,
    selected: Option<Name>,
    shms: BTreeMap<Name, B::Shm>,
    mirrors: BTreeMap<Name, B::Mirror>,
    /// An operation line was run (no more `phys` lines).
    started: bool,
    /// A `phys` line was seen (no default free range).
    phys_seen: bool,
    /// The panic line, once the kernel is dead.
    dead: Option<String>,
}

impl<B: Backend + Default> Default for Model<B> {
    fn default() -> Self {
        Model::with_backend(B::default())
    }
}

/// Result of running an operation: its result line (none for `phys`), or
/// why not.
type Run = KResult<Option<String>>;

impl Model<Kernel> {
    /// A model in the state before a trace.
    pub fn new() -> Model {
        Model::default()
    }

    /// Back to the state before a trace.
    /// Resets in place: the machine keeps its host storage (memory pages,
    /// the frame bitmap) and clears only what the trace dirtied.
    pub fn reset(&mut self) {
        let Model { b, procs, selected, shms, mirrors, started, phys_seen, dead } = self;
        procs.clear();
        shms.clear();
        mirrors.clear();
        *selected = None;
        *started = false;
        *phys_seen = false;
        *dead = None;
        let Kernel { m, shared } = b;
        *shared = SharedFrames::default();
        m.reset();
    }

    /// Benchmarks only: frees `[start, end)` in the frame allocator.
    pub fn bench_free(&mut self, start: u32, end: u32) {
        self.b.m.frames.set_range(start, end, true);
    }
}

impl<B: Backend> Model<B> {
    /// The state before a trace, over backend `b` (in its state before a
    /// trace: every frame reserved).
    pub fn with_backend(b: B) -> Model<B> {
        Model {
            b,
            procs: BTreeMap::new(),
            selected: None,
            shms: BTreeMap::new(),
            mirrors: BTreeMap::new(),
            started: false,
            phys_seen: false,
            dead: None,
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.b
    }

    /// Whether a panic ended the trace.
    pub fn is_dead(&self) -> bool {
        self.dead.is_some()
    }

    /// The selected process, if any.
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Names of the live processes, in order.
    pub fn live_procs(&self) -> Vec<Name> {
        self.procs.keys().cloned().collect()
    }

    /// Names of the live shms, in order.
    pub fn live_shms(&self) -> Vec<Name> {
        self.shms.keys().cloned().collect()
    }

    /// Names and `len()` of the live named mirrors, in order.
    pub fn live_mirrors(&self) -> Vec<(Name, u32)> {
        self.mirrors.iter().map(|(n, m)| (n.clone(), self.b.mirror_len(m))).collect()
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
        match B::contain(|| self.perform(cmd)) {
            Ok(None) => Outcome::Silent,
            Ok(Some(line)) => Outcome::Line(line),
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
                Some(m) => {
                    let len = self.b.mirror_len(m);
                    if *off >= len {
                        Err(format!("mirror OFFSET {:#010x} must be below len() = {:#010x}", off, len))
                    } else {
                        Ok(())
                    }
                }
            },
            _ => Ok(()),
        }
    }

    /// Runs a well-formed line: a `phys` line, or an operation (the first
    /// one frees the default range if no `phys` line came).
    fn perform(&mut self, cmd: Cmd) -> Run {
        if let Cmd::Phys { free, start, end } = cmd {
            self.b.phys(free, start, end);
            self.phys_seen = true;
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            if !self.phys_seen {
                self.b.phys(true, DEFAULT_FREE.0, DEFAULT_FREE.1);
            }
        }
        self.run(cmd).map(Some)
    }

    /// Runs a well-formed operation.
    fn run(&mut self, cmd: Cmd) -> KResult<String> {
        let ok = |_| "ok".to_string();
        let Model { b, procs, selected, shms, mirrors, .. } = self;
        // the selected process (the state check guarantees there is one)
        macro_rules! cur {
            () => {
                procs
                    .get_mut(selected.as_ref().expect("state check guarantees a selected process"))
                    .expect("the selected process is live")
            };
        }
        match cmd {
            Cmd::Phys { .. } => unreachable!("phys lines are handled before"),
            Cmd::New(n) => {
                let p = b.new_process()?;
                procs.insert(n.clone(), p);
                *selected = Some(n);
                Ok("ok".into())
            }
            Cmd::Select(n) => {
                *selected = Some(n);
                Ok("ok".into())
            }
            Cmd::Drop(n) => {
                let p = procs.remove(&n).expect("state check guarantees the process");
                if selected.as_ref() == Some(&n) {
                    *selected = None;
                }
                b.drop_process(p).map(ok)
            }
            Cmd::SwitchTo => b.switch_to(cur!()).map(ok),
            Cmd::Shm(n, len) => {
                let s = b.shm(len)?;
                shms.insert(n, s);
                Ok("ok".into())
            }
            Cmd::ShmOf(n, addr) => {
                let s = b.shm_of(cur!(), addr)?;
                shms.insert(n, s);
                Ok("ok".into())
            }
            Cmd::ShmDrop(n) => {
                let s = shms.remove(&n).expect("state check guarantees the shm");
                b.shm_drop(s).map(ok)
            }
            Cmd::CreateRegularMapping { addr, len, ty, rights } => b.create_regular_mapping(cur!(), addr, len, ty, rights).map(ok),
            Cmd::MapPhysAlloc { len, addr, ty, rights } => b.map_phys_alloc(cur!(), len, addr, ty, rights).map(ok),
            Cmd::MapPhysMmio { paddr, len, addr, ty, rights } => b.map_phys_mmio(cur!(), paddr, len, addr, ty, rights).map(ok),
            Cmd::MapPartial { shm, addr, offset, len, ty, rights } => {
                let s = &shms[&shm];
                b.map_partial(cur!(), s, addr, offset, len, ty, rights).map(ok)
            }
            Cmd::Guard { addr, len, ty } => b.guard(cur!(), addr, len, ty).map(ok),
            Cmd::Unmap { addr, len } => b.unmap(cur!(), addr, len).map(ok),
            Cmd::QueryMemory(addr) => {
                let q = b.query_memory(cur!(), addr)?;
                Ok(format!(
                    "ok addr={:#010x} len={:#010x} type={} state={:#010x} flags={} offset={:#010x}",
                    q.address,
                    q.length,
                    q.ty.name(),
                    q.state,
                    rights_string(q.rights),
                    q.offset
                ))
            }
            Cmd::ExpandMapping { addr, new_size } => b.expand_mapping(cur!(), addr, new_size).map(ok),
            Cmd::FindAvailableSpace(len) => b.find_available_space(cur!(), len).map(|a| format!("ok {:#010x}", a)),
            Cmd::ResizeHeap(size) => b.resize_heap(cur!(), size).map(|a| format!("ok {:#010x}", a)),
            Cmd::MirrorMapping { addr, len, name } => {
                let mirror = b.mirror_mapping(cur!(), addr, len)?;
                match name {
                    Some(n) => {
                        mirrors.insert(n, mirror);
                        Ok("ok".into())
                    }
                    None => b.mirror_drop(mirror).map(ok),
                }
            }
            Cmd::MirrorDrop(n) => {
                let mirror = mirrors.remove(&n).expect("state check guarantees the mirror");
                b.mirror_drop(mirror).map(ok)
            }
            Cmd::CheckRange { addr, size, state_mask, state_expected, perms_mask, perms_expected } => {
                let (state, perms, attrs) =
                    b.check_range(cur!(), addr, size, state_mask, state_expected, perms_mask, perms_expected)?;
                Ok(format!("ok state={:#010x} perms={:#010x} attrs={:#010x}", state, perms, attrs))
            }
            Cmd::Frames(addr) => Ok(format_frames(&b.frames(cur!(), addr)?)),
            Cmd::Walk { addr, len } => Ok(format_walk(&b.walk(cur!(), addr, len)?)),
            Cmd::FreeFrames => Ok(format!("ok {}", b.free_frames())),
            Cmd::Read(addr) => Ok(format_read(b.read(addr))),
            Cmd::Write(addr, value) => Ok(format_write(b.write(addr, value))),
            Cmd::MirrorRead(n, off) => {
                let va = b.mirror_addr(&mirrors[&n]).wrapping_add(off);
                Ok(format_read(b.read(va)))
            }
            Cmd::MirrorWrite(n, off, value) => {
                let va = b.mirror_addr(&mirrors[&n]).wrapping_add(off);
                Ok(format_write(b.write(va, value)))
            }
        }
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
