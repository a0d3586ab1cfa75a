//! TRACE_FORMAT v1 interpreter over upstream's API, and the functions the
//! runner (`srup.mjs`) calls. Lines are parsed by our own model's parser
//! (crate `srtrace`, `reference/src/parse.rs`); the state checks (live
//! names, selection, `phys` placement, mirror limits) mirror the model's.
//!
//! A panic anywhere prints `panic MESSAGE (FILE:LINE)` into the output
//! buffer (panic hook) and then aborts: the runner sees the trap, ends the
//! trace, and uses a fresh instance for the next one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use srtrace::parse::{parse_line, Cmd, Name};

use crate::error::KernelError;
use crate::frame_allocator::{FrameAllocator, FrameAllocatorTrait, PhysicalMemRegion};
use crate::mem::{PhysicalAddress, VirtualAddress};
use crate::paging::cross_process::CrossProcessMapping;
use crate::paging::mapping::MappingFrames;
use crate::paging::process_memory::{ProcessMemory, QueryMemory};
use crate::paging::{MappingAccessRights, PAGE_SIZE};

extern "Rust" {
    /// In the replacement of `paging/arch/i386/mod.rs` (a private module).
    fn srup_for_every_entry(directory: usize, address: usize, length: usize, callback: &mut dyn FnMut(u32, u32, usize));
}
use crate::sync::SpinRwLock;
use sunrise_libkern::{MemoryAttributes, MemoryPermissions, MemoryState, MemoryType};

/// Frames free when a trace has no `phys` line.
const DEFAULT_FREE: (u32, u32) = (0x0040_0000, 0x0080_0000);
/// Most named mirrors live at once.
const MAX_NAMED_MIRRORS: usize = 16;

type Shared = Arc<SpinRwLock<Vec<PhysicalMemRegion>>>;

struct State {
    procs: BTreeMap<Name, ProcessMemory>,
    selected: Option<Name>,
    shms: BTreeMap<Name, Shared>,
    mirrors: BTreeMap<Name, CrossProcessMapping>,
    areas: Vec<multiboot2::MemoryArea>,
    started: bool,
}

static mut STATE: Option<State> = None;
static mut OUT: Vec<u8> = Vec::new();
static mut INBUF: Vec<u8> = Vec::new();

fn out() -> &'static mut Vec<u8> {
    unsafe { &mut OUT }
}

fn st() -> &'static mut State {
    unsafe { STATE.as_mut().expect("srup_init was not called") }
}

/// The path of a panic location, independent of the build directory:
/// upstream's files relative to the checkout (the build copy lives under
/// `BUILDDIR/src/up/`), ours relative to the repository.
fn short_path(file: &str) -> String {
    for (marker, prefix) in [("/src/up/", ""), ("/src/ours/", "reference/upstream/src/"), ("/src/shims/", "reference/upstream/shims/")] {
        if let Some(i) = file.rfind(marker) {
            return format!("{}{}", prefix, &file[i + marker.len()..]);
        }
    }
    file.to_string()
}

fn panic_hook(info: &std::panic::PanicInfo<'_>) {
    let mut line = String::from("panic ");
    if let Some(args) = info.message() {
        let _ = write!(line, "{}", args);
    } else if let Some(s) = info.payload().downcast_ref::<&str>() {
        line.push_str(s);
    } else if let Some(s) = info.payload().downcast_ref::<String>() {
        line.push_str(s);
    } else {
        line.push_str("(no message)");
    }
    if let Some(loc) = info.location() {
        let _ = write!(line, " ({}:{})", short_path(loc.file()), loc.line());
    }
    let line = line.replace('\n', " ");
    out().extend_from_slice(line.as_bytes());
    out().push(b'\n');
}

/// Sets up a fresh machine: linear memory grown to 4 GiB, the boot
/// directory active. `full_scan` != 0 makes every TLB flush rescan all of
/// KernelLand (a check of the incremental scan).
#[no_mangle]
pub extern "C" fn srup_init(full_scan: u32) -> u32 {
    std::panic::set_hook(Box::new(panic_hook));
    let pages = core::arch::wasm32::memory_size(0);
    if pages < 65536 && core::arch::wasm32::memory_grow(0, 65536 - pages) == usize::MAX {
        return 1;
    }
    crate::machine::init(full_scan != 0);
    unsafe {
        STATE = Some(State {
            procs: BTreeMap::new(),
            selected: None,
            shms: BTreeMap::new(),
            mirrors: BTreeMap::new(),
            areas: Vec::new(),
            started: false,
        });
    }
    0
}

