//! `paging::process_memory`: `ProcessMemory` and `QueryMemory`, and
//! `paging::cross_process::CrossProcessMapping`, over the port's.

use std::marker::PhantomData;
use std::os::raw::c_void;
use std::ptr;

use crate::ffi::{self, SrpErr, SrpMappingInfo};
use crate::frame_allocator::PhysicalMemRegion;
use crate::mapping::{Mapping, MappingRef, SharedFrames};
use crate::port::{call0, call_in_drop};
use crate::types::{
    to_u32, KernelError, MappingAccessRights, MemoryAttributes, MemoryPermissions, MemoryState, MemoryType,
    PageState, PhysicalAddress, VirtualAddress,
};

/// `paging::process_memory::ProcessMemory`: the memory of one process (its
/// mappings, its page tables, its heap base). Dropping it drops its
/// mappings, then its page tables and directory.
pub struct ProcessMemory {
    ptr: *mut c_void,
    gen: u64,
}

/// `bookkeeping::QueryMemory`: the mapping at an address, or the hole
/// around it.
#[derive(Debug)]
pub enum QueryMemory<'a> {
    /// A hole: a made-up `Unmapped` mapping spanning it.
    Available(Mapping),
    /// A mapping of the process.
    Used(MappingRef<'a>),
}

impl<'a> QueryMemory<'a> {
    /// `QueryMemory::mapping`.
    pub fn mapping(&self) -> &Mapping {
        match self {
            QueryMemory::Available(m) => m,
            QueryMemory::Used(m) => m,
        }
    }
}

/// `paging::cross_process::CrossProcessMapping`: a user mapping mirrored in
/// KernelLand; dropping it unmaps the mirror.
pub struct CrossProcessMapping {
    ptr: *mut c_void,
    addr: u32,
    len: u32,
    gen: u64,
}

impl CrossProcessMapping {
    /// `CrossProcessMapping::addr`: the mirror of the requested address.
    pub fn addr(&self) -> VirtualAddress {
        VirtualAddress(self.addr as usize)
    }

    /// `CrossProcessMapping::len`: the requested length.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the requested length is zero.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for CrossProcessMapping {
    fn drop(&mut self) {
        let p = self.ptr;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        call_in_drop(self.gen, || unsafe { ffi::srp_mirror_drop(p) });
    }
}

impl std::fmt::Debug for CrossProcessMapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CrossProcessMapping({:#010x}, len {:#x})", self.addr, self.len)
    }
}

impl Default for ProcessMemory {
    /// `ProcessMemory::default`: an empty bookkeeping and a fresh page
    /// directory (a kernel panic when no frame is left, as upstream).
    fn default() -> ProcessMemory {
        let mut out: *mut c_void = ptr::null_mut();
        // SAFETY: panic-armed shim call under the port lock; valid out-pointer.
        let gen = call0(None, || unsafe { ffi::srp_process_new(&mut out) });
        ProcessMemory { ptr: out, gen }
    }
}

impl Drop for ProcessMemory {
    /// `Drop for ProcessMemory`: a kernel panic when it is the active one.
    fn drop(&mut self) {
        let p = self.ptr;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        call_in_drop(self.gen, || unsafe { ffi::srp_process_drop(p) });
    }
}

impl std::fmt::Debug for ProcessMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProcessMemory({:p})", self.ptr)
    }
}

/// Runs a shim call returning a kernel error on this process.
fn with_err(gen: u64, f: impl FnOnce(*mut SrpErr) -> std::os::raw::c_int) -> Result<(), KernelError> {
    let mut err = SrpErr::default();
    call0(Some(gen), || f(&mut err));
    KernelError::check(&err)
}

impl ProcessMemory {
    /// `ProcessMemory::map_phys_region_to`: maps one physical region at
    /// `address` (the region is consumed, and freed on error).
    pub fn map_phys_region_to(
        &mut self,
        phys: PhysicalMemRegion,
        address: VirtualAddress,
        ty: MemoryType,
        flags: MappingAccessRights,
    ) -> Result<(), KernelError> {
        let a = to_u32(address.0, "address");
        if phys.gen() != self.gen {
            // one of the two belongs to an earlier machine: refuse (before
            // giving the region away)
            let g = phys.gen();
            call0(Some(g), || ffi::SRP_OK);
            call0(Some(self.gen), || ffi::SRP_OK);
        }
        let (p, (raw, _)) = (self.ptr, phys.into_raw());
        // SAFETY: panic-armed shim call under the port lock on current handles.
        with_err(self.gen, |e| unsafe { ffi::srp_map_phys_region_to(p, raw, a, ty as u32, flags.bits(), e) })
    }

