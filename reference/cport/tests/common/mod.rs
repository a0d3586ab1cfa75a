//! A trace interpreter written over a small backend interface, and two
//! backends: the C port through this crate's upstream-shaped API (`CPort`),
//! and the reference model through its own Rust API (`Model`). Lines are
//! parsed by the reference model's parser (`srref::parse`); result lines are
//! formatted here, as the trace format specifies.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use srref::parse::{parse_line, Cmd, Name};
use sunrise_mm_c::{
    CrossProcessMapping, FrameAllocator, KernelError, Machine, MappingAccessRights, MemoryAttributes,
    MemoryPermissions, MemoryState, MemoryType, PageState, PhysicalAddress, PhysicalMemRegion, ProcessMemory,
    SharedFrames, VirtualAddress, KERNEL_PANIC_PREFIX,
};

/// Frames free when a trace has no `phys` line.
pub const DEFAULT_FREE: (u32, u32) = (0x0040_0000, 0x0080_0000);
/// Most named mirrors live at once.
pub const MAX_NAMED_MIRRORS: usize = 16;

/// Why an operation did not complete.
#[derive(Debug)]
pub enum Fail {
    Kernel(KernelError),
    Panic(String),
}

impl From<KernelError> for Fail {
    fn from(e: KernelError) -> Fail {
        Fail::Kernel(e)
    }
}

pub type R<T> = Result<T, Fail>;

/// What `query_memory` shows.
pub struct QueryOut {
    pub address: u32,
    pub length: u32,
    pub ty: &'static str,
    pub state: u32,
    pub flags: u32,
    pub offset: u32,
}

/// One entry `for_every_entry` visits.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Entry {
    Avail,
    Guard,
    Page(u32),
}

/// One implementation of the memory module, driven operation by operation.
pub trait Backend {
    type Proc;
    type Shm;
    type Mirror;
    fn phys(&mut self, free: bool, start: u32, end: u32) -> R<()>;
    fn new_process(&mut self) -> R<Self::Proc>;
    fn drop_process(&mut self, p: Self::Proc) -> R<()>;
    fn switch_to(&mut self, p: &mut Self::Proc) -> R<()>;
    fn shm(&mut self, len: u32) -> R<Self::Shm>;
    fn shm_of(&mut self, p: &Self::Proc, addr: u32) -> R<Self::Shm>;
    fn shm_drop(&mut self, s: Self::Shm) -> R<()>;
    fn create_regular_mapping(&mut self, p: &mut Self::Proc, addr: u32, len: u32, ty: &str, rights: u32) -> R<()>;
    fn map_phys_alloc(&mut self, p: &mut Self::Proc, len: u32, addr: u32, ty: &str, rights: u32) -> R<()>;
    #[allow(clippy::too_many_arguments)]
    fn map_phys_mmio(&mut self, p: &mut Self::Proc, paddr: u32, len: u32, addr: u32, ty: &str, rights: u32) -> R<()>;
    #[allow(clippy::too_many_arguments)]
    fn map_partial(&mut self, p: &mut Self::Proc, s: &Self::Shm, addr: u32, off: u32, len: u32, ty: &str, rights: u32) -> R<()>;
    fn guard(&mut self, p: &mut Self::Proc, addr: u32, len: u32, ty: &str) -> R<()>;
    fn unmap(&mut self, p: &mut Self::Proc, addr: u32, len: u32) -> R<()>;
    fn query_memory(&mut self, p: &Self::Proc, addr: u32) -> R<QueryOut>;
    fn expand_mapping(&mut self, p: &mut Self::Proc, addr: u32, new_size: u32) -> R<()>;
    fn find_available_space(&mut self, p: &Self::Proc, len: u32) -> R<u32>;
    fn resize_heap(&mut self, p: &mut Self::Proc, size: u32) -> R<u32>;
    fn mirror_mapping(&mut self, p: &Self::Proc, addr: u32, len: u32) -> R<Self::Mirror>;
    fn mirror_drop(&mut self, m: Self::Mirror) -> R<()>;
    fn mirror_addr(&self, m: &Self::Mirror) -> u32;
    fn mirror_len(&self, m: &Self::Mirror) -> u32;
    #[allow(clippy::too_many_arguments)]
    fn check_range(&mut self, p: &Self::Proc, addr: u32, size: u32, sm: u32, se: u32, pm: u32, pe: u32) -> R<(u32, u32, u32)>;
    fn frames(&mut self, p: &Self::Proc, addr: u32) -> R<Vec<u32>>;
    fn walk(&mut self, p: &mut Self::Proc, addr: u32, len: u32) -> R<Vec<(Entry, u32)>>;
    fn free_frames(&mut self) -> R<u32>;
    fn read(&mut self, va: u32) -> R<Option<u32>>;
    fn write(&mut self, va: u32, v: u32) -> R<bool>;
}

