//! Frames and mappings across the boundary, shared by the rungs whose
//! `Mapping`s live in C (5 and 6): upstream's `Arc<SpinRwLock<Vec<PhysicalMemRegion>>>`
//! against the C `shared_frames`, and upstream's `Mapping` against C's.
//!
//! * A C `shared_frames` has at most one Rust face at a time, an `Arc` whose
//!   regions are *handles* holding one reference each (`PhysicalMemRegion::
//!   shared_handle`); a registry keeps the pairing, so that code holding the
//!   `Arc` (the trace's `shm`, upstream's `expand_mapping` appending to it)
//!   and the C side see the same frames.
//! * The first time a vector of Rust-owned regions meets C, its frames move
//!   into a new C `shared_frames` and the regions become handles; regions
//!   appended later by Rust code (`frames.write().append(..)`) move into the
//!   same `shared_frames` the next time the vector crosses.
//! * A Rust `Mapping` going into C (`c_mapping_of`) gives its owned regions to
//!   C's mapping and disarms them (upstream's `Mapping` cannot be taken
//!   apart: its fields are private), its shared vector one reference.
//! * A C `Mapping` coming out (`owned_of`) moves its owned regions out of C;
//!   a borrowed copy (`view_of`) owns nothing.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use std::os::raw::c_void;

use crate::error::KernelError;
use crate::frame_allocator::PhysicalMemRegion;
use crate::mem::VirtualAddress;
use crate::mix::glue::{self, ffi, u32_of};
use crate::paging::mapping::{Mapping, MappingFrames};
use crate::paging::MappingAccessRights;
use crate::sync::SpinRwLock;
use sunrise_libkern::MemoryState;

/// The C `mapping_frames_kind` values.
pub const FRAMES_NONE: u32 = 0;
pub const FRAMES_OWNED: u32 = 1;
pub const FRAMES_SHARED: u32 = 2;

pub type Shared = Arc<SpinRwLock<Vec<PhysicalMemRegion>>>;

/// C `shared_frames` -> its Rust face (single-threaded kernel: no lock).
static mut FACES: Vec<(usize, Weak<SpinRwLock<Vec<PhysicalMemRegion>>>)> = Vec::new();

fn faces() -> &'static mut Vec<(usize, Weak<SpinRwLock<Vec<PhysicalMemRegion>>>)> {
    // SAFETY: the mixed kernel runs on one thread and never re-enters here.
    unsafe { &mut FACES }
}

fn register(s: *mut c_void, arc: &Shared) {
    let f = faces();
    f.retain(|(_, w)| w.strong_count() > 0);
    if !f.iter().any(|(p, w)| *p == s as usize && w.upgrade().map_or(false, |a| Arc::ptr_eq(&a, arc))) {
        f.push((s as usize, Arc::downgrade(arc)));
    }
}

/// Rust handles on `s`'s regions, one reference each.
fn handles_of(s: *mut c_void) -> Vec<PhysicalMemRegion> {
    let mut n = 0u32;
    // SAFETY: s is live (the caller holds a reference).
    unsafe { ffi::srp_shared_regions(s, core::ptr::null_mut(), 0, &mut n) };
    let mut raw = vec![ffi::SrpRegion::default(); n as usize];
    unsafe { ffi::srp_shared_regions(s, raw.as_mut_ptr(), n, &mut n) };
    raw.into_iter()
        .map(|r| {
            unsafe { ffi::srp_shared_clone(s) };
            PhysicalMemRegion::shared_handle(r, s)
        })
        .collect()
}

/// Brings the face `arc` of `s` up to date with regions C appended since the
/// face was made (C's `expand_mapping` appends to the shared vector, as
/// upstream's does; every holder of the `Arc` must then see them).
fn sync_face(s: *mut c_void, arc: &Shared) {
    let mut n = 0u32;
    unsafe { ffi::srp_shared_regions(s, core::ptr::null_mut(), 0, &mut n) };
    let mut v = arc.write();
    if (n as usize) <= v.len() {
        return;
    }
    let mut raw = vec![ffi::SrpRegion::default(); n as usize];
    unsafe { ffi::srp_shared_regions(s, raw.as_mut_ptr(), n, &mut n) };
    for r in raw.into_iter().skip(v.len()) {
        unsafe { ffi::srp_shared_clone(s) };
        v.push(PhysicalMemRegion::shared_handle(r, s));
    }
}

/// The Rust face of the C `shared_frames` `s`; consumes the reference the
/// caller holds.
pub fn rust_shared_of(s: *mut c_void) -> Shared {
    let found = faces().iter().filter(|(p, _)| *p == s as usize).find_map(|(_, w)| w.upgrade());
    let arc = match found {
        Some(a) => {
            sync_face(s, &a);
            a
        }
        None => {
            let a = Arc::new(SpinRwLock::new(handles_of(s)));
            register(s, &a);
            a
        }
    };
    unsafe { ffi::srp_shared_drop(s) };
    arc
}

