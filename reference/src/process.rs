//! A process's memory (`ProcessMemory`): its mappings, its page hierarchy
//! and its heap base, and the operations the trace format drives; plus
//! mirrors of user mappings in KernelLand (`CrossProcessMapping`).
//!
//! Each operation checks its arguments in upstream's order, so the first
//! failing check decides the error and its payload; after the checks,
//! failures of steps upstream `expect`s are panics.

use crate::alloc::Region;
use crate::bookkeeping::{Bookkeeping, Query};
use crate::machine::Machine;
use crate::mapping::{Mapping, MappingFrames, SharedFrames, SharedId};
use crate::paging::{check_userland, Hier, Slot};
use crate::types::{
    add, align_up, check_addr_aligned, check_nonzero, check_size_aligned, must, perms_of_rights, rights,
    Fail, KResult, KernelError, MemoryType, PAGE,
};

/// Everything processes share: the machine and the shared frame vectors.
#[derive(Default)]
pub struct Kernel {
    pub m: Machine,
    pub shared: SharedFrames,
}

impl Kernel {
    /// Drops a mapping's frames: owned regions are freed, a shared
    /// reference is released (freeing the regions with the last one).
    pub fn release_frames(&mut self, frames: MappingFrames) -> KResult<()> {
        let regions = match frames {
            MappingFrames::None => return Ok(()),
            MappingFrames::Owned(v) => v,
            MappingFrames::Shared(id) => match self.shared.release(id) {
                Some(v) => v,
                None => return Ok(()),
            },
        };
        regions.iter().try_for_each(|r| self.m.frames.drop_region(r))
    }
}

/// Where upstream places every process's heap.
pub const HEAP_BASE: u32 = 0x8000_0000;

/// A process's memory.
pub struct ProcessMemory {
    bk: Bookkeeping,
    /// Physical address of the page directory.
    dir: u32,
    heap_base: u32,
}

/// Inserts a mapping upstream has already checked (`add_mapping().expect`).
fn install(bk: &mut Bookkeeping, m: Mapping) -> KResult<()> {
    match bk.add_mapping(m) {
        Ok(()) => Ok(()),
        Err((e, _)) => must(Err(e), "adding a checked mapping"),
    }
}

/// Builds a mapping upstream has already checked (`Mapping::new().expect`).
fn build(
    k: &Kernel,
    addr: u32,
    frames: MappingFrames,
    offset: u32,
    len: u32,
    ty: MemoryType,
    r: u32,
) -> KResult<Mapping> {
    Mapping::new(addr, frames, offset, len, ty, r, &k.shared)
        .or_else(|(e, _)| must(Err(e.into()), "creating a checked mapping"))
}

/// The frame addresses of a list of regions, in order.
fn frames_of(regions: &[Region]) -> Vec<u32> {
    regions.iter().flat_map(Region::frame_addrs).collect()
}

impl ProcessMemory {
    /// `ProcessMemory::default`: an empty bookkeeping and a new directory.
    pub fn new(k: &mut Kernel) -> KResult<ProcessMemory> {
        Ok(ProcessMemory { bk: Bookkeeping::new(), dir: k.m.new_hierarchy()?, heap_base: HEAP_BASE })
    }

    /// Physical address of the directory.
    pub fn directory(&self) -> u32 {
        self.dir
    }

    /// The hierarchy to work on: the active one when this directory is in cr3.
    fn hier(&self, k: &Kernel) -> Hier {
        if k.m.cr3 == self.dir {
            Hier::Active
        } else {
            Hier::Inactive(self.dir)
        }
    }

    /// `map_phys_region_to`: maps one physical region at `addr`. The region
    /// is dropped (freed if allocated) when a check fails.
    pub fn map_phys_region_to(&mut self, k: &mut Kernel, region: Region, addr: u32, ty: MemoryType, r: u32) -> KResult<()> {
        let checks = check_addr_aligned(addr)
            .and_then(|_| check_userland(addr, region.size()))
            .and_then(|_| self.bk.check_vacant(addr, region.size()));
        if let Err(e) = checks {
            if let Fail::Kernel(_) = e {
                k.m.frames.drop_region(&region)?;
            }
            return Err(e);
        }
        let h = self.hier(k);
        k.m.map_frames(h, &frames_of(&[region]), addr, r)?;
        let m = build(k, addr, MappingFrames::Owned(vec![region]), 0, region.size(), ty, r)?;
        install(&mut self.bk, m)
    }

