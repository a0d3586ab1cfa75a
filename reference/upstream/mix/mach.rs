//! Rust serving C: the machine interface the C port needs
//! (`c/include/sunrise_mm/mach.h`), implemented by the mixed build's kernel,
//! i.e. the simulated machine under upstream's Rust (`src/machine.rs`) and
//! its global allocator. C and Rust therefore share one cr3, one TLB, one
//! set of page-table windows and one heap.
//!
//! * `mach_kptr(va)` is `va`: KernelLand and RecursiveTablesLand are real
//!   addresses in linear memory (the windows), as they are for upstream's
//!   Rust and as on i386.
//! * `mach_flush_tlb` and `mach_swap_cr3` resynchronise the windows, as the
//!   replacement of upstream's `arch/i386/mod.rs` does for the Rust side.
//! * `mach_is_paging_on` faults (a kernel panic) when the active directory's
//!   recursive address is unmapped, as the Rust side's `is_paging_on`.
//! * `mach_panic` is a Rust panic: the panic hook prints it and the build
//!   aborts (`panic=abort`), so nothing unwinds through C frames.
//! * `mach_alloc`/`mach_free` use the global allocator with a size header
//!   (C's free has no size).

use std::alloc::{alloc, dealloc, Layout};
use std::os::raw::c_char;

#[no_mangle]
pub extern "C" fn mach_kptr(va: u32) -> *mut u8 {
    va as usize as *mut u8
}

#[no_mangle]
pub extern "C" fn mach_read_cr3() -> u32 {
    crate::machine::read_cr3()
}

#[no_mangle]
pub extern "C" fn mach_swap_cr3(dir: u32) -> u32 {
    crate::machine::swap_cr3(dir)
}

#[no_mangle]
pub extern "C" fn mach_flush_tlb() {
    crate::machine::sync();
}

#[no_mangle]
pub extern "C" fn mach_is_paging_on() -> bool {
    crate::machine::check_kernel_access(0xffff_f000);
    true
}

#[no_mangle]
pub unsafe extern "C" fn mach_panic(msg: *const c_char) -> ! {
    let text = if msg.is_null() {
        String::from("(no message)")
    } else {
        std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned()
    };
    panic!("{}", text);
}

/// Bytes before each block handed to C: its total size (8 keeps the
/// block 8-aligned, as malloc's).
const HEADER: usize = 8;

#[no_mangle]
pub unsafe extern "C" fn mach_alloc(size: usize) -> *mut u8 {
    let total = match size.checked_add(HEADER) {
        Some(t) => t,
        None => return std::ptr::null_mut(),
    };
    let layout = match Layout::from_size_align(total, 8) {
        Ok(l) => l,
        Err(_) => return std::ptr::null_mut(),
    };
    let p = alloc(layout);
    if p.is_null() {
        return p;
    }
    (p as *mut usize).write(total);
    p.add(HEADER)
}

#[no_mangle]
pub unsafe extern "C" fn mach_free(p: *mut u8) {
    if p.is_null() {
        return;
    }
    let base = p.sub(HEADER);
    let total = (base as *const usize).read();
    dealloc(base, Layout::from_size_align_unchecked(total, 8));
}
