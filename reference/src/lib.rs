//! An independent executable model of the SunriseOS memory module (i386):
//! process memory, bookkeeping, mappings, two-level page tables, kernel
//! memory, cross-process mirrors and the bitmap frame allocator, driven by
//! trace files (see the project's trace format) and printing the same
//! result stream as upstream.
//!
//! Layers, bottom up:
//! * [`types`]: memory types, rights, kernel errors, checked arithmetic;
//! * [`phys`], [`alloc`], [`machine`]: physical memory, frame allocator, MMU;
//! * [`paging`]: page-table walks and KernelLand;
//! * [`mapping`], [`bookkeeping`], [`process`]: the process-level operations;
//! * [`parse`], [`model`]: trace lines and the trace state machine, which
//!   runs over a [`backend`] (the model's own kernel, or another
//!   implementation such as the C port);
//! * [`ffi`]: a small C interface to the model;
//! * [`golden`]: the comparison of result streams with the goldens.

pub mod alloc;
pub mod backend;
pub mod bookkeeping;
pub mod ffi;
pub mod golden;
pub mod machine;
pub mod mapping;
pub mod model;
pub mod paging;
pub mod parse;
pub mod phys;
pub mod process;
pub mod types;

pub use backend::{Backend, QueryInfo};
pub use model::{Model, Outcome};
