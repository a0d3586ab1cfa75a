//! C replaces Rust (rung 2): upstream's `paging/arch/i386/entry.rs` over the
//! C port's `arch/i386/entry.c`. `I386Entry` is the Rust face of a C
//! `i386_entry`: `#[repr(transparent)]` over the same u32, so a table of
//! 1024 entries is the same 4 KiB for both languages and upstream's Rust
//! `hierarchical_table.rs` can hold `&mut [I386Entry]` over C's table. Every
//! operation on an entry (flags from rights, encoding, guards, the frame it
//! points to) is C's; the Rust face only hands C the address of the u32.

use core::fmt;

use super::super::super::hierarchical_table::{HierarchicalEntry, PageState};
use super::super::super::MappingAccessRights;
use crate::mem::PhysicalAddress;
use crate::mix::glue::{ffi, u32_of};

bitflags! {
    /// The low 12 bits of an entry (the bits of the C port's `I386_ENTRY_*`).
    pub struct I386EntryFlags: u32 {
        const PRESENT =         1 << 0;
        const WRITABLE =        1 << 1;
        const USER_ACCESSIBLE = 1 << 2;
        const WRITE_THROUGH =   1 << 3;
        const NO_CACHE =        1 << 4;
        const ACCESSED =        1 << 5;
        const DIRTY =           1 << 6;
        const HUGE_PAGE =       1 << 7;
        const GLOBAL =          1 << 8;
        const GUARD_PAGE =      1 << 9;
        const USER_DEFINED_2 =  1 << 10;
        const USER_DEFINED_3 =  1 << 11;
    }
}

impl From<MappingAccessRights> for I386EntryFlags {
    /// C's `i386_entry_flags_from_rights`.
    fn from(rights: MappingAccessRights) -> I386EntryFlags {
        let mut out = 0;
        unsafe { ffi::srp_entry_flags_from_rights(rights.bits(), &mut out) };
        I386EntryFlags::from_bits_truncate(out)
    }
}

/// A C `i386_entry` (a u32 in a table; 0 is unused).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct I386Entry(u32);

fn page_state(kind: u32, addr: u32) -> PageState<PhysicalAddress> {
    match kind {
        0 => PageState::Available,
        1 => PageState::Guarded,
        _ => PageState::Present(PhysicalAddress(addr as usize)),
    }
}

impl fmt::Debug for I386Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "I386Entry({:#010x}, in C)", self.0)
    }
}

impl HierarchicalEntry for I386Entry {
    type EntryFlagsType = I386EntryFlags;

    fn is_unused(&self) -> bool {
        let mut out = 0;
        unsafe { ffi::srp_entry_is_unused(&self.0, &mut out) };
        out != 0
    }

    fn set_unused(&mut self) -> PageState<PhysicalAddress> {
        let (mut kind, mut addr) = (0, 0);
        unsafe { ffi::srp_entry_set_unused(&mut self.0, &mut kind, &mut addr) };
        page_state(kind, addr)
    }

    fn is_guard(&self) -> bool {
        self.flags().contains(I386EntryFlags::GUARD_PAGE)
    }

    fn flags(&self) -> I386EntryFlags {
        let mut out = 0;
        unsafe { ffi::srp_entry_flags(&self.0, &mut out) };
        I386EntryFlags::from_bits_truncate(out)
    }

    fn pointed_frame(&self) -> PageState<PhysicalAddress> {
        let (mut kind, mut addr) = (0, 0);
        unsafe { ffi::srp_entry_pointed_frame(&self.0, &mut kind, &mut addr) };
        page_state(kind, addr)
    }

    /// C's `i386_entry_set`, which panics (a kernel panic) on PRESENT with
    /// GUARD_PAGE or an unaligned frame.
    fn set(&mut self, frame: PhysicalAddress, flags: I386EntryFlags) {
        unsafe { ffi::srp_entry_set(&mut self.0, u32_of(frame.addr()), flags.bits()) };
    }

    fn set_guard(&mut self) {
        unsafe { ffi::srp_entry_set_guard(&mut self.0) };
    }
}
