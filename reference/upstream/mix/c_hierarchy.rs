//! The C port's hierarchies as upstream's `ActiveHierarchy` and
//! `InactiveHierarchy` (rungs 2 to 5, where `paging/arch/i386/table.rs` is
//! C's): `InactiveHierarchyTrait` and `Drop` call C for everything. How the
//! `TableHierarchy` operations cross differs by rung and is implemented by
//! the rung's replacement of `table.rs` (`i386_tables.rs`: upstream's Rust
//! walks over C's tables; `table.rs`: C's walks), which re-exports these two
//! types.

use core::fmt;
use std::os::raw::c_void;

use crate::mix::glue::ffi;
use crate::paging::InactiveHierarchyTrait;

/// `ActiveHierarchy`: C's `ACTIVE_HIERARCHY`, the hierarchy in cr3.
#[derive(Debug)]
pub struct ActiveHierarchy;

/// `InactiveHierarchy`: a C `inactive_hierarchy`, which owns its directory
/// frame (and its UserLand page tables) on the C side.
pub struct InactiveHierarchy {
    h: *mut c_void,
}

impl InactiveHierarchy {
    /// The C `inactive_hierarchy` (the shim's `h`).
    pub fn c(&self) -> *mut c_void {
        self.h
    }
}

impl fmt::Debug for InactiveHierarchy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut dir = 0;
        unsafe { ffi::srp_hier_directory(self.h, &mut dir) };
        write!(f, "InactiveHierarchy {{ directory_physical_address: P {:#010x}, in C }}", dir)
    }
}

impl InactiveHierarchyTrait for InactiveHierarchy {
    fn new() -> Self {
        let mut h = core::ptr::null_mut();
        unsafe { ffi::srp_hier_new(0, &mut h) };
        InactiveHierarchy { h }
    }

    fn switch_to(&mut self) {
        unsafe { ffi::srp_hier_switch_to(self.h) };
    }

    fn copy_active_kernel_space(&mut self) {
        unsafe { ffi::srp_hier_copy_active_kernel_space(self.h) };
    }

    fn is_currently_active(&self) -> bool {
        let mut out = 0;
        unsafe { ffi::srp_hier_is_currently_active(self.h, &mut out) };
        out != 0
    }

    unsafe fn from_currently_active() -> Self {
        let mut h = core::ptr::null_mut();
        ffi::srp_hier_new(1, &mut h);
        InactiveHierarchy { h }
    }
}

impl Drop for InactiveHierarchy {
    /// C's: frees the UserLand page tables and the directory (a kernel panic
    /// when it is the active hierarchy, as upstream).
    fn drop(&mut self) {
        unsafe { ffi::srp_hier_drop(self.h, 0) };
    }
}
