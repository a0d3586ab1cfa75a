//! Mappings (a virtual range, its type, rights and frames) and the registry
//! of reference-counted frame vectors that shared mappings, `shm` names and
//! mirrors hold references to.

use crate::alloc::Region;
use crate::types::{check_addr_aligned, check_nonzero, mul, sub, KResult, KernelError, MemoryType, PAGE};

/// Handle of a shared frame vector in [`SharedFrames`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedId(usize);

struct SharedEntry {
    regions: Vec<Region>,
    refs: u32,
}

/// Reference-counted frame vectors (upstream's `Arc<Vec<PhysicalMemRegion>>`).
/// References are taken and released explicitly; when the last one goes,
/// the regions are handed back to be freed.
#[derive(Default)]
pub struct SharedFrames {
    slots: Vec<Option<SharedEntry>>,
}

impl SharedFrames {
    /// Wraps freshly allocated regions, with one reference.
    pub fn create(&mut self, regions: Vec<Region>) -> SharedId {
        let entry = Some(SharedEntry { regions, refs: 1 });
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = entry;
                SharedId(i)
            }
            None => {
                self.slots.push(entry);
                SharedId(self.slots.len() - 1)
            }
        }
    }

    fn entry(&self, id: SharedId) -> &SharedEntry {
        self.slots[id.0].as_ref().expect("shared frames referenced after release")
    }

    fn entry_mut(&mut self, id: SharedId) -> &mut SharedEntry {
        self.slots[id.0].as_mut().expect("shared frames referenced after release")
    }

    /// Takes another reference.
    pub fn clone_ref(&mut self, id: SharedId) -> SharedId {
        self.entry_mut(id).refs += 1;
        id
    }

    /// Drops a reference; returns the regions when it was the last one.
    pub fn release(&mut self, id: SharedId) -> Option<Vec<Region>> {
        let e = self.entry_mut(id);
        e.refs -= 1;
        if e.refs == 0 {
            self.slots[id.0].take().map(|e| e.regions)
        } else {
            None
        }
    }

    /// The regions, in order.
    pub fn regions(&self, id: SharedId) -> &[Region] {
        &self.entry(id).regions
    }

    /// Appends regions (growing a heap shares the growth).
    pub fn append(&mut self, id: SharedId, more: Vec<Region>) {
        self.entry_mut(id).regions.extend(more);
    }

    /// Number of live references (for tests).
    pub fn refs(&self, id: SharedId) -> u32 {
        self.entry(id).refs
    }
}

/// The frames behind a mapping.
#[derive(Debug)]
pub enum MappingFrames {
    /// No frames (guards, reserved ranges, holes).
    None,
    /// Frames owned by this mapping alone.
    Owned(Vec<Region>),
    /// A reference to shared frames.
    Shared(SharedId),
}

impl MappingFrames {
    /// The regions, resolving a shared reference.
    pub fn regions<'a>(&'a self, shared: &'a SharedFrames) -> &'a [Region] {
        match self {
            MappingFrames::None => &[],
            MappingFrames::Owned(v) => v,
            MappingFrames::Shared(id) => shared.regions(*id),
        }
    }
}

/// Number of frames in a list of regions.
pub fn frame_count(regions: &[Region]) -> u32 {
    regions.iter().map(|r| r.frames).sum()
}

/// A mapping of UserLand (or a mirror's range of KernelLand).
#[derive(Debug)]
pub struct Mapping {
    pub address: u32,
    pub length: u32,
    pub ty: MemoryType,
    pub frames: MappingFrames,
    /// Byte offset into the frames where the mapping starts.
    pub offset: u32,
    pub rights: u32,
}

impl Mapping {
    /// `Mapping::new`: checks the invariants in upstream's order and builds
    /// the mapping. On error the frames are handed back with the error.
    pub fn new(
        address: u32,
        frames: MappingFrames,
        offset: u32,
        length: u32,
        ty: MemoryType,
        rights: u32,
        shared: &SharedFrames,
    ) -> Result<Mapping, (KernelError, MappingFrames)> {
        match Mapping::validate(address, &frames, offset, length, ty, shared) {
            Ok(()) => Ok(Mapping { address, length, ty, frames, offset, rights }),
            Err(crate::types::Fail::Kernel(e)) => Err((e, frames)),
            Err(crate::types::Fail::Panic(_)) => unreachable!("validation only returns kernel errors"),
        }
    }

