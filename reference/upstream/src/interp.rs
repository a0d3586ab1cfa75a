//! Upstream's API behind our model's trace interpreter, and the functions
//! the runner (`srup.mjs`) calls. Lines are run by `srtrace::model::Model`
//! (`reference/src/model.rs`: parsing, names, selection, `phys` placement,
//! mirror limits, result lines) over [`Upstream`], this file's
//! `srtrace::backend::Backend`, which makes upstream's calls.
//!
//! A panic anywhere prints `panic MESSAGE (FILE:LINE)` into the output
//! buffer (panic hook) and then aborts: the runner sees the trap, ends the
//! trace, and uses a fresh instance for the next one.

use std::fmt::Write as _;
use std::sync::Arc;

use srtrace::backend::{Backend, QueryInfo};
use srtrace::model::{Model, Outcome};
use srtrace::paging::Slot;
use srtrace::types::{Fail, KResult};

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

type Shared = Arc<SpinRwLock<Vec<PhysicalMemRegion>>>;

/// Upstream's memory module as a backend of the model's interpreter. The
/// frame allocator is set up from the `phys` lines at the first call that
/// is not a `phys` line, as a boot does from the memory map.
#[derive(Default)]
pub struct Upstream {
    areas: Vec<multiboot2::MemoryArea>,
    started: bool,
}

static mut MODEL: Option<Model<Upstream>> = None;
static mut OUT: Vec<u8> = Vec::new();
static mut INBUF: Vec<u8> = Vec::new();

fn out() -> &'static mut Vec<u8> {
    unsafe { &mut OUT }
}

/// The path of a panic location, independent of the build directory:
/// upstream's files relative to the checkout (the build copy lives under
/// `BUILDDIR/src/up/`), ours relative to the repository.
fn short_path(file: &str) -> String {
    for (marker, prefix) in [("/src/up/", ""), ("/src/ours/", "reference/upstream/src/"), ("/src/shims/", "reference/upstream/shims/"), ("/src/model/", "reference/src/")] {
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
        MODEL = Some(Model::default());
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
    let model = unsafe { MODEL.as_mut().expect("srup_init was not called") };
    match model.feed(raw) {
        Outcome::Silent => 0,
        Outcome::Line(line) => {
            out().extend_from_slice(line.as_bytes());
            out().push(b'\n');
            0
        }
        Outcome::Malformed(reason) => {
            out().clear();
            out().extend_from_slice(reason.as_bytes());
            2
        }
        Outcome::Panic(line) => {
            // a kernel error upstream's memory module never returns (see `fail`)
            out().extend_from_slice(line.as_bytes());
            out().push(b'\n');
            std::process::abort()
        }
    }
}

/// An upstream error as the model's, which prints it.
fn fail(e: KernelError) -> Fail {
    use srtrace::types::KernelError as K;
    Fail::Kernel(match e {
        KernelError::PhysicalMemoryExhaustion { .. } => K::PhysicalMemoryExhaustion,
        KernelError::VirtualMemoryExhaustion { .. } => K::VirtualMemoryExhaustion,
        KernelError::InvalidAddress { address, .. } => K::InvalidAddress(address as u32),
        KernelError::InvalidSize { size, .. } => K::InvalidSize(size as u32),
        KernelError::InvalidMemState { address, ty, .. } => K::InvalidMemState(address.addr() as u32, ours(ty)),
        KernelError::WrongMappingFramesForTy { ty, .. } => K::WrongMappingFramesForTy(ours(ty)),
        other => {
            // not produced by the memory module
            let d = format!("{:?}", other);
            return Fail::Panic(format!("unexpected kernel error {}", d.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("")));
        }
    })
}

fn kr<T>(r: Result<T, KernelError>) -> KResult<T> {
    r.map_err(fail)
}

const TYPES: [MemoryType; 22] = {
    use MemoryType::*;
    [
        Unmapped, Io, Normal, CodeStatic, CodeMutable, Heap, SharedMemory, Alias, ModuleCodeStatic,
        ModuleCodeMutable, Ipc, Stack, ThreadLocal, TransferMemoryIsolated, TransferMemory, ProcessMemory,
        Reserved, NonSecureIpc, NonDeviceIpc, KernelStack, CodeReadOnly, CodeWritable,
    ]
};

/// The model's memory type as upstream's.
fn up(t: srtrace::types::MemoryType) -> MemoryType {
    let name = t.name();
    *TYPES.iter().find(|u| format!("{:?}", u) == name).expect("every trace type is an upstream MemoryType")
}

/// Upstream's memory type as the model's.
fn ours(t: MemoryType) -> srtrace::types::MemoryType {
    srtrace::types::MemoryType::from_name(&format!("{:?}", t)).expect("every upstream MemoryType is a trace type")
}

fn va(a: u32) -> VirtualAddress {
    VirtualAddress(a as usize)
}

fn rights(r: u32) -> MappingAccessRights {
    MappingAccessRights::from_bits_truncate(r)
}

impl Upstream {
    /// Boots the frame allocator from the `phys` lines, before the first
    /// operation.
    fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        // The boot page directory and KernelLand tables sit in RAM the memory map
        // declares available (last, so no `phys` line overrides it), as on a real
        // boot: upstream's init then reserves them as mapped in KernelLand and
        // RecursiveTablesLand (it panics on a frame that is not free).
        let mut areas = self.areas.clone();
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
        for a in self.areas.clone() {
            apply_phys_line(a.start_address() as usize, a.end_address() as usize, a.memory_type() == 1);
        }
    }
}

