//! `paging::mapping`: `Mapping`, `MappingFrames`, and the
//! `Arc<SpinRwLock<Vec<PhysicalMemRegion>>>` of shared frames, over the
//! port's.

use std::marker::PhantomData;
use std::os::raw::c_void;
use std::ptr;

use crate::ffi::{self, SrpMappingInfo, SrpRegion};
use crate::frame_allocator::PhysicalMemRegion;
use crate::port::{call, call0, call_in_drop};
use crate::types::{MappingAccessRights, MemoryState, PhysicalAddress, VirtualAddress};

/// `Arc<SpinRwLock<Vec<PhysicalMemRegion>>>`: frames shared by mappings,
/// mirrors and other holders, reference counted by the port. `clone` takes
/// another reference; the frames are freed when the last one is dropped.
pub struct SharedFrames {
    ptr: *mut c_void,
    gen: u64,
}

impl SharedFrames {
    /// `Arc::new(SpinRwLock::new(regions))`.
    ///
    /// # Panics
    ///
    /// When a region belongs to an earlier machine.
    pub fn new(regions: Vec<PhysicalMemRegion>) -> SharedFrames {
        let raws: Vec<(SrpRegion, u64)> = regions.into_iter().map(PhysicalMemRegion::into_raw).collect();
        let (mut stale, mut gen_of) = (false, None);
        for &(_, g) in &raws {
            stale |= gen_of.map_or(false, |x| x != g);
            gen_of = Some(g);
        }
        if stale {
            panic!("{}regions of different machines", crate::port::MISUSE_PREFIX);
        }
        let items: Vec<SrpRegion> = raws.iter().map(|&(r, _)| r).collect();
        let mut out: *mut c_void = ptr::null_mut();
        // SAFETY: panic-armed shim call under the port lock; `items` is a
        // valid array; the regions' generation is checked against the machine.
        let gen = call0(gen_of, || unsafe { ffi::srp_shared_new(items.as_ptr(), items.len() as u32, &mut out) });
        SharedFrames { ptr: out, gen }
    }

    pub(crate) fn from_raw(ptr: *mut c_void, gen: u64) -> SharedFrames {
        SharedFrames { ptr, gen }
    }

    /// Gives this reference to the port.
    pub(crate) fn into_raw(self) -> (*mut c_void, u64) {
        let r = (self.ptr, self.gen);
        std::mem::forget(self);
        r
    }

    pub(crate) fn gen(&self) -> u64 {
        self.gen
    }

    /// `read().iter().flatten().count()`: the number of frames.
    pub fn frame_count(&self) -> usize {
        let p = self.ptr;
        let mut n = 0u32;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        call0(Some(self.gen), || unsafe { ffi::srp_shared_frame_count(p, &mut n) });
        n as usize
    }
}

impl Clone for SharedFrames {
    /// `Arc::clone`.
    fn clone(&self) -> SharedFrames {
        let p = self.ptr;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        call0(Some(self.gen), || unsafe { ffi::srp_shared_clone(p) });
        SharedFrames { ptr: self.ptr, gen: self.gen }
    }
}

impl Drop for SharedFrames {
    /// `Drop for Arc`: the last reference frees the frames.
    fn drop(&mut self) {
        let p = self.ptr;
        // SAFETY: panic-armed shim call under the port lock on a current handle.
        call_in_drop(self.gen, || unsafe { ffi::srp_shared_drop(p) });
    }
}

impl std::fmt::Debug for SharedFrames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedFrames({:p})", self.ptr)
    }
}

/// The variant of a mapping's `MappingFrames`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MappingFramesKind {
    /// `MappingFrames::None`: guards, reserved ranges, holes.
    None,
    /// `MappingFrames::Owned`.
    Owned,
    /// `MappingFrames::Shared`.
    Shared,
}

/// Where a `Mapping`'s frames are.
#[derive(Clone, Copy)]
enum Backing {
    /// A hole made up by `query_memory`: no frames, nothing in the port.
    Hole,
    /// A mapping stored in a process's bookkeeping (borrowed).
    Stored(*const c_void),
    /// A mapping removed by `unmap`, owned by this handle.
    Owned(*mut c_void),
}

/// `paging::mapping::Mapping`.
///
/// A `Mapping` is either borrowed from a process (inside a [`QueryMemory`]
/// or a [`MappingRef`]) or owned (returned by `unmap`, it frees its frames
/// when dropped). The plain fields are copied when it is made; `frames_it`
/// reads the frames from the port.
///
/// [`QueryMemory`]: crate::QueryMemory
/// [`MappingRef`]: crate::MappingRef
pub struct Mapping {
    info: SrpMappingInfo,
    backing: Backing,
    gen: u64,
}

impl Mapping {
    pub(crate) fn hole(info: SrpMappingInfo, gen: u64) -> Mapping {
        Mapping { info, backing: Backing::Hole, gen }
    }

    pub(crate) fn stored(info: SrpMappingInfo, ptr: *const c_void, gen: u64) -> Mapping {
        Mapping { info, backing: Backing::Stored(ptr), gen }
    }