/// Zeroes the window pages the last trace wrote (linear memory outside the
/// module's data, which `srup.mjs` restores itself between traces).
#[no_mangle]
pub extern "C" fn srup_wipe() {
    crate::machine::wipe();
}

/// A buffer of at least `len` bytes for the next line.
#[no_mangle]
pub extern "C" fn srup_in_buf(len: u32) -> *mut u8 {
    unsafe {
        INBUF.clear();
        INBUF.resize(len as usize, 0);
        INBUF.as_mut_ptr()
    }
}

#[no_mangle]
pub extern "C" fn srup_out_ptr() -> *const u8 {
    out().as_ptr()
}

#[no_mangle]
pub extern "C" fn srup_out_len() -> u32 {
    out().len() as u32
}

#[no_mangle]
pub extern "C" fn srup_out_clear() {
    out().clear()
}

/// Feeds the line in the input buffer (`len` bytes, no newline). Returns
/// 0 when it printed nothing or one result line (appended to the output
/// buffer), 2 when it is malformed (the reason, without file and line, is
/// the output buffer's whole content). A panic does not return.
#[no_mangle]
pub extern "C" fn srup_feed(len: u32) -> u32 {
    let raw: &[u8] = unsafe { &INBUF[..len as usize] };
    match feed(raw) {
        Ok(Some(line)) => {
            out().extend_from_slice(line.as_bytes());
            out().push(b'\n');
            0
        }
        Ok(None) => 0,
        Err(reason) => {
            out().clear();
            out().extend_from_slice(reason.as_bytes());
            2
        }
    }
}

fn feed(raw: &[u8]) -> Result<Option<String>, String> {
    let cmd = match parse_line(raw)? {
        None => return Ok(None),
        Some(c) => c,
    };
    let s = st();
    check_state(s, &cmd)?;
    if let Cmd::Phys { free, start, end } = cmd {
        s.areas.push(multiboot2::MemoryArea::new(u64::from(start), u64::from(end), if free { 1 } else { 2 }));
        return Ok(None);
    }
    if !s.started {
        s.started = true;
        if s.areas.is_empty() {
            s.areas.push(multiboot2::MemoryArea::new(u64::from(DEFAULT_FREE.0), u64::from(DEFAULT_FREE.1), 1));
        }
        // The boot page directory and KernelLand tables sit in RAM the memory map
        // declares available (last, so no `phys` line overrides it), as on a real
        // boot: upstream's init then reserves them as mapped in KernelLand and
        // RecursiveTablesLand (it panics on a frame that is not free).
        let mut areas = s.areas.clone();
        areas.push(multiboot2::MemoryArea::new(
            u64::from(crate::machine::BOOT_DIRECTORY),
            u64::from(crate::machine::KERNEL_TABLES) + 255 * 0x1000,
            1,
        ));
        let boot = multiboot2::BootInformation::new(areas);
        crate::frame_allocator::init(&boot);
        // init also reserves frame 0 ("for null pointers when paging is off"); the
        // trace format makes the allocator's state exactly what the phys lines say
        // (the goldens free frame 0), so the lines are applied once more, in order,
        // through the allocator's own API.
        for a in s.areas.clone() {
            apply_phys_line(a.start_address() as usize, a.end_address() as usize, a.memory_type() == 1);
        }
    }
    Ok(Some(match run(s, cmd) {
        Ok(line) => line,
        Err(e) => format!("err {}", err_text(&e)),
    }))
}