impl Backend for Upstream {
    type Proc = ProcessMemory;
    type Shm = Shared;
    type Mirror = CrossProcessMapping;

    fn phys(&mut self, free: bool, start: u32, end: u32) {
        self.areas.push(multiboot2::MemoryArea::new(u64::from(start), u64::from(end), if free { 1 } else { 2 }));
    }

    fn new_process(&mut self) -> KResult<ProcessMemory> {
        self.start();
        Ok(ProcessMemory::default())
    }

    fn drop_process(&mut self, p: ProcessMemory) -> KResult<()> {
        drop(p);
        Ok(())
    }

    fn switch_to(&mut self, p: &mut ProcessMemory) -> KResult<()> {
        p.switch_to();
        Ok(())
    }

    fn shm(&mut self, len: u32) -> KResult<Shared> {
        self.start();
        let regions = kr(FrameAllocator::allocate_frames_fragmented(len as usize))?;
        Ok(Arc::new(SpinRwLock::new(regions)))
    }

    fn shm_of(&mut self, p: &ProcessMemory, addr: u32) -> KResult<Shared> {
        match p.query_memory(va(addr)) {
            QueryMemory::Available(_) => {
                Err(fail(KernelError::InvalidAddress { address: addr as usize, backtrace: failure::Backtrace::new() }))
            }
            QueryMemory::Used(m) => match m.frames() {
                MappingFrames::Shared(f) => Ok(f.clone()),
                _ => Err(fail(KernelError::InvalidMemState {
                    address: m.address(),
                    ty: m.state().ty(),
                    backtrace: failure::Backtrace::new(),
                })),
            },
        }
    }

    fn shm_drop(&mut self, s: Shared) -> KResult<()> {
        drop(s);
        Ok(())
    }

    fn create_regular_mapping(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: srtrace::types::MemoryType, r: u32) -> KResult<()> {
        kr(p.create_regular_mapping(va(addr), len as usize, up(ty), rights(r)))
    }

    fn map_phys_alloc(&mut self, p: &mut ProcessMemory, len: u32, addr: u32, ty: srtrace::types::MemoryType, r: u32) -> KResult<()> {
        let region = kr(FrameAllocator::allocate_region(len as usize))?;
        kr(p.map_phys_region_to(region, va(addr), up(ty), rights(r)))
    }

