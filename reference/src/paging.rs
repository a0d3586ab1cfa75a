//! i386 two-level page tables as the kernel manipulates them, and the
//! kernel's own virtual memory (KernelLand).
//!
//! A hierarchy is either the *active* one (reached through the recursive
//! mapping: the directory at 0xfffff000, table `i` at 0xffc00000 + i*0x1000)
//! or an *inactive* one, whose directory and tables the kernel maps one page
//! at a time into KernelLand (first fit from 0xc0000000) while it works on
//! them, and unmaps when done. The order of those temporary mappings decides
//! which KernelLand addresses mirrors get, so it follows upstream exactly:
//! the directory is mapped first, a child table is mapped when the walk
//! enters it and unmapped when the walk leaves it, the directory last.
//!
//! Every table access reads and writes simulated physical memory at the
//! address the kernel's virtual pointer translates to (resolved once when
//! the table is opened, like a pointer).

use crate::alloc::Region;
use crate::machine::*;
use crate::types::{add, align_up_checked, mul, must, panic, rights, sub, KResult, KernelError, PAGE};

/// Virtual span of one directory entry.
pub const DIR_SPAN: u32 = 0x0040_0000;
/// Entries per table.
pub const ENTRIES: u32 = 1024;
/// Last directory slot that maps UserLand.
pub const USER_LAST_SLOT: u32 = 767;

/// First address of UserLand.
pub const USERLAND_START: u32 = 0x0020_0000;
/// Last address of UserLand.
pub const USERLAND_END: u32 = 0xbfff_ffff;
/// First address of KernelLand.
pub const KERNELLAND_START: u32 = 0xc000_0000;
/// Last address of KernelLand.
pub const KERNELLAND_END: u32 = 0xffbf_ffff;
/// First address of RecursiveTablesLand.
pub const RTL_START: u32 = 0xffc0_0000;
/// Virtual address of the active directory through the recursive mapping.
pub const RECURSIVE_DIRECTORY: u32 = 0xffff_f000;

/// What an entry says about the memory it spans (`PageState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Available,
    Guarded,
    /// Present, with the physical frame it points to.
    Present(u32),
}

/// Decodes an entry: PRESENT wins, then GUARD_PAGE, else available.
pub fn slot_of(entry: u32) -> Slot {
    if entry & PRESENT != 0 {
        Slot::Present(entry & FRAME_MASK)
    } else if entry & GUARD_PAGE != 0 {
        Slot::Guarded
    } else {
        Slot::Available
    }
}

/// Entry flags for access rights: any of R/W/X makes a present entry,
/// writable with W and user accessible with USER; no right at all makes a
/// guard entry.
pub fn entry_flags(r: u32) -> u32 {
    if r & (rights::R | rights::W | rights::X) == 0 {
        return GUARD_PAGE;
    }
    let mut flags = PRESENT;
    if r & rights::W != 0 {
        flags |= WRITABLE;
    }
    if r & rights::U != 0 {
        flags |= USER;
    }
    flags
}

/// The entry that maps `frame` with `rights` (a guard entry keeps no frame).
pub fn page_entry(frame: u32, r: u32) -> u32 {
    let flags = entry_flags(r);
    if flags & GUARD_PAGE != 0 {
        GUARD_PAGE
    } else {
        frame | flags
    }
}

/// `Land::contains_region`: a zero size is an assertion failure.
pub fn land_contains(first: u32, last: u32, addr: u32, size: u32) -> KResult<bool> {
    if size == 0 {
        return panic("region check with a size of 0");
    }
    Ok(match addr.checked_add(size - 1) {
        Some(end) => first <= addr && addr <= last && first <= end && end <= last,
        None => false,
    })
}

/// `UserLand::check_contains_region`: `InvalidAddress` outside UserLand.
pub fn check_userland(addr: u32, size: u32) -> KResult<()> {
    if land_contains(USERLAND_START, USERLAND_END, addr, size)? {
        Ok(())
    } else {
        Err(KernelError::InvalidAddress(addr).into())
    }
}

/// Which page tables an operation works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hier {
    /// The hierarchy in cr3, through the recursive mapping.
    Active,
    /// The hierarchy whose directory is at this physical address.
    Inactive(u32),
}

