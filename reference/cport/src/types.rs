//! Upstream's vocabulary: addresses (`mem.rs`), the memory types and flags
//! of `libkern`, `MappingAccessRights` (`paging/mod.rs`), `PageState`
//! (`paging/hierarchical_table.rs`) and `KernelError` (`error.rs`).
//! Conversions between types and states are the port's own functions.

use std::ffi::CStr;
use std::fmt;
use std::ops::{BitAnd, BitOr};

use crate::ffi;

/// The i386 page size.
pub const PAGE_SIZE: usize = 4096;

/// An i386 `usize` argument: values above `u32::MAX` cannot exist on i386.
///
/// # Panics
///
/// When `v` does not fit in 32 bits.
pub(crate) fn to_u32(v: usize, what: &str) -> u32 {
    if v > u32::MAX as usize {
        panic!("{}{} {:#x} does not fit in an i386 usize", crate::port::MISUSE_PREFIX, what, v);
    }
    v as u32
}

/// `mem::VirtualAddress`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VirtualAddress(pub usize);

/// `mem::PhysicalAddress`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PhysicalAddress(pub usize);

impl VirtualAddress {
    /// `VirtualAddress::addr`.
    pub fn addr(self) -> usize {
        self.0
    }
}

impl PhysicalAddress {
    /// `PhysicalAddress::addr`.
    pub fn addr(self) -> usize {
        self.0
    }
}

impl fmt::Debug for VirtualAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VirtualAddress({:#010x})", self.0)
    }
}

impl fmt::Debug for PhysicalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhysicalAddress({:#010x})", self.0)
    }
}

impl fmt::Display for VirtualAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

impl fmt::Display for PhysicalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

/// `sunrise_libkern::MemoryType`, with upstream's discriminants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum MemoryType {
    Unmapped = 0x00,
    Io = 0x01,
    Normal = 0x02,
    CodeStatic = 0x03,
    CodeMutable = 0x04,
    Heap = 0x05,
    SharedMemory = 0x06,
    Alias = 0x07,
    ModuleCodeStatic = 0x08,
    ModuleCodeMutable = 0x09,
    Ipc = 0x0a,
    Stack = 0x0b,
    ThreadLocal = 0x0c,
    TransferMemoryIsolated = 0x0d,
    TransferMemory = 0x0e,
    ProcessMemory = 0x0f,
    Reserved = 0x10,
    NonSecureIpc = 0x11,
    NonDeviceIpc = 0x12,
    KernelStack = 0x13,
    CodeReadOnly = 0x14,
    CodeWritable = 0x15,
}

impl MemoryType {
    /// Every variant, in discriminant order.
    pub const ALL: [MemoryType; 22] = [
        MemoryType::Unmapped,
        MemoryType::Io,
        MemoryType::Normal,
        MemoryType::CodeStatic,
        MemoryType::CodeMutable,
        MemoryType::Heap,
        MemoryType::SharedMemory,
        MemoryType::Alias,
        MemoryType::ModuleCodeStatic,
        MemoryType::ModuleCodeMutable,
        MemoryType::Ipc,
        MemoryType::Stack,
        MemoryType::ThreadLocal,
        MemoryType::TransferMemoryIsolated,
        MemoryType::TransferMemory,
        MemoryType::ProcessMemory,
        MemoryType::Reserved,
        MemoryType::NonSecureIpc,
        MemoryType::NonDeviceIpc,
        MemoryType::KernelStack,
        MemoryType::CodeReadOnly,
        MemoryType::CodeWritable,
    ];

    /// The variant of a discriminant the port returned. Out-of-range values
    /// cannot come from the port (`memory_state_ty` maps them to Reserved).
    pub(crate) fn from_raw(v: u32) -> MemoryType {
        MemoryType::ALL.get(v as usize).copied().unwrap_or(MemoryType::Reserved)
    }

    /// `MemoryType::get_memory_state`.
    pub fn get_memory_state(self) -> MemoryState {
        // SAFETY: a pure function of the port, no machine state, never panics.
        MemoryState(unsafe { ffi::srp_memory_type_get_memory_state(self as u32) })
    }

    /// The variant's name, as upstream's `Debug` prints it.
    pub fn name(self) -> &'static str {
        // SAFETY: the port returns a static NUL-terminated name.
        let s = unsafe { CStr::from_ptr(ffi::srp_memory_type_name(self as u32)) };
        s.to_str().unwrap_or("?")
    }

    /// The variant named `name` (exactly as `name()` spells it).
    pub fn from_name(name: &str) -> Option<MemoryType> {
        MemoryType::ALL.iter().copied().find(|t| t.name() == name)
    }
}

