//! Stand-in for `multiboot2`: a `BootInformation` that is built from a
//! list of memory areas (the trace's `phys` lines) and has no modules.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;

#[derive(Debug, Clone, Copy)]
pub struct MemoryArea {
    start: u64,
    end: u64,
    typ: u32,
}
impl MemoryArea {
    pub fn new(start: u64, end: u64, typ: u32) -> MemoryArea {
        MemoryArea { start, end, typ }
    }
    pub fn start_address(&self) -> u64 { self.start }
    pub fn end_address(&self) -> u64 { self.end }
    pub fn size(&self) -> u64 { self.end - self.start }
    pub fn memory_type(&self) -> u32 { self.typ }
}

#[derive(Debug)]
pub struct MemoryMapTag<'a> {
    areas: &'a [MemoryArea],
}
impl<'a> MemoryMapTag<'a> {
    pub fn memory_areas(&self) -> impl Iterator<Item = &'a MemoryArea> {
        self.areas.iter()
    }
}

#[derive(Debug)]
pub struct ModuleTag {
    start: u32,
    end: u32,
}
impl ModuleTag {
    pub fn start_address(&self) -> u32 { self.start }
    pub fn end_address(&self) -> u32 { self.end }
}

#[derive(Debug, Default)]
pub struct BootInformation {
    areas: Vec<MemoryArea>,
}
impl BootInformation {
    pub fn new(areas: Vec<MemoryArea>) -> BootInformation {
        BootInformation { areas }
    }
    pub fn memory_map_tag(&self) -> Option<MemoryMapTag<'_>> {
        Some(MemoryMapTag { areas: &self.areas })
    }
    pub fn module_tags(&self) -> impl Iterator<Item = &ModuleTag> {
        [].iter()
    }
}
