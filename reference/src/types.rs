//! Vocabulary shared by every part of the model: memory types and the state
//! bits they carry, access rights, the kernel's error values, and the
//! model's own failure type (a kernel error *or* a kernel panic).
//!
//! All arithmetic helpers here work on `u32`, the width of `usize` on i386.
//! Upstream was built in debug mode, so an overflow there is a panic; the
//! helpers `add`, `sub` and `mul` turn an overflow into [`Fail::Panic`].

use std::fmt;

/// The page size of i386 paging.
pub const PAGE: u32 = 0x1000;

/// Declared bits of `MemoryState`; `from_bits_truncate` keeps only these
/// (the type byte, bits 8..=12 and 14..=25: bit 13 is not a declared flag).
pub const STATE_DECLARED_BITS: u32 = 0x03ff_dfff;
/// The `IS_REFERENCE_COUNTED` state bit.
pub const STATE_REFCOUNTED: u32 = 1 << 22;
/// Declared bits of `MemoryPermissions` (R, W, X).
pub const PERMS_DECLARED_BITS: u32 = 0x7;

/// Access-rights bits of a mapping (`MappingAccessRights`).
pub mod rights {
    pub const R: u32 = 1;
    pub const W: u32 = 2;
    pub const X: u32 = 4;
    pub const U: u32 = 8;
}

/// The type of a memory area (`MemoryType`), in discriminant order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryType {
    Unmapped,
    Io,
    Normal,
    CodeStatic,
    CodeMutable,
    Heap,
    SharedMemory,
    Alias,
    ModuleCodeStatic,
    ModuleCodeMutable,
    Ipc,
    Stack,
    ThreadLocal,
    TransferMemoryIsolated,
    TransferMemory,
    ProcessMemory,
    Reserved,
    NonSecureIpc,
    NonDeviceIpc,
    KernelStack,
    CodeReadOnly,
    CodeWritable,
}

/// Every type with its name and the raw state value it is declared with
/// (before truncation to the declared bits). Index = discriminant.
const TYPE_TABLE: [(MemoryType, &str, u32); 22] = [
    (MemoryType::Unmapped, "Unmapped", 0x0000_0000),
    (MemoryType::Io, "Io", 0x0000_2001),
    (MemoryType::Normal, "Normal", 0x0004_2002),
    (MemoryType::CodeStatic, "CodeStatic", 0x00dc_7e03),
    (MemoryType::CodeMutable, "CodeMutable", 0x03fe_bd04),
    (MemoryType::Heap, "Heap", 0x037e_bd05),
    (MemoryType::SharedMemory, "SharedMemory", 0x0040_2006),
    (MemoryType::Alias, "Alias", 0x0048_2907),
    (MemoryType::ModuleCodeStatic, "ModuleCodeStatic", 0x00dd_7e08),
    (MemoryType::ModuleCodeMutable, "ModuleCodeMutable", 0x03ff_bd09),
    (MemoryType::Ipc, "Ipc", 0x005c_3c0a),
    (MemoryType::Stack, "Stack", 0x005c_3c0b),
    (MemoryType::ThreadLocal, "ThreadLocal", 0x0040_200c),
    (MemoryType::TransferMemoryIsolated, "TransferMemoryIsolated", 0x015c_3c0d),
    (MemoryType::TransferMemory, "TransferMemory", 0x005c_380e),
    (MemoryType::ProcessMemory, "ProcessMemory", 0x0040_380f),
    (MemoryType::Reserved, "Reserved", 0x0000_0010),
    (MemoryType::NonSecureIpc, "NonSecureIpc", 0x005c_3811),
    (MemoryType::NonDeviceIpc, "NonDeviceIpc", 0x004c_2812),
    (MemoryType::KernelStack, "KernelStack", 0x0000_2013),
    (MemoryType::CodeReadOnly, "CodeReadOnly", 0x0040_2214),
    (MemoryType::CodeWritable, "CodeWritable", 0x0040_2015),
];