macro_rules! bitflags_u32 {
    ($(#[$m:meta])* $name:ident, $all:expr) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(u32);

        impl $name {
            /// No flag.
            pub const fn empty() -> $name {
                $name(0)
            }
            /// The raw bits.
            pub const fn bits(self) -> u32 {
                self.0
            }
            /// Every declared flag.
            pub const fn all() -> $name {
                $name($all)
            }
            /// Whether every flag of `other` is set.
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
            /// Whether no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }
        }

        impl BitOr for $name {
            type Output = $name;
            fn bitor(self, o: $name) -> $name {
                $name(self.0 | o.0)
            }
        }

        impl BitAnd for $name {
            type Output = $name;
            fn bitand(self, o: $name) -> $name {
                $name(self.0 & o.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:#010x})", stringify!($name), self.0)
            }
        }
    };
}

bitflags_u32!(
    /// `sunrise_libkern::MemoryState` (bit 13 is not declared upstream).
    MemoryState,
    0x03ff_dfff
);
bitflags_u32!(
    /// `sunrise_libkern::MemoryPermissions`.
    MemoryPermissions,
    0x7
);
bitflags_u32!(
    /// `sunrise_libkern::MemoryAttributes`.
    MemoryAttributes,
    0xd
);
bitflags_u32!(
    /// `paging::MappingAccessRights`.
    MappingAccessRights,
    0xf
);

impl MemoryState {
    /// `MemoryState::IS_REFERENCE_COUNTED`.
    pub const IS_REFERENCE_COUNTED: MemoryState = MemoryState(1 << 22);

    /// `MemoryState::from_bits_truncate` (the port's).
    pub fn from_bits_truncate(bits: u32) -> MemoryState {
        // SAFETY: a pure function of the port, never panics.
        MemoryState(unsafe { ffi::srp_memory_state_from_bits_truncate(bits) })
    }

    /// `MemoryState::ty`: the type kept in the low byte (Reserved when it
    /// names no type).
    pub fn ty(self) -> MemoryType {
        // SAFETY: a pure function of the port, never panics.
        MemoryType::from_raw(unsafe { ffi::srp_memory_state_ty(self.0) })
    }
}

impl MemoryPermissions {
    pub const READABLE: MemoryPermissions = MemoryPermissions(1);
    pub const WRITABLE: MemoryPermissions = MemoryPermissions(2);
    pub const EXECUTABLE: MemoryPermissions = MemoryPermissions(4);

    /// `MemoryPermissions::from_bits_truncate` (the port's).
    pub fn from_bits_truncate(bits: u32) -> MemoryPermissions {
        // SAFETY: a pure function of the port, never panics.
        MemoryPermissions(unsafe { ffi::srp_memory_permissions_from_bits_truncate(bits) })
    }
}

impl MemoryAttributes {
    /// `MemoryAttributes::from_bits_truncate`.
    pub fn from_bits_truncate(bits: u32) -> MemoryAttributes {
        MemoryAttributes(bits & MemoryAttributes::all().0)
    }
}

impl MappingAccessRights {
    pub const READABLE: MappingAccessRights = MappingAccessRights(1);
    pub const WRITABLE: MappingAccessRights = MappingAccessRights(2);
    pub const EXECUTABLE: MappingAccessRights = MappingAccessRights(4);
    pub const USER_ACCESSIBLE: MappingAccessRights = MappingAccessRights(8);

    /// `MappingAccessRights::from_bits_truncate`.
    pub const fn from_bits_truncate(bits: u32) -> MappingAccessRights {
        MappingAccessRights(bits & 0xf)
    }
    /// `MappingAccessRights::from_bits`.
    pub const fn from_bits(bits: u32) -> Option<MappingAccessRights> {
        if bits & !0xf == 0 {
            Some(MappingAccessRights(bits))
        } else {
            None
        }
    }
    /// `MappingAccessRights::k_r`.
    pub const fn k_r() -> MappingAccessRights {
        MappingAccessRights(1)
    }
    /// `MappingAccessRights::k_w`.
    pub const fn k_w() -> MappingAccessRights {
        MappingAccessRights(2)
    }
    /// `MappingAccessRights::k_rw`.
    pub const fn k_rw() -> MappingAccessRights {
        MappingAccessRights(3)
    }
    /// `MappingAccessRights::k_rx`.
    pub const fn k_rx() -> MappingAccessRights {
        MappingAccessRights(5)
    }
    /// `MappingAccessRights::u_r`.
    pub const fn u_r() -> MappingAccessRights {
        MappingAccessRights(9)
    }
    /// `MappingAccessRights::u_w`.
    pub const fn u_w() -> MappingAccessRights {
        MappingAccessRights(10)
    }
    /// `MappingAccessRights::u_rw`.
    pub const fn u_rw() -> MappingAccessRights {
        MappingAccessRights(11)
    }
    /// `MappingAccessRights::u_rx`.
    pub const fn u_rx() -> MappingAccessRights {
        MappingAccessRights(13)
    }
}

impl From<MappingAccessRights> for MemoryPermissions {
    /// `From<MappingAccessRights> for MemoryPermissions` (the port's).
    fn from(r: MappingAccessRights) -> MemoryPermissions {
        // SAFETY: a pure function of the port, never panics.
        MemoryPermissions(unsafe { ffi::srp_mapping_access_rights_to_memory_permissions(r.0) })
    }
}

/// `hierarchical_table::PageState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageState<T> {
    /// Available, aka unused.
    Available,
    /// Guarded.
    Guarded,
    /// Present, with its backing frame.
    Present(T),
}

/// `error::KernelError`: the variants the memory module returns, with their
/// payloads (upstream's backtraces have no counterpart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelError {
    PhysicalMemoryExhaustion,
    VirtualMemoryExhaustion,
    InvalidAddress { address: usize },
    InvalidSize { size: usize },
    WrongMappingFramesForTy { ty: MemoryType },
    InvalidMemState { address: VirtualAddress, ty: MemoryType },
}