    /// `create_regular_mapping`: allocates frames (possibly fragmented) and
    /// maps them; reference-counted types get shared frames.
    pub fn create_regular_mapping(&mut self, k: &mut Kernel, addr: u32, len: u32, ty: MemoryType, r: u32) -> KResult<()> {
        check_addr_aligned(addr)?;
        check_size_aligned(len)?;
        check_nonzero(len)?;
        check_userland(addr, len)?;
        self.bk.check_vacant(addr, len)?;
        let regions = k.m.frames.allocate_fragmented(len)?;
        let h = self.hier(k);
        k.m.map_frames(h, &frames_of(&regions), addr, r)?;
        let frames = if ty.is_refcounted() {
            MappingFrames::Shared(k.shared.create(regions))
        } else {
            MappingFrames::Owned(regions)
        };
        let m = build(k, addr, frames, 0, len, ty, r)?;
        install(&mut self.bk, m)
    }

    /// `map_partial_shared_mapping`: maps `len` bytes of shared frames from
    /// byte `offset`, taking a reference to them.
    #[allow(clippy::too_many_arguments)]
    pub fn map_partial_shared_mapping(
        &mut self,
        k: &mut Kernel,
        shm: SharedId,
        addr: u32,
        offset: u32,
        len: u32,
        ty: MemoryType,
        r: u32,
    ) -> KResult<()> {
        check_addr_aligned(addr)?;
        check_nonzero(len)?;
        check_size_aligned(len)?;
        if crate::mapping::shared_len_after(&k.shared, shm, offset)? < len {
            return Err(KernelError::InvalidSize(len).into());
        }
        check_userland(addr, len)?;
        self.bk.check_vacant(addr, len)?;
        let reference = k.shared.clone_ref(shm);
        let m = build(k, addr, MappingFrames::Shared(reference), offset, len, ty, r)?;
        let h = self.hier(k);
        k.m.map_frames(h, &m.frame_list(&k.shared), addr, r)?;
        install(&mut self.bk, m)
    }

    /// `guard`: a frameless mapping of `ty`, written as guard entries.
    pub fn guard(&mut self, k: &mut Kernel, addr: u32, len: u32, ty: MemoryType) -> KResult<()> {
        check_userland(addr, len)?;
        let m = Mapping::new(addr, MappingFrames::None, 0, len, ty, 0, &k.shared).map_err(|(e, _)| e)?;
        self.bk.add_mapping(m).map_err(|(e, _)| e)?;
        let h = self.hier(k);
        k.m.guard_range(h, addr, len)
    }

    /// `unmap`: removes the mapping that starts at `addr` and is exactly
    /// `len` long, clears its entries (page tables are kept), then drops it.
    pub fn unmap(&mut self, k: &mut Kernel, addr: u32, len: u32) -> KResult<()> {
        check_userland(addr, len)?;
        let m = self.bk.remove_mapping(addr, len)?;
        let h = self.hier(k);
        k.m.unmap_range(h, addr, len)?;
        k.release_frames(m.frames)
    }