impl MemoryType {
    /// The variant name, as traces spell it.
    pub fn name(self) -> &'static str {
        TYPE_TABLE[self as usize].1
    }

    /// Looks a variant up by its exact name.
    pub fn from_name(name: &str) -> Option<MemoryType> {
        TYPE_TABLE.iter().find(|(_, n, _)| *n == name).map(|(t, _, _)| *t)
    }

    /// The `MemoryState` upstream stores for this type (truncated).
    pub fn state(self) -> u32 {
        TYPE_TABLE[self as usize].2 & STATE_DECLARED_BITS
    }

    /// Whether frames of this type are reference counted (shared).
    pub fn is_refcounted(self) -> bool {
        self.state() & STATE_REFCOUNTED != 0
    }

    /// The type a state value designates; unknown type bytes mean Reserved.
    pub fn from_state(state: u32) -> MemoryType {
        TYPE_TABLE
            .get((state & 0xff) as usize)
            .map_or(MemoryType::Reserved, |(t, _, _)| *t)
    }
}

/// Parses a rights shorthand (`none k_r ... u_rx`).
pub fn rights_from_shorthand(s: &str) -> Option<u32> {
    use rights::*;
    Some(match s {
        "none" => 0,
        "k_r" => R,
        "k_w" => W,
        "k_rw" => R | W,
        "k_rx" => R | X,
        "u_r" => U | R,
        "u_w" => U | W,
        "u_rw" => U | R | W,
        "u_rx" => U | R | X,
        _ => return None,
    })
}

/// `MemoryPermissions` derived from access rights: empty unless the mapping
/// is user accessible, else its R/W/X bits.
pub fn perms_of_rights(r: u32) -> u32 {
    if r & rights::U == 0 {
        0
    } else {
        r & (rights::R | rights::W | rights::X)
    }
}

/// Rights rendered as the four characters `rwxu` (`-` for a missing bit).
pub fn rights_string(r: u32) -> String {
    let bit = |b: u32, c: char| if r & b != 0 { c } else { '-' };
    [bit(rights::R, 'r'), bit(rights::W, 'w'), bit(rights::X, 'x'), bit(rights::U, 'u')]
        .iter()
        .collect()
}

/// A `KernelError` value with the payload the trace format prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelError {
    PhysicalMemoryExhaustion,
    VirtualMemoryExhaustion,
    InvalidAddress(u32),
    InvalidSize(u32),
    InvalidMemState(u32, MemoryType),
    WrongMappingFramesForTy(MemoryType),
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            KernelError::PhysicalMemoryExhaustion => write!(f, "PhysicalMemoryExhaustion"),
            KernelError::VirtualMemoryExhaustion => write!(f, "VirtualMemoryExhaustion"),
            KernelError::InvalidAddress(a) => write!(f, "InvalidAddress address={:#010x}", a),
            KernelError::InvalidSize(s) => write!(f, "InvalidSize size={:#010x}", s),
            KernelError::InvalidMemState(a, t) => {
                write!(f, "InvalidMemState address={:#010x} ty={}", a, t.name())
            }
            KernelError::WrongMappingFramesForTy(t) => {
                write!(f, "WrongMappingFramesForTy ty={}", t.name())
            }
        }
    }
}

/// Why an operation did not complete: the kernel returned an error, or the
/// kernel panicked (after which the machine is dead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fail {
    Kernel(KernelError),
    Panic(String),
}

impl From<KernelError> for Fail {
    fn from(e: KernelError) -> Fail {
        Fail::Kernel(e)
    }
}

/// Result of anything that may return a kernel error or panic.
pub type KResult<T> = Result<T, Fail>;

/// Shorthand for a kernel panic.
pub fn panic<T>(msg: impl Into<String>) -> KResult<T> {
    Err(Fail::Panic(msg.into()))
}

/// Upstream `unwrap`/`expect` on a kernel result: a kernel error becomes a
/// panic whose text names the error; panics pass through.
pub fn must<T>(r: KResult<T>, what: &str) -> KResult<T> {
    r.map_err(|f| match f {
        Fail::Kernel(e) => Fail::Panic(format!("{}: unexpected {}", what, e)),
        p => p,
    })
}

