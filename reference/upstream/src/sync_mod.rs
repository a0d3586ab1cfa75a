//! Replacement for upstream's `sync/mod.rs`: upstream's spin locks
//! (`spin_lock.rs`, `spin_lock_irq.rs`, included from the checkout) and the
//! `spin` re-exports, without the scheduler mutex (it needs the scheduler;
//! the memory module does not use it).

pub use spin::{RwLock as SpinRwLock, RwLockReadGuard as SpinRwLockReadGuard, RwLockWriteGuard as SpinRwLockWriteGuard,
               Once };

#[path = "../up/kernel/src/sync/spin_lock_irq.rs"]
pub mod spin_lock_irq;
pub use self::spin_lock_irq::{SpinLockIRQ, SpinLockIRQGuard};

#[path = "../up/kernel/src/sync/spin_lock.rs"]
pub mod spin_lock;
pub use self::spin_lock::{SpinLock, SpinLockGuard};

/// Upstream's flag: interrupts disarmed for good.
static INTERRUPT_DISARM: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
