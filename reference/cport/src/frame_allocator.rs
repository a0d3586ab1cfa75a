//! `frame_allocator`: `FrameAllocator` (the i386 bitmap allocator) and
//! `PhysicalMemRegion`, over the port's.

use std::marker::PhantomData;
use std::ptr;

use crate::ffi::{self, SrpErr, SrpRegion};
use crate::port::{call, call0, call_in_drop};
use crate::types::{to_u32, KernelError, PhysicalAddress, PAGE_SIZE};

/// `frame_allocator::PhysicalMemRegion`: a span of consecutive frames.
/// Dropping it frees the frames when it owns them (an allocated region; an
/// mmio region does not).
pub struct PhysicalMemRegion {
    raw: SrpRegion,
    gen: u64,
    /// Moved into the port (dropping does nothing then).
    consumed: bool,
    _not_send: PhantomData<*mut ()>,
}

impl PhysicalMemRegion {
    pub(crate) fn from_raw(raw: SrpRegion, gen: u64) -> PhysicalMemRegion {
        PhysicalMemRegion { raw, gen, consumed: false, _not_send: PhantomData }
    }

    pub(crate) fn gen(&self) -> u64 {
        self.gen
    }

    /// Gives the region to the port (which now owns its frames).
    pub(crate) fn into_raw(mut self) -> (SrpRegion, u64) {
        self.consumed = true;
        (self.raw, self.gen)
    }

    /// `PhysicalMemRegion::address`.
    pub fn address(&self) -> PhysicalAddress {
        PhysicalAddress(self.raw.start as usize)
    }

    /// `PhysicalMemRegion::size`.
    pub fn size(&self) -> usize {
        self.raw.frames as usize * PAGE_SIZE
    }

    /// The number of frames.
    pub fn frames(&self) -> usize {
        self.raw.frames as usize
    }

    /// Whether dropping the region frees its frames.
    pub fn should_free_on_drop(&self) -> bool {
        self.raw.free_on_drop != 0
    }

    /// `PhysicalMemRegion::on_fixed_mmio`: a region of frames the allocator
    /// holds reserved (a device's), never freed. Unsafe upstream (it hands
    /// out any physical memory); here everything physical is simulated, so
    /// it is safe.
    pub fn on_fixed_mmio(address: PhysicalAddress, length: usize) -> Result<PhysicalMemRegion, KernelError> {
        let (a, l) = (to_u32(address.0, "address"), to_u32(length, "length"));
        let (mut err, mut out) = (SrpErr::default(), SrpRegion::default());
        // SAFETY: panic-armed shim call under the port lock; valid out-pointers.
        let gen = call0(None, || unsafe { ffi::srp_on_fixed_mmio(a, l, &mut err, &mut out) });
        KernelError::check(&err).map(|()| PhysicalMemRegion::from_raw(out, gen))
    }
}

impl Drop for PhysicalMemRegion {
    fn drop(&mut self) {
        if self.consumed {
            return;
        }
        let raw = self.raw;
        // SAFETY: panic-armed shim call under the port lock (current handle).
        call_in_drop(self.gen, || unsafe { ffi::srp_region_drop(raw) });
    }
}

impl std::fmt::Debug for PhysicalMemRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhysicalMemRegion({:#010x}*{})", self.raw.start, self.raw.frames)
    }
}

/// `frame_allocator::FrameAllocator`.
pub struct FrameAllocator;

impl FrameAllocator {
    /// `FrameAllocatorTrait::allocate_region`: `length` bytes of consecutive
    /// frames, the lowest run that fits.
    pub fn allocate_region(length: usize) -> Result<PhysicalMemRegion, KernelError> {
        let l = to_u32(length, "length");
        let (mut err, mut out) = (SrpErr::default(), SrpRegion::default());
        // SAFETY: panic-armed shim call under the port lock; valid out-pointers.
        let gen = call0(None, || unsafe { ffi::srp_allocate_region(l, &mut err, &mut out) });
        KernelError::check(&err).map(|()| PhysicalMemRegion::from_raw(out, gen))
    }

    /// `FrameAllocatorTrait::allocate_frame`.
    pub fn allocate_frame() -> Result<PhysicalMemRegion, KernelError> {
        FrameAllocator::allocate_region(PAGE_SIZE)
    }

    /// `FrameAllocatorTrait::allocate_frames_fragmented`: `length` bytes of
    /// any frames, the lowest free ones, as runs.
    pub fn allocate_frames_fragmented(length: usize) -> Result<Vec<PhysicalMemRegion>, KernelError> {
        let l = to_u32(length, "length");
        let mut err = SrpErr::default();
        let mut buf: *mut SrpRegion = ptr::null_mut();
        let mut n = 0u32;
        let (regions, gen) = call(None, || {
            // SAFETY: panic-armed shim call under the port lock; valid out-pointers.
            let rc = unsafe { ffi::srp_allocate_frames_fragmented(l, &mut err, &mut buf, &mut n) };
            let mut v = Vec::new();
            if rc == ffi::SRP_OK && !buf.is_null() {
                // SAFETY: the shim returned a malloc'd array of n regions, ours to free.
                unsafe {
                    v.extend_from_slice(std::slice::from_raw_parts(buf, n as usize));
                    ffi::srp_free_buffer(buf.cast());
                }
            }
            (rc, v)
        });
        KernelError::check(&err)?;
        Ok(regions.into_iter().map(|r| PhysicalMemRegion::from_raw(r, gen)).collect())
    }
}