    /// An owned mapping (from `unmap`).
    pub(crate) fn owned(ptr: *mut c_void, gen: u64) -> Mapping {
        let mut info = SrpMappingInfo::default();
        // SAFETY: panic-armed shim call under the port lock; `ptr` was just
        // returned by the port.
        call0(Some(gen), || unsafe { ffi::srp_mapping_info_of(ptr, &mut info) });
        Mapping { info, backing: Backing::Owned(ptr), gen }
    }

    fn c_ptr(&self) -> Option<*const c_void> {
        match self.backing {
            Backing::Hole => None,
            Backing::Stored(p) => Some(p),
            Backing::Owned(p) => Some(p as *const c_void),
        }
    }

    /// `Mapping::address`.
    pub fn address(&self) -> VirtualAddress {
        VirtualAddress(self.info.address as usize)
    }

    /// `Mapping::length`.
    pub fn length(&self) -> usize {
        self.info.length as usize
    }

    /// `Mapping::state`.
    pub fn state(&self) -> MemoryState {
        MemoryState::from_bits_truncate(self.info.state)
    }

    /// `Mapping::flags`.
    pub fn flags(&self) -> MappingAccessRights {
        MappingAccessRights::from_bits_truncate(self.info.flags)
    }

    /// `Mapping::phys_offset`.
    pub fn phys_offset(&self) -> usize {
        self.info.offset as usize
    }

    /// The variant of `Mapping::frames`.
    pub fn frames_kind(&self) -> MappingFramesKind {
        match self.info.frames_kind {
            1 => MappingFramesKind::Owned,
            2 => MappingFramesKind::Shared,
            _ => MappingFramesKind::None,
        }
    }

    /// `if let MappingFrames::Shared(f) = mapping.frames() { f.clone() }`:
    /// another reference to the shared frames.
    pub fn shared_frames(&self) -> Option<SharedFrames> {
        let p = match (self.c_ptr(), self.frames_kind()) {
            (Some(p), MappingFramesKind::Shared) => p,
            _ => return None,
        };
        let mut out: *mut c_void = ptr::null_mut();
        // SAFETY: panic-armed shim call under the port lock on a current
        // handle; `p` is alive (stored in a borrowed process, or owned).
        let gen = call0(Some(self.gen), || unsafe { ffi::srp_mapping_shared_clone(p, &mut out) });
        Some(SharedFrames::from_raw(out, gen))
    }

    /// `Mapping::frames_it`: the physical address of each page's frame
    /// (`phys_offset` skipped, `length` taken). Computed by the port when
    /// called: an overflow there is a kernel panic, as upstream.
    pub fn frames_it(&self) -> std::vec::IntoIter<PhysicalAddress> {
        let p = match (self.c_ptr(), self.frames_kind()) {
            (Some(p), MappingFramesKind::Owned) | (Some(p), MappingFramesKind::Shared) => p,
            _ => {
                // no frames; still a use of the handle (checked like any other)
                call0(Some(self.gen), || ffi::SRP_OK);
                return Vec::new().into_iter();
            }
        };
        let (frames, _) = call(Some(self.gen), || {
            let mut n = 0u32;
            // SAFETY: panic-armed shim calls under the port lock; `p` is
            // alive; the buffer holds `cap` entries.
            let rc = unsafe { ffi::srp_mapping_frames(p, ptr::null_mut(), 0, &mut n) };
            if rc != ffi::SRP_OK {
                return (rc, Vec::new());
            }
            let mut buf = vec![0u32; n as usize];
            let mut m = 0u32;
            let rc = unsafe { ffi::srp_mapping_frames(p, buf.as_mut_ptr(), n, &mut m) };
            buf.truncate(m.min(n) as usize);
            (rc, buf)
        });
        frames.into_iter().map(|f| PhysicalAddress(f as usize)).collect::<Vec<_>>().into_iter()
    }
}

impl Drop for Mapping {
    /// `Drop for Mapping` for an owned one: its frames are released.
    fn drop(&mut self) {
        if let Backing::Owned(p) = self.backing {
            // SAFETY: panic-armed shim call under the port lock on a current handle.
            call_in_drop(self.gen, || unsafe { ffi::srp_mapping_drop(p) });
        }
    }
}

impl std::fmt::Debug for Mapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping")
            .field("address", &self.address())
            .field("length", &format_args!("{:#010x}", self.info.length))
            .field("state", &self.state())
            .field("frames", &self.frames_kind())
            .field("offset", &format_args!("{:#010x}", self.info.offset))
            .field("flags", &self.flags())
            .finish()
    }
}

/// A `&'a Mapping` stored in a process: `Deref`s to [`Mapping`], and borrows
/// the process so that it cannot change meanwhile.
pub struct MappingRef<'a> {
    pub(crate) mapping: Mapping,
    pub(crate) _borrow: PhantomData<&'a ()>,
}

impl<'a> std::ops::Deref for MappingRef<'a> {
    type Target = Mapping;
    fn deref(&self) -> &Mapping {
        &self.mapping
    }
}

impl<'a> std::fmt::Debug for MappingRef<'a> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.mapping.fmt(f)
    }
}