/// An open table: where its entries are in physical memory, and the
/// temporary KernelLand page to unmap when it is closed (inactive only).
#[derive(Debug)]
struct Table {
    base: u32,
    temp_va: Option<u32>,
}

impl Machine {
    fn entry(&self, t: &Table, i: u32) -> u32 {
        self.ram.read_word(t.base + 4 * i)
    }

    fn set_entry(&mut self, t: &Table, i: u32, value: u32) {
        self.ram.write_word(t.base + 4 * i, value);
    }

    fn fill_table(&mut self, t: &Table, value: u32) {
        debug_assert_eq!(t.base & 0xfff, 0);
        self.ram.fill_page(t.base, value);
    }

    /// Maps `frame` at a fresh KernelLand page for the kernel to work on it
    /// (reconstructing the frame asserts it is allocated; running out of
    /// KernelLand is an unwrap).
    fn open_temp(&mut self, frame: u32, r: u32) -> KResult<Table> {
        if !self.frames.check_is_allocated(frame, PAGE)? {
            return panic(format!("page table frame {:#010x} is not allocated", frame));
        }
        let va = must(self.kernel_find_space(PAGE), "temporary table mapping")?;
        self.kernel_map(&[frame], va, r)?;
        Ok(Table { base: self.kernel_translate(va)?, temp_va: Some(va) })
    }

    /// Opens the directory of a hierarchy.
    fn open_top(&mut self, h: Hier) -> KResult<Table> {
        match h {
            Hier::Active => Ok(Table { base: self.kernel_translate(RECURSIVE_DIRECTORY)?, temp_va: None }),
            Hier::Inactive(dir) => self.open_temp(dir, rights::R | rights::W),
        }
    }

    /// Opens the child table of directory slot `i`, which must be present.
    fn open_child(&mut self, h: Hier, dir: &Table, i: u32) -> KResult<Table> {
        let frame = match slot_of(self.entry(dir, i)) {
            Slot::Present(f) => f,
            _ => return panic(format!("directory slot {} has no table", i)),
        };
        match h {
            Hier::Active => {
                let va = (RECURSIVE_DIRECTORY << 10) | (i << 12);
                Ok(Table { base: self.kernel_translate(va)?, temp_va: None })
            }
            Hier::Inactive(_) => self.open_temp(frame, rights::W),
        }
    }

    /// Allocates, zeroes and links a new table at directory slot `i`, which
    /// must be unused (entry 0); running out of frames is an unwrap.
    fn create_child(&mut self, h: Hier, dir: &Table, i: u32) -> KResult<Table> {
        if self.entry(dir, i) != 0 {
            return panic(format!("creating a table in used directory slot {}", i));
        }
        let frame = must(self.frames.allocate_region(PAGE), "page table allocation")?.start;
        let mut flags = PRESENT | WRITABLE;
        if i <= USER_LAST_SLOT {
            flags |= USER;
        }
        match h {
            Hier::Active => {
                // link first, then clear the table through the recursive mapping
                self.set_entry(dir, i, frame | flags);
                let table = self.open_child(h, dir, i)?;
                self.fill_table(&table, 0);
                Ok(table)
            }
            Hier::Inactive(_) => {
                // map and clear the table first, then link it
                let va = must(self.kernel_find_space(PAGE), "temporary table mapping")?;
                self.kernel_map(&[frame], va, rights::W)?;
                let table = Table { base: self.kernel_translate(va)?, temp_va: Some(va) };
                self.fill_table(&table, 0);
                self.set_entry(dir, i, frame | flags);
                Ok(table)
            }
        }
    }

    /// Closes a table: unmaps its temporary KernelLand page, if any.
    fn close(&mut self, t: Table) -> KResult<()> {
        match t.temp_va {
            Some(va) => self.kernel_unmap(va, PAGE),
            None => Ok(()),
        }
    }

