//! The simulated i386 machine: physical memory, the frame allocator, cr3,
//! and the MMU's two-level translation.
//!
//! Boot layout (shared with the other hosted implementations): the boot
//! page directory is at [`BOOT_DIRECTORY`]; directory slots 768..=1022 point
//! to zeroed KernelLand page tables at [`KERNEL_TABLES`] + i * 0x1000, slot
//! 1023 points back to the directory (recursive mapping), UserLand slots are
//! empty. None of these frames is ever free in the allocator.

use crate::alloc::FrameAllocator;
use crate::phys::{in_trace_ram, PhysMem};
use crate::types::{panic, KResult};

/// Physical address of the boot page directory.
pub const BOOT_DIRECTORY: u32 = 0x0100_0000;
/// Physical address of the first KernelLand page table.
pub const KERNEL_TABLES: u32 = 0x0100_1000;

/// Entry bit: present.
pub const PRESENT: u32 = 1 << 0;
/// Entry bit: writable.
pub const WRITABLE: u32 = 1 << 1;
/// Entry bit: user accessible.
pub const USER: u32 = 1 << 2;
/// Entry bit (software): guard page.
pub const GUARD_PAGE: u32 = 1 << 9;
/// The frame part of an entry.
pub const FRAME_MASK: u32 = 0xffff_f000;

/// Directory slot of the first KernelLand table.
pub const KERNEL_FIRST_SLOT: u32 = 768;
/// Directory slot of the last KernelLand table.
pub const KERNEL_LAST_SLOT: u32 = 1022;
/// Directory slot holding the recursive mapping.
pub const RECURSIVE_SLOT: u32 = 1023;

/// The machine state a trace runs on.
pub struct Machine {
    pub ram: PhysMem,
    pub frames: FrameAllocator,
    /// Physical address of the active page directory.
    pub cr3: u32,
}

impl Default for Machine {
    fn default() -> Self {
        Machine::new()
    }
}

impl Machine {
    /// The machine before a trace: boot directory active, every frame
    /// reserved (`phys` lines and the default free range come later).
    pub fn new() -> Machine {
        let mut m = Machine { ram: PhysMem::new(), frames: FrameAllocator::new(), cr3: BOOT_DIRECTORY };
        m.boot();
        m
    }

    /// Back to the machine before a trace, keeping the host storage.
    pub fn reset(&mut self) {
        self.ram.reset();
        self.frames.reset();
        self.cr3 = BOOT_DIRECTORY;
        self.boot();
    }

    /// Writes the boot directory's KernelLand slots and recursive slot.
    fn boot(&mut self) {
        let ram = &mut self.ram;
        for slot in KERNEL_FIRST_SLOT..=KERNEL_LAST_SLOT {
            let table = KERNEL_TABLES + (slot - KERNEL_FIRST_SLOT) * 0x1000;
            ram.write_word(BOOT_DIRECTORY + 4 * slot, table | PRESENT | WRITABLE);
        }
        ram.write_word(BOOT_DIRECTORY + 4 * RECURSIVE_SLOT, BOOT_DIRECTORY | PRESENT | WRITABLE);
    }

    /// The directory and table entries the MMU uses for `va`.
    fn walk(&self, va: u32) -> (u32, Option<u32>) {
        let pde = self.ram.read_word((self.cr3 & FRAME_MASK) + 4 * (va >> 22));
        if pde & PRESENT == 0 {
            return (pde, None);
        }
        let pte = self.ram.read_word((pde & FRAME_MASK) + 4 * ((va >> 12) & 0x3ff));
        (pde, Some(pte))
    }

    /// Where a kernel dereference of virtual address `va` lands (the
    /// kernel reaching page tables through the recursive mapping or
    /// through temporary KernelLand mappings). A non-present translation
    /// is a kernel page fault: a panic.
    pub fn kernel_translate(&self, va: u32) -> KResult<u32> {
        match self.walk(va) {
            (_, Some(pte)) if pte & PRESENT != 0 => Ok((pte & FRAME_MASK) | (va & 0xfff)),
            _ => panic(format!("kernel page fault at {:#010x}", va)),
        }
    }