    fn validate(
        address: u32,
        frames: &MappingFrames,
        offset: u32,
        length: u32,
        ty: MemoryType,
        shared: &SharedFrames,
    ) -> KResult<()> {
        check_addr_aligned(address)?;
        check_addr_aligned(offset)?;
        check_addr_aligned(length)?;
        check_nonzero(length)?;
        let frames_len = match frames {
            MappingFrames::None => u32::MAX,
            // a frame count large enough to overflow cannot exist: the
            // largest region spans at most 0xfffff frames
            f => mul(frame_count(f.regions(shared)), PAGE).unwrap_or(u32::MAX),
        };
        if frames_len < offset {
            return Err(KernelError::InvalidAddress(offset).into());
        }
        if frames_len - offset < length {
            return Err(KernelError::InvalidSize(length).into());
        }
        if address.checked_add(length - 1).is_none() {
            return Err(KernelError::InvalidAddress(address).into());
        }
        let ok = match frames {
            MappingFrames::None => {
                matches!(ty, MemoryType::Unmapped | MemoryType::Reserved | MemoryType::KernelStack)
            }
            MappingFrames::Shared(_) => ty.is_refcounted(),
            MappingFrames::Owned(_) => !ty.is_refcounted(),
        };
        if ok {
            Ok(())
        } else {
            Err(KernelError::WrongMappingFramesForTy(ty).into())
        }
    }

    /// Last address inside the mapping.
    pub fn last(&self) -> u32 {
        self.address + (self.length - 1)
    }

    /// `frames_it`: the physical frame of each page, skipping `offset` and
    /// taking `length` bytes' worth.
    pub fn frame_list(&self, shared: &SharedFrames) -> Vec<u32> {
        self.frames
            .regions(shared)
            .iter()
            .flat_map(Region::frame_addrs)
            .skip((self.offset / PAGE) as usize)
            .take((self.length / PAGE) as usize)
            .collect()
    }
}

/// `frames_len - offset` as `map_partial_shared_mapping` computes it before
/// any check (an underflow is a panic).
pub fn shared_len_after(shared: &SharedFrames, id: SharedId, offset: u32) -> KResult<u32> {
    sub(mul(frame_count(shared.regions(id)), PAGE)?, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: u32, frames: u32) -> Region {
        Region { start, frames, owned: true }
    }

    #[test]
    fn new_checks_in_order() {
        let sh = SharedFrames::default();
        let none = || MappingFrames::None;
        let err = |r: Result<Mapping, (KernelError, MappingFrames)>| r.unwrap_err().0;
        assert_eq!(err(Mapping::new(0x1001, none(), 0, 0, MemoryType::Reserved, 0, &sh)), KernelError::InvalidAddress(0x1001));
        assert_eq!(err(Mapping::new(0x1000, none(), 0, 0x800, MemoryType::Reserved, 0, &sh)), KernelError::InvalidAddress(0x800));
        assert_eq!(err(Mapping::new(0x1000, none(), 0, 0, MemoryType::Reserved, 0, &sh)), KernelError::InvalidSize(0));
        assert_eq!(
            err(Mapping::new(0xffff_e000, none(), 0, 0x3000, MemoryType::Reserved, 0, &sh)),
            KernelError::InvalidAddress(0xffff_e000)
        );
        assert_eq!(
            err(Mapping::new(0x1000, none(), 0, 0x1000, MemoryType::Normal, 0, &sh)),
            KernelError::WrongMappingFramesForTy(MemoryType::Normal)
        );
        assert!(Mapping::new(0xffff_e000, none(), 0, 0x2000, MemoryType::KernelStack, 0, &sh).is_ok());
    }

    #[test]
    fn frames_with_offset() {
        let mut sh = SharedFrames::default();
        let id = sh.create(vec![region(0x1000, 2), region(0x8000, 3)]);
        let m = Mapping::new(0x40_0000, MappingFrames::Shared(id), 0x1000, 0x3000, MemoryType::Stack, 11, &sh).unwrap();
        assert_eq!(m.frame_list(&sh), vec![0x2000, 0x8000, 0x9000]);
        let e = Mapping::new(0x40_0000, MappingFrames::Shared(id), 0x6000, 0x1000, MemoryType::Stack, 11, &sh);
        assert_eq!(e.unwrap_err().0, KernelError::InvalidAddress(0x6000));
        let e = Mapping::new(0x40_0000, MappingFrames::Shared(id), 0x1000, 0x5000, MemoryType::Stack, 11, &sh);
        assert_eq!(e.unwrap_err().0, KernelError::InvalidSize(0x5000));
        let e = Mapping::new(0x40_0000, MappingFrames::Owned(vec![region(0, 1)]), 0, 0x1000, MemoryType::Heap, 11, &sh);
        assert_eq!(e.unwrap_err().0, KernelError::WrongMappingFramesForTy(MemoryType::Heap));
    }

    #[test]
    fn shared_refcounts() {
        let mut sh = SharedFrames::default();
        let id = sh.create(vec![region(0x1000, 1)]);
        sh.clone_ref(id);
        assert_eq!(sh.refs(id), 2);
        assert_eq!(sh.release(id), None);
        assert_eq!(sh.release(id), Some(vec![region(0x1000, 1)]));
        // the slot is reused
        let id2 = sh.create(vec![]);
        assert_eq!(id2, id);
        assert!(shared_len_after(&sh, id2, 0x1000).is_err());
    }
}