    /// `map_to_from_iterator`: maps `frames` one page each from `start`
    /// (creating tables as needed); every entry met must be available.
    pub fn map_frames(&mut self, h: Hier, frames: &[u32], start: u32, r: u32) -> KResult<()> {
        if !(start % PAGE == 0) {
            return panic("mapping at an unaligned address");
        }
        let dir = self.open_top(h)?;
        let mut next = 0;
        let mut first_slot = (start % DIR_SPAN) / PAGE;
        for di in start / DIR_SPAN..ENTRIES {
            if next == frames.len() {
                break;
            }
            let table = match slot_of(self.entry(&dir, di)) {
                Slot::Present(_) => self.open_child(h, &dir, di)?,
                Slot::Available => self.create_child(h, &dir, di)?,
                Slot::Guarded => return panic("mapping over a guarded directory entry"),
            };
            for ti in first_slot..ENTRIES {
                if next == frames.len() {
                    break;
                }
                if slot_of(self.entry(&table, ti)) != Slot::Available {
                    return panic("mapping over an entry that is not available");
                }
                self.set_entry(&table, ti, page_entry(frames[next], r));
                next += 1;
            }
            self.close(table)?;
            first_slot = 0;
        }
        self.close(dir)
    }

    /// `guard`: makes `[addr, addr + len)` guard entries; a whole aligned
    /// directory span becomes one huge guard in the directory.
    pub fn guard_range(&mut self, h: Hier, addr: u32, len: u32) -> KResult<()> {
        if !(addr % PAGE == 0) || !(len % PAGE == 0) {
            return panic("guarding an unaligned range");
        }
        let dir = self.open_top(h)?;
        let mut left = len;
        let mut first_slot = (addr % DIR_SPAN) / PAGE;
        for di in addr / DIR_SPAN..ENTRIES {
            if left == 0 {
                break;
            }
            match slot_of(self.entry(&dir, di)) {
                Slot::Guarded => return panic("guarding an already guarded directory entry"),
                Slot::Available if left >= DIR_SPAN && first_slot == 0 => {
                    self.set_entry(&dir, di, GUARD_PAGE);
                    left -= DIR_SPAN;
                }
                slot => {
                    let table = match slot {
                        Slot::Present(_) => self.open_child(h, &dir, di)?,
                        _ => self.create_child(h, &dir, di)?,
                    };
                    for ti in first_slot..ENTRIES {
                        if left == 0 {
                            break;
                        }
                        match slot_of(self.entry(&table, ti)) {
                            Slot::Guarded => return panic("guarding an already guarded entry"),
                            Slot::Present(_) => return panic("guarding a present entry"),
                            Slot::Available => {
                                self.set_entry(&table, ti, GUARD_PAGE);
                                left -= PAGE;
                            }
                        }
                    }
                    self.close(table)?;
                }
            }
            first_slot = 0;
        }
        self.close(dir)
    }

    /// `unmap`: clears `[addr, addr + len)`; every entry met must be present
    /// or guarded. A huge guard only partly unmapped is split into a new
    /// table of guards first.
    pub fn unmap_range(&mut self, h: Hier, addr: u32, len: u32) -> KResult<()> {
        if !(addr % PAGE == 0) || !(len % PAGE == 0) {
            return panic("unmapping an unaligned range");
        }
        let dir = self.open_top(h)?;
        let mut left = len;
        let mut first_slot = (addr % DIR_SPAN) / PAGE;
        for di in addr / DIR_SPAN..ENTRIES {
            if left == 0 {
                break;
            }
            let table = match slot_of(self.entry(&dir, di)) {
                Slot::Available => return panic("unmapping an unmapped directory entry"),
                Slot::Guarded if left >= DIR_SPAN => {
                    self.set_entry(&dir, di, 0);
                    left -= DIR_SPAN;
                    None
                }
                Slot::Guarded => {
                    self.set_entry(&dir, di, 0);
                    let table = self.create_child(h, &dir, di)?;
                    self.fill_table(&table, GUARD_PAGE);
                    Some(table)
                }
                Slot::Present(_) => Some(self.open_child(h, &dir, di)?),
            };
            if let Some(table) = table {
                for ti in first_slot..ENTRIES {
                    if left == 0 {
                        break;
                    }
                    if slot_of(self.entry(&table, ti)) == Slot::Available {
                        return panic("unmapping an unmapped entry");
                    }
                    self.set_entry(&table, ti, 0);
                    left -= PAGE;
                }
                self.close(table)?;
            }
            first_slot = 0;
        }
        self.close(dir)
    }