    /// Translation of one byte for a ring-0 data access with CR0.WP set;
    /// `None` when it page-faults or lands outside trace RAM.
    fn data_translate(&self, va: u32, write: bool) -> Option<u32> {
        let need = PRESENT | if write { WRITABLE } else { 0 };
        match self.walk(va) {
            (pde, Some(pte)) if pde & need == need && pte & need == need => {
                let pa = (pte & FRAME_MASK) | (va & 0xfff);
                if in_trace_ram(pa) {
                    Some(pa)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Physical address of each byte of a 4-byte access at `va`, or `None`
    /// if any byte would fault (the access then is not performed at all).
    fn data_bytes(&self, va: u32, write: bool) -> Option<[u32; 4]> {
        let mut pa = [0u32; 4];
        for (i, p) in pa.iter_mut().enumerate() {
            *p = self.data_translate(va.wrapping_add(i as u32), write)?;
        }
        Some(pa)
    }

    /// A 32-bit load at `va` through the active page tables.
    pub fn data_read(&self, va: u32) -> Option<u32> {
        let pa = self.data_bytes(va, false)?;
        Some(pa.iter().rev().fold(0u32, |acc, &p| acc << 8 | u32::from(self.ram.read_byte(p))))
    }

    /// A 32-bit store at `va` through the active page tables; false if it
    /// faulted.
    pub fn data_write(&mut self, va: u32, value: u32) -> bool {
        match self.data_bytes(va, true) {
            Some(pa) => {
                for (i, &p) in pa.iter().enumerate() {
                    self.ram.write_byte(p, (value >> (8 * i)) as u8);
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_layout() {
        let m = Machine::new();
        assert_eq!(m.ram.read_word(BOOT_DIRECTORY + 4 * 768), 0x0100_1003);
        assert_eq!(m.ram.read_word(BOOT_DIRECTORY + 4 * 1022), 0x0100_1000 + 254 * 0x1000 + 3);
        assert_eq!(m.ram.read_word(BOOT_DIRECTORY + 4 * 1023), 0x0100_0003);
        assert_eq!(m.ram.read_word(BOOT_DIRECTORY), 0);
        // recursive mapping: the directory is visible at 0xfffff000
        assert_eq!(m.kernel_translate(0xffff_f000), Ok(BOOT_DIRECTORY));
        assert_eq!(m.kernel_translate(0xffc0_0000 | 768 << 12), Ok(KERNEL_TABLES));
        assert!(m.kernel_translate(0xc000_0000).is_err());
        assert_eq!(m.frames.free_count(), 0);
    }

    #[test]
    fn data_access_rules() {
        let mut m = Machine::new();
        // map va 0x00400000 -> frame 0x00500000 read-only through a table at 0x00600000
        m.ram.write_word(BOOT_DIRECTORY + 4, 0x0060_0000 | PRESENT | WRITABLE | USER);
        m.ram.write_word(0x0060_0000, 0x0050_0000 | PRESENT | USER);
        m.ram.write_word(0x0060_0004, 0x0090_0000 | PRESENT | WRITABLE);
        m.ram.write_word(0x0060_0008, 0x0100_0000 | PRESENT | WRITABLE);
        assert_eq!(m.data_read(0x0040_0010), Some(0x0050_0010));
        assert!(!m.data_write(0x0040_0010, 1));
        assert!(m.data_write(0x0040_1010, 0xabcd));
        assert_eq!(m.data_read(0x0040_1010), Some(0xabcd));
        // outside trace RAM: not performed
        assert_eq!(m.data_read(0x0040_2000), None);
        // an access straddling into a faulting page faults as a whole
        assert_eq!(m.data_read(0x0040_1ffe), None);
        assert_eq!(m.data_read(0x0040_3000), None);
    }
}
