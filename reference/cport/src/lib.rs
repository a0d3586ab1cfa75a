//! The C port of the SunriseOS memory module, behind upstream's Rust API.
//!
//! This crate compiles the C port (`c/kernel`) with its hosted backend (a
//! simulated i386 machine, `c/hostsim/sim.c`) and exposes it with the shapes
//! of upstream's `kernel/src/paging` and `frame_allocator` modules, so Rust
//! code written against upstream can run on the C port unchanged but for the
//! imports:
//!
//! ```
//! use sunrise_mm_c::*;
//!
//! let machine = Machine::reset(&[(PhysicalAddress(0x0040_0000), PhysicalAddress(0x0080_0000))]);
//! let mut p = ProcessMemory::default();
//! p.create_regular_mapping(VirtualAddress(0x0040_0000), 0x3000, MemoryType::Normal, MappingAccessRights::u_rw())
//!     .unwrap();
//! assert_eq!(p.query_memory(VirtualAddress(0x0040_1000)).mapping().length(), 0x3000);
//! assert_eq!(
//!     p.create_regular_mapping(VirtualAddress(0x0040_0001), 0x1000, MemoryType::Normal, MappingAccessRights::u_rw()),
//!     Err(KernelError::InvalidAddress { address: 0x0040_0001 })
//! );
//! let heap = p.resize_heap(0x2000).unwrap();
//! p.switch_to();
//! // the directory took frame 0x00400000, the mapping 0x00401000..0x00404000
//! assert_eq!(machine.read32(VirtualAddress(heap.addr() + 8)), Some(0x0040_5008));
//! // dropping the active process is a kernel panic, as upstream; ending the
//! // session first makes `p` stale, and dropping a stale handle does nothing
//! drop(machine);
//! ```
//!
//! What differs from upstream, and why:
//!
//! * The machine is global and simulated: a [`Machine`] must be live on the
//!   calling thread (see [`Machine::reset`]); it also gives the host's view
//!   (loads and stores through the active page tables, the free frame count).
//! * A kernel panic of the port (upstream's `panic!`, `assert!`, `expect`,
//!   debug-build overflow, ...) is raised as a Rust panic whose message starts
//!   with [`KERNEL_PANIC_PREFIX`]; the machine is then dead until reset.
//!   Misusing this crate (no machine, a handle of an earlier machine) panics
//!   too, with [`MISUSE_PREFIX`]. Nothing is undefined behaviour.
//! * `usize` arguments above `u32::MAX` cannot exist on i386: they panic.
//! * `QueryMemory::Used` holds a [`MappingRef`] (a borrowed view) rather
//!   than a `&Mapping`; `Mapping::frames()` is split into
//!   [`Mapping::frames_kind`] and [`Mapping::shared_frames`].
//! * Two private upstream paths are exposed because tools need them:
//!   [`ProcessMemory::occupied_mapping_at`] (the bookkeeping's) and
//!   [`ProcessMemory::for_every_entry`] (the hierarchy's).

mod ffi;
mod frame_allocator;
mod mapping;
mod port;
mod process_memory;
mod types;

pub use frame_allocator::{FrameAllocator, PhysicalMemRegion};
pub use mapping::{Mapping, MappingFramesKind, MappingRef, SharedFrames};
pub use port::{Machine, KERNEL_PANIC_PREFIX, MISUSE_PREFIX};
pub use process_memory::{CrossProcessMapping, ProcessMemory, QueryMemory};
pub use types::{
    KernelError, MappingAccessRights, MemoryAttributes, MemoryPermissions, MemoryState, MemoryType, PageState,
    PhysicalAddress, VirtualAddress, PAGE_SIZE,
};

/// The version of the C ABI this crate wraps (`sunrise_mm/version.h`).
pub const C_ABI_VERSION: (u32, u32, u32) = (2, 0, 0);

#[cfg(test)]
mod tests {
    #[test]
    fn abi_version_matches_the_header() {
        let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../c/include/sunrise_mm/version.h"))
            .expect("sunrise_mm/version.h");
        let field = |name: &str| -> u32 {
            let line = header
                .lines()
                .find(|l| l.starts_with(&format!("#define SUNRISE_MM_VERSION_{} ", name)))
                .unwrap_or_else(|| panic!("SUNRISE_MM_VERSION_{} is defined", name));
            line.split_whitespace().nth(2).and_then(|v| v.parse().ok()).expect("a number")
        };
        assert_eq!(super::C_ABI_VERSION, (field("MAJOR"), field("MINOR"), field("PATCH")));
    }
}