    fn map_phys_mmio(&mut self, p: &mut ProcessMemory, paddr: u32, len: u32, addr: u32, ty: srtrace::types::MemoryType, r: u32) -> KResult<()> {
        let region = kr(unsafe { PhysicalMemRegion::on_fixed_mmio(PhysicalAddress(paddr as usize), len as usize) })?;
        kr(p.map_phys_region_to(region, va(addr), up(ty), rights(r)))
    }

    fn map_partial(&mut self, p: &mut ProcessMemory, s: &Shared, addr: u32, offset: u32, len: u32, ty: srtrace::types::MemoryType, r: u32) -> KResult<()> {
        kr(p.map_partial_shared_mapping(s.clone(), va(addr), offset as usize, len as usize, up(ty), rights(r)))
    }

    fn guard(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: srtrace::types::MemoryType) -> KResult<()> {
        kr(p.guard(va(addr), len as usize, up(ty)))
    }

    fn unmap(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> KResult<()> {
        drop(kr(p.unmap(va(addr), len as usize))?);
        Ok(())
    }

    fn query_memory(&mut self, p: &ProcessMemory, addr: u32) -> KResult<QueryInfo> {
        let q = p.query_memory(va(addr));
        let m = q.mapping();
        Ok(QueryInfo {
            address: m.address().addr() as u32,
            length: m.length() as u32,
            ty: ours(m.state().ty()),
            state: m.state().bits(),
            rights: m.flags().bits(),
            offset: m.phys_offset() as u32,
        })
    }

    fn expand_mapping(&mut self, p: &mut ProcessMemory, addr: u32, new_size: u32) -> KResult<()> {
        kr(p.expand_mapping(va(addr), new_size as usize))
    }

    fn find_available_space(&mut self, p: &ProcessMemory, len: u32) -> KResult<u32> {
        kr(p.find_available_space(len as usize)).map(|a| a.addr() as u32)
    }

    fn resize_heap(&mut self, p: &mut ProcessMemory, size: u32) -> KResult<u32> {
        kr(p.resize_heap(size as usize)).map(|a| a.addr() as u32)
    }

    fn mirror_mapping(&mut self, p: &ProcessMemory, addr: u32, len: u32) -> KResult<CrossProcessMapping> {
        kr(p.mirror_mapping(va(addr), len as usize))
    }

    fn mirror_drop(&mut self, m: CrossProcessMapping) -> KResult<()> {
        drop(m);
        Ok(())
    }

    fn mirror_addr(&self, m: &CrossProcessMapping) -> u32 {
        m.addr().addr() as u32
    }

    fn mirror_len(&self, m: &CrossProcessMapping) -> u32 {
        m.len() as u32
    }

    fn check_range(&mut self, p: &ProcessMemory, addr: u32, size: u32, state_mask: u32, state_expected: u32, perms_mask: u32, perms_expected: u32) -> KResult<(u32, u32, u32)> {
        let (state, perms, attrs) = kr(p.check_range(
            va(addr),
            size as usize,
            MemoryState::from_bits_truncate(state_mask),
            MemoryState::from_bits_truncate(state_expected),
            MemoryPermissions::from_bits_truncate(perms_mask),
            MemoryPermissions::from_bits_truncate(perms_expected),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
        ))?;
        Ok((state.bits(), perms.bits(), attrs.bits()))
    }

    fn frames(&mut self, p: &ProcessMemory, addr: u32) -> KResult<Vec<u32>> {
        let q = p.query_memory(va(addr));
        let frames: Vec<u32> = q.mapping().frames_it().map(|f| f.addr() as u32).collect();
        Ok(frames)
    }

    fn walk(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> KResult<Vec<(Slot, u32)>> {
        let dir = directory_of(p);
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
        Ok(entries)
    }

    fn free_frames(&mut self) -> u32 {
        self.start();
        free_frames() as u32
    }

    fn read(&mut self, va: u32) -> Option<u32> {
        self.start();
        crate::machine::data_read(va)
    }

    fn write(&mut self, va: u32, value: u32) -> bool {
        self.start();
        crate::machine::data_write(va, value)
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
