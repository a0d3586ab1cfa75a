//! C replaces Rust: upstream's `frame_allocator` module (`mod.rs`, `i386.rs`,
//! `physical_mem_region.rs`) with the same public API, over the C port's
//! `frame_allocator.c` and `physical_mem_region.c` (through the shim
//! `reference/cport/csrc/srp.c`). Every rung from 1 up uses it.
//!
//! Ownership: a `PhysicalMemRegion` here is the Rust face of a C
//! `physical_mem_region` (`start_addr`, `frames`, `should_free_on_drop`).
//! Moving it into C (`into_raw`) forgets the Rust value; a region coming back
//! from C (`from_raw`) is owned by Rust again and its `Drop` frees the frames
//! in the C allocator, the only allocator of the build. A region may also be
//! a *handle on C-shared frames* (`shared` set): the frames then belong to a
//! C `shared_frames`, the handle holds one reference to it, and dropping the
//! handle releases that reference instead of freeing anything (see
//! `process_memory.rs`, where an `Arc<SpinRwLock<Vec<PhysicalMemRegion>>>`
//! meets the C `shared_frames`).

use alloc::vec::Vec;
use core::fmt::{self, Debug, Formatter};
use core::iter::StepBy;
use core::marker::PhantomData;
use core::ops::Range;
use core::sync::atomic::{AtomicBool, Ordering};
use std::os::raw::c_void;

use crate::error::KernelError;
use crate::mem::PhysicalAddress;
use crate::mix::glue::{self, ffi, u32_of};
use crate::paging::PAGE_SIZE;
use multiboot2::BootInformation;

/// `frame_allocator::PhysicalMemRegion`.
pub struct PhysicalMemRegion {
    start_addr: usize,
    frames: usize,
    /// Atomic so that the glue can disarm a region it handed to C while a
    /// `Mapping` it cannot take apart still holds it (`disarm`).
    should_free_on_drop: AtomicBool,
    /// The C `shared_frames *` this region is a handle on (0: none).
    shared: usize,
}

impl PhysicalMemRegion {
    /// Takes ownership of a region C handed over.
    pub(crate) fn from_raw(r: ffi::SrpRegion) -> PhysicalMemRegion {
        PhysicalMemRegion {
            start_addr: r.start as usize,
            frames: r.frames as usize,
            should_free_on_drop: AtomicBool::new(r.free_on_drop != 0),
            shared: 0,
        }
    }

    /// Hands the region over to C (which now frees its frames, if it owns
    /// them). A handle on C-shared frames cannot be handed over as a region.
    pub(crate) fn into_raw(self) -> ffi::SrpRegion {
        assert!(self.shared == 0, "mix glue: a handle on C-shared frames handed to C as a region");
        let r = self.raw();
        core::mem::forget(self);
        r
    }

    /// Takes ownership of the `n` regions of a buffer the shim allocated
    /// (null: none) and frees the buffer.
    pub(crate) unsafe fn take_buffer(buf: *mut ffi::SrpRegion, n: u32) -> Vec<PhysicalMemRegion> {
        if buf.is_null() {
            return Vec::new();
        }
        let v = core::slice::from_raw_parts(buf, n as usize).iter().map(|r| PhysicalMemRegion::from_raw(*r)).collect();
        ffi::srp_free_buffer(buf.cast());
        v
    }

    /// The C view of the region (ownership unchanged).
    pub(crate) fn raw(&self) -> ffi::SrpRegion {
        ffi::SrpRegion {
            start: u32_of(self.start_addr),
            frames: u32_of(self.frames),
            free_on_drop: self.should_free_on_drop.load(Ordering::Relaxed) as u32,
        }
    }

    /// A handle on frames the C `shared_frames` `s` owns; takes over one
    /// reference the caller holds.
    pub(crate) fn shared_handle(r: ffi::SrpRegion, s: *mut c_void) -> PhysicalMemRegion {
        PhysicalMemRegion {
            start_addr: r.start as usize,
            frames: r.frames as usize,
            should_free_on_drop: AtomicBool::new(false),
            shared: s as usize,
        }
    }

    /// Its frames were handed over to C by copy (`raw`) from behind a shared
    /// reference: dropping this value must free nothing any more.
    pub(crate) fn disarm(&self) {
        assert!(self.shared == 0, "mix glue: disarming a handle on C-shared frames");
        self.should_free_on_drop.store(false, Ordering::Relaxed);
    }