    /// `for_every_entry`: calls `f(state, span)` for each entry covering
    /// `[addr, addr + len)`, descending into present directory entries.
    pub fn visit_entries(&mut self, h: Hier, addr: u32, len: u32, f: &mut dyn FnMut(Slot, u32)) -> KResult<()> {
        if !(addr % PAGE == 0) || !(len % PAGE == 0) {
            return panic("walking an unaligned range");
        }
        let dir = self.open_top(h)?;
        let mut left = len;
        let mut first_slot = (addr % DIR_SPAN) / PAGE;
        for di in addr / DIR_SPAN..ENTRIES {
            if left == 0 {
                break;
            }
            match slot_of(self.entry(&dir, di)) {
                Slot::Present(_) => {
                    let table = self.open_child(h, &dir, di)?;
                    for ti in first_slot..ENTRIES {
                        if left == 0 {
                            break;
                        }
                        f(slot_of(self.entry(&table, ti)), PAGE);
                        left = left.saturating_sub(PAGE);
                    }
                    self.close(table)?;
                }
                slot => {
                    f(slot, DIR_SPAN);
                    left = left.saturating_sub(DIR_SPAN);
                }
            }
            first_slot = 0;
        }
        self.close(dir)
    }

    /// `find_available_virtual_space_aligned`: the first hole of `length`
    /// bytes in `[start, end]`, holes starting on `align` boundaries.
    pub fn find_space(&mut self, h: Hier, length: u32, start: u32, end: u32, align: u32) -> KResult<Option<u32>> {
        if !(start % PAGE == 0) || !(length % PAGE == 0) || !(align % PAGE == 0) {
            return panic("virtual space search with unaligned arguments");
        }
        if start > end {
            return panic("virtual space search with start > end");
        }
        if length == 0 {
            return panic("virtual space search for a length of 0");
        }
        if length > end - start {
            return Ok(None);
        }
        let mut hole = match align_up_checked(start, align) {
            Some(a) => Hole { start: a, len: 0 },
            None => return Ok(None),
        };
        let dir = self.open_top(h)?;
        loop {
            let di = hole.end_index(0, DIR_SPAN)?;
            if !hole.still_growing(di, length, end) {
                break;
            }
            match slot_of(self.entry(&dir, di)) {
                Slot::Available => hole.len = add(hole.len, DIR_SPAN)?,
                Slot::Guarded => hole.restart(DIR_SPAN, align)?,
                Slot::Present(_) => {
                    let table = self.open_child(h, &dir, di)?;
                    let table_addr = di * DIR_SPAN;
                    loop {
                        let ti = hole.end_index(table_addr, PAGE)?;
                        if !hole.still_growing(ti, length, end) {
                            break;
                        }
                        match slot_of(self.entry(&table, ti)) {
                            Slot::Available => hole.len = add(hole.len, PAGE)?,
                            _ => hole.restart(PAGE, align)?,
                        }
                    }
                    self.close(table)?;
                }
            }
        }
        self.close(dir)?;
        Ok(if hole.len >= length { Some(hole.start) } else { None })
    }

    /// `KernelMemory::find_virtual_space`: first fit in KernelLand, or
    /// `VirtualMemoryExhaustion`.
    pub fn kernel_find_space(&mut self, length: u32) -> KResult<u32> {
        match self.find_space(Hier::Active, length, KERNELLAND_START, KERNELLAND_END, PAGE)? {
            Some(va) => Ok(va),
            None => Err(KernelError::VirtualMemoryExhaustion.into()),
        }
    }

    /// Maps frames into KernelLand at `va` (asserting the range is in
    /// KernelLand).
    pub fn kernel_map(&mut self, frames: &[u32], va: u32, r: u32) -> KResult<()> {
        let size = mul(frames.len() as u32, PAGE)?;
        if !land_contains(KERNELLAND_START, KERNELLAND_END, va, size)? {
            return panic("kernel mapping outside KernelLand");
        }
        self.map_frames(Hier::Active, frames, va, r)
    }