/// What one line produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Silent,
    Line(String),
    Malformed(String),
    Panic(String),
}

/// Installs (once) a panic hook that keeps the port's kernel panics quiet:
/// they are expected results here. Any other panic is reported as usual.
pub fn quiet_kernel_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if panic_text(info.payload()).map_or(false, |m| m.starts_with(KERNEL_PANIC_PREFIX)) {
                return;
            }
            default(info);
        }));
    });
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    if let Some(s) = payload.downcast_ref::<String>() {
        Some(s)
    } else {
        payload.downcast_ref::<&'static str>().copied()
    }
}

/// The trace format's `err ...` payload.
pub fn fmt_err(e: &KernelError) -> String {
    match *e {
        KernelError::PhysicalMemoryExhaustion => "PhysicalMemoryExhaustion".into(),
        KernelError::VirtualMemoryExhaustion => "VirtualMemoryExhaustion".into(),
        KernelError::InvalidAddress { address } => format!("InvalidAddress address={:#010x}", address),
        KernelError::InvalidSize { size } => format!("InvalidSize size={:#010x}", size),
        KernelError::WrongMappingFramesForTy { ty } => format!("WrongMappingFramesForTy ty={}", ty.name()),
        KernelError::InvalidMemState { address, ty } => {
            format!("InvalidMemState address={:#010x} ty={}", address.addr(), ty.name())
        }
    }
}

fn rights_string(r: u32) -> String {
    let bit = |b: u32, c: char| if r & b != 0 { c } else { '-' };
    [bit(1, 'r'), bit(2, 'w'), bit(4, 'x'), bit(8, 'u')].iter().collect()
}

fn format_frames(frames: &[u32]) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &f in frames {
        match runs.last_mut() {
            Some((start, n)) if u64::from(*start) + u64::from(*n) * 0x1000 == u64::from(f) => *n += 1,
            _ => runs.push((f, 1)),
        }
    }
    if runs.is_empty() {
        return "ok -".into();
    }
    let parts: Vec<String> = runs.iter().map(|(s, n)| format!("{:#010x}*{}", s, n)).collect();
    format!("ok {}", parts.join(" "))
}

fn format_walk(entries: &[(Entry, u32)]) -> String {
    let mut runs: Vec<(Entry, u32, u32)> = Vec::new();
    for &(e, span) in entries {
        if let Some((first, rspan, count)) = runs.last_mut() {
            let same = *rspan == span
                && match (*first, e) {
                    (Entry::Avail, Entry::Avail) | (Entry::Guard, Entry::Guard) => true,
                    (Entry::Page(a), Entry::Page(b)) => u64::from(a) + u64::from(*count) * u64::from(span) == u64::from(b),
                    _ => false,
                };
            if same {
                *count += 1;
                continue;
            }
        }
        runs.push((e, span, 1));
    }
    let mut s = String::from("ok");
    for (e, span, count) in runs {
        s.push(' ');
        s.push_str(&match e {
            Entry::Avail => format!("avail/{:#010x}*{}", span, count),
            Entry::Guard => format!("guard/{:#010x}*{}", span, count),
            Entry::Page(f) => format!("page/{:#010x}*{}@{:#010x}", span, count, f),
        });
    }
    s
}

