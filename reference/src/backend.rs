//! The interface between the trace interpreter ([`crate::model::Model`])
//! and an implementation of the memory module: one method per kernel call a
//! trace operation makes, with the trace's own arguments. The interpreter
//! keeps the names, the selected process, the `phys` phase and the result
//! lines; a backend only performs the calls.
//!
//! The model's own kernel ([`Kernel`]) is one backend; the C port's Rust
//! API (`sunrise_mm_c`, in its tests) is another. Backends are plain
//! generic parameters: the interpreter is compiled once per backend, with
//! no dynamic dispatch.

use crate::mapping::{MappingFrames, SharedId};
use crate::paging::Slot;
use crate::process::{Kernel, Mirror, ProcessMemory};
use crate::types::{KResult, MemoryType, PERMS_DECLARED_BITS, STATE_DECLARED_BITS};

/// What `query_memory` prints of the mapping found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryInfo {
    pub address: u32,
    pub length: u32,
    pub ty: MemoryType,
    /// The `MemoryState` bits.
    pub state: u32,
    /// The `MappingAccessRights` bits.
    pub rights: u32,
    /// The offset of the mapping in its frames.
    pub offset: u32,
}

/// One implementation of the memory module, driven call by call. Kernel
/// errors and kernel panics are returned as [`crate::types::Fail`].
pub trait Backend {
    /// A process's memory (`ProcessMemory`).
    type Proc;
    /// A reference to shared frames (`SharedFrames`).
    type Shm;
    /// A mirror in KernelLand (`CrossProcessMapping`).
    type Mirror;

    /// Runs one operation. A backend whose kernel panics by unwinding turns
    /// such a panic into `Fail::Panic` here; the default just calls `f`.
    #[inline(always)]
    fn contain<T>(f: impl FnOnce() -> KResult<T>) -> KResult<T> {
        f()
    }

    /// `phys free|reserve START END`: marks frames free or reserved.
    fn phys(&mut self, free: bool, start: u32, end: u32);
    fn new_process(&mut self) -> KResult<Self::Proc>;
    fn drop_process(&mut self, p: Self::Proc) -> KResult<()>;
    fn switch_to(&mut self, p: &mut Self::Proc) -> KResult<()>;
    /// `SharedFrames` over frames allocated fragmented.
    fn shm(&mut self, len: u32) -> KResult<Self::Shm>;
    /// The shared frames of the mapping at `addr`.
    fn shm_of(&mut self, p: &Self::Proc, addr: u32) -> KResult<Self::Shm>;
    fn shm_drop(&mut self, s: Self::Shm) -> KResult<()>;
    fn create_regular_mapping(&mut self, p: &mut Self::Proc, addr: u32, len: u32, ty: MemoryType, rights: u32) -> KResult<()>;
    /// `map_phys_region_to` of a region allocated for it.
    fn map_phys_alloc(&mut self, p: &mut Self::Proc, len: u32, addr: u32, ty: MemoryType, rights: u32) -> KResult<()>;
    /// `map_phys_region_to` of a fixed MMIO region.
    #[allow(clippy::too_many_arguments)]
    fn map_phys_mmio(&mut self, p: &mut Self::Proc, paddr: u32, len: u32, addr: u32, ty: MemoryType, rights: u32) -> KResult<()>;
    #[allow(clippy::too_many_arguments)]
    fn map_partial(
        &mut self,
        p: &mut Self::Proc,
        s: &Self::Shm,
        addr: u32,
        offset: u32,
        len: u32,
        ty: MemoryType,
        rights: u32,
    ) -> KResult<()>;
    fn guard(&mut self, p: &mut Self::Proc, addr: u32, len: u32, ty: MemoryType) -> KResult<()>;
    fn unmap(&mut self, p: &mut Self::Proc, addr: u32, len: u32) -> KResult<()>;
    fn query_memory(&mut self, p: &Self::Proc, addr: u32) -> KResult<QueryInfo>;
    fn expand_mapping(&mut self, p: &mut Self::Proc, addr: u32, new_size: u32) -> KResult<()>;
    fn find_available_space(&mut self, p: &Self::Proc, len: u32) -> KResult<u32>;
    fn resize_heap(&mut self, p: &mut Self::Proc, size: u32) -> KResult<u32>;
    fn mirror_mapping(&mut self, p: &Self::Proc, addr: u32, len: u32) -> KResult<Self::Mirror>;
    fn mirror_drop(&mut self, m: Self::Mirror) -> KResult<()>;
    /// The mirror's `addr()`.
    fn mirror_addr(&self, m: &Self::Mirror) -> u32;
    /// The mirror's `len()`.
    fn mirror_len(&self, m: &Self::Mirror) -> u32;
    /// `check_range` with the trace's masks as given (undeclared bits
    /// included); returns the state, permission and attribute bits.
    #[allow(clippy::too_many_arguments)]
    fn check_range(
        &mut self,
        p: &Self::Proc,
        addr: u32,
        size: u32,
        state_mask: u32,
        state_expected: u32,
        perms_mask: u32,
        perms_expected: u32,
    ) -> KResult<(u32, u32, u32)>;
    /// The frames of the mapping at `addr`, in order.
    fn frames(&mut self, p: &Self::Proc, addr: u32) -> KResult<Vec<u32>>;
    /// `for_every_entry` over `[addr, addr + len)`: each entry and its span.
    fn walk(&mut self, p: &mut Self::Proc, addr: u32, len: u32) -> KResult<Vec<(Slot, u32)>>;
    fn free_frames(&mut self) -> u32;
    /// A 32-bit data load through the active page tables; `None` on a fault.
    fn read(&mut self, va: u32) -> Option<u32>;
    /// A 32-bit data store through the active page tables; false on a fault.
    fn write(&mut self, va: u32, value: u32) -> bool;
}