    /// `ProcessMemory::create_regular_mapping`: allocates the frames
    /// (possibly fragmented) and maps them at `address`.
    pub fn create_regular_mapping(
        &mut self,
        address: VirtualAddress,
        length: usize,
        ty: MemoryType,
        flags: MappingAccessRights,
    ) -> Result<(), KernelError> {
        let (a, l, p) = (to_u32(address.0, "address"), to_u32(length, "length"), self.ptr);
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_create_regular_mapping(p, a, l, ty as u32, flags.bits(), e) })
    }

    /// `ProcessMemory::map_partial_shared_mapping`: maps `length` bytes of
    /// the shared frames from byte `phys_offset` (the reference is consumed).
    pub fn map_partial_shared_mapping(
        &mut self,
        shared_mapping: SharedFrames,
        address: VirtualAddress,
        phys_offset: usize,
        length: usize,
        ty: MemoryType,
        flags: MappingAccessRights,
    ) -> Result<(), KernelError> {
        let (a, o, l) = (to_u32(address.0, "address"), to_u32(phys_offset, "offset"), to_u32(length, "length"));
        if shared_mapping.gen() != self.gen {
            // check (and refuse) the stale one before giving anything away
            let g = shared_mapping.gen();
            call0(Some(g), || ffi::SRP_OK);
            call0(Some(self.gen), || ffi::SRP_OK);
        }
        let (p, (s, _)) = (self.ptr, shared_mapping.into_raw());
        // SAFETY: panic-armed shim call under the port lock on current
        // handles; the reference `s` is handed to the port.
        with_err(self.gen, |e| unsafe { ffi::srp_map_partial_shared_mapping(p, s, a, o, l, ty as u32, flags.bits(), e) })
    }

    /// `ProcessMemory::guard`: a frameless mapping written as guard entries.
    pub fn guard(&mut self, address: VirtualAddress, length: usize, ty: MemoryType) -> Result<(), KernelError> {
        let (a, l, p) = (to_u32(address.0, "address"), to_u32(length, "length"), self.ptr);
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_guard(p, a, l, ty as u32, e) })
    }

    /// `ProcessMemory::unmap`: removes the mapping that starts at `address`
    /// and is exactly `length` long, and returns it (its frames are freed
    /// when it is dropped).
    pub fn unmap(&mut self, address: VirtualAddress, length: usize) -> Result<Mapping, KernelError> {
        let (a, l, p) = (to_u32(address.0, "address"), to_u32(length, "length"), self.ptr);
        let mut out: *mut c_void = ptr::null_mut();
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_unmap(p, a, l, e, &mut out) })?;
        Ok(Mapping::owned(out, self.gen))
    }

    /// `ProcessMemory::query_memory`.
    pub fn query_memory(&self, address: VirtualAddress) -> QueryMemory<'_> {
        let (a, p) = (to_u32(address.0, "address"), self.ptr);
        let mut info = SrpMappingInfo::default();
        let mut used: *const c_void = ptr::null();
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        call0(Some(self.gen), || unsafe { ffi::srp_query_memory(p, a, &mut info, &mut used) });
        if used.is_null() {
            QueryMemory::Available(Mapping::hole(info, self.gen))
        } else {
            QueryMemory::Used(MappingRef { mapping: Mapping::stored(info, used, self.gen), _borrow: PhantomData })
        }
    }

    /// `self.userspace_bookkeping.occupied_mapping_at(address)` (a private
    /// field upstream): the mapping `address` falls in, `InvalidAddress` in
    /// a hole.
    pub fn occupied_mapping_at(&self, address: VirtualAddress) -> Result<MappingRef<'_>, KernelError> {
        let (a, p) = (to_u32(address.0, "address"), self.ptr);
        let mut info = SrpMappingInfo::default();
        let mut out: *const c_void = ptr::null();
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_occupied_mapping_at(p, a, e, &mut info, &mut out) })?;
        Ok(MappingRef { mapping: Mapping::stored(info, out, self.gen), _borrow: PhantomData })
    }

    /// `ProcessMemory::expand_mapping`: grows the Heap mapping at `address`
    /// to `new_size`.
    pub fn expand_mapping(&mut self, address: VirtualAddress, new_size: usize) -> Result<(), KernelError> {
        let (a, n, p) = (to_u32(address.0, "address"), to_u32(new_size, "size"), self.ptr);
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_expand_mapping(p, a, n, e) })
    }

    /// `ProcessMemory::find_available_space`: the first hole of at least
    /// `length` bytes from the start of UserLand.
    pub fn find_available_space(&self, length: usize) -> Result<VirtualAddress, KernelError> {
        let (l, p) = (to_u32(length, "length"), self.ptr);
        let mut out = 0u32;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_find_available_space(p, l, e, &mut out) })?;
        Ok(VirtualAddress(out as usize))
    }

    /// `ProcessMemory::mirror_mapping`: mirrors `length` bytes from `address`
    /// of a shared mapping in KernelLand.
    pub fn mirror_mapping(&self, address: VirtualAddress, length: usize) -> Result<CrossProcessMapping, KernelError> {
        let (a, l, p) = (to_u32(address.0, "address"), to_u32(length, "length"), self.ptr);
        let mut out: *mut c_void = ptr::null_mut();
        let (mut addr, mut len) = (0u32, 0u32);
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_mirror_mapping(p, a, l, e, &mut out, &mut addr, &mut len) })?;
        Ok(CrossProcessMapping { ptr: out, addr, len, gen: self.gen })
    }

    /// `ProcessMemory::resize_heap`: creates or grows the heap (shrinking is
    /// ignored, as upstream); returns its address.
    pub fn resize_heap(&mut self, new_size: usize) -> Result<VirtualAddress, KernelError> {
        let (n, p) = (to_u32(new_size, "size"), self.ptr);
        let mut out = 0u32;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe { ffi::srp_resize_heap(p, n, e, &mut out) })?;
        Ok(VirtualAddress(out as usize))
    }

    /// `ProcessMemory::switch_to`: makes these page tables the active ones.
    pub fn switch_to(&mut self) {
        let p = self.ptr;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        call0(Some(self.gen), || unsafe { ffi::srp_switch_to(p) });
    }

    /// `ProcessMemory::check_range`: whether `[addr, addr + size)` has one
    /// state and permissions throughout, matching the masks (the attribute
    /// arguments are ignored, as upstream).
    #[allow(clippy::too_many_arguments)]
    pub fn check_range(
        &self,
        addr: VirtualAddress,
        size: usize,
        state_mask: MemoryState,
        state_expected: MemoryState,
        perms_mask: MemoryPermissions,
        perms_expected: MemoryPermissions,
        attrs_mask: MemoryAttributes,
        attrs_expected: MemoryAttributes,
        attrs_ignore_mask: MemoryAttributes,
    ) -> Result<(MemoryState, MemoryPermissions, MemoryAttributes), KernelError> {
        let (a, s, p) = (to_u32(addr.0, "address"), to_u32(size, "size"), self.ptr);
        let mut out = [0u32; 3];
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        with_err(self.gen, |e| unsafe {
            ffi::srp_check_range(
                p,
                a,
                s,
                state_mask.bits(),
                state_expected.bits(),
                perms_mask.bits(),
                perms_expected.bits(),
                attrs_mask.bits(),
                attrs_expected.bits(),
                attrs_ignore_mask.bits(),
                e,
                out.as_mut_ptr(),
            )
        })?;
        Ok((
            MemoryState::from_bits_truncate(out[0]),
            MemoryPermissions::from_bits_truncate(out[1]),
            MemoryAttributes::from_bits_truncate(out[2]),
        ))
    }

    /// `self.get_hierarchy().for_every_entry(address, length, callback)`
    /// (private upstream): every entry of this process's page tables
    /// covering `[address, address + length)`, with the span it maps. The
    /// port walks first; `callback` runs after, outside the port.
    ///
    /// A kernel panic when `address` or `length` is not page aligned.
    pub fn for_every_entry<C>(&mut self, address: VirtualAddress, length: usize, mut callback: C)
    where
        C: FnMut(PageState<PhysicalAddress>, usize),
    {
        extern "C" fn collect(ctx: *mut c_void, kind: u32, addr: u32, length: u32) {
            // SAFETY: ctx is the Vec passed below, alive for the whole walk;
            // pushing cannot unwind (only allocation failure, which aborts).
            let v = unsafe { &mut *(ctx as *mut Vec<(u32, u32, u32)>) };
            v.push((kind, addr, length));
        }
        let (a, l, p) = (to_u32(address.0, "address"), to_u32(length, "length"), self.ptr);
        let mut entries: Vec<(u32, u32, u32)> = Vec::new();
        let ctx = &mut entries as *mut Vec<(u32, u32, u32)> as *mut c_void;
        // SAFETY: panic-armed shim call under the port lock on a current
        // handle; the callback only appends to `entries`.
        call0(Some(self.gen), || unsafe { ffi::srp_for_every_entry(p, a, l, collect, ctx) });
        for (kind, addr, len) in entries {
            let st = match kind {
                0 => PageState::Available,
                1 => PageState::Guarded,
                _ => PageState::Present(PhysicalAddress(addr as usize)),
            };
            callback(st, len as usize);
        }
    }
}