fn check_state(s: &State, cmd: &Cmd) -> Result<(), String> {
    if let Cmd::Phys { .. } = cmd {
        return if s.started { Err("'phys' after the first operation".into()) } else { Ok(()) };
    }
    if s.selected.is_none() && !cmd.works_without_process() {
        return Err("this op needs a selected process (none is selected)".into());
    }
    let need = |live: bool, kind: &str, n: &str| if live { Ok(()) } else { Err(format!("no live {} named '{}'", kind, n)) };
    let fresh = |live: bool, kind: &str, n: &str| if live { Err(format!("{} name '{}' is still live", kind, n)) } else { Ok(()) };
    match cmd {
        Cmd::New(n) => fresh(s.procs.contains_key(n), "process", n),
        Cmd::Select(n) | Cmd::Drop(n) => need(s.procs.contains_key(n), "process", n),
        Cmd::Shm(n, _) | Cmd::ShmOf(n, _) => fresh(s.shms.contains_key(n), "shm", n),
        Cmd::ShmDrop(n) | Cmd::MapPartial { shm: n, .. } => need(s.shms.contains_key(n), "shm", n),
        Cmd::MirrorMapping { name: Some(n), .. } => {
            fresh(s.mirrors.contains_key(n), "mirror", n)?;
            if s.mirrors.len() >= MAX_NAMED_MIRRORS {
                return Err(format!("more than {} named mirrors would be live", MAX_NAMED_MIRRORS));
            }
            Ok(())
        }
        Cmd::MirrorDrop(n) => need(s.mirrors.contains_key(n), "mirror", n),
        Cmd::MirrorRead(n, off) | Cmd::MirrorWrite(n, off, _) => match s.mirrors.get(n) {
            None => need(false, "mirror", n),
            Some(m) if *off as usize >= m.len() => {
                Err(format!("mirror OFFSET {:#010x} must be below len() = {:#010x}", off, m.len()))
            }
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

fn err_text(e: &KernelError) -> String {
    match e {
        KernelError::PhysicalMemoryExhaustion { .. } => "PhysicalMemoryExhaustion".into(),
        KernelError::VirtualMemoryExhaustion { .. } => "VirtualMemoryExhaustion".into(),
        KernelError::InvalidAddress { address, .. } => format!("InvalidAddress address={:#010x}", address),
        KernelError::InvalidSize { size, .. } => format!("InvalidSize size={:#010x}", size),
        KernelError::InvalidMemState { address, ty, .. } => {
            format!("InvalidMemState address={:#010x} ty={:?}", address.addr(), ty)
        }
        KernelError::WrongMappingFramesForTy { ty, .. } => format!("WrongMappingFramesForTy ty={:?}", ty),
        other => {
            // not produced by the memory module; the variant name only
            let d = format!("{:?}", other);
            d.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("").to_string()
        }
    }
}

fn va(a: u32) -> VirtualAddress {
    VirtualAddress(a as usize)
}

fn ty_of(t: srtrace::types::MemoryType) -> MemoryType {
    use MemoryType::*;
    let all = [
        Unmapped, Io, Normal, CodeStatic, CodeMutable, Heap, SharedMemory, Alias, ModuleCodeStatic,
        ModuleCodeMutable, Ipc, Stack, ThreadLocal, TransferMemoryIsolated, TransferMemory, ProcessMemory,
        Reserved, NonSecureIpc, NonDeviceIpc, KernelStack, CodeReadOnly, CodeWritable,
    ];
    let name = t.name();
    *all.iter().find(|u| format!("{:?}", u) == name).expect("every trace type is an upstream MemoryType")
}

fn rights(r: u32) -> MappingAccessRights {
    MappingAccessRights::from_bits_truncate(r)
}

fn rights_string(r: MappingAccessRights) -> String {
    let bit = |b: MappingAccessRights, c: char| if r.contains(b) { c } else { '-' };
    [
        bit(MappingAccessRights::READABLE, 'r'),
        bit(MappingAccessRights::WRITABLE, 'w'),
        bit(MappingAccessRights::EXECUTABLE, 'x'),
        bit(MappingAccessRights::USER_ACCESSIBLE, 'u'),
    ]
    .iter()
    .collect()
}

fn cur<'a>(s: &'a mut State) -> &'a mut ProcessMemory {
    let n = s.selected.as_ref().expect("state check guarantees a selected process");
    s.procs.get_mut(n).expect("the selected process is live")
}

fn run(s: &mut State, cmd: Cmd) -> Result<String, KernelError> {
    let ok = || Ok("ok".to_string());
    match cmd {
        Cmd::Phys { .. } => unreachable!("phys lines are handled before"),
        Cmd::New(n) => {
            let p = ProcessMemory::default();
            s.procs.insert(n.clone(), p);
            s.selected = Some(n);
            ok()
        }
        Cmd::Select(n) => {
            s.selected = Some(n);
            ok()
        }
        Cmd::Drop(n) => {
            let p = s.procs.remove(&n).expect("state check guarantees the process");
            if s.selected.as_ref() == Some(&n) {
                s.selected = None;
            }
            drop(p);
            ok()
        }
        Cmd::SwitchTo => {
            cur(s).switch_to();
            ok()
        }
        Cmd::Shm(n, len) => {
            let regions = FrameAllocator::allocate_frames_fragmented(len as usize)?;
            s.shms.insert(n, Arc::new(SpinRwLock::new(regions)));
            ok()
        }
        Cmd::ShmOf(n, addr) => {
            let shared = {
                let p = cur(s);
                let q = p.query_memory(va(addr));
                match q {
                    QueryMemory::Available(_) => {
                        return Err(KernelError::InvalidAddress { address: addr as usize, backtrace: failure::Backtrace::new() })
                    }
                    QueryMemory::Used(m) => match m.frames() {
                        MappingFrames::Shared(f) => f.clone(),
                        _ => {
                            return Err(KernelError::InvalidMemState {
                                address: m.address(),
                                ty: m.state().ty(),
                                backtrace: failure::Backtrace::new(),
                            })
                        }
                    },
                }
            };
            s.shms.insert(n, shared);
            ok()
        }
        Cmd::ShmDrop(n) => {
            drop(s.shms.remove(&n).expect("state check guarantees the shm"));
            ok()
        }
        Cmd::CreateRegularMapping { addr, len, ty, rights: r } => {
            cur(s).create_regular_mapping(va(addr), len as usize, ty_of(ty), rights(r))?;
            ok()
        }
        Cmd::MapPhysAlloc { len, addr, ty, rights: r } => {
            let region = FrameAllocator::allocate_region(len as usize)?;
            cur(s).map_phys_region_to(region, va(addr), ty_of(ty), rights(r))?;
            ok()
        }
        Cmd::MapPhysMmio { paddr, len, addr, ty, rights: r } => {
            let region = unsafe { PhysicalMemRegion::on_fixed_mmio(PhysicalAddress(paddr as usize), len as usize)? };
            cur(s).map_phys_region_to(region, va(addr), ty_of(ty), rights(r))?;
            ok()
        }
        Cmd::MapPartial { shm, addr, offset, len, ty, rights: r } => {
            let shared = s.shms[&shm].clone();
            cur(s).map_partial_shared_mapping(shared, va(addr), offset as usize, len as usize, ty_of(ty), rights(r))?;
            ok()
        }
        Cmd::Guard { addr, len, ty } => {
            cur(s).guard(va(addr), len as usize, ty_of(ty))?;
            ok()
        }
        Cmd::Unmap { addr, len } => {
            let m = cur(s).unmap(va(addr), len as usize)?;
            drop(m);
            ok()
        }
        Cmd::QueryMemory(addr) => {
            let p = cur(s);
            let q = p.query_memory(va(addr));
            let m = q.mapping();
            Ok(format!(
                "ok addr={:#010x} len={:#010x} type={:?} state={:#010x} flags={} offset={:#010x}",
                m.address().addr(),
                m.length(),
                m.state().ty(),
                m.state().bits(),
                rights_string(m.flags()),
                m.phys_offset()
            ))
        }
        Cmd::ExpandMapping { addr, new_size } => {
            cur(s).expand_mapping(va(addr), new_size as usize)?;
            ok()
        }
        Cmd::FindAvailableSpace(len) => {
            let a = cur(s).find_available_space(len as usize)?;
            Ok(format!("ok {:#010x}", a.addr()))
        }
        Cmd::ResizeHeap(size) => {
            let a = cur(s).resize_heap(size as usize)?;
            Ok(format!("ok {:#010x}", a.addr()))
        }
        Cmd::MirrorMapping { addr, len, name } => {
            let mirror = cur(s).mirror_mapping(va(addr), len as usize)?;
            match name {
                Some(n) => {
                    s.mirrors.insert(n, mirror);
                }
                None => drop(mirror),
            }
            ok()
        }
        Cmd::MirrorDrop(n) => {
            drop(s.mirrors.remove(&n).expect("state check guarantees the mirror"));
            ok()
        }
        Cmd::CheckRange { addr, size, state_mask, state_expected, perms_mask, perms_expected } => {
            let (state, perms, attrs) = cur(s).check_range(
                va(addr),
                size as usize,
                MemoryState::from_bits_truncate(state_mask),
                MemoryState::from_bits_truncate(state_expected),
                MemoryPermissions::from_bits_truncate(perms_mask),
                MemoryPermissions::from_bits_truncate(perms_expected),
                MemoryAttributes::empty(),
                MemoryAttributes::empty(),
                MemoryAttributes::empty(),
            )?;
            Ok(format!("ok state={:#010x} perms={:#010x} attrs={:#010x}", state.bits(), perms.bits(), attrs.bits()))
        }
        Cmd::Frames(addr) => {
            let p = cur(s);
            let q = p.query_memory(va(addr));
            let frames: Vec<u32> = q.mapping().frames_it().map(|f| f.addr() as u32).collect();
            Ok(format_frames(&frames))
        }
        Cmd::Walk { addr, len } => {
            let dir = directory_of(cur(s));
            let mut entries: Vec<(Slot, u32)> = Vec::new();
            let mut cb = |kind: u32, frame: u32, size: usize| {
                let slot = match kind {
                    0 => Slot::Available,
                    1 => Slot::Guarded,
                    _ => Slot::Present(frame),
                };
                entries.push((slot, size as u32));
            };
            unsafe { srup_for_every_entry(dir.addr(), addr as usize, len as usize, &mut cb) };
            Ok(format_walk(&entries))
        }
        Cmd::FreeFrames => Ok(format!("ok {}", free_frames())),
        Cmd::Read(addr) => Ok(format_read(crate::machine::data_read(addr))),
        Cmd::Write(addr, value) => Ok(format_write(crate::machine::data_write(addr, value))),
        Cmd::MirrorRead(n, off) => {
            let a = s.mirrors[&n].addr().addr() as u32;
            Ok(format_read(crate::machine::data_read(a.wrapping_add(off))))
        }
        Cmd::MirrorWrite(n, off, value) => {
            let a = s.mirrors[&n].addr().addr() as u32;
            Ok(format_write(crate::machine::data_write(a.wrapping_add(off), value)))
        }
    }
}

/// The physical address of a process's page directory, read from its
/// `Debug` text (the field is private to upstream's `table` module).
fn directory_of(p: &ProcessMemory) -> PhysicalAddress {
    let text = format!("{:?}", p);
    let key = "directory_physical_address: P 0x";
    let i = text.find(key).expect("ProcessMemory's Debug names its directory") + key.len();
    let hex: String = text[i..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    PhysicalAddress(usize::from_str_radix(&hex, 16).expect("directory address in hex"))
}

/// `phys free|reserve START END` on an initialised allocator: frees each
/// allocated frame (dropping a reconstructed region) or reserves each free
/// one (`mark_frame_bootstrap_allocated`).
fn apply_phys_line(start: usize, end: usize, free: bool) {
    fn allocated<A: FrameAllocatorTrait>(addr: usize) -> bool {
        A::check_is_allocated(PhysicalAddress(addr), PAGE_SIZE)
    }
    let mut f = start;
    while f < end {
        let is_allocated = allocated::<FrameAllocator>(f);
        if free && is_allocated {
            drop(unsafe { PhysicalMemRegion::reconstruct(PhysicalAddress(f), PAGE_SIZE) });
        } else if !free && !is_allocated {
            crate::frame_allocator::mark_frame_bootstrap_allocated(PhysicalAddress(f));
        }
        f += PAGE_SIZE;
    }
}

/// Counts free frames through the allocator's own `check_is_allocated`
/// (a method of its sealed supertrait, reachable through the public
/// trait bound), splitting ranges that are not wholly allocated.
fn free_frames() -> usize {
    fn allocated<A: FrameAllocatorTrait>(start: usize, frames: usize) -> bool {
        A::check_is_allocated(PhysicalAddress(start), frames * PAGE_SIZE)
    }
    fn count(start: usize, frames: usize) -> usize {
        if allocated::<FrameAllocator>(start, frames) {
            return 0;
        }
        if frames == 1 {
            return 1;
        }
        let half = frames / 2;
        count(start, half) + count(start + half * PAGE_SIZE, frames - half)
    }
    // Only trace RAM (below 16 MiB) is counted: frames above it are reserved at
    // boot and no trace can free one (`phys free` stays in trace RAM, mmio
    // regions are never freed, every other region comes from the allocator).
    // Scanning the other 1M frames would cost milliseconds per `free_frames`.
    count(0, 0x0100_0000 / PAGE_SIZE)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Available,
    Guarded,
    Present(u32),
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

fn format_frames(frames: &[u32]) -> String {
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

fn format_walk(entries: &[(Slot, u32)]) -> String {
    let mut runs: Vec<(Slot, u32, u32)> = Vec::new();
    for &(slot, span) in entries {
        if let Some(r) = runs.last_mut() {
            let same = r.1 == span
                && match (r.0, slot) {
                    (Slot::Available, Slot::Available) | (Slot::Guarded, Slot::Guarded) => true,
                    (Slot::Present(first), Slot::Present(f)) => first.wrapping_add(r.2.wrapping_mul(span)) == f,
                    _ => false,
                };
            if same {
                r.2 += 1;
                continue;
            }
        }
        runs.push((slot, span, 1));
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(slot, span, count)| match slot {
            Slot::Available => format!("avail/{:#010x}*{}", span, count),
            Slot::Guarded => format!("guard/{:#010x}*{}", span, count),
            Slot::Present(f) => format!("page/{:#010x}*{}@{:#010x}", span, count, f),
        })
        .collect();
    format!("ok {}", parts.join(" "))
}
