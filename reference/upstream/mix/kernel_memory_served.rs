//! Rust serving C (rungs 2 to 4): below rung 5 the kernel memory is upstream's
//! Rust `KernelMemory`, but the C port's tables (`arch/i386/table.c`) map an
//! inactive hierarchy's tables into KernelLand through it. These `extern "C"`
//! functions are the C port's `kernel_memory.h` entry points the tables use,
//! served by upstream's `get_kernel_memory()` (the build leaves the C
//! `kernel_memory.c` out, so there is one kernel memory).
//!
//! Ownership: `kernel_memory_map_phys_region_to` receives a C
//! `physical_mem_region` by value and hands it to upstream's
//! `map_phys_region_to` as a `PhysicalMemRegion` (its `Drop` then frees into
//! the C allocator when KernelLand unmaps it, as upstream's does).

use std::os::raw::c_void;

use crate::frame_allocator::PhysicalMemRegion;
use crate::mem::VirtualAddress;
use crate::mix::glue::ffi;
use crate::paging::kernel_memory::get_kernel_memory;
use crate::paging::MappingAccessRights;

/// The C `physical_mem_region`, field for field.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CRegion {
    frames: u32,
    start_addr: u32,
    should_free_on_drop: bool,
}

/// Stands for the C `kernel_memory` (C only passes it back to us).
static KERNEL_MEMORY_TOKEN: u8 = 0;

extern "C" {
    /// The C port's one `ActiveHierarchy` (`table_hierarchy` first).
    static mut ACTIVE_HIERARCHY: u8;
}

#[export_name = "get_kernel_memory"]
pub extern "C" fn c_get_kernel_memory() -> *mut c_void {
    &KERNEL_MEMORY_TOKEN as *const u8 as *mut c_void
}

#[no_mangle]
pub extern "C" fn kernel_memory_get_hierarchy(_km: *mut c_void) -> *mut c_void {
    // SAFETY: only its address is taken.
    unsafe { &mut ACTIVE_HIERARCHY as *mut u8 as *mut c_void }
}

#[no_mangle]
pub unsafe extern "C" fn kernel_memory_find_virtual_space(_km: *mut c_void, length: u32, out: *mut u32) -> ffi::SrpErr {
    match get_kernel_memory().find_virtual_space(length as usize) {
        Ok(va) => {
            *out = va.addr() as u32;
            ffi::SrpErr::default()
        }
        Err(e) => ffi::SrpErr { kind: crate::mix::glue::kind_of(&e), ..ffi::SrpErr::default() },
    }
}

#[no_mangle]
pub extern "C" fn kernel_memory_map_phys_region_to(_km: *mut c_void, phys: CRegion, address: u32, flags: u32) {
    let region = PhysicalMemRegion::from_raw(ffi::SrpRegion {
        start: phys.start_addr,
        frames: phys.frames,
        free_on_drop: phys.should_free_on_drop as u32,
    });
    get_kernel_memory().map_phys_region_to(region, VirtualAddress(address as usize),
                                           MappingAccessRights::from_bits_truncate(flags));
}

#[no_mangle]
pub extern "C" fn kernel_memory_unmap_no_dealloc(_km: *mut c_void, address: u32, length: u32) {
    get_kernel_memory().unmap_no_dealloc(VirtualAddress(address as usize), length as usize);
}