    /// The C `shared_frames` this region is a handle on (null: none).
    pub(crate) fn shared(&self) -> *mut c_void {
        self.shared as *mut c_void
    }

    /// `PhysicalMemRegion::address`.
    pub fn address(&self) -> PhysicalAddress {
        PhysicalAddress(self.start_addr)
    }

    /// `PhysicalMemRegion::size`.
    pub fn size(&self) -> usize {
        self.frames * PAGE_SIZE
    }

    /// `PhysicalMemRegion::on_fixed_mmio`.
    pub unsafe fn on_fixed_mmio(address: PhysicalAddress, length: usize) -> Result<Self, KernelError> {
        let (mut err, mut out) = (ffi::SrpErr::default(), ffi::SrpRegion::default());
        ffi::srp_on_fixed_mmio(u32_of(address.addr()), u32_of(length), &mut err, &mut out);
        glue::check(&err).map(|()| PhysicalMemRegion::from_raw(out))
    }

    fn make(address: PhysicalAddress, len: usize, mode: u32) -> Self {
        let mut out = ffi::SrpRegion::default();
        // SAFETY: the shim writes one region; its assertions are kernel panics.
        unsafe { ffi::srp_region_make(u32_of(address.addr()), u32_of(len), mode, &mut out) };
        PhysicalMemRegion::from_raw(out)
    }

    /// `PhysicalMemRegion::new_unchecked`.
    pub unsafe fn new_unchecked(physical_addr: PhysicalAddress, len: usize) -> Self {
        PhysicalMemRegion::make(physical_addr, len, 0)
    }

    /// `PhysicalMemRegion::reconstruct`.
    pub unsafe fn reconstruct(physical_addr: PhysicalAddress, len: usize) -> Self {
        PhysicalMemRegion::make(physical_addr, len, 1)
    }

    /// `PhysicalMemRegion::reconstruct_no_dealloc`.
    pub unsafe fn reconstruct_no_dealloc(physical_addr: PhysicalAddress, len: usize) -> Self {
        PhysicalMemRegion::make(physical_addr, len, 2)
    }
}

impl Drop for PhysicalMemRegion {
    /// Frees the frames in the C allocator when the region owns them, or
    /// releases the C `shared_frames` reference of a handle.
    fn drop(&mut self) {
        if self.shared != 0 {
            // SAFETY: the handle holds one reference to a live shared_frames.
            unsafe { ffi::srp_shared_drop(self.shared as *mut c_void) };
        } else if self.should_free_on_drop.load(Ordering::Relaxed) {
            FrameAllocator::free_region(self)
        }
    }
}

/// `frame_allocator::PhysicalMemRegionIter`.
#[derive(Debug, Clone)]
pub struct PhysicalMemRegionIter<'a>(StepBy<Range<usize>>, PhantomData<&'a ()>);

impl<'a> Iterator for PhysicalMemRegionIter<'a> {
    type Item = PhysicalAddress;

    fn next(&mut self) -> Option<PhysicalAddress> {
        self.0.next().map(PhysicalAddress)
    }
}

impl<'a> IntoIterator for &'a PhysicalMemRegion {
    type Item = PhysicalAddress;
    type IntoIter = PhysicalMemRegionIter<'a>;

    fn into_iter(self) -> PhysicalMemRegionIter<'a> {
        PhysicalMemRegionIter((self.start_addr..self.start_addr + self.size()).step_by(PAGE_SIZE), PhantomData)
    }
}

impl Debug for PhysicalMemRegion {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "P region {:#010x}, {} frames (C)", self.start_addr, self.frames)
    }
}

/// `frame_allocator::FrameAllocatorTrait`.
pub trait FrameAllocatorTrait: FrameAllocatorTraitPrivate {
    fn allocate_region(length: usize) -> Result<PhysicalMemRegion, KernelError>;
    fn allocate_frames_fragmented(length: usize) -> Result<Vec<PhysicalMemRegion>, KernelError>;
    fn allocate_frame() -> Result<PhysicalMemRegion, KernelError> {
        Self::allocate_region(PAGE_SIZE)
    }
}

use self::private::FrameAllocatorTraitPrivate;

