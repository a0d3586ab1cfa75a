//! The list of a process's mappings, keyed by start address. Holes are not
//! stored; a query that falls in one gets a synthesized `Unmapped` mapping.
//!
//! Note the vacancy check only looks for mappings that *start* inside the
//! range, as upstream's does: a range starting inside an existing mapping
//! passes it.

use std::collections::BTreeMap;

use crate::mapping::{Mapping, MappingFrames, SharedFrames};
use crate::paging::{KERNELLAND_END, KERNELLAND_START, RTL_START, USERLAND_START};
use crate::types::{add, check_nonzero, must, sub, Fail, KResult, KernelError, MemoryType};

/// The mapping a query found.
pub enum Query<'a> {
    /// A stored mapping.
    Used(&'a Mapping),
    /// The hole around the address, as an `Unmapped` mapping.
    Available(Mapping),
}

impl Query<'_> {
    pub fn mapping(&self) -> &Mapping {
        match self {
            Query::Used(m) => m,
            Query::Available(m) => m,
        }
    }
}

/// A process's mappings.
pub struct Bookkeeping {
    map: BTreeMap<u32, Mapping>,
}

impl Bookkeeping {
    /// A fresh list: only the reserved KernelLand and RecursiveTablesLand.
    pub fn new() -> Bookkeeping {
        let sh = SharedFrames::default();
        let mut map = BTreeMap::new();
        for (start, len) in [(KERNELLAND_START, KERNELLAND_END - KERNELLAND_START + 1), (RTL_START, 0u32.wrapping_sub(RTL_START))] {
            let m = Mapping::new(start, MappingFrames::None, 0, len, MemoryType::Reserved, 0, &sh)
                .unwrap_or_else(|_| unreachable!("the reserved lands are valid mappings"));
            map.insert(start, m);
        }
        Bookkeeping { map }
    }

    fn at_or_preceding(&self, addr: u32) -> Option<&Mapping> {
        self.map.range(..=addr).next_back().map(|(_, m)| m)
    }

    fn at_or_following(&self, addr: u32) -> Option<&Mapping> {
        self.map.range(addr..).next().map(|(_, m)| m)
    }

    /// `mapping_at`: the mapping containing `addr`, or the hole around it.
    pub fn mapping_at(&self, addr: u32) -> KResult<Query<'_>> {
        let start = match self.at_or_preceding(addr) {
            Some(m) if add(sub(m.length, 1)?, m.address)? >= addr => return Ok(Query::Used(m)),
            Some(m) => add(m.address, m.length)?,
            None => 0,
        };
        let length = match self.at_or_following(addr) {
            Some(m) => sub(m.address, start)?,
            None => add(sub(u32::MAX, start)?, 1)?,
        };
        let sh = SharedFrames::default();
        match Mapping::new(start, MappingFrames::None, 0, length, MemoryType::Unmapped, 0, &sh) {
            Ok(m) => Ok(Query::Available(m)),
            Err((e, _)) => must(Err(e.into()), "building a hole mapping"),
        }
    }

    /// `occupied_mapping_at`: the stored mapping containing `addr`, else
    /// `InvalidAddress`.
    pub fn occupied_mapping_at(&self, addr: u32) -> KResult<&Mapping> {
        match self.at_or_preceding(addr) {
            Some(m) if add(sub(m.length, 1)?, m.address)? >= addr => Ok(m),
            _ => Err(KernelError::InvalidAddress(addr).into()),
        }
    }

    /// `check_vacant`: no stored mapping starts in `[addr, addr + len)`.
    pub fn check_vacant(&self, addr: u32, len: u32) -> KResult<()> {
        check_nonzero(len)?;
        let end = addr.checked_add(len - 1).ok_or(KernelError::InvalidAddress(addr))?;
        if self.map.range(addr..=end).next().is_none() {
            Ok(())
        } else {
            Err(KernelError::InvalidAddress(addr).into())
        }
    }

    /// `add_mapping`: inserts after the vacancy check; on error the mapping
    /// comes back with it.
    pub fn add_mapping(&mut self, m: Mapping) -> Result<(), (Fail, Mapping)> {
        match self.check_vacant(m.address, m.length) {
            Ok(()) => {
                self.map.insert(m.address, m);
                Ok(())
            }
            Err(e) => Err((e, m)),
        }
    }

    /// `remove_mapping`: removes the mapping starting exactly at `addr`,
    /// which must have exactly `len` bytes.
    pub fn remove_mapping(&mut self, addr: u32, len: u32) -> KResult<Mapping> {
        match self.map.get(&addr) {
            None => Err(KernelError::InvalidAddress(addr).into()),
            Some(m) if m.length != len => Err(KernelError::InvalidSize(len).into()),
            Some(_) => Ok(self.map.remove(&addr).expect("mapping just found")),
        }
    }

    /// `find_available_space`: the first hole of `len` bytes from the start
    /// of UserLand, looking only at holes before a stored mapping.
    pub fn find_available_space(&self, len: u32) -> KResult<u32> {
        check_nonzero(len)?;
        let mut last = USERLAND_START;
        for m in self.map.values() {
            if sub(m.address, last)? >= len {
                return Ok(last);
            }
            last = m.address.wrapping_add(m.length);
        }
        Err(KernelError::VirtualMemoryExhaustion.into())
    }

    /// Takes every mapping out, in ascending address order (a process
    /// being dropped).
    pub fn into_mappings(self) -> impl Iterator<Item = Mapping> {
        self.map.into_values()
    }
}

