//! C replaces Rust: upstream's `paging/bookkeeping.rs` (`UserspaceBookkeeping`,
//! `QueryMemory`) over the C port's `bookkeeping.c` (rung 5: upstream's Rust
//! `ProcessMemory` above it). Mappings are C's; upstream's Rust `Mapping` is
//! the value that crosses (see `frames.rs`):
//!
//! * `add_mapping(Mapping)`: handed over to C (`c_mapping_of`);
//! * `remove_mapping` returns C's mapping handed over to Rust (`owned_of`);
//! * `mapping_at`/`occupied_mapping_at` lend `&Mapping`: a Rust copy owning
//!   nothing, kept in the bookkeeping until its next `&mut self` call or its
//!   drop (the borrow checker orders them after every use of the reference),
//!   and remembered with its C mapping so that `CrossProcessMapping::
//!   mirror_mapping(&Mapping, ..)` can find C's.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt;
use std::os::raw::c_void;

use super::mapping::{Mapping, MappingFrames};
use crate::error::KernelError;
use crate::mem::VirtualAddress;
use crate::mix::frames::{c_mapping_of, owned_of, rust_mapping, view_of};
use crate::mix::glue::{self, ffi, u32_of};

/// `bookkeeping::QueryMemory`.
#[derive(Debug)]
pub enum QueryMemory<'a> {
    /// The address fell in an available range.
    Available(Mapping),
    /// The address fell in an existing mapping.
    Used(&'a Mapping),
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

/// Lent Rust copies -> their C mapping (for `CrossProcessMapping::mirror_mapping`).
static mut LENT: Vec<(usize, usize)> = Vec::new();

/// The C mapping a `&Mapping` lent by a C bookkeeping copies, if it is one.
pub fn c_mapping_behind(m: &Mapping) -> Option<*const c_void> {
    // SAFETY: single-threaded kernel.
    unsafe { LENT.iter().find(|(v, _)| *v == m as *const Mapping as usize).map(|&(_, c)| c as *const c_void) }
}

/// `bookkeeping::UserspaceBookkeeping`: a C `userspace_bookkeeping`.
pub struct UserspaceBookkeeping {
    bk: *mut c_void,
    views: UnsafeCell<Vec<Box<Mapping>>>,
}

impl fmt::Debug for UserspaceBookkeeping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserspaceBookkeeping {{ in C }}")
    }
}

impl Drop for UserspaceBookkeeping {
    fn drop(&mut self) {
        self.forget_views();
        // SAFETY: ours; C drops its mappings (and their frames).
        unsafe { ffi::srp_bk_drop(self.bk) };
    }
}

impl UserspaceBookkeeping {
    /// `UserspaceBookkeeping::new`.
    pub fn new() -> Self {
        let mut bk = core::ptr::null_mut();
        unsafe { ffi::srp_bk_new(&mut bk) };
        UserspaceBookkeeping { bk, views: UnsafeCell::new(Vec::new()) }
    }

    fn forget_views(&mut self) {
        let views = self.views.get_mut();
        // SAFETY: single-threaded kernel.
        unsafe { LENT.retain(|(v, _)| !views.iter().any(|b| &**b as *const Mapping as usize == *v)) };
        views.clear();
    }

    fn lend(&self, c: *const c_void) -> &Mapping {
        let view = Box::new(view_of(c));
        let p: *const Mapping = &*view;
        // SAFETY: the box is kept (never moved, never dropped) until the next
        // `&mut self` call, which cannot happen while the borrow lives.
        unsafe {
            (*self.views.get()).push(view);
            LENT.push((p as usize, c as usize));
            &*p
        }
    }

    /// `UserspaceBookkeeping::mapping_at`.
    pub fn mapping_at(&self, address: VirtualAddress) -> QueryMemory<'_> {
        let mut info = ffi::SrpMappingInfo::default();
        let mut used: *const c_void = core::ptr::null();
        unsafe { ffi::srp_bk_mapping_at(self.bk, u32_of(address.addr()), &mut info, &mut used) };
        if used.is_null() {
            QueryMemory::Available(rust_mapping(&info, MappingFrames::None))
        } else {
            QueryMemory::Used(self.lend(used))
        }
    }

    /// `UserspaceBookkeeping::occupied_mapping_at`.
    pub fn occupied_mapping_at(&self, address: VirtualAddress) -> Result<&Mapping, KernelError> {
        let mut err = ffi::SrpErr::default();
        let mut m: *const c_void = core::ptr::null();
        unsafe { ffi::srp_bk_occupied_mapping_at(self.bk, u32_of(address.addr()), &mut err, &mut m) };
        glue::check(&err)?;
        Ok(self.lend(m))
    }

    /// `UserspaceBookkeeping::is_vacant`.
    pub fn is_vacant(&self, address: VirtualAddress, length: usize) -> Result<bool, KernelError> {
        let mut err = ffi::SrpErr::default();
        let mut out = 0u32;
        unsafe { ffi::srp_bk_is_vacant(self.bk, u32_of(address.addr()), u32_of(length), &mut err, &mut out) };
        glue::check(&err).map(|()| out != 0)
    }

    /// `UserspaceBookkeeping::check_vacant`.
    pub fn check_vacant(&self, address: VirtualAddress, length: usize) -> Result<(), KernelError> {
        let mut err = ffi::SrpErr::default();
        unsafe { ffi::srp_bk_check_vacant(self.bk, u32_of(address.addr()), u32_of(length), &mut err) };
        glue::check(&err)
    }

    /// `UserspaceBookkeeping::add_mapping`: the mapping is handed over to C.
    pub fn add_mapping(&mut self, mapping: Mapping) -> Result<(), KernelError> {
        self.forget_views();
        let m = c_mapping_of(mapping)?;
        let mut err = ffi::SrpErr::default();
        unsafe { ffi::srp_bk_add_mapping(self.bk, m, &mut err) };
        glue::check(&err)
    }

    /// `UserspaceBookkeeping::remove_mapping`: C's mapping, handed over to Rust.
    pub fn remove_mapping(&mut self, address: VirtualAddress, length: usize) -> Result<Mapping, KernelError> {
        self.forget_views();
        let mut err = ffi::SrpErr::default();
        let mut m = core::ptr::null_mut();
        unsafe { ffi::srp_bk_remove_mapping(self.bk, u32_of(address.addr()), u32_of(length), &mut err, &mut m) };
        glue::check(&err)?;
        Ok(owned_of(m))
    }

    /// `UserspaceBookkeeping::find_available_space`.
    pub fn find_available_space(&self, length: usize) -> Result<VirtualAddress, KernelError> {
        let mut err = ffi::SrpErr::default();
        let mut out = 0u32;
        unsafe { ffi::srp_bk_find_available_space(self.bk, u32_of(length), &mut err, &mut out) };
        glue::check(&err).map(|()| VirtualAddress(out as usize))
    }
}