impl KernelError {
    /// The variant's name.
    pub fn name(&self) -> &'static str {
        match self {
            KernelError::PhysicalMemoryExhaustion => "PhysicalMemoryExhaustion",
            KernelError::VirtualMemoryExhaustion => "VirtualMemoryExhaustion",
            KernelError::InvalidAddress { .. } => "InvalidAddress",
            KernelError::InvalidSize { .. } => "InvalidSize",
            KernelError::WrongMappingFramesForTy { .. } => "WrongMappingFramesForTy",
            KernelError::InvalidMemState { .. } => "InvalidMemState",
        }
    }

    /// `Ok(())` or the error a shim call reported.
    pub(crate) fn check(e: &ffi::SrpErr) -> Result<(), KernelError> {
        // kinds of the port's kernel_error_kind
        Err(match e.kind {
            0 => return Ok(()),
            1 => KernelError::PhysicalMemoryExhaustion,
            2 => KernelError::VirtualMemoryExhaustion,
            3 => KernelError::InvalidAddress { address: e.address as usize },
            4 => KernelError::InvalidSize { size: e.size as usize },
            5 => KernelError::WrongMappingFramesForTy { ty: MemoryType::from_raw(e.ty) },
            6 => KernelError::InvalidMemState { address: VirtualAddress(e.address as usize), ty: MemoryType::from_raw(e.ty) },
            k => unreachable!("the port returned an unknown kernel_error_kind {}", k),
        })
    }
}

impl fmt::Display for KernelError {
    /// Upstream's `#[fail(display)]` texts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::PhysicalMemoryExhaustion => write!(f, "Frame allocation error: physical address space exhausted"),
            KernelError::VirtualMemoryExhaustion => write!(f, "Virtual allocation error: virtual address space exhausted"),
            KernelError::InvalidAddress { address } => write!(f, "Invalid address: address {:#010x} is considered invalid", address),
            KernelError::InvalidSize { size } => write!(f, "Invalid size: size {} is considered invalid", size),
            KernelError::WrongMappingFramesForTy { .. } => write!(f, "Cannot map those frames for this MemoryType"),
            KernelError::InvalidMemState { .. } => write!(f, "Invalid memory state for operation."),
        }
    }
}

impl std::error::Error for KernelError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_the_port() {
        // the port's names of the kinds KernelError::check decodes
        for (kind, e) in [
            (1, KernelError::PhysicalMemoryExhaustion),
            (2, KernelError::VirtualMemoryExhaustion),
            (3, KernelError::InvalidAddress { address: 0 }),
            (4, KernelError::InvalidSize { size: 0 }),
            (5, KernelError::WrongMappingFramesForTy { ty: MemoryType::Unmapped }),
            (6, KernelError::InvalidMemState { address: VirtualAddress(0), ty: MemoryType::Unmapped }),
        ] {
            // SAFETY: a pure function of the port returning a static name.
            let name = unsafe { CStr::from_ptr(ffi::srp_kernel_error_name(kind)) };
            assert_eq!(name.to_str().unwrap(), e.name());
            let raw = ffi::SrpErr { kind, ..Default::default() };
            assert_eq!(KernelError::check(&raw), Err(e));
        }
    }

    #[test]
    fn types_and_states() {
        for t in MemoryType::ALL.iter() {
            assert_eq!(MemoryType::from_name(t.name()), Some(*t));
            assert_eq!(t.get_memory_state().ty(), *t);
        }
        assert_eq!(MemoryType::Normal.get_memory_state().bits(), 0x0004_0002);
        assert!(MemoryType::Heap.get_memory_state().contains(MemoryState::IS_REFERENCE_COUNTED));
        assert_eq!(MemoryState::from_bits_truncate(0xffff_ffff), MemoryState::all());
        assert_eq!(MemoryState::from_bits_truncate(0x99).ty(), MemoryType::Reserved);
        assert_eq!(MemoryPermissions::from(MappingAccessRights::u_rx()).bits(), 5);
        assert_eq!(MemoryPermissions::from(MappingAccessRights::k_rw()), MemoryPermissions::empty());
    }
}
