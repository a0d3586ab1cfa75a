//! The glue of a mixed Rust/C build: upstream's Rust and the C port in one
//! kernel (see `docs/migration.md`, "The ladder"). Which upstream modules
//! the C port replaces is chosen by `build.py --mix`, which puts this
//! folder's replacement modules in place of upstream's files.

/// The shim's C interface, `reference/cport/src/ffi.rs` (the same file the
/// `sunrise_mm_c` crate uses).
#[path = "ffi.rs"]
#[allow(dead_code)]
pub mod ffi;
pub mod mach;
pub mod glue;
pub mod frames;
#[cfg(sr_mix_rust_kernel_memory)]
pub mod kernel_memory_served;
#[cfg(sr_mix_c_hierarchy)]
pub mod c_hierarchy;
