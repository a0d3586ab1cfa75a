//! Crate root of `sunrise_libutils`: upstream's `lib.rs` as a child module
//! (its crate-level `#![feature(llvm_asm)]` is a hard error at a crate
//! root with rustc 1.63), everything re-exported. `llvm_asm!` no longer
//! exists; the port I/O functions that use it (`io/pio.rs`) are not used
//! by the memory module and panic if called.
#![no_std]
#![allow(warnings)]

macro_rules! llvm_asm {
    ($($t:tt)*) => {
        unimplemented!("llvm_asm (x86 port I/O) is not available on this machine")
    };
}

#[path = "up/libutils/src/lib.rs"]
mod upstream_lib;
pub use upstream_lib::*;

// upstream's lib.rs names these modules from the crate root (`crate::cursor`,
// `$crate::loop_future`): the same files, at the root as well.
#[path = "up/libutils/src/cursor.rs"]
mod cursor;
#[path = "up/libutils/src/loop_future.rs"]
pub mod loop_future;
