//! C replaces Rust: upstream's `paging/process_memory.rs` with the same public
//! API, over the C port's `process_memory.c` (and so over all of the C port's
//! paging: bookkeeping, mappings, tables, kernel memory), through the shim
//! `reference/cport/csrc/srp.c`. Used by the top rung (ProcessMemory = all C).
//!
//! What crosses the boundary, and how ownership is handed over:
//!
//! * `PhysicalMemRegion` into `map_phys_region_to`: moved into C
//!   (`into_raw`); the C mapping now frees its frames.
//! * `Arc<SpinRwLock<Vec<PhysicalMemRegion>>>` into `map_partial_shared_mapping`:
//!   the first time such a vector meets C, its frames move into a new C
//!   `shared_frames` and every region of the vector becomes a handle on it
//!   holding one reference (same `Arc`, so every Rust clone sees the change);
//!   C gets one more reference for its mapping. From then on the frames are
//!   freed when the last reference, Rust handle or C mapping, is gone: once.
//! * A `Mapping` out of C (`unmap`): an owned mapping's regions are moved out of
//!   the C mapping (which then frees nothing) into Rust regions that free them
//!   on `Drop`; a shared one becomes an `Arc` of handles, each taking a reference
//!   before C's mapping (and its reference) is dropped.
//! * `QueryMemory::Used(&Mapping)`: upstream lends a reference into its
//!   bookkeeping; C's mapping is not a Rust value, so a Rust copy of it is made
//!   and kept in the process (`views`) until the next `&mut self` call or the
//!   drop: owned frames as non-freeing regions, shared frames as handles.
//! * `KernelError`: the C `kernel_error` with its payload (`glue::check`).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt;
use std::os::raw::c_void;

pub use super::bookkeeping::QueryMemory;
use super::cross_process::CrossProcessMapping;
use super::mapping::{Mapping, MappingFrames};
use super::MappingAccessRights;
use crate::error::KernelError;
use crate::frame_allocator::PhysicalMemRegion;
use crate::mem::VirtualAddress;
use crate::mix::glue::{self, ffi, u32_of};
use sunrise_libkern::{MemoryAttributes, MemoryPermissions, MemoryState, MemoryType};


use crate::mix::frames::{c_shared_of, owned_of, rust_mapping, view_of, Shared};

/// `paging::process_memory::ProcessMemory`: a C `process_memory`.
pub struct ProcessMemory {
    pm: *mut c_void,
    /// Rust copies of C mappings lent out by `query_memory`.
    views: UnsafeCell<Vec<Box<Mapping>>>,
}

impl fmt::Debug for ProcessMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut dir = 0;
        // SAFETY: live process, valid out-pointer.
        unsafe { ffi::srp_process_directory(self.pm, &mut dir) };
        write!(f, "ProcessMemory {{ table_hierarchy: InactiveHierarchy {{ directory_physical_address: P {:#010x} }}, in C }}", dir)
    }
}

impl Default for ProcessMemory {
    fn default() -> Self {
        let mut pm = core::ptr::null_mut();
        // SAFETY: the shim allocates and initialises a process.
        unsafe { ffi::srp_process_new(&mut pm) };
        ProcessMemory { pm, views: UnsafeCell::new(Vec::new()) }
    }
}

impl Drop for ProcessMemory {
    fn drop(&mut self) {
        self.forget_views();
        // SAFETY: the process is ours; C panics on the active one, as upstream.
        unsafe { ffi::srp_process_drop(self.pm) };
    }
}

/// `ty` as the C `memory_type` (the same numbering).
fn c_ty(ty: MemoryType) -> u32 {
    ty as u32
}

impl ProcessMemory {
    fn forget_views(&mut self) {
        self.views.get_mut().clear();
    }

    /// `ProcessMemory::map_phys_region_to`.
    pub fn map_phys_region_to(&mut self, phys: PhysicalMemRegion, address: VirtualAddress, ty: MemoryType,
                              flags: MappingAccessRights) -> Result<(), KernelError> {
        self.forget_views();
        let mut err = ffi::SrpErr::default();
        unsafe { ffi::srp_map_phys_region_to(self.pm, phys.into_raw(), u32_of(address.addr()), c_ty(ty), flags.bits(), &mut err) };
        glue::check(&err)
    }

    /// `ProcessMemory::create_regular_mapping`.
    pub fn create_regular_mapping(&mut self, address: VirtualAddress, length: usize, ty: MemoryType,
                                  flags: MappingAccessRights) -> Result<(), KernelError> {
        self.forget_views();
        let mut err = ffi::SrpErr::default();
        unsafe { ffi::srp_create_regular_mapping(self.pm, u32_of(address.addr()), u32_of(length), c_ty(ty), flags.bits(), &mut err) };
        glue::check(&err)
    }

    /// `ProcessMemory::map_partial_shared_mapping`.
    pub fn map_partial_shared_mapping(&mut self, shared_mapping: Shared, address: VirtualAddress, phys_offset: usize,
                                      length: usize, ty: MemoryType, flags: MappingAccessRights) -> Result<(), KernelError> {
        self.forget_views();
        let s = c_shared_of(&shared_mapping);
        drop(shared_mapping);
        let mut err = ffi::SrpErr::default();
        unsafe {
            ffi::srp_map_partial_shared_mapping(self.pm, s, u32_of(address.addr()), u32_of(phys_offset), u32_of(length),
                                                c_ty(ty), flags.bits(), &mut err)
        };
        glue::check(&err)
    }

