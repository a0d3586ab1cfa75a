//! Replacement for upstream's `paging/arch/i386/mod.rs` (inline assembly on
//! cr0, cr2, cr3 and the TLB): the same items, on the simulated machine.
//! Its submodules `entry`, `table` and `lands` are upstream's own files.

pub mod entry;
pub mod table;
pub mod lands;

use crate::mem::{VirtualAddress, PhysicalAddress};

/// The page size (upstream's value).
pub const PAGE_SIZE: usize = 4096;

/// Entries in a table (upstream's definition).
pub const ENTRY_COUNT: usize = PAGE_SIZE / ::core::mem::size_of::<entry::I386Entry>();

/// Paging is always on on the simulated machine. Upstream asks just before
/// it reaches the active directory through its recursive mapping
/// (`ActiveHierarchy::get_top_level_table`): if `0xfffff000` is not mapped
/// (a trace wrote over the recursive entry), that access page-faults.
pub fn is_paging_on() -> bool {
    crate::machine::check_kernel_access(lands::DIRECTORY_RECURSIVE_ADDRESS.addr() as u32);
    true
}

/// Loads cr3 (paging is already on).
pub unsafe fn enable_paging(page_directory_address: PhysicalAddress) {
    crate::machine::swap_cr3(page_directory_address.addr() as u32);
}

/// Flushes the TLB: the virtual windows follow the page tables again.
fn flush_tlb() {
    crate::machine::sync();
}

/// Switches cr3, returns the old value.
fn swap_cr3(page_directory_address: PhysicalAddress) -> PhysicalAddress {
    PhysicalAddress(crate::machine::swap_cr3(page_directory_address.addr() as u32) as usize)
}

/// Reads cr3.
pub fn read_cr3() -> PhysicalAddress {
    PhysicalAddress(crate::machine::read_cr3() as usize)
}

/// Reads cr2 (no page fault is ever taken: 0).
pub fn read_cr2() -> VirtualAddress {
    VirtualAddress(0)
}

/// The trace format's `walk`: every entry `for_every_entry(address,
/// length)` visits in the page tables whose directory is `directory`,
/// through `ActiveHierarchy` when it is the active one and through an
/// `InactiveHierarchy` otherwise (never dropped: it does not own the
/// frames). The callback gets (0 available | 1 guarded | 2 present, frame,
/// entry size). Exported by symbol: this module is private to `paging`.
#[no_mangle]
pub fn srup_for_every_entry(directory: usize, address: usize, length: usize,
                            callback: &mut dyn FnMut(u32, u32, usize)) {
    use super::super::hierarchical_table::{TableHierarchy, InactiveHierarchyTrait, PageState};
    let mut cb = |s: PageState<PhysicalAddress>, l: usize| match s {
        PageState::Available => callback(0, 0, l),
        PageState::Guarded => callback(1, 0, l),
        PageState::Present(f) => callback(2, f.addr() as u32, l),
    };
    if read_cr3().addr() == directory {
        table::ActiveHierarchy.for_every_entry(VirtualAddress(address), length, cb);
    } else {
        crate::machine::m().cr3_override = Some(directory as u32);
        let mut h = unsafe { table::InactiveHierarchy::from_currently_active() };
        crate::machine::m().cr3_override = None;
        h.for_every_entry(VirtualAddress(address), length, cb);
        ::core::mem::forget(h);
    }
}