/// The trace state machine over a backend.
pub struct Runner<B: Backend> {
    /// Declared first: dropped first (for the C port, the machine goes before
    /// the handles, which then drop as stale no-ops).
    pub b: B,
    procs: BTreeMap<Name, B::Proc>,
    selected: Option<Name>,
    shms: BTreeMap<Name, B::Shm>,
    mirrors: BTreeMap<Name, B::Mirror>,
    started: bool,
    saw_phys: bool,
    dead: Option<String>,
}

impl<B: Backend> Runner<B> {
    pub fn new(b: B) -> Runner<B> {
        Runner {
            b,
            procs: BTreeMap::new(),
            selected: None,
            shms: BTreeMap::new(),
            mirrors: BTreeMap::new(),
            started: false,
            saw_phys: false,
            dead: None,
        }
    }

    pub fn is_dead(&self) -> bool {
        self.dead.is_some()
    }

    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    pub fn live_procs(&self) -> Vec<Name> {
        self.procs.keys().cloned().collect()
    }

    pub fn live_shms(&self) -> Vec<Name> {
        self.shms.keys().cloned().collect()
    }

    pub fn live_mirrors(&self) -> Vec<(Name, u32)> {
        self.mirrors.iter().map(|(n, m)| (n.clone(), self.b.mirror_len(m))).collect()
    }

    /// Feeds one raw line (without its newline).
    pub fn feed(&mut self, raw: &[u8]) -> Outcome {
        if let Some(p) = &self.dead {
            return Outcome::Panic(p.clone());
        }
        match parse_line(raw) {
            Err(reason) => Outcome::Malformed(reason),
            Ok(None) => Outcome::Silent,
            Ok(Some(cmd)) => self.run(cmd),
        }
    }

    /// Runs one parsed operation.
    pub fn run(&mut self, cmd: Cmd) -> Outcome {
        if let Some(p) = &self.dead {
            return Outcome::Panic(p.clone());
        }
        if let Err(reason) = self.check_state(&cmd) {
            return Outcome::Malformed(reason);
        }
        let result = panic::catch_unwind(AssertUnwindSafe(|| self.exec(cmd)));
        let r = match result {
            Ok(r) => r,
            Err(payload) => match panic_text(&*payload) {
                Some(m) if m.starts_with(KERNEL_PANIC_PREFIX) => Err(Fail::Panic(m.to_string())),
                _ => panic::resume_unwind(payload),
            },
        };
        match r {
            Ok(None) => Outcome::Silent,
            Ok(Some(line)) => Outcome::Line(line),
            Err(Fail::Kernel(e)) => Outcome::Line(format!("err {}", fmt_err(&e))),
            Err(Fail::Panic(m)) => {
                let line = format!("panic {}", m);
                self.dead = Some(line.clone());
                Outcome::Panic(line)
            }
        }
    }