    /// `KernelMemory::unmap_no_dealloc`: unmaps a KernelLand range, leaving
    /// the frames to whoever tracks them.
    pub fn kernel_unmap(&mut self, va: u32, len: u32) -> KResult<()> {
        if !land_contains(KERNELLAND_START, KERNELLAND_END, va, len)? {
            return panic("kernel unmapping outside KernelLand");
        }
        if !(len % PAGE == 0) {
            return panic("kernel unmapping an unaligned length");
        }
        self.unmap_range(Hier::Active, va, len)
    }

    /// Frees the frame of a region reconstructed from a page-table entry
    /// (asserting it is allocated).
    pub fn free_table_frame(&mut self, frame: u32) -> KResult<()> {
        if !self.frames.check_is_allocated(frame, PAGE)? {
            return panic(format!("table frame {:#010x} is not allocated", frame));
        }
        self.frames.drop_region(&Region { start: frame, frames: 1, owned: true })
    }

    /// Creates a fresh inactive hierarchy: a zeroed directory whose last
    /// slot maps the directory itself. Returns the directory frame.
    pub fn new_hierarchy(&mut self) -> KResult<u32> {
        let dir_frame = must(self.frames.allocate_region(PAGE), "directory allocation")?.start;
        let dir = self.open_top(Hier::Inactive(dir_frame))?;
        self.fill_table(&dir, 0);
        self.set_entry(&dir, RECURSIVE_SLOT, dir_frame | PRESENT | WRITABLE);
        self.close(dir)?;
        Ok(dir_frame)
    }

    /// `switch_to`: copies the active directory's KernelLand slots into the
    /// hierarchy's directory (through a temporary mapping, even when it is
    /// already active), then loads cr3.
    pub fn switch_to_hierarchy(&mut self, dir_frame: u32) -> KResult<()> {
        let dir = self.open_top(Hier::Inactive(dir_frame))?;
        let active = self.open_top(Hier::Active)?;
        for slot in KERNEL_FIRST_SLOT..=KERNEL_LAST_SLOT {
            let e = self.entry(&active, slot);
            self.set_entry(&dir, slot, e);
        }
        self.close(active)?;
        self.close(dir)?;
        self.cr3 = dir_frame;
        Ok(())
    }

    /// Drops an inactive hierarchy: frees the table of every present
    /// UserLand slot, then the directory. Dropping the active one is a
    /// (debug) assertion failure.
    pub fn drop_hierarchy(&mut self, dir_frame: u32) -> KResult<()> {
        if self.cr3 == dir_frame {
            return panic("dropping the active page hierarchy");
        }
        let dir = self.open_top(Hier::Inactive(dir_frame))?;
        for slot in 0..=USER_LAST_SLOT {
            if let Slot::Present(table) = slot_of(self.entry(&dir, slot)) {
                self.free_table_frame(table)?;
            }
        }
        self.close(dir)?;
        self.free_table_frame(dir_frame)
    }
}

/// The hole a virtual space search is growing.
struct Hole {
    start: u32,
    len: u32,
}

impl Hole {
    /// Index, in a table spanning from `table_addr`, of the entry just
    /// after the hole.
    fn end_index(&self, table_addr: u32, span: u32) -> KResult<u32> {
        Ok(sub(self.start.saturating_add(self.len), table_addr)? / span)
    }

    /// Whether the search goes on at entry `index` of the current table.
    fn still_growing(&self, index: u32, length: u32, end: u32) -> bool {
        index < ENTRIES && self.len < length && self.start.checked_add(length).map_or(false, |e| e <= end)
    }