    /// `query_memory`.
    pub fn query_memory(&self, addr: u32) -> KResult<Query<'_>> {
        self.bk.mapping_at(addr)
    }

    /// The shared frames of the mapping at `addr` (for `shm_of`).
    pub fn shared_frames_at(&self, addr: u32) -> KResult<SharedId> {
        let m = self.bk.occupied_mapping_at(addr)?;
        match m.frames {
            MappingFrames::Shared(id) => Ok(id),
            _ => Err(KernelError::InvalidMemState(m.address, m.ty).into()),
        }
    }

    /// `expand_mapping`: grows a shared Heap mapping to `new_size`; the new
    /// frames are appended to its shared vector and the mapping is rebuilt
    /// with offset 0.
    pub fn expand_mapping(&mut self, k: &mut Kernel, addr: u32, new_size: u32) -> KResult<()> {
        check_size_aligned(new_size)?;
        let old = self.bk.occupied_mapping_at(addr)?;
        if old.ty != MemoryType::Heap {
            return Err(KernelError::InvalidMemState(addr, old.ty).into());
        }
        let shm = match old.frames {
            MappingFrames::Shared(id) => id,
            _ => return Err(KernelError::InvalidAddress(addr).into()),
        };
        let (start, old_size, r) = (old.address, old.length, old.rights);
        check_userland(start, new_size)?;
        if new_size < old_size {
            return Err(KernelError::InvalidSize(new_size).into());
        }
        if new_size == old_size {
            return Ok(());
        }
        let added = new_size - old_size;
        let grow_at = add(start, old_size)?;
        self.bk.check_vacant(grow_at, added)?;
        let regions = k.m.frames.allocate_fragmented(added)?;
        let old_mapping = must(self.bk.remove_mapping(start, old_size), "removing the grown mapping")?;
        let h = self.hier(k);
        k.m.map_frames(h, &frames_of(&regions), grow_at, r)?;
        k.shared.append(shm, regions);
        let reference = k.shared.clone_ref(shm);
        let m = build(k, start, MappingFrames::Shared(reference), 0, new_size, MemoryType::Heap, r)?;
        install(&mut self.bk, m)?;
        k.release_frames(old_mapping.frames)
    }

    /// `find_available_space`.
    pub fn find_available_space(&self, len: u32) -> KResult<u32> {
        self.bk.find_available_space(len)
    }

    /// `mirror_mapping`: mirrors part of the shared mapping at `addr` in
    /// KernelLand.
    pub fn mirror_mapping(&self, k: &mut Kernel, addr: u32, len: u32) -> KResult<Mirror> {
        check_userland(addr, 1)?;
        let m = self.bk.occupied_mapping_at(addr)?;
        let offset = addr - m.address;
        let shm = match m.frames {
            MappingFrames::Shared(id) => id,
            _ => return Err(KernelError::InvalidMemState(m.address, m.ty).into()),
        };
        let full_len = align_up(add(offset % PAGE, len)?, PAGE)?;
        let start = k.m.kernel_find_space(full_len)?;
        let full_offset = add(m.offset, offset & !(PAGE - 1))?;
        let reference = k.shared.clone_ref(shm);
        let mapping = match Mapping::new(start, MappingFrames::Shared(reference), full_offset, full_len, m.ty, rights::R | rights::W, &k.shared) {
            Ok(x) => x,
            Err((e, frames)) => {
                k.release_frames(frames)?;
                return Err(e.into());
            }
        };
        k.m.kernel_map(&mapping.frame_list(&k.shared), start, rights::R | rights::W)?;
        Ok(Mirror { addr: start + offset % PAGE, len, mapping })
    }

    /// `resize_heap`: creates the heap at the heap base, grows it, ignores
    /// shrinking. Returns the heap base.
    pub fn resize_heap(&mut self, k: &mut Kernel, new_size: u32) -> KResult<u32> {
        let base = self.heap_base;
        check_userland(base, new_size)?;
        let previous = {
            let q = self.bk.mapping_at(base)?;
            let m = q.mapping();
            if m.ty == MemoryType::Unmapped {
                None
            } else {
                Some(m.length)
            }
        };
        match previous {
            None if new_size == 0 => {}
            None => self.create_regular_mapping(k, base, new_size, MemoryType::Heap, rights::U | rights::R | rights::W)?,
            Some(old) if new_size < old => {}
            Some(_) => self.expand_mapping(k, base, new_size)?,
        }
        Ok(base)
    }

    /// `switch_to`.
    pub fn switch_to(&mut self, k: &mut Kernel) -> KResult<()> {
        k.m.switch_to_hierarchy(self.dir)
    }

    /// `check_range` with empty attribute arguments: every block of
    /// `[addr, addr + size)` must have the first block's state and
    /// permissions, and match the masks. Returns (state, perms).
    pub fn check_range(&self, addr: u32, size: u32, state_mask: u32, state_expected: u32, perms_mask: u32, perms_expected: u32) -> KResult<(u32, u32)> {
        let end = add(addr, size)?;
        let mut cur = addr;
        let mut first: Option<(u32, u32)> = None;
        loop {
            let q = self.bk.mapping_at(cur)?;
            let m = q.mapping();
            let state = m.ty.state();
            let perms = perms_of_rights(m.rights);
            let bad = KernelError::InvalidMemState(cur, m.ty);
            if *first.get_or_insert((state, perms)) != (state, perms) {
                return Err(bad.into());
            }
            if state & state_mask != state_expected || perms & perms_mask != perms_expected {
                return Err(bad.into());
            }
            cur = add(m.address, m.length)?;
            if cur >= end {
                return Ok((state, perms));
            }
        }
    }

    /// The entries `for_every_entry` visits, with their spans.
    pub fn walk(&self, k: &mut Kernel, addr: u32, len: u32) -> KResult<Vec<(Slot, u32)>> {
        let mut out = Vec::new();
        let h = self.hier(k);
        k.m.visit_entries(h, addr, len, &mut |s, n| out.push((s, n)))?;
        Ok(out)
    }

    /// Drops the process: its mappings in address order (frames only, the
    /// entries stay), then its hierarchy.
    pub fn destroy(self, k: &mut Kernel) -> KResult<()> {
        for m in self.bk.into_mappings() {
            k.release_frames(m.frames)?;
        }
        k.m.drop_hierarchy(self.dir)
    }
}

/// A user mapping mirrored in KernelLand (`CrossProcessMapping`); it holds a
/// reference to the frames.
pub struct Mirror {
    /// `addr()`: the mirrored address in KernelLand (page offset kept).
    pub addr: u32,
    /// `len()`: the requested length.
    pub len: u32,
    mapping: Mapping,
}

impl Mirror {
    /// Drops the mirror: unmaps its pages, then releases the frames.
    pub fn destroy(self, k: &mut Kernel) -> KResult<()> {
        k.m.kernel_unmap(self.mapping.address, self.mapping.length)?;
        k.release_frames(self.mapping.frames)
    }
}
