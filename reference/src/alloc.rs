//! The physical frame allocator: one bit per 4 KiB frame of the 4 GiB
//! physical space, set when the frame is free. Reserved and allocated frames
//! are not distinguished.
//!
//! Allocation policy (as upstream's bitmap allocator behaves):
//! * a *region* is the lowest run of enough consecutive free frames;
//! * a *fragmented* allocation takes the lowest free frames, grouped into
//!   runs of consecutive frames, and fails without taking anything when
//!   fewer frames are free than requested.

use crate::types::{add, align_up, check_nonzero, check_size_aligned, panic, KResult, KernelError, PAGE};

/// Number of frames in the 32-bit physical space.
pub const FRAME_COUNT: u32 = 1 << 20;

/// A span of consecutive physical frames (`PhysicalMemRegion`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Physical address of the first frame.
    pub start: u32,
    /// Number of frames.
    pub frames: u32,
    /// Whether dropping the region gives its frames back to the allocator
    /// (false for fixed mmio regions).
    pub owned: bool,
}

impl Region {
    /// Size in bytes.
    pub fn size(&self) -> u32 {
        self.frames * PAGE
    }

    /// Physical address of every frame, in order.
    pub fn frame_addrs(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.frames).map(move |i| self.start + i * PAGE)
    }
}

/// The bitmap frame allocator.
pub struct FrameAllocator {
    /// Bit `f` of the bitmap is set when frame `f` is free.
    free: Vec<u64>,
    /// Words of `free` at and above this index are all zero: scans stop
    /// there and a reset clears only the words below it.
    words_end: usize,
    /// Number of set bits.
    free_frames: u32,
}

impl Default for FrameAllocator {
    fn default() -> Self {
        FrameAllocator::new()
    }
}

impl FrameAllocator {
    /// An allocator with every frame reserved.
    pub fn new() -> FrameAllocator {
        FrameAllocator { free: vec![0; (FRAME_COUNT / 64) as usize], words_end: 0, free_frames: 0 }
    }

    /// Back to every frame reserved, keeping the bitmap's storage.
    pub fn reset(&mut self) {
        self.free[..self.words_end].iter_mut().for_each(|w| *w = 0);
        self.words_end = 0;
        self.free_frames = 0;
    }

    /// Whether frame number `f` is free.
    pub fn is_free(&self, f: u32) -> bool {
        self.free[(f / 64) as usize] >> (f % 64) & 1 != 0
    }

    fn set(&mut self, f: u32, free: bool) {
        if self.is_free(f) == free {
            return;
        }
        let i = (f / 64) as usize;
        let word = &mut self.free[i];
        if free {
            self.words_end = self.words_end.max(i + 1);
            *word |= 1 << (f % 64);
            self.free_frames += 1;
        } else {
            *word &= !(1 << (f % 64));
            self.free_frames -= 1;
        }
    }

    /// Marks frames `[start, end)` (frame numbers) free or reserved.
    pub fn set_frames(&mut self, start: u32, end: u32, free: bool) {
        for f in start..end.min(FRAME_COUNT) {
            self.set(f, free);
        }
    }

    /// Marks the page aligned physical range `[start, end)` free or reserved
    /// (used by `phys` lines).
    pub fn set_range(&mut self, start: u32, end: u32, free: bool) {
        self.set_frames(start >> 12, end >> 12, free);
    }

    /// Number of free frames.
    pub fn free_count(&self) -> u32 {
        self.free_frames
    }

