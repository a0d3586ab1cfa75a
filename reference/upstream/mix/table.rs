//! C replaces Rust: upstream's `paging/arch/i386/table.rs` (`ActiveHierarchy`,
//! `InactiveHierarchy`) over the C port's `arch/i386/table.c` and
//! `hierarchical_table.c` (rungs 3 to 5). Upstream's traits (`TableHierarchy`,
//! `InactiveHierarchyTrait`, from its unmodified `hierarchical_table.rs`) are
//! implemented by calling C for every operation, as upstream's own
//! `DynamicHierarchy` does for its two hierarchies: the tables are walked and
//! changed by C only. Frames cross as plain addresses (`map_to_from_iterator`
//! collects the iterator; `unmap` calls the Rust callback for each frame C
//! unmaps); the hierarchy owns its directory frame on the C side
//! (`mix/c_hierarchy.rs`, shared with rung 2).

use std::os::raw::c_void;

use super::super::super::hierarchical_table::{PageState, SmartHierarchicalTable, TableHierarchy};
use super::super::super::MappingAccessRights;
use crate::mem::{PhysicalAddress, VirtualAddress};
use crate::mix::glue::{ffi, u32_of};

pub use crate::mix::c_hierarchy::{ActiveHierarchy, InactiveHierarchy};

extern "C" fn frame_cb<C: FnMut(PhysicalAddress)>(ctx: *mut c_void, paddr: u32) {
    // SAFETY: ctx is the `&mut C` passed below, live for the call.
    let cb = unsafe { &mut *(ctx as *mut C) };
    cb(PhysicalAddress(paddr as usize))
}

extern "C" fn entry_cb<C: FnMut(PageState<PhysicalAddress>, usize)>(ctx: *mut c_void, kind: u32, addr: u32, length: u32) {
    // SAFETY: ctx is the `&mut C` passed below, live for the call.
    let cb = unsafe { &mut *(ctx as *mut C) };
    let state = match kind {
        0 => PageState::Available,
        1 => PageState::Guarded,
        _ => PageState::Present(PhysicalAddress(addr as usize)),
    };
    cb(state, length as usize)
}

/// The TableHierarchy operations on the C hierarchy `h` (null: the active one).
macro_rules! c_table_hierarchy {
    ($t:ty, $h:expr) => {
        impl TableHierarchy for $t {
            type TopLevelTableType = ();

            fn get_top_level_table(&mut self) -> SmartHierarchicalTable<()> {
                panic!("mix glue: the C hierarchy implements every operation");
            }

            fn map_to_from_iterator<I>(&mut self, frames_iterator: I, start_address: VirtualAddress, flags: MappingAccessRights)
            where I: Iterator<Item = PhysicalAddress> {
                let frames: Vec<u32> = frames_iterator.map(|f| u32_of(f.addr())).collect();
                unsafe { ffi::srp_th_map_frames($h(self), frames.as_ptr(), frames.len() as u32, u32_of(start_address.addr()), flags.bits()) };
            }

            fn guard(&mut self, address: VirtualAddress, length: usize) {
                unsafe { ffi::srp_th_guard($h(self), u32_of(address.addr()), u32_of(length)) };
            }

            fn unmap<C>(&mut self, address: VirtualAddress, length: usize, mut callback: C) where C: FnMut(PhysicalAddress) {
                unsafe {
                    ffi::srp_th_unmap($h(self), u32_of(address.addr()), u32_of(length), frame_cb::<C>,
                                      &mut callback as *mut C as *mut c_void)
                };
            }

            fn for_every_entry<C>(&mut self, address: VirtualAddress, length: usize, mut callback: C)
            where C: FnMut(PageState<PhysicalAddress>, usize) {
                unsafe {
                    ffi::srp_th_for_every_entry($h(self), u32_of(address.addr()), u32_of(length), entry_cb::<C>,
                                                &mut callback as *mut C as *mut c_void)
                };
            }

            fn find_available_virtual_space_aligned(&mut self, length: usize, start_addr: VirtualAddress,
                                                    end_addr: VirtualAddress, alignment: usize) -> Option<VirtualAddress> {
                let (mut found, mut out) = (0u32, 0u32);
                unsafe {
                    ffi::srp_th_find_available_virtual_space_aligned($h(self), u32_of(length), u32_of(start_addr.addr()),
                                                                     u32_of(end_addr.addr()), u32_of(alignment), &mut found, &mut out)
                };
                if found != 0 { Some(VirtualAddress(out as usize)) } else { None }
            }
        }
    };
}

fn active(_: &mut ActiveHierarchy) -> *mut c_void {
    core::ptr::null_mut()
}

fn inactive(h: &mut InactiveHierarchy) -> *mut c_void {
    h.c()
}

c_table_hierarchy!(ActiveHierarchy, active);
c_table_hierarchy!(InactiveHierarchy, inactive);
