//! The C port, through this crate's upstream-shaped API, as a backend of the
//! reference model's trace interpreter (`srref::Model<CPort>`): lines are
//! parsed, checked and turned into result lines by `srref`; this file only
//! makes the calls into `sunrise_mm_c` and converts its values.

#![allow(dead_code)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use srref::paging::Slot;
use srref::types::{Fail, KResult, KernelError as RErr, MemoryType as RType};
use srref::{Backend, Model, Outcome, QueryInfo};
use sunrise_mm_c::{
    CrossProcessMapping, FrameAllocator, KernelError, Machine, MappingAccessRights, MemoryAttributes,
    MemoryPermissions, MemoryState, MemoryType, PageState, PhysicalAddress, PhysicalMemRegion, ProcessMemory,
    SharedFrames, VirtualAddress, KERNEL_PANIC_PREFIX,
};

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

/// A whole trace through `model`: its result stream (a malformed line ends
/// it with `Err((line number, reason))`).
pub fn run_trace<B: Backend>(model: &mut Model<B>, text: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.last() == Some(&b'\n') {
        lines.pop();
    }
    for (i, line) in lines.into_iter().enumerate() {
        match model.feed(line) {
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

// ---- value conversions ---------------------------------------------------------

fn c_type(t: RType) -> MemoryType {
    MemoryType::from_name(t.name()).expect("every trace type is a port type")
}

fn r_type(t: MemoryType) -> RType {
    RType::from_name(t.name()).expect("every port type is a trace type")
}

fn rights(r: u32) -> MappingAccessRights {
    MappingAccessRights::from_bits_truncate(r)
}

fn va(a: u32) -> VirtualAddress {
    VirtualAddress(a as usize)
}

/// A port address or size as the trace prints it (32 bits on i386).
fn word(v: usize) -> u32 {
    u32::try_from(v).expect("an i386 address or size fits in 32 bits")
}

/// The port's `KernelError` as the trace format's error.
fn err(e: KernelError) -> Fail {
    Fail::Kernel(match e {
        KernelError::PhysicalMemoryExhaustion => RErr::PhysicalMemoryExhaustion,
        KernelError::VirtualMemoryExhaustion => RErr::VirtualMemoryExhaustion,
        KernelError::InvalidAddress { address } => RErr::InvalidAddress(word(address)),
        KernelError::InvalidSize { size } => RErr::InvalidSize(word(size)),
        KernelError::InvalidMemState { address, ty } => RErr::InvalidMemState(word(address.addr()), r_type(ty)),
        KernelError::WrongMappingFramesForTy { ty } => RErr::WrongMappingFramesForTy(r_type(ty)),
    })
}

/// A port result as a trace result.
fn port<T>(r: Result<T, KernelError>) -> KResult<T> {
    r.map_err(err)
}

// ---- the C port ------------------------------------------------------------------

/// The C port: a live machine for one trace. The model owns it and drops
/// it before the handles it holds (which then drop as stale no-ops).
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

/// The reference model's trace interpreter over the C port.
pub fn c_model() -> Model<CPort> {
    Model::with_backend(CPort::new())
}

impl Backend for CPort {
    type Proc = ProcessMemory;
    type Shm = SharedFrames;
    type Mirror = CrossProcessMapping;

    /// The port's kernel panics unwind (with [`KERNEL_PANIC_PREFIX`]);
    /// they are results. Any other panic is a bug and goes on unwinding.
    fn contain<T>(f: impl FnOnce() -> KResult<T>) -> KResult<T> {
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(payload) => match panic_text(&*payload) {
                Some(m) if m.starts_with(KERNEL_PANIC_PREFIX) => Err(Fail::Panic(m.to_string())),
                _ => panic::resume_unwind(payload),
            },
        }
    }

    fn phys(&mut self, free: bool, start: u32, end: u32) {
        let (s, e) = (PhysicalAddress(start as usize), PhysicalAddress(end as usize));
        if free {
            self.machine.mark_area_free(s, e);
        } else {
            self.machine.mark_area_reserved(s, e);
        }
    }
    fn new_process(&mut self) -> KResult<ProcessMemory> {
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
    fn shm(&mut self, len: u32) -> KResult<SharedFrames> {
        Ok(SharedFrames::new(port(FrameAllocator::allocate_frames_fragmented(len as usize))?))
    }
    fn shm_of(&mut self, p: &ProcessMemory, addr: u32) -> KResult<SharedFrames> {
        let m = port(p.occupied_mapping_at(va(addr)))?;
        m.shared_frames().ok_or_else(|| err(KernelError::InvalidMemState { address: m.address(), ty: m.state().ty() }))
    }
    fn shm_drop(&mut self, s: SharedFrames) -> KResult<()> {
        drop(s);
        Ok(())
    }
    fn create_regular_mapping(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: RType, r: u32) -> KResult<()> {
        port(p.create_regular_mapping(va(addr), len as usize, c_type(ty), rights(r)))
    }
    fn map_phys_alloc(&mut self, p: &mut ProcessMemory, len: u32, addr: u32, ty: RType, r: u32) -> KResult<()> {
        let region = port(FrameAllocator::allocate_region(len as usize))?;
        port(p.map_phys_region_to(region, va(addr), c_type(ty), rights(r)))
    }
    fn map_phys_mmio(&mut self, p: &mut ProcessMemory, paddr: u32, len: u32, addr: u32, ty: RType, r: u32) -> KResult<()> {
        let region = port(PhysicalMemRegion::on_fixed_mmio(PhysicalAddress(paddr as usize), len as usize))?;
        port(p.map_phys_region_to(region, va(addr), c_type(ty), rights(r)))
    }
    fn map_partial(
        &mut self,
        p: &mut ProcessMemory,
        s: &SharedFrames,
        addr: u32,
        off: u32,
        len: u32,
        ty: RType,
        r: u32,
    ) -> KResult<()> {
        port(p.map_partial_shared_mapping(s.clone(), va(addr), off as usize, len as usize, c_type(ty), rights(r)))
    }
    fn guard(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: RType) -> KResult<()> {
        port(p.guard(va(addr), len as usize, c_type(ty)))
    }
    fn unmap(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> KResult<()> {
        let m = port(p.unmap(va(addr), len as usize))?;
        drop(m);
        Ok(())
    }
    fn query_memory(&mut self, p: &ProcessMemory, addr: u32) -> KResult<QueryInfo> {
        let q = p.query_memory(va(addr));
        let m = q.mapping();
        Ok(QueryInfo {
            address: word(m.address().addr()),
            length: word(m.length()),
            ty: r_type(m.state().ty()),
            state: m.state().bits(),
            rights: m.flags().bits(),
            offset: word(m.phys_offset()),
        })
    }
    fn expand_mapping(&mut self, p: &mut ProcessMemory, addr: u32, new_size: u32) -> KResult<()> {
        port(p.expand_mapping(va(addr), new_size as usize))
    }
    fn find_available_space(&mut self, p: &ProcessMemory, len: u32) -> KResult<u32> {
        Ok(word(port(p.find_available_space(len as usize))?.addr()))
    }
    fn resize_heap(&mut self, p: &mut ProcessMemory, size: u32) -> KResult<u32> {
        Ok(word(port(p.resize_heap(size as usize))?.addr()))
    }
    fn mirror_mapping(&mut self, p: &ProcessMemory, addr: u32, len: u32) -> KResult<CrossProcessMapping> {
        port(p.mirror_mapping(va(addr), len as usize))
    }
    fn mirror_drop(&mut self, m: CrossProcessMapping) -> KResult<()> {
        drop(m);
        Ok(())
    }
    fn mirror_addr(&self, m: &CrossProcessMapping) -> u32 {
        word(m.addr().addr())
    }
    fn mirror_len(&self, m: &CrossProcessMapping) -> u32 {
        word(m.len())
    }
    fn check_range(
        &mut self,
        p: &ProcessMemory,
        addr: u32,
        size: u32,
        sm: u32,
        se: u32,
        pm: u32,
        pe: u32,
    ) -> KResult<(u32, u32, u32)> {
        let (s, perms, a) = port(p.check_range(
            va(addr),
            size as usize,
            MemoryState::from_bits_truncate(sm),
            MemoryState::from_bits_truncate(se),
            MemoryPermissions::from_bits_truncate(pm),
            MemoryPermissions::from_bits_truncate(pe),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
        ))?;
        Ok((s.bits(), perms.bits(), a.bits()))
    }
    fn frames(&mut self, p: &ProcessMemory, addr: u32) -> KResult<Vec<u32>> {
        Ok(p.query_memory(va(addr)).mapping().frames_it().map(|f| word(f.addr())).collect())
    }
    fn walk(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> KResult<Vec<(Slot, u32)>> {
        let mut v = Vec::new();
        p.for_every_entry(va(addr), len as usize, |st, n| {
            let slot = match st {
                PageState::Available => Slot::Available,
                PageState::Guarded => Slot::Guarded,
                PageState::Present(f) => Slot::Present(word(f.addr())),
            };
            v.push((slot, word(n)));
        });
        Ok(v)
    }
    fn free_frames(&mut self) -> u32 {
        word(self.machine.free_frames())
    }
    fn read(&mut self, a: u32) -> Option<u32> {
        self.machine.read32(va(a))
    }
    fn write(&mut self, a: u32, v: u32) -> bool {
        self.machine.write32(va(a), v)
    }
}
