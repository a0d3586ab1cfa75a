//! What every boundary of the mixed builds shares: the shim's C interface
//! (`reference/cport/src/ffi.rs`, the same file the `sunrise_mm_c` crate
//! uses, over `reference/cport/csrc/srp.c` built with `SRP_KERNEL_HOST`),
//! the conversion of the port's `kernel_error` into upstream's
//! `KernelError` with its payloads, and of memory types.
//!
//! The shim's calls always return `SRP_OK` here: a port panic is the
//! kernel's panic (see `mach.rs`), it never returns.

pub use crate::mix::ffi;

use crate::error::KernelError;
use crate::mem::VirtualAddress;
use failure::Backtrace;
use sunrise_libkern::{MemoryState, MemoryType};

/// The port's `kernel_error_kind` values (`c/include/sunrise_mm/error.h`).
const KERR_NONE: u32 = 0;
const KERR_PHYSICAL_MEMORY_EXHAUSTION: u32 = 1;
const KERR_VIRTUAL_MEMORY_EXHAUSTION: u32 = 2;
const KERR_INVALID_ADDRESS: u32 = 3;
const KERR_INVALID_SIZE: u32 = 4;
const KERR_WRONG_MAPPING_FRAMES_FOR_TY: u32 = 5;
const KERR_INVALID_MEM_STATE: u32 = 6;

/// A C `memory_type` as upstream's `MemoryType` (the same numbering; the
/// conversion goes through upstream's own `MemoryState::ty`).
pub fn memory_type_of(ty: u32) -> MemoryType {
    // SAFETY: pure function of the port.
    let bits = unsafe { ffi::srp_memory_type_get_memory_state(ty) };
    MemoryState::from_bits_truncate(bits).ty()
}

/// The port's error as upstream's: `Ok(())` for `KERR_NONE`.
pub fn check(e: &ffi::SrpErr) -> Result<(), KernelError> {
    let bt = Backtrace::new;
    match e.kind {
        KERR_NONE => Ok(()),
        KERR_PHYSICAL_MEMORY_EXHAUSTION => Err(KernelError::PhysicalMemoryExhaustion { backtrace: bt() }),
        KERR_VIRTUAL_MEMORY_EXHAUSTION => Err(KernelError::VirtualMemoryExhaustion { backtrace: bt() }),
        KERR_INVALID_ADDRESS => Err(KernelError::InvalidAddress { address: e.address as usize, backtrace: bt() }),
        KERR_INVALID_SIZE => Err(KernelError::InvalidSize { size: e.size as usize, backtrace: bt() }),
        KERR_WRONG_MAPPING_FRAMES_FOR_TY => {
            Err(KernelError::WrongMappingFramesForTy { ty: memory_type_of(e.ty), backtrace: bt() })
        }
        KERR_INVALID_MEM_STATE => Err(KernelError::InvalidMemState {
            address: VirtualAddress(e.address as usize),
            ty: memory_type_of(e.ty),
            backtrace: bt(),
        }),
        k => panic!("mix glue: the C port returned an unknown kernel_error kind {}", k),
    }
}

/// The C `kernel_error_kind` of upstream's error (the variants the module
/// returns; any other is a glue bug).
pub fn kind_of(e: &KernelError) -> u32 {
    match e {
        KernelError::PhysicalMemoryExhaustion { .. } => KERR_PHYSICAL_MEMORY_EXHAUSTION,
        KernelError::VirtualMemoryExhaustion { .. } => KERR_VIRTUAL_MEMORY_EXHAUSTION,
        KernelError::InvalidAddress { .. } => KERR_INVALID_ADDRESS,
        KernelError::InvalidSize { .. } => KERR_INVALID_SIZE,
        KernelError::WrongMappingFramesForTy { .. } => KERR_WRONG_MAPPING_FRAMES_FOR_TY,
        KernelError::InvalidMemState { .. } => KERR_INVALID_MEM_STATE,
        other => panic!("mix glue: upstream's {:?} has no C kernel_error", other),
    }
}

/// A `usize` of i386 as the port's `uint32_t` (wasm32: the same width).
pub fn u32_of(v: usize) -> u32 {
    v as u32
}
