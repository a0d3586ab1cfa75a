//! C replaces Rust (rung 2): upstream's `paging/arch/i386/table.rs` over the
//! C port's `arch/i386/table.c`, under upstream's own Rust
//! `hierarchical_table.rs`, which walks the tables as Rust values in memory.
//!
//! A table face (`ActivePageDirectory`, `ActivePageTable`,
//! `InactivePageDirectory`, `InactivePageTable`) is `#[repr(transparent)]`
//! over the 1024 C entries of the table (`I386Entry` is the face of one C
//! `i386_entry`), and lives *at* the table: C hands out a mapped table (its
//! `hier_table`: operations, entries, kernel address), the glue keeps that C
//! object in a registry keyed by the table's address and gives upstream's
//! Rust a `SmartHierarchicalTable` over the entries. `entries()` is the C
//! table's memory; reaching a child (`get_child_table`,
//! `create_child_table`) is C's, on the C object behind the face; and when
//! upstream's `SmartHierarchicalTable` drops the face in place, the C object
//! goes back to C's `hier_table_drop` (an inactive table's KernelLand window
//! is unmapped there, through upstream's Rust kernel memory that serves C).
//! The hierarchies are C's (`mix/c_hierarchy.rs`): Rust asks C for the
//! top-level table, and everything else is upstream's Rust walking it.

use core::fmt;
use std::os::raw::c_void;

use super::entry::I386Entry;
use super::ENTRY_COUNT;
use super::super::super::hierarchical_table::{HierarchicalTable, NoFlush, PageState, PagingCacheFlusher,
                                              SmartHierarchicalTable, TableHierarchy};
use crate::mix::glue::ffi;

/// The C tables handed over to Rust and not dropped yet, newest last. The
/// same active table can be handed out twice (nested walks through the
/// recursive mapping): the newest one of an address is used and released.
static mut LIVE: Vec<ffi::SrpTable> = Vec::new();

fn live() -> &'static mut Vec<ffi::SrpTable> {
    // SAFETY: the kernel is single threaded; no reference outlives a call.
    unsafe { &mut LIVE }
}

fn no_table() -> ffi::SrpTable {
    ffi::SrpTable { ops: core::ptr::null(), entries: core::ptr::null_mut(), va: 0 }
}

/// What a face is on the C side: its level and whether C flushes the TLB
/// for it (an active table).
trait Face: HierarchicalTable {
    const ACTIVE: bool;
}

/// Takes the C table `t` over as the Rust face `T`, at the table itself.
fn hand_over<'a, T: Face>(t: ffi::SrpTable) -> SmartHierarchicalTable<'a, T> {
    let (mut level, mut flush) = (0, 0);
    unsafe { ffi::srp_table_level(&t, &mut level, &mut flush) };
    assert!(level as usize == T::table_level() && (flush != 0) == T::ACTIVE,
            "mix glue: C handed a table of level {} (TLB flush {}) to a face of level {} (active {})",
            level, flush, T::table_level(), T::ACTIVE);
    // The port reaches a table at kernel address va through mach_kptr(va),
    // which is va in this kernel: the face and C's entries are one memory.
    assert_eq!(t.entries as usize, t.va as usize, "mix glue: a C table outside the kernel's address space");
    live().push(t);
    SmartHierarchicalTable::new(t.entries as *mut T)
}

/// The C table behind the face at `addr`.
fn c_table(addr: usize) -> ffi::SrpTable {
    *live().iter().rev().find(|t| t.entries as usize == addr)
        .unwrap_or_else(|| panic!("mix glue: the table face at {:#x} has no C table", addr))
}

/// Hands the C table behind the face at `addr` back to C, which drops it.
fn give_back(addr: usize) {
    let i = live().iter().rposition(|t| t.entries as usize == addr)
        .unwrap_or_else(|| panic!("mix glue: the table face at {:#x} dropped twice", addr));
    let t = live().remove(i);
    unsafe { ffi::srp_table_drop(&t) };
}

/// The C page_state_kind of a child, with the child taken over when present.
fn child_state<'a, T: Face>(kind: u32, child: ffi::SrpTable) -> PageState<SmartHierarchicalTable<'a, T>> {
    match kind {
        0 => PageState::Available,
        1 => PageState::Guarded,
        _ => PageState::Present(hand_over(child)),
    }
}

macro_rules! table_face {
    ($(#[$doc:meta])* $name:ident, level $level:expr, active $active:expr, flush $flush:ty, child $child:ty) => {
        $(#[$doc])*
        #[repr(transparent)]
        pub struct $name([I386Entry; ENTRY_COUNT]);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} at {:#010x}, in C", stringify!($name), self as *const Self as usize)
            }
        }

        impl Face for $name {
            const ACTIVE: bool = $active;
        }

        impl HierarchicalTable for $name {
            type EntryType = I386Entry;
            type CacheFlusherType = $flush;
            type ChildTableType = $child;

            fn entries(&mut self) -> &mut [I386Entry] {
                &mut self.0
            }

            fn table_level() -> usize {
                $level
            }

            /// C's `get_child_table` of the table (a leaf table panics in C).
            fn get_child_table(&mut self, index: usize) -> PageState<SmartHierarchicalTable<$child>> {
                let t = c_table(self as *mut Self as usize);
                let (mut child, mut kind) = (no_table(), 0);
                unsafe { ffi::srp_table_get_child(&t, index as u32, &mut child, &mut kind) };
                child_state(kind, child)
            }

            /// C's `create_child_table` of the table: C allocates the frame,
            /// zeroes it and points the entry at it (a leaf table panics in C).
            fn create_child_table(&mut self, index: usize) -> SmartHierarchicalTable<$child> {
                let t = c_table(self as *mut Self as usize);
                let mut child = no_table();
                unsafe { ffi::srp_table_create_child(&t, index as u32, &mut child) };
                hand_over(child)
            }
        }

        impl Drop for $name {
            /// Dropped in place by `SmartHierarchicalTable`: the C table goes
            /// back to C.
            fn drop(&mut self) {
                give_back(self as *mut Self as usize);
            }
        }
    };
}

