//! `srup`: upstream SunriseOS's memory module, compiled from the user's
//! checkout (copied into the build directory by `build.py`), on a
//! simulated i386 machine, driven by trace lines.
//!
//! Upstream's files are included by path; what is ours: this root, the
//! `i386` and `cpu_locals` stand-ins below, `sync` (see `sync_mod.rs`),
//! the replacement of `paging/arch/i386/mod.rs`, `machine` and `interp`.

#![feature(step_trait, panic_info_message)]
#![allow(warnings)]
#![allow(unused, dead_code)]

#[macro_use]
extern crate alloc;
#[macro_use]
extern crate log;
#[macro_use]
extern crate bitflags;
#[macro_use]
extern crate static_assertions;
#[macro_use]
extern crate lazy_static;
#[macro_use]
extern crate failure;

#[path = "up/kernel/src/error.rs"]
pub mod error;
#[path = "up/kernel/src/mem.rs"]
pub mod mem;
#[path = "up/kernel/src/utils.rs"]
pub mod utils;
#[path = "up/kernel/src/checks.rs"]
pub mod checks;
#[path = "up/kernel/src/paging/mod.rs"]
pub mod paging;
#[path = "up/kernel/src/frame_allocator/mod.rs"]
pub mod frame_allocator;
#[path = "ours/sync_mod.rs"]
pub mod sync;

/// Stand-ins for the parts of upstream's `i386` module the memory module
/// and the spin locks name: no interrupts, no interrupt context, and the
/// double-fault TSS whose cr3 `switch_to` updates.
pub mod i386 {
    pub mod instructions {
        pub mod interrupts {
            pub fn are_enabled() -> bool { false }
            pub unsafe fn cli() {}
            pub unsafe fn sti() {}
        }
    }
    pub mod interrupt_service_routines {
        pub static INSIDE_INTERRUPT_COUNT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
    }
    pub mod gdt {
        #[derive(Debug, Default)]
        pub struct DoubleFaultTss { pub cr3: u32 }
        pub static DOUBLE_FAULT_TASK: crate::sync::SpinLock<DoubleFaultTss> = crate::sync::SpinLock::new(DoubleFaultTss { cr3: 0 });
    }
}

/// Stand-in: cpu-locals are never initialised (upstream's spin lock only
/// reads this flag).
pub mod cpu_locals {
    pub static ARE_CPU_LOCALS_INITIALIZED_YET: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
}

#[path = "ours/heap.rs"]
mod heap;
#[global_allocator]
static HEAP: heap::Heap = heap::Heap;

#[path = "ours/machine.rs"]
pub mod machine;
#[path = "ours/interp.rs"]
pub mod interp;

/// The glue of a mixed Rust/C build (`build.py --mix`, `mix/`): absent from
/// the all-upstream build.
#[cfg(sr_mix)]
#[path = "ours/mix/mod.rs"]
pub mod mix;