    /// Free frame numbers in ascending order.
    fn free_frames(&self) -> impl Iterator<Item = u32> + '_ {
        self.free[..self.words_end].iter().enumerate().flat_map(|(i, &w)| {
            let mut bits = w;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                Some(i as u32 * 64 + b)
            })
        })
    }

    /// `allocate_region`: `length` bytes of physically consecutive frames.
    pub fn allocate_region(&mut self, length: u32) -> KResult<Region> {
        check_nonzero(length)?;
        check_size_aligned(length)?;
        let wanted = length / PAGE;
        let mut run_start = 0;
        let mut run_len = 0;
        let mut found = None;
        for f in self.free_frames() {
            if run_len > 0 && f == run_start + run_len {
                run_len += 1;
            } else {
                run_start = f;
                run_len = 1;
            }
            if run_len == wanted {
                found = Some(run_start);
                break;
            }
        }
        let start = found.ok_or(KernelError::PhysicalMemoryExhaustion)?;
        self.set_frames(start, start + wanted, false);
        Ok(Region { start: start << 12, frames: wanted, owned: true })
    }

    /// `allocate_frames_fragmented`: `length` bytes of frames, possibly in
    /// several runs; all or nothing.
    pub fn allocate_fragmented(&mut self, length: u32) -> KResult<Vec<Region>> {
        check_nonzero(length)?;
        check_size_aligned(length)?;
        let wanted = length / PAGE;
        if self.free_count() < wanted {
            return Err(KernelError::PhysicalMemoryExhaustion.into());
        }
        let taken: Vec<u32> = self.free_frames().take(wanted as usize).collect();
        let mut regions: Vec<Region> = Vec::new();
        for f in taken {
            self.set(f, false);
            match regions.last_mut() {
                Some(r) if (r.start >> 12) + r.frames == f => r.frames += 1,
                _ => regions.push(Region { start: f << 12, frames: 1, owned: true }),
            }
        }
        Ok(regions)
    }

    /// `check_is_allocated`: every frame touched by `[addr, addr + len)` is
    /// reserved or allocated. Computing the end overflows (a panic) for a
    /// range reaching the end of the address space.
    pub fn check_is_allocated(&self, addr: u32, len: u32) -> KResult<bool> {
        let first = addr >> 12;
        let end = align_up(add(addr, len)?, PAGE)? >> 12;
        Ok((first..end).all(|f| !self.is_free(f)))
    }

    /// Gives a region back when it is dropped: nothing for an mmio region,
    /// else the frames become free (a panic if one of them was not
    /// allocated, as upstream asserts).
    pub fn drop_region(&mut self, r: &Region) -> KResult<()> {
        if !r.owned || r.frames == 0 {
            return Ok(());
        }
        if !self.check_is_allocated(r.start, r.size())? {
            return panic(format!("freeing frames {:#010x}*{} that are not allocated", r.start, r.frames));
        }
        let first = r.start >> 12;
        self.set_frames(first, first + r.frames, true);
        Ok(())
    }

    /// `PhysicalMemRegion::on_fixed_mmio`: a region over frames that must
    /// all be reserved; never freed.
    pub fn on_fixed_mmio(&self, addr: u32, length: u32) -> KResult<Region> {
        check_nonzero(length)?;
        check_size_aligned(length)?;
        if !(addr % PAGE == 0) || !self.check_is_allocated(addr, length)? {
            return Err(KernelError::InvalidAddress(addr).into());
        }
        Ok(Region { start: addr, frames: length / PAGE, owned: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Fail;

    fn with_free(ranges: &[(u32, u32)]) -> FrameAllocator {
        let mut a = FrameAllocator::new();
        for &(s, e) in ranges {
            a.set_range(s, e, true);
        }
        a
    }

    #[test]
    fn region_is_lowest_fitting_run() {
        let mut a = with_free(&[(0x400000, 0x402000), (0x406000, 0x40a000)]);
        assert_eq!(a.free_count(), 6);
        let r = a.allocate_region(0x3000).unwrap();
        assert_eq!((r.start, r.frames), (0x406000, 3));
        assert_eq!(a.free_count(), a.free.iter().map(|w| w.count_ones()).sum::<u32>());
        let r = a.allocate_region(0x1000).unwrap();
        assert_eq!(r.start, 0x400000);
        assert_eq!(a.allocate_region(0x2000), Err(Fail::Kernel(KernelError::PhysicalMemoryExhaustion)));
        assert_eq!(a.free_count(), 2);
    }

    #[test]
    fn region_errors() {
        let mut a = with_free(&[(0x400000, 0x800000)]);
        assert_eq!(a.allocate_region(0), Err(Fail::Kernel(KernelError::InvalidSize(0))));
        assert_eq!(a.allocate_region(0x800), Err(Fail::Kernel(KernelError::InvalidSize(0x800))));
    }

    #[test]
    fn fragmented_takes_lowest_frames_in_runs() {
        let mut a = with_free(&[(0x1000, 0x3000), (0x5000, 0x9000)]);
        let v = a.allocate_fragmented(0x4000).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].start, v[0].frames), (0x1000, 2));
        assert_eq!((v[1].start, v[1].frames), (0x5000, 2));
        assert_eq!(a.free_count(), 2);
        // all or nothing
        assert!(a.allocate_fragmented(0x3000).is_err());
        assert_eq!(a.free_count(), 2);
    }

    #[test]
    fn free_and_check() {
        let mut a = with_free(&[(0x400000, 0x401000)]);
        let r = a.allocate_region(0x1000).unwrap();
        assert!(a.check_is_allocated(0x400000, 0x1000).unwrap());
        a.drop_region(&r).unwrap();
        assert!(!a.check_is_allocated(0x400000, 0x1000).unwrap());
        // double free is a kernel panic
        assert!(matches!(a.drop_region(&r), Err(Fail::Panic(_))));
        // mmio regions are never freed
        let m = a.on_fixed_mmio(0x900000, 0x2000).unwrap();
        a.drop_region(&m).unwrap();
        assert_eq!(a.free_count(), 1);
    }

    #[test]
    fn mmio_checks() {
        let a = with_free(&[(0x400000, 0x800000)]);
        assert_eq!(a.on_fixed_mmio(0x900800, 0x1000), Err(Fail::Kernel(KernelError::InvalidAddress(0x900800))));
        assert_eq!(a.on_fixed_mmio(0x7ff000, 0x2000), Err(Fail::Kernel(KernelError::InvalidAddress(0x7ff000))));
        assert!(a.on_fixed_mmio(0xffffe000, 0x1000).is_ok());
        assert!(matches!(a.on_fixed_mmio(0xfffff000, 0x1000), Err(Fail::Panic(_))));
    }
}