/// The model's own kernel.
impl Backend for Kernel {
    type Proc = ProcessMemory;
    type Shm = SharedId;
    type Mirror = Mirror;

    #[inline]
    fn phys(&mut self, free: bool, start: u32, end: u32) {
        self.m.frames.set_range(start, end, free);
    }
    #[inline]
    fn new_process(&mut self) -> KResult<ProcessMemory> {
        ProcessMemory::new(self)
    }
    #[inline]
    fn drop_process(&mut self, p: ProcessMemory) -> KResult<()> {
        p.destroy(self)
    }
    #[inline]
    fn switch_to(&mut self, p: &mut ProcessMemory) -> KResult<()> {
        p.switch_to(self)
    }
    #[inline]
    fn shm(&mut self, len: u32) -> KResult<SharedId> {
        let regions = self.m.frames.allocate_fragmented(len)?;
        Ok(self.shared.create(regions))
    }
    #[inline]
    fn shm_of(&mut self, p: &ProcessMemory, addr: u32) -> KResult<SharedId> {
        let id = p.shared_frames_at(addr)?;
        Ok(self.shared.clone_ref(id))
    }
    #[inline]
    fn shm_drop(&mut self, s: SharedId) -> KResult<()> {
        self.release_frames(MappingFrames::Shared(s))
    }
    #[inline]
    fn create_regular_mapping(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: MemoryType, rights: u32) -> KResult<()> {
        p.create_regular_mapping(self, addr, len, ty, rights)
    }
    #[inline]
    fn map_phys_alloc(&mut self, p: &mut ProcessMemory, len: u32, addr: u32, ty: MemoryType, rights: u32) -> KResult<()> {
        let region = self.m.frames.allocate_region(len)?;
        p.map_phys_region_to(self, region, addr, ty, rights)
    }
    #[inline]
    fn map_phys_mmio(&mut self, p: &mut ProcessMemory, paddr: u32, len: u32, addr: u32, ty: MemoryType, rights: u32) -> KResult<()> {
        let region = self.m.frames.on_fixed_mmio(paddr, len)?;
        p.map_phys_region_to(self, region, addr, ty, rights)
    }
    #[inline]
    fn map_partial(
        &mut self,
        p: &mut ProcessMemory,
        s: &SharedId,
        addr: u32,
        offset: u32,
        len: u32,
        ty: MemoryType,
        rights: u32,
    ) -> KResult<()> {
        p.map_partial_shared_mapping(self, *s, addr, offset, len, ty, rights)
    }
    #[inline]
    fn guard(&mut self, p: &mut ProcessMemory, addr: u32, len: u32, ty: MemoryType) -> KResult<()> {
        p.guard(self, addr, len, ty)
    }
    #[inline]
    fn unmap(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> KResult<()> {
        p.unmap(self, addr, len)
    }
    #[inline]
    fn query_memory(&mut self, p: &ProcessMemory, addr: u32) -> KResult<QueryInfo> {
        let q = p.query_memory(addr)?;
        let m = q.mapping();
        Ok(QueryInfo { address: m.address, length: m.length, ty: m.ty, state: m.ty.state(), rights: m.rights, offset: m.offset })
    }
    #[inline]
    fn expand_mapping(&mut self, p: &mut ProcessMemory, addr: u32, new_size: u32) -> KResult<()> {
        p.expand_mapping(self, addr, new_size)
    }
    #[inline]
    fn find_available_space(&mut self, p: &ProcessMemory, len: u32) -> KResult<u32> {
        p.find_available_space(len)
    }
    #[inline]
    fn resize_heap(&mut self, p: &mut ProcessMemory, size: u32) -> KResult<u32> {
        p.resize_heap(self, size)
    }
    #[inline]
    fn mirror_mapping(&mut self, p: &ProcessMemory, addr: u32, len: u32) -> KResult<Mirror> {
        p.mirror_mapping(self, addr, len)
    }
    #[inline]
    fn mirror_drop(&mut self, m: Mirror) -> KResult<()> {
        m.destroy(self)
    }
    #[inline]
    fn mirror_addr(&self, m: &Mirror) -> u32 {
        m.addr
    }
    #[inline]
    fn mirror_len(&self, m: &Mirror) -> u32 {
        m.len
    }
    #[inline]
    fn check_range(
        &mut self,
        p: &ProcessMemory,
        addr: u32,
        size: u32,
        state_mask: u32,
        state_expected: u32,
        perms_mask: u32,
        perms_expected: u32,
    ) -> KResult<(u32, u32, u32)> {
        // the bitflags types upstream passes drop undeclared bits
        let (state, perms) = p.check_range(
            addr,
            size,
            state_mask & STATE_DECLARED_BITS,
            state_expected & STATE_DECLARED_BITS,
            perms_mask & PERMS_DECLARED_BITS,
            perms_expected & PERMS_DECLARED_BITS,
        )?;
        Ok((state, perms, 0))
    }
    #[inline]
    fn frames(&mut self, p: &ProcessMemory, addr: u32) -> KResult<Vec<u32>> {
        Ok(p.query_memory(addr)?.mapping().frame_list(&self.shared))
    }
    #[inline]
    fn walk(&mut self, p: &mut ProcessMemory, addr: u32, len: u32) -> KResult<Vec<(Slot, u32)>> {
        p.walk(self, addr, len)
    }
    #[inline]
    fn free_frames(&mut self) -> u32 {
        self.m.frames.free_count()
    }
    #[inline]
    fn read(&mut self, va: u32) -> Option<u32> {
        self.m.data_read(va)
    }
    #[inline]
    fn write(&mut self, va: u32, value: u32) -> bool {
        self.m.data_write(va, value)
    }
}