    /// The hole hit a used entry of `span` bytes: start over after it.
    fn restart(&mut self, span: u32, align: u32) -> KResult<()> {
        self.start = add(self.start, self.len)?
            .checked_add(span)
            .and_then(|a| align_up_checked(a, align))
            .unwrap_or(u32::MAX);
        self.len = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Fail;

    fn machine() -> Machine {
        let mut m = Machine::new();
        m.frames.set_range(0x0040_0000, 0x0080_0000, true);
        m
    }

    fn walk(m: &mut Machine, h: Hier, addr: u32, len: u32) -> Vec<(Slot, u32)> {
        let mut v = Vec::new();
        m.visit_entries(h, addr, len, &mut |s, n| v.push((s, n))).unwrap();
        v
    }

    #[test]
    fn entries() {
        assert_eq!(entry_flags(rights::U | rights::R | rights::W), 7);
        assert_eq!(entry_flags(rights::R), 1);
        assert_eq!(entry_flags(rights::X), 1);
        assert_eq!(entry_flags(rights::U), GUARD_PAGE);
        assert_eq!(page_entry(0x401000, 0), GUARD_PAGE);
        assert_eq!(slot_of(0x401007), Slot::Present(0x401000));
        assert_eq!(slot_of(0x201), Slot::Present(0));
        assert_eq!(slot_of(0x200), Slot::Guarded);
        assert_eq!(slot_of(0x6), Slot::Available);
    }

    #[test]
    fn new_hierarchy_leaves_kernelland_empty() {
        let mut m = machine();
        let dir = m.new_hierarchy().unwrap();
        assert_eq!(dir, 0x0040_0000);
        assert_eq!(m.ram.read_word(dir + 4 * 1023), dir | 3);
        // the temporary mapping of the directory is gone again
        assert_eq!(m.kernel_find_space(PAGE), Ok(KERNELLAND_START));
        assert_eq!(m.ram.read_word(KERNEL_TABLES), 0);
    }

    #[test]
    fn map_inactive_then_active_agree() {
        let mut m = machine();
        let dir = m.new_hierarchy().unwrap();
        let h = Hier::Inactive(dir);
        m.map_frames(h, &[0x500000, 0x501000], 0x003f_f000, rights::U | rights::R).unwrap();
        // two tables were created after the directory
        assert_eq!(m.ram.read_word(dir), 0x0040_1007);
        assert_eq!(m.ram.read_word(dir + 4), 0x0040_2007);
        let inactive = walk(&mut m, h, 0x003f_f000, 0x2000);
        m.switch_to_hierarchy(dir).unwrap();
        let active = walk(&mut m, Hier::Active, 0x003f_f000, 0x2000);
        assert_eq!(inactive, active);
        assert_eq!(active, vec![(Slot::Present(0x500000), PAGE), (Slot::Present(0x501000), PAGE)]);
        assert_eq!(m.data_read(0x0040_0004), Some(0x0050_1004));
    }

    #[test]
    fn huge_guard_and_split() {
        let mut m = machine();
        let dir = m.new_hierarchy().unwrap();
        let h = Hier::Inactive(dir);
        m.guard_range(h, 0x0040_0000, 0x0040_0000).unwrap();
        assert_eq!(m.ram.read_word(dir + 4), GUARD_PAGE);
        assert_eq!(walk(&mut m, h, 0x0040_0000, 0x1000), vec![(Slot::Guarded, DIR_SPAN)]);
        // unmapping part of a huge guard splits it
        let free = m.frames.free_count();
        m.unmap_range(h, 0x0040_0000, 0x1000).unwrap();
        assert_eq!(m.frames.free_count(), free - 1);
        assert_eq!(
            walk(&mut m, h, 0x0040_0000, 0x2000),
            vec![(Slot::Available, PAGE), (Slot::Guarded, PAGE)]
        );
    }

    #[test]
    fn kernel_space_first_fit() {
        let mut m = machine();
        m.kernel_map(&[0x500000, 0x501000], KERNELLAND_START + 0x1000, rights::R | rights::W).unwrap();
        assert_eq!(m.kernel_find_space(PAGE), Ok(KERNELLAND_START));
        assert_eq!(m.kernel_find_space(2 * PAGE), Ok(KERNELLAND_START + 0x3000));
        m.kernel_unmap(KERNELLAND_START + 0x1000, 2 * PAGE).unwrap();
        assert_eq!(m.kernel_find_space(3 * PAGE), Ok(KERNELLAND_START));
        assert!(matches!(m.kernel_find_space(0), Err(Fail::Panic(_))));
    }

    #[test]
    fn land_checks() {
        assert!(check_userland(0x0020_0000, 0x1000).is_ok());
        assert!(check_userland(0x001f_f000, 0x2000).is_err());
        assert!(check_userland(0xbfff_f000, 0x2000).is_err());
        assert!(check_userland(0x0020_0000, 0xffff_f000).is_err());
        assert!(matches!(check_userland(0x0040_0000, 0), Err(Fail::Panic(_))));
    }
}