mod private {
    use super::PhysicalMemRegion;
    use crate::mem::PhysicalAddress;

    /// The sealed supertrait, as upstream's.
    pub trait FrameAllocatorTraitPrivate {
        fn free_region(region: &PhysicalMemRegion);
        fn check_is_allocated(address: PhysicalAddress, length: usize) -> bool;
        fn check_is_reserved(region: PhysicalAddress, length: usize) -> bool;
    }
}

/// `frame_allocator::FrameAllocator`: the C port's bitmap allocator.
pub struct FrameAllocator;

impl FrameAllocatorTraitPrivate for FrameAllocator {
    fn free_region(region: &PhysicalMemRegion) {
        // SAFETY: frees what the region owns (C asserts it is allocated).
        unsafe { ffi::srp_region_drop(region.raw()) };
    }

    fn check_is_allocated(address: PhysicalAddress, length: usize) -> bool {
        let mut out = 0;
        // SAFETY: shim call with a valid out-pointer.
        unsafe { ffi::srp_check_is_allocated(u32_of(address.addr()), u32_of(length), &mut out) };
        out != 0
    }

    fn check_is_reserved(address: PhysicalAddress, length: usize) -> bool {
        let mut out = 0;
        // SAFETY: shim call with a valid out-pointer.
        unsafe { ffi::srp_check_is_reserved(u32_of(address.addr()), u32_of(length), &mut out) };
        out != 0
    }
}

impl FrameAllocatorTrait for FrameAllocator {
    fn allocate_region(length: usize) -> Result<PhysicalMemRegion, KernelError> {
        let (mut err, mut out) = (ffi::SrpErr::default(), ffi::SrpRegion::default());
        // SAFETY: shim call with valid out-pointers.
        unsafe { ffi::srp_allocate_region(u32_of(length), &mut err, &mut out) };
        glue::check(&err).map(|()| PhysicalMemRegion::from_raw(out))
    }

    fn allocate_frames_fragmented(length: usize) -> Result<Vec<PhysicalMemRegion>, KernelError> {
        let mut err = ffi::SrpErr::default();
        let mut buf: *mut ffi::SrpRegion = core::ptr::null_mut();
        let mut n = 0u32;
        // SAFETY: shim call with valid out-pointers; on success buf is an
        // array of n regions now ours, freed below.
        unsafe { ffi::srp_allocate_frames_fragmented(u32_of(length), &mut err, &mut buf, &mut n) };
        glue::check(&err)?;
        // SAFETY: buf is the shim's array of n regions, ours.
        Ok(unsafe { PhysicalMemRegion::take_buffer(buf, n) })
    }
}

/// `frame_allocator::init`: the C bitmap from the multiboot memory map, then
/// the frames KernelLand already uses (through the kernel memory of the
/// build: upstream's Rust one below rung 5, the C one from rung 5), then
/// frame 0, as upstream's `init`.
pub fn init(boot_info: &BootInformation) {
    unsafe { ffi::srp_init_all_reserved() };
    let map = boot_info.memory_map_tag().expect("a memory map");
    for area in map.memory_areas() {
        if area.start_address() > u64::from(u32::max_value()) || area.end_address() > u64::from(u32::max_value()) {
            continue;
        }
        let (s, e) = (area.start_address() as u32, area.end_address() as u32);
        unsafe {
            if area.memory_type() == 1 {
                ffi::srp_mark_area_free(s, e);
            } else {
                ffi::srp_mark_area_reserved(s, e);
            }
        }
    }
    reserve_kernel_land_frames();
    unsafe { ffi::srp_mark_area_reserved(0, 1) };
}

#[cfg(not(sr_mix_c_kernel_memory))]
fn reserve_kernel_land_frames() {
    crate::paging::kernel_memory::get_kernel_memory().reserve_kernel_land_frames();
}

#[cfg(sr_mix_c_kernel_memory)]
fn reserve_kernel_land_frames() {
    unsafe { ffi::srp_reserve_kernel_land_frames() };
}

/// `frame_allocator::mark_frame_bootstrap_allocated`.
pub fn mark_frame_bootstrap_allocated(addr: PhysicalAddress) {
    unsafe { ffi::srp_mark_frame_bootstrap_allocated(u32_of(addr.addr())) };
}