/// `a + b`, panicking on overflow like a debug build.
pub fn add(a: u32, b: u32) -> KResult<u32> {
    a.checked_add(b)
        .ok_or_else(|| Fail::Panic(format!("overflow computing {:#x} + {:#x}", a, b)))
}

/// `a - b`, panicking on underflow like a debug build.
pub fn sub(a: u32, b: u32) -> KResult<u32> {
    a.checked_sub(b)
        .ok_or_else(|| Fail::Panic(format!("underflow computing {:#x} - {:#x}", a, b)))
}

/// `a * b`, panicking on overflow like a debug build.
pub fn mul(a: u32, b: u32) -> KResult<u32> {
    a.checked_mul(b)
        .ok_or_else(|| Fail::Panic(format!("overflow computing {:#x} * {:#x}", a, b)))
}

/// Rounds `a` up to a multiple of the power of two `align`, panicking when
/// `a + align - 1` overflows.
pub fn align_up(a: u32, align: u32) -> KResult<u32> {
    Ok(add(a, align - 1)? & !(align - 1))
}

/// Rounds `a` up to a multiple of `align`, or `None` on overflow.
pub fn align_up_checked(a: u32, align: u32) -> Option<u32> {
    if a & (align - 1) == 0 {
        Some(a)
    } else {
        a.checked_add(align - a % align)
    }
}

/// `InvalidAddress` unless `addr` is page aligned.
pub fn check_addr_aligned(addr: u32) -> KResult<()> {
    if addr % PAGE == 0 {
        Ok(())
    } else {
        Err(KernelError::InvalidAddress(addr).into())
    }
}

/// `InvalidSize` unless `size` is page aligned.
pub fn check_size_aligned(size: u32) -> KResult<()> {
    if size % PAGE == 0 {
        Ok(())
    } else {
        Err(KernelError::InvalidSize(size).into())
    }
}

/// `InvalidSize(0)` for a zero length.
pub fn check_nonzero(len: u32) -> KResult<()> {
    if len == 0 {
        Err(KernelError::InvalidSize(0).into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_truncated() {
        assert_eq!(MemoryType::Normal.state(), 0x0004_0002);
        assert_eq!(MemoryType::Heap.state(), 0x037e_9d05);
        assert_eq!(MemoryType::Io.state(), 0x0000_0001);
        assert_eq!(MemoryType::CodeStatic.state(), 0x00dc_5e03);
    }

    #[test]
    fn refcounted_types() {
        assert!(!MemoryType::Normal.is_refcounted());
        assert!(MemoryType::Heap.is_refcounted());
        assert!(MemoryType::SharedMemory.is_refcounted());
        assert!(!MemoryType::KernelStack.is_refcounted());
    }

    #[test]
    fn names_round_trip() {
        for (t, n, _) in TYPE_TABLE.iter() {
            assert_eq!(MemoryType::from_name(n), Some(*t));
            assert_eq!(t.name(), *n);
            assert_eq!(MemoryType::from_state(t.state()), *t);
        }
        assert_eq!(MemoryType::from_name("normal"), None);
        assert_eq!(MemoryType::from_state(0x99), MemoryType::Reserved);
    }

    #[test]
    fn rights_render() {
        assert_eq!(rights_string(11), "rw-u");
        assert_eq!(rights_string(0), "----");
        assert_eq!(rights_string(15), "rwxu");
        assert_eq!(perms_of_rights(3), 0);
        assert_eq!(perms_of_rights(13), 5);
    }

    #[test]
    fn error_payloads() {
        assert_eq!(KernelError::InvalidAddress(0x400001).to_string(), "InvalidAddress address=0x00400001");
        assert_eq!(
            KernelError::InvalidMemState(0x8000_0000, MemoryType::Normal).to_string(),
            "InvalidMemState address=0x80000000 ty=Normal"
        );
    }

    #[test]
    fn checked_arithmetic() {
        assert!(add(0xffff_f000, 0x1000).is_err());
        assert!(sub(0, 1).is_err());
        assert_eq!(align_up(0x1001, PAGE), Ok(0x2000));
        assert_eq!(align_up_checked(0xffff_f001, PAGE), None);
    }
}