    /// `ProcessMemory::guard`.
    pub fn guard(&mut self, address: VirtualAddress, length: usize, ty: MemoryType) -> Result<(), KernelError> {
        self.forget_views();
        let mut err = ffi::SrpErr::default();
        unsafe { ffi::srp_guard(self.pm, u32_of(address.addr()), u32_of(length), c_ty(ty), &mut err) };
        glue::check(&err)
    }

    /// `ProcessMemory::unmap`: the C mapping, handed over to Rust.
    pub fn unmap(&mut self, address: VirtualAddress, length: usize) -> Result<Mapping, KernelError> {
        self.forget_views();
        let mut err = ffi::SrpErr::default();
        let mut m = core::ptr::null_mut();
        unsafe { ffi::srp_unmap(self.pm, u32_of(address.addr()), u32_of(length), &mut err, &mut m) };
        glue::check(&err)?;
        Ok(owned_of(m))
    }

    /// `ProcessMemory::query_memory`.
    pub fn query_memory(&self, address: VirtualAddress) -> QueryMemory<'_> {
        let mut info = ffi::SrpMappingInfo::default();
        let mut used: *const c_void = core::ptr::null();
        unsafe { ffi::srp_query_memory(self.pm, u32_of(address.addr()), &mut info, &mut used) };
        if used.is_null() {
            return QueryMemory::Available(rust_mapping(&info, MappingFrames::None));
        }
        let view = Box::new(view_of(used));
        let p: *const Mapping = &*view;
        // SAFETY: the box is kept (never moved, never dropped) until the next
        // `&mut self` call, which cannot happen while the borrow lives.
        unsafe {
            (*self.views.get()).push(view);
            QueryMemory::Used(&*p)
        }
    }

    /// `ProcessMemory::expand_mapping`.
    pub fn expand_mapping(&mut self, address: VirtualAddress, new_size: usize) -> Result<(), KernelError> {
        self.forget_views();
        let mut err = ffi::SrpErr::default();
        unsafe { ffi::srp_expand_mapping(self.pm, u32_of(address.addr()), u32_of(new_size), &mut err) };
        glue::check(&err)
    }

    /// `ProcessMemory::find_available_space`.
    pub fn find_available_space(&self, length: usize) -> Result<VirtualAddress, KernelError> {
        let mut err = ffi::SrpErr::default();
        let mut out = 0u32;
        unsafe { ffi::srp_find_available_space(self.pm, u32_of(length), &mut err, &mut out) };
        glue::check(&err).map(|()| VirtualAddress(out as usize))
    }

    /// `ProcessMemory::mirror_mapping`.
    pub fn mirror_mapping(&self, address: VirtualAddress, length: usize) -> Result<CrossProcessMapping, KernelError> {
        let mut err = ffi::SrpErr::default();
        let mut c = core::ptr::null_mut();
        let (mut a, mut l) = (0u32, 0u32);
        unsafe { ffi::srp_mirror_mapping(self.pm, u32_of(address.addr()), u32_of(length), &mut err, &mut c, &mut a, &mut l) };
        glue::check(&err)?;
        Ok(CrossProcessMapping::from_c(c, VirtualAddress(a as usize), l as usize))
    }

    /// `ProcessMemory::resize_heap`.
    pub fn resize_heap(&mut self, new_size: usize) -> Result<VirtualAddress, KernelError> {
        self.forget_views();
        let mut err = ffi::SrpErr::default();
        let mut out = 0u32;
        unsafe { ffi::srp_resize_heap(self.pm, u32_of(new_size), &mut err, &mut out) };
        glue::check(&err).map(|()| VirtualAddress(out as usize))
    }

    /// `ProcessMemory::switch_to`.
    pub fn switch_to(&mut self) {
        self.forget_views();
        unsafe { ffi::srp_switch_to(self.pm) };
    }

    /// `ProcessMemory::check_range`.
    #[allow(clippy::too_many_arguments)]
    pub fn check_range(&self, addr: VirtualAddress, size: usize,
                       state_mask: MemoryState, state_expected: MemoryState,
                       perms_mask: MemoryPermissions, perms_expected: MemoryPermissions,
                       attrs_mask: MemoryAttributes, attrs_expected: MemoryAttributes,
                       attrs_ignore_mask: MemoryAttributes) -> Result<(MemoryState, MemoryPermissions, MemoryAttributes), KernelError> {
        let mut err = ffi::SrpErr::default();
        let mut out = [0u32; 3];
        unsafe {
            ffi::srp_check_range(self.pm, u32_of(addr.addr()), u32_of(size), state_mask.bits(), state_expected.bits(),
                                 perms_mask.bits(), perms_expected.bits(), attrs_mask.bits(), attrs_expected.bits(),
                                 attrs_ignore_mask.bits(), &mut err, out.as_mut_ptr())
        };
        glue::check(&err)?;
        Ok((MemoryState::from_bits_truncate(out[0]), MemoryPermissions::from_bits_truncate(out[1]),
            MemoryAttributes::from_bits_truncate(out[2])))
    }
}