/// The C `shared_frames` behind `shared`, with one new reference for the
/// caller; Rust-owned regions in the vector are handed over to it first.
pub fn c_shared_of(shared: &Shared) -> *mut c_void {
    let mut v = shared.write();
    let mut s = v.iter().map(|r| r.shared()).find(|p| !p.is_null()).unwrap_or(core::ptr::null_mut());
    let handles = v.iter().take_while(|r| !r.shared().is_null()).count();
    assert!(v.iter().take(handles).all(|r| r.shared() == s), "mix glue: a vector of regions from two shared_frames");
    assert!(v.iter().skip(handles).all(|r| r.shared().is_null()),
            "mix glue: Rust-owned regions before C-shared ones in a shared vector");
    if handles < v.len() || s.is_null() {
        let owned: Vec<ffi::SrpRegion> = v.drain(handles..).map(PhysicalMemRegion::into_raw).collect();
        // SAFETY: the shim copies the regions: their frames are C's now.
        unsafe {
            if s.is_null() {
                ffi::srp_shared_new(owned.as_ptr(), owned.len() as u32, &mut s);
            } else {
                ffi::srp_shared_append(s, owned.as_ptr(), owned.len() as u32);
                ffi::srp_shared_clone(s); // the reference given to the caller below
            }
        }
        for r in owned {
            unsafe { ffi::srp_shared_clone(s) };
            v.push(PhysicalMemRegion::shared_handle(r, s));
        }
    } else {
        unsafe { ffi::srp_shared_clone(s) };
    }
    drop(v);
    register(s, shared);
    s
}

fn info_of(m: *const c_void) -> ffi::SrpMappingInfo {
    let mut info = ffi::SrpMappingInfo::default();
    // SAFETY: m is a live C mapping.
    unsafe { ffi::srp_mapping_info_of(m, &mut info) };
    info
}

/// Upstream's `Mapping` with C's fields and `frames`.
pub fn rust_mapping(info: &ffi::SrpMappingInfo, frames: MappingFrames) -> Mapping {
    Mapping::new(
        VirtualAddress(info.address as usize),
        frames,
        info.offset as usize,
        info.length as usize,
        MemoryState::from_bits_truncate(info.state).ty(),
        MappingAccessRights::from_bits_truncate(info.flags),
    )
    .expect("mix glue: a C mapping upstream's Mapping::new refuses")
}

/// A Rust copy of the C mapping `m` that owns nothing: owned frames as
/// non-freeing regions, shared frames as the vector's Rust face.
pub fn view_of(m: *const c_void) -> Mapping {
    let info = info_of(m);
    let frames = match info.frames_kind {
        FRAMES_OWNED => {
            let mut n = 0u32;
            unsafe { ffi::srp_mapping_frames(m, core::ptr::null_mut(), 0, &mut n) };
            let mut buf = vec![0u32; n as usize];
            unsafe { ffi::srp_mapping_frames(m, buf.as_mut_ptr(), n, &mut n) };
            MappingFrames::Owned(
                buf.iter()
                    .map(|&f| PhysicalMemRegion::from_raw(ffi::SrpRegion { start: f, frames: 1, free_on_drop: 0 }))
                    .collect(),
            )
        }
        FRAMES_SHARED => {
            let mut s = core::ptr::null_mut();
            unsafe { ffi::srp_mapping_shared_clone(m, &mut s) };
            MappingFrames::Shared(rust_shared_of(s))
        }
        _ => MappingFrames::None,
    };
    rust_mapping(&info, frames)
}

/// The boxed C mapping `m`, handed over to Rust (the box is freed).
pub fn owned_of(m: *mut c_void) -> Mapping {
    let info = info_of(m);
    let frames = match info.frames_kind {
        FRAMES_OWNED => {
            let mut buf: *mut ffi::SrpRegion = core::ptr::null_mut();
            let mut n = 0u32;
            // SAFETY: the shim hands over a buffer of n regions.
            MappingFrames::Owned(unsafe {
                ffi::srp_mapping_take_owned(m, &mut buf, &mut n);
                PhysicalMemRegion::take_buffer(buf, n)
            })
        }
        FRAMES_SHARED => {
            let mut s = core::ptr::null_mut();
            unsafe { ffi::srp_mapping_shared_clone(m, &mut s) };
            MappingFrames::Shared(rust_shared_of(s))
        }
        _ => MappingFrames::None,
    };
    // SAFETY: C's mapping keeps no frame of ours now; this frees its box and
    // releases its shared reference.
    unsafe { ffi::srp_mapping_drop(m) };
    rust_mapping(&info, frames)
}

/// Upstream's `mapping`, handed over to C: a boxed C mapping.
pub fn c_mapping_of(mapping: Mapping) -> Result<*mut c_void, KernelError> {
    let ty = mapping.state().ty() as u32;
    let (kind, raw, shared) = match mapping.frames() {
        MappingFrames::Owned(v) => {
            let raw: Vec<ffi::SrpRegion> = v.iter().map(|r| r.raw()).collect();
            v.iter().for_each(PhysicalMemRegion::disarm);
            (FRAMES_OWNED, raw, core::ptr::null_mut())
        }
        MappingFrames::Shared(arc) => (FRAMES_SHARED, Vec::new(), c_shared_of(arc)),
        MappingFrames::None => (FRAMES_NONE, Vec::new(), core::ptr::null_mut()),
    };
    let mut err = ffi::SrpErr::default();
    let mut out = core::ptr::null_mut();
    unsafe {
        ffi::srp_mapping_new(u32_of(mapping.address().addr()), kind, raw.as_ptr(), raw.len() as u32, shared,
                             u32_of(mapping.phys_offset()), u32_of(mapping.length()), ty, mapping.flags().bits(),
                             &mut err, &mut out)
    };
    drop(mapping);
    glue::check(&err).map(|()| out)
}