table_face!(
    /// A page table of the active hierarchy (through the recursive mapping).
    ActivePageTable, level 0, active true, flush TlbFlush, child ActivePageTable);
table_face!(
    /// The active page directory (through the recursive mapping).
    ActivePageDirectory, level 1, active true, flush TlbFlush, child ActivePageTable);
table_face!(
    /// A page table of an inactive hierarchy, mapped in KernelLand by C.
    InactivePageTable, level 0, active false, flush NoFlush, child InactivePageTable);
table_face!(
    /// The page directory of an inactive hierarchy, mapped in KernelLand by C.
    InactivePageDirectory, level 1, active false, flush NoFlush, child InactivePageTable);

/// The top-level table of the C hierarchy `h` (null: the active one).
fn top<'a, T: Face>(h: *mut c_void) -> SmartHierarchicalTable<'a, T> {
    let mut t = no_table();
    unsafe { ffi::srp_table_top(h, &mut t) };
    hand_over(t)
}

pub use crate::mix::c_hierarchy::{ActiveHierarchy, InactiveHierarchy};

impl TableHierarchy for ActiveHierarchy {
    type TopLevelTableType = ActivePageDirectory;

    /// C's: the directory through the recursive mapping (a kernel panic when
    /// paging is off).
    fn get_top_level_table(&mut self) -> SmartHierarchicalTable<ActivePageDirectory> {
        top(core::ptr::null_mut())
    }
}

impl TableHierarchy for InactiveHierarchy {
    type TopLevelTableType = InactivePageDirectory;

    /// C's: the directory mapped temporarily in KernelLand.
    fn get_top_level_table(&mut self) -> SmartHierarchicalTable<InactivePageDirectory> {
        top(self.c())
    }
}

/// Flushes the TLB after upstream's Rust changed an active table.
pub struct TlbFlush;

impl PagingCacheFlusher for TlbFlush {
    fn flush_whole_cache() {
        super::flush_tlb();
    }
}

// ---- Rust serving C: the helpers of upstream's HierarchicalTable ----------
//
// C's tables (table.c) change a table through the C port's
// `hierarchical_table.h` helpers: zeroing a new table, pointing a directory
// entry at a new table, releasing a table they mapped for themselves. On this
// rung the hierarchical tables are upstream's Rust, so C's
// `hierarchical_table.c` is not linked and these C names are served here by
// upstream's `HierarchicalTable` default methods on the face of the table.
// The C `hier_table` C passes has the fields of `ffi::SrpTable`, in the same
// order (operations, entries, kernel address).

/// Runs `f` on the face of the C table `t`, chosen by its level and kind.
/// The face is borrowed, never dropped here.
macro_rules! on_face {
    ($t:expr, |$f:ident| $body:expr) => {{
        let t: &ffi::SrpTable = $t;
        let (mut level, mut flush) = (0, 0);
        unsafe { ffi::srp_table_level(t, &mut level, &mut flush) };
        match (level, flush != 0) {
            (0, true) => { let $f = unsafe { &mut *(t.entries as *mut ActivePageTable) }; $body }
            (1, true) => { let $f = unsafe { &mut *(t.entries as *mut ActivePageDirectory) }; $body }
            (0, false) => { let $f = unsafe { &mut *(t.entries as *mut InactivePageTable) }; $body }
            (1, false) => { let $f = unsafe { &mut *(t.entries as *mut InactivePageDirectory) }; $body }
            (l, a) => panic!("mix glue: a C table of level {} (TLB flush {}) has no face", l, a),
        }
    }};
}

/// `hier_table_zero`: upstream's `HierarchicalTable::zero`.
#[no_mangle]
pub unsafe extern "C" fn hier_table_zero(t: *const ffi::SrpTable) {
    on_face!(&*t, |f| f.zero())
}

/// `hier_table_map_nth_entry`: upstream's `HierarchicalTable::map_nth_entry`.
#[no_mangle]
pub unsafe extern "C" fn hier_table_map_nth_entry(t: *const ffi::SrpTable, entry: u32, paddr: u32, flags: u32) {
    use crate::mem::PhysicalAddress;
    use super::entry::I386EntryFlags;
    on_face!(&*t, |f| f.map_nth_entry(entry as usize, PhysicalAddress(paddr as usize),
                                      I386EntryFlags::from_bits_truncate(flags)))
}

/// `hier_table_drop`: the end of a table C mapped for itself and never
/// handed to Rust (upstream's `SmartHierarchicalTable` drop, which runs the
/// table's own drop: C's).
#[no_mangle]
pub unsafe extern "C" fn hier_table_drop(t: *const ffi::SrpTable) {
    ffi::srp_table_drop(t);
}