impl Default for Bookkeeping {
    fn default() -> Self {
        Bookkeeping::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(addr: u32, len: u32) -> Mapping {
        Mapping::new(addr, MappingFrames::None, 0, len, MemoryType::KernelStack, 0, &SharedFrames::default()).unwrap()
    }

    #[test]
    fn fresh_layout() {
        let b = Bookkeeping::new();
        let q = b.mapping_at(0).unwrap();
        assert_eq!((q.mapping().address, q.mapping().length, q.mapping().ty), (0, 0xc000_0000, MemoryType::Unmapped));
        let q = b.mapping_at(0xffff_ffff).unwrap();
        assert_eq!((q.mapping().address, q.mapping().length, q.mapping().ty), (RTL_START, 0x40_0000, MemoryType::Reserved));
        assert_eq!(b.find_available_space(0xbfe0_0000), Ok(USERLAND_START));
        assert_eq!(b.find_available_space(0xbfe0_0001), Err(Fail::Kernel(KernelError::VirtualMemoryExhaustion)));
        assert_eq!(b.find_available_space(0), Err(Fail::Kernel(KernelError::InvalidSize(0))));
    }

    #[test]
    fn holes_and_vacancy() {
        let mut b = Bookkeeping::new();
        b.add_mapping(guard(0x40_0000, 0x3000)).unwrap();
        let q = b.mapping_at(0x40_3000).unwrap();
        assert_eq!((q.mapping().address, q.mapping().length), (0x40_3000, 0xbfbf_d000));
        assert!(b.occupied_mapping_at(0x40_2fff).is_ok());
        assert_eq!(b.occupied_mapping_at(0x40_3000).err(), Some(Fail::Kernel(KernelError::InvalidAddress(0x40_3000))));
        // a range containing the start is refused, one starting inside is not
        assert!(b.check_vacant(0x3f_f000, 0x2000).is_err());
        assert!(b.check_vacant(0x40_1000, 0x1000).is_ok());
        assert_eq!(b.check_vacant(0xffff_f000, 0x2000).err(), Some(Fail::Kernel(KernelError::InvalidAddress(0xffff_f000))));
    }

    #[test]
    fn remove_exact_only() {
        let mut b = Bookkeeping::new();
        b.add_mapping(guard(0x40_0000, 0x3000)).unwrap();
        assert_eq!(b.remove_mapping(0x40_1000, 0x1000).err(), Some(Fail::Kernel(KernelError::InvalidAddress(0x40_1000))));
        assert_eq!(b.remove_mapping(0x40_0000, 0x1000).err(), Some(Fail::Kernel(KernelError::InvalidSize(0x1000))));
        assert!(b.remove_mapping(0x40_0000, 0x3000).is_ok());
    }

    #[test]
    fn overlapping_mappings_make_find_panic() {
        let mut b = Bookkeeping::new();
        b.add_mapping(guard(0x40_0000, 0x3000)).unwrap();
        b.add_mapping(guard(0x40_1000, 0x1000)).unwrap();
        assert!(matches!(b.find_available_space(0x0100_0000), Err(Fail::Panic(_))));
    }
}
