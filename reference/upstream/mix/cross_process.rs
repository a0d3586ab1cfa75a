//! C replaces Rust: upstream's `paging/cross_process.rs`, the
//! `CrossProcessMapping` a `ProcessMemory::mirror_mapping` returns, over the
//! C port's `cross_process_mapping` (top rung). The C mirror holds its own
//! reference to the mapping's shared frames; dropping the Rust value drops the
//! C one, which unmaps the KernelLand pages and releases that reference.

use core::fmt;
use std::os::raw::c_void;

use crate::error::KernelError;
use crate::mem::VirtualAddress;
use crate::mix::glue::{self, ffi, u32_of};

/// `paging::cross_process::CrossProcessMapping`.
pub struct CrossProcessMapping {
    c: *mut c_void,
    kernel_address: VirtualAddress,
    len: usize,
}

impl CrossProcessMapping {
    /// Takes ownership of the C mirror `c`.
    pub(crate) fn from_c(c: *mut c_void, kernel_address: VirtualAddress, len: usize) -> CrossProcessMapping {
        CrossProcessMapping { c, kernel_address, len }
    }

    /// `CrossProcessMapping::mirror_mapping` (rung 5, called by upstream's
    /// Rust `ProcessMemory` with a mapping its C bookkeeping lent).
    #[cfg(sr_mix_c_bookkeeping)]
    pub fn mirror_mapping(mapping: &super::mapping::Mapping, offset: usize, len: usize) -> Result<CrossProcessMapping, KernelError> {
        let m = super::bookkeeping::c_mapping_behind(mapping)
            .expect("mix glue: a mirror of a mapping that is not in C's bookkeeping");
        let mut err = ffi::SrpErr::default();
        let mut c = core::ptr::null_mut();
        let (mut a, mut l) = (0u32, 0u32);
        unsafe { ffi::srp_mirror_of_mapping(m, u32_of(offset), u32_of(len), &mut err, &mut c, &mut a, &mut l) };
        glue::check(&err)?;
        Ok(CrossProcessMapping::from_c(c, VirtualAddress(a as usize), l as usize))
    }

    /// `CrossProcessMapping::addr`.
    pub fn addr(&self) -> VirtualAddress {
        self.kernel_address
    }

    /// `CrossProcessMapping::len`.
    pub fn len(&self) -> usize {
        self.len
    }
}

impl fmt::Debug for CrossProcessMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CrossProcessMapping {{ kernel_address: {:?}, len: {:#x}, in C }}", self.kernel_address, self.len)
    }
}

impl Drop for CrossProcessMapping {
    fn drop(&mut self) {
        // SAFETY: the mirror is ours; the shim unmaps it and frees its box.
        unsafe { ffi::srp_mirror_drop(self.c) };
    }
}