    /// The checks that depend on state (a malformed line otherwise).
    fn check_state(&self, cmd: &Cmd) -> Result<(), String> {
        if let Cmd::Phys { .. } = cmd {
            return if self.started { Err("'phys' after the first operation".into()) } else { Ok(()) };
        }
        if self.selected.is_none() && !cmd.works_without_process() {
            return Err("this op needs a selected process".into());
        }
        let need = |live: bool, n: &str| if live { Ok(()) } else { Err(format!("no live '{}'", n)) };
        let fresh = |live: bool, n: &str| if live { Err(format!("'{}' is still live", n)) } else { Ok(()) };
        match cmd {
            Cmd::New(n) => fresh(self.procs.contains_key(n), n),
            Cmd::Select(n) | Cmd::Drop(n) => need(self.procs.contains_key(n), n),
            Cmd::Shm(n, _) | Cmd::ShmOf(n, _) => fresh(self.shms.contains_key(n), n),
            Cmd::ShmDrop(n) | Cmd::MapPartial { shm: n, .. } => need(self.shms.contains_key(n), n),
            Cmd::MirrorMapping { name: Some(n), .. } => {
                fresh(self.mirrors.contains_key(n), n)?;
                if self.mirrors.len() >= MAX_NAMED_MIRRORS {
                    return Err("too many named mirrors".into());
                }
                Ok(())
            }
            Cmd::MirrorDrop(n) => need(self.mirrors.contains_key(n), n),
            Cmd::MirrorRead(n, off) | Cmd::MirrorWrite(n, off, _) => match self.mirrors.get(n) {
                None => need(false, n),
                Some(m) if *off >= self.b.mirror_len(m) => Err("mirror offset past len()".into()),
                Some(_) => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Runs a well-formed operation: its result line (None for `phys`).
    fn exec(&mut self, cmd: Cmd) -> R<Option<String>> {
        let Runner { b, procs, selected, shms, mirrors, started, saw_phys, .. } = self;
        if let Cmd::Phys { free, start, end } = cmd {
            b.phys(free, start, end)?;
            *saw_phys = true;
            return Ok(None);
        }
        if !*started {
            *started = true;
            if !*saw_phys {
                b.phys(true, DEFAULT_FREE.0, DEFAULT_FREE.1)?;
            }
        }
        let ok = || Ok(Some("ok".to_string()));
        let hex = |v: u32| Ok(Some(format!("ok {:#010x}", v)));
        macro_rules! cur {
            () => {
                procs.get_mut(selected.as_ref().expect("checked: a selected process")).expect("the selected process is live")
            };
        }
        match cmd {
            Cmd::Phys { .. } => unreachable!(),
            Cmd::New(n) => {
                let p = b.new_process()?;
                procs.insert(n.clone(), p);
                *selected = Some(n);
                ok()
            }
            Cmd::Select(n) => {
                *selected = Some(n);
                ok()
            }
            Cmd::Drop(n) => {
                let p = procs.remove(&n).expect("checked: live");
                if selected.as_ref() == Some(&n) {
                    *selected = None;
                }
                b.drop_process(p)?;
                ok()
            }
            Cmd::SwitchTo => {
                b.switch_to(cur!())?;
                ok()
            }
            Cmd::Shm(n, len) => {
                let s = b.shm(len)?;
                shms.insert(n, s);
                ok()
            }
            Cmd::ShmOf(n, addr) => {
                let s = b.shm_of(cur!(), addr)?;
                shms.insert(n, s);
                ok()
            }
            Cmd::ShmDrop(n) => {
                let s = shms.remove(&n).expect("checked: live");
                b.shm_drop(s)?;
                ok()
            }
            Cmd::CreateRegularMapping { addr, len, ty, rights } => {
                b.create_regular_mapping(cur!(), addr, len, ty.name(), rights)?;
                ok()
            }
            Cmd::MapPhysAlloc { len, addr, ty, rights } => {
                b.map_phys_alloc(cur!(), len, addr, ty.name(), rights)?;
                ok()
            }
            Cmd::MapPhysMmio { paddr, len, addr, ty, rights } => {
                b.map_phys_mmio(cur!(), paddr, len, addr, ty.name(), rights)?;
                ok()
            }
            Cmd::MapPartial { shm, addr, offset, len, ty, rights } => {
                let p = procs.get_mut(selected.as_ref().expect("checked")).expect("live");
                b.map_partial(p, &shms[&shm], addr, offset, len, ty.name(), rights)?;
                ok()
            }
            Cmd::Guard { addr, len, ty } => {
                b.guard(cur!(), addr, len, ty.name())?;
                ok()
            }
            Cmd::Unmap { addr, len } => {
                b.unmap(cur!(), addr, len)?;
                ok()
            }
            Cmd::QueryMemory(addr) => {
                let q = b.query_memory(cur!(), addr)?;
                Ok(Some(format!(
                    "ok addr={:#010x} len={:#010x} type={} state={:#010x} flags={} offset={:#010x}",
                    q.address,
                    q.length,
                    q.ty,
                    q.state,
                    rights_string(q.flags),
                    q.offset
                )))
            }
            Cmd::ExpandMapping { addr, new_size } => {
                b.expand_mapping(cur!(), addr, new_size)?;
                ok()
            }
            Cmd::FindAvailableSpace(len) => hex(b.find_available_space(cur!(), len)?),
            Cmd::ResizeHeap(size) => hex(b.resize_heap(cur!(), size)?),
            Cmd::MirrorMapping { addr, len, name } => {
                let m = b.mirror_mapping(cur!(), addr, len)?;
                match name {
                    Some(n) => {
                        mirrors.insert(n, m);
                    }
                    None => b.mirror_drop(m)?,
                }
                ok()
            }
            Cmd::MirrorDrop(n) => {
                let m = mirrors.remove(&n).expect("checked: live");
                b.mirror_drop(m)?;
                ok()
            }
            Cmd::CheckRange { addr, size, state_mask, state_expected, perms_mask, perms_expected } => {
                let (s, p, a) = b.check_range(cur!(), addr, size, state_mask, state_expected, perms_mask, perms_expected)?;
                Ok(Some(format!("ok state={:#010x} perms={:#010x} attrs={:#010x}", s, p, a)))
            }
            Cmd::Frames(addr) => Ok(Some(format_frames(&b.frames(cur!(), addr)?))),
            Cmd::Walk { addr, len } => Ok(Some(format_walk(&b.walk(cur!(), addr, len)?))),
            Cmd::FreeFrames => Ok(Some(format!("ok {}", b.free_frames()?))),
            Cmd::Read(addr) => Ok(Some(format_read(b.read(addr)?))),
            Cmd::Write(addr, v) => Ok(Some(format_write(b.write(addr, v)?))),
            Cmd::MirrorRead(n, off) => {
                let va = b.mirror_addr(&mirrors[&n]).wrapping_add(off);
                Ok(Some(format_read(b.read(va)?)))
            }
            Cmd::MirrorWrite(n, off, v) => {
                let va = b.mirror_addr(&mirrors[&n]).wrapping_add(off);
                Ok(Some(format_write(b.write(va, v)?)))
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

/// Runs a whole trace: its result stream (a malformed line ends it with
/// `Err((line number, reason))`).
pub fn run_trace<B: Backend>(runner: &mut Runner<B>, text: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.last() == Some(&b'\n') {
        lines.pop();
    }
    for (i, line) in lines.into_iter().enumerate() {
        match runner.feed(line) {
            Outcome::Silent => {}
            Outcome::Line(s) => {
                out.extend_from_slice(s.as_bytes());
                out.push(b'\n');
            }
            Outcome::Panic(s) => {
                out.extend_from_slice(s.as_bytes());
                out.push(b'\n');
                break;
            }
            Outcome::Malformed(reason) => return Err((i + 1, reason)),
        }
    }
    Ok(out)
}

// ---- the C port, through this crate ------------------------------------------

fn c_type(name: &str) -> MemoryType {
    MemoryType::from_name(name).expect("a type the parser accepted")
}

fn rights(r: u32) -> MappingAccessRights {
    MappingAccessRights::from_bits_truncate(r)
}

fn va(a: u32) -> VirtualAddress {
    VirtualAddress(a as usize)
}

/// The C port: a live machine for one trace.
pub struct CPort {
    pub machine: Machine,
}

impl CPort {
    /// A fresh machine with every frame reserved (`phys` lines, or the
    /// default range at the first operation, free some).
    pub fn new() -> CPort {
        CPort { machine: Machine::reset(&[]) }
    }
}

impl Backend for CPort {
    type Proc = ProcessMemory;
    type Shm = SharedFrames;
    type Mirror = CrossProcessMapping;

    fn phys(&mut self, free: bool, start: u32, end: u32) -> R<()> {
        let (s, e) = (PhysicalAddress(start as usize), PhysicalAddress(end as usize));
        if free {
            self.machine.mark_area_free(s, e);
        } else {
            self.machine.mark_area_reserved(s, e);
        }
        Ok(())
    }
    fn new_process(&mut self) -> R<ProcessMemory> {
        Ok(ProcessMemory::default())
    }
    fn drop_process(&mut self, p: ProcessMemory) -> R<()> {
        drop(p);
        Ok(())
    }
    fn switch_to(&mut self, p: &mut ProcessMemory) -> R<()> {
        p.switch_to();
        Ok(())
    }
    fn shm(&mut self, len: u32) -> R<SharedFrames> {
        Ok(SharedFrames::new(FrameAllocator::allocate_frames_fragmented(len as usize)?))
    }
    fn shm_of(&mut self, p: &ProcessMemory, addr: u32) -> R<SharedFrames> {
        let m = p.occupied_mapping_at(va(addr))?;
        let s = m.shared_frames();
        s.ok_or(Fail::Kernel(KernelError::InvalidMemState { address: m.address(), ty: m.state().ty() }))
    }
    fn shm_drop(&mut self, s: SharedFrames) -> R<()> {
        drop(s);
        Ok(())
    }
    fn create_regular_mapping(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: &str, r: u32) -> R<()> {
        Ok(p.create_regular_mapping(va(addr), len as usize, c_type(ty), rights(r))?)
    }
    fn map_phys_alloc(&mut self, p: &mut ProcessMemory, len: u32, addr: u32, ty: &str, r: u32) -> R<()> {
        let region = FrameAllocator::allocate_region(len as usize)?;
        Ok(p.map_phys_region_to(region, va(addr), c_type(ty), rights(r))?)
    }
    fn map_phys_mmio(&mut self, p: &mut ProcessMemory, paddr: u32, len: u32, addr: u32, ty: &str, r: u32) -> R<()> {
        let region = PhysicalMemRegion::on_fixed_mmio(PhysicalAddress(paddr as usize), len as usize)?;
        Ok(p.map_phys_region_to(region, va(addr), c_type(ty), rights(r))?)
    }
    fn map_partial(&mut self, p: &mut ProcessMemory, s: &SharedFrames, addr: u32, off: u32, len: u32, ty: &str, r: u32) -> R<()> {
        Ok(p.map_partial_shared_mapping(s.clone(), va(addr), off as usize, len as usize, c_type(ty), rights(r))?)
    }
    fn guard(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: &str) -> R<()> {
        Ok(p.guard(va(addr), len as usize, c_type(ty))?)
    }
    fn unmap(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> R<()> {
        let m = p.unmap(va(addr), len as usize)?;
        drop(m);
        Ok(())
    }
    fn query_memory(&mut self, p: &ProcessMemory, addr: u32) -> R<QueryOut> {
        let q = p.query_memory(va(addr));
        let m = q.mapping();
        Ok(QueryOut {
            address: m.address().addr() as u32,
            length: m.length() as u32,
            ty: m.state().ty().name(),
            state: m.state().bits(),
            flags: m.flags().bits(),
            offset: m.phys_offset() as u32,
        })
    }
    fn expand_mapping(&mut self, p: &mut ProcessMemory, addr: u32, new_size: u32) -> R<()> {
        Ok(p.expand_mapping(va(addr), new_size as usize)?)
    }
    fn find_available_space(&mut self, p: &ProcessMemory, len: u32) -> R<u32> {
        Ok(p.find_available_space(len as usize)?.addr() as u32)
    }
    fn resize_heap(&mut self, p: &mut ProcessMemory, size: u32) -> R<u32> {
        Ok(p.resize_heap(size as usize)?.addr() as u32)
    }
    fn mirror_mapping(&mut self, p: &ProcessMemory, addr: u32, len: u32) -> R<CrossProcessMapping> {
        Ok(p.mirror_mapping(va(addr), len as usize)?)
    }
    fn mirror_drop(&mut self, m: CrossProcessMapping) -> R<()> {
        drop(m);
        Ok(())
    }
    fn mirror_addr(&self, m: &CrossProcessMapping) -> u32 {
        m.addr().addr() as u32
    }
    fn mirror_len(&self, m: &CrossProcessMapping) -> u32 {
        m.len() as u32
    }
    fn check_range(&mut self, p: &ProcessMemory, addr: u32, size: u32, sm: u32, se: u32, pm: u32, pe: u32) -> R<(u32, u32, u32)> {
        let (s, perms, a) = p.check_range(
            va(addr),
            size as usize,
            MemoryState::from_bits_truncate(sm),
            MemoryState::from_bits_truncate(se),
            MemoryPermissions::from_bits_truncate(pm),
            MemoryPermissions::from_bits_truncate(pe),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
        )?;
        Ok((s.bits(), perms.bits(), a.bits()))
    }
    fn frames(&mut self, p: &ProcessMemory, addr: u32) -> R<Vec<u32>> {
        Ok(p.query_memory(va(addr)).mapping().frames_it().map(|f| f.addr() as u32).collect())
    }
    fn walk(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> R<Vec<(Entry, u32)>> {
        let mut v = Vec::new();
        p.for_every_entry(va(addr), len as usize, |st, n| {
            let e = match st {
                PageState::Available => Entry::Avail,
                PageState::Guarded => Entry::Guard,
                PageState::Present(f) => Entry::Page(f.addr() as u32),
            };
            v.push((e, n as u32));
        });
        Ok(v)
    }
    fn free_frames(&mut self) -> R<u32> {
        Ok(self.machine.free_frames() as u32)
    }
    fn read(&mut self, a: u32) -> R<Option<u32>> {
        Ok(self.machine.read32(va(a)))
    }
    fn write(&mut self, a: u32, v: u32) -> R<bool> {
        Ok(self.machine.write32(va(a), v))
    }
}

// ---- the reference model, through its own API ----------------------------------

use srref::mapping::{MappingFrames, SharedId};
use srref::paging::Slot;
use srref::process::{Kernel, Mirror};
use srref::types::{Fail as RFail, KResult, KernelError as RErr, MemoryType as RType};

fn from_ref<T>(r: KResult<T>) -> R<T> {
    r.map_err(|f| match f {
        RFail::Panic(m) => Fail::Panic(m),
        RFail::Kernel(e) => Fail::Kernel(match e {
            RErr::PhysicalMemoryExhaustion => KernelError::PhysicalMemoryExhaustion,
            RErr::VirtualMemoryExhaustion => KernelError::VirtualMemoryExhaustion,
            RErr::InvalidAddress(a) => KernelError::InvalidAddress { address: a as usize },
            RErr::InvalidSize(s) => KernelError::InvalidSize { size: s as usize },
            RErr::InvalidMemState(a, t) => KernelError::InvalidMemState { address: va(a), ty: c_type(t.name()) },
            RErr::WrongMappingFramesForTy(t) => KernelError::WrongMappingFramesForTy { ty: c_type(t.name()) },
        }),
    })
}

fn r_type(name: &str) -> RType {
    RType::from_name(name).expect("a type the parser accepted")
}

/// The reference model (`srref`): its kernel state, driven through its
/// process-level API.
#[derive(Default)]
pub struct Model {
    pub k: Kernel,
}

impl Backend for Model {
    type Proc = srref::process::ProcessMemory;
    type Shm = SharedId;
    type Mirror = Mirror;

    fn phys(&mut self, free: bool, start: u32, end: u32) -> R<()> {
        self.k.m.frames.set_range(start, end, free);
        Ok(())
    }
    fn new_process(&mut self) -> R<Self::Proc> {
        from_ref(srref::process::ProcessMemory::new(&mut self.k))
    }
    fn drop_process(&mut self, p: Self::Proc) -> R<()> {
        from_ref(p.destroy(&mut self.k))
    }
    fn switch_to(&mut self, p: &mut Self::Proc) -> R<()> {
        from_ref(p.switch_to(&mut self.k))
    }
    fn shm(&mut self, len: u32) -> R<SharedId> {
        let regions = from_ref(self.k.m.frames.allocate_fragmented(len))?;
        Ok(self.k.shared.create(regions))
    }
    fn shm_of(&mut self, p: &Self::Proc, addr: u32) -> R<SharedId> {
        let id = from_ref(p.shared_frames_at(addr))?;
        Ok(self.k.shared.clone_ref(id))
    }
    fn shm_drop(&mut self, s: SharedId) -> R<()> {
        from_ref(self.k.release_frames(MappingFrames::Shared(s)))
    }
    fn create_regular_mapping(&mut self, p: &mut Self::Proc, addr: u32, len: u32, ty: &str, r: u32) -> R<()> {
        from_ref(p.create_regular_mapping(&mut self.k, addr, len, r_type(ty), r))
    }
    fn map_phys_alloc(&mut self, p: &mut Self::Proc, len: u32, addr: u32, ty: &str, r: u32) -> R<()> {
        let region = from_ref(self.k.m.frames.allocate_region(len))?;
        from_ref(p.map_phys_region_to(&mut self.k, region, addr, r_type(ty), r))
    }
    fn map_phys_mmio(&mut self, p: &mut Self::Proc, paddr: u32, len: u32, addr: u32, ty: &str, r: u32) -> R<()> {
        let region = from_ref(self.k.m.frames.on_fixed_mmio(paddr, len))?;
        from_ref(p.map_phys_region_to(&mut self.k, region, addr, r_type(ty), r))
    }
    fn map_partial(&mut self, p: &mut Self::Proc, s: &SharedId, addr: u32, off: u32, len: u32, ty: &str, r: u32) -> R<()> {
        from_ref(p.map_partial_shared_mapping(&mut self.k, *s, addr, off, len, r_type(ty), r))
    }
    fn guard(&mut self, p: &mut Self::Proc, addr: u32, len: u32, ty: &str) -> R<()> {
        from_ref(p.guard(&mut self.k, addr, len, r_type(ty)))
    }
    fn unmap(&mut self, p: &mut Self::Proc, addr: u32, len: u32) -> R<()> {
        from_ref(p.unmap(&mut self.k, addr, len))
    }
    fn query_memory(&mut self, p: &Self::Proc, addr: u32) -> R<QueryOut> {
        let q = from_ref(p.query_memory(addr))?;
        let m = q.mapping();
        Ok(QueryOut {
            address: m.address,
            length: m.length,
            ty: c_type(m.ty.name()).name(),
            state: m.ty.state(),
            flags: m.rights,
            offset: m.offset,
        })
    }
    fn expand_mapping(&mut self, p: &mut Self::Proc, addr: u32, new_size: u32) -> R<()> {
        from_ref(p.expand_mapping(&mut self.k, addr, new_size))
    }
    fn find_available_space(&mut self, p: &Self::Proc, len: u32) -> R<u32> {
        from_ref(p.find_available_space(len))
    }
    fn resize_heap(&mut self, p: &mut Self::Proc, size: u32) -> R<u32> {
        from_ref(p.resize_heap(&mut self.k, size))
    }
    fn mirror_mapping(&mut self, p: &Self::Proc, addr: u32, len: u32) -> R<Mirror> {
        from_ref(p.mirror_mapping(&mut self.k, addr, len))
    }
    fn mirror_drop(&mut self, m: Mirror) -> R<()> {
        from_ref(m.destroy(&mut self.k))
    }
    fn mirror_addr(&self, m: &Mirror) -> u32 {
        m.addr
    }
    fn mirror_len(&self, m: &Mirror) -> u32 {
        m.len
    }
    fn check_range(&mut self, p: &Self::Proc, addr: u32, size: u32, sm: u32, se: u32, pm: u32, pe: u32) -> R<(u32, u32, u32)> {
        use srref::types::{PERMS_DECLARED_BITS as P, STATE_DECLARED_BITS as S};
        let (s, perms) = from_ref(p.check_range(addr, size, sm & S, se & S, pm & P, pe & P))?;
        Ok((s, perms, 0))
    }
    fn frames(&mut self, p: &Self::Proc, addr: u32) -> R<Vec<u32>> {
        let q = from_ref(p.query_memory(addr))?;
        Ok(q.mapping().frame_list(&self.k.shared))
    }
    fn walk(&mut self, p: &mut Self::Proc, addr: u32, len: u32) -> R<Vec<(Entry, u32)>> {
        let v = from_ref(p.walk(&mut self.k, addr, len))?;
        Ok(v.into_iter()
            .map(|(s, n)| {
                let e = match s {
                    Slot::Available => Entry::Avail,
                    Slot::Guarded => Entry::Guard,
                    Slot::Present(f) => Entry::Page(f),
                };
                (e, n)
            })
            .collect())
    }
    fn free_frames(&mut self) -> R<u32> {
        Ok(self.k.m.frames.free_count())
    }
    fn read(&mut self, a: u32) -> R<Option<u32>> {
        Ok(self.k.m.data_read(a))
    }
    fn write(&mut self, a: u32, v: u32) -> R<bool> {
        Ok(self.k.m.data_write(a, v))
    }
}
