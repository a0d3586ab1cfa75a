//! The one simulated machine, and who may touch it.
//!
//! The C port and its hosted backend are global, single-threaded state. Three
//! rules make that safe to drive from safe Rust:
//!
//! * **One session at a time.** A [`Machine`] holds the global session lock
//!   for as long as it lives; creating another one (on another thread) waits
//!   until it is dropped, and creating a second one on the same thread panics
//!   instead of deadlocking. Only the thread that holds the live `Machine` may
//!   call into the port.
//! * **Generations.** Every reset (and every drop of a `Machine`) starts a new
//!   generation; every handle (`ProcessMemory`, `SharedFrames`, `Mapping`,
//!   `CrossProcessMapping`, `PhysicalMemRegion`) remembers the generation it
//!   was made in. `machine_reset()` releases every kernel heap block, so a
//!   handle of an older generation points to freed memory: using it panics,
//!   dropping it does nothing.
//! * **Poisoning.** Every call is made through the C shim, which arms the
//!   port's panic landing pad in its own C frame. A port panic comes back as
//!   a status, and is raised here as a Rust `panic!` with the port's message
//!   (after the lock is released); from then on the machine is dead, as the
//!   kernel would be: every call panics and every drop does nothing until the
//!   `Machine` is dropped and a new one is made.
//!
//! Handles hold raw pointers and are therefore neither `Send` nor `Sync`.

use std::ffi::CStr;
use std::marker::PhantomData;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread;

use crate::ffi;
use crate::types::{to_u32, PhysicalAddress, VirtualAddress};

/// The beginning of the message of every panic that reports a panic of the
/// port itself (upstream's `panic!`, `assert!`, `expect`, overflow, ...).
pub const KERNEL_PANIC_PREFIX: &str = "sunrise_mm_c: kernel panic: ";

/// The beginning of the message of every panic caused by misusing this
/// crate (no machine, a stale handle, a dead machine).
pub const MISUSE_PREFIX: &str = "sunrise_mm_c: ";

struct PortState {
    /// Current generation; handles of another one are stale.
    gen: u64,
    /// The thread holding the live `Machine` (its token).
    owner: Option<u64>,
    /// The message of the port panic that killed the machine.
    poisoned: Option<String>,
}

static PORT: Mutex<PortState> = Mutex::new(PortState { gen: 0, owner: None, poisoned: None });
static SESSION: Mutex<()> = Mutex::new(());

static NEXT_THREAD_TOKEN: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static THREAD_TOKEN: u64 = NEXT_THREAD_TOKEN.fetch_add(1, Ordering::Relaxed);
}

/// This thread's token; `None` while its thread-local data is being
/// destroyed (a handle dropped then does nothing).
fn this_thread() -> Option<u64> {
    THREAD_TOKEN.try_with(|t| *t).ok()
}

fn lock_port() -> MutexGuard<'static, PortState> {
    PORT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The message of the last port panic.
fn panic_message() -> String {
    // SAFETY: the shim returns a NUL-terminated static string (the port's
    // messages are string literals).
    unsafe { CStr::from_ptr(ffi::srp_panic_message()) }.to_string_lossy().into_owned()
}

/// Why a call may not run, if it may not.
fn refusal(st: &PortState, handle: Option<u64>) -> Option<String> {
    if st.owner.is_none() || this_thread() != st.owner {
        return Some(format!("{}no Machine is live on this thread (use Machine::reset first)", MISUSE_PREFIX));
    }
    if let Some(msg) = &st.poisoned {
        return Some(format!("{}the machine is dead after a kernel panic ({}); drop it and reset", MISUSE_PREFIX, msg));
    }
    match handle {
        Some(g) if g != st.gen => {
            Some(format!("{}this handle belongs to a machine that has since been reset", MISUSE_PREFIX))
        }
        _ => None,
    }
}

/// Runs `f` (a shim call) with the port lock held, after checking that a
/// machine is live on this thread, is not dead, and (for a handle) is of the
/// handle's generation. A port panic poisons the machine and is raised as a
/// Rust panic. Returns `f`'s value and the current generation.
pub(crate) fn call<T>(handle: Option<u64>, f: impl FnOnce() -> (c_int, T)) -> (T, u64) {
    let mut st = lock_port();
    if let Some(why) = refusal(&st, handle) {
        drop(st);
        panic!("{}", why);
    }
    let (rc, v) = f();
    if rc != ffi::SRP_OK {
        let msg = panic_message();
        st.poisoned = Some(msg.clone());
        drop(st);
        panic!("{}{}", KERNEL_PANIC_PREFIX, msg);
    }
    (v, st.gen)
}

/// `call` for a shim function that returns only a status.
pub(crate) fn call0(handle: Option<u64>, f: impl FnOnce() -> c_int) -> u64 {
    call(handle, || (f(), ())).1
}

/// For `Drop`: runs `f` only when the handle is of the live, healthy
/// machine of this thread; otherwise does nothing (a stale handle's memory
/// was released by the reset; a dead machine's is left to the next reset).
/// A port panic poisons the machine and is raised unless the thread is
/// already unwinding.
pub(crate) fn call_in_drop(handle: u64, f: impl FnOnce() -> c_int) {
    let mut st = lock_port();
    if refusal(&st, Some(handle)).is_some() {
        return;
    }
    if f() != ffi::SRP_OK {
        let msg = panic_message();
        st.poisoned = Some(msg.clone());
        drop(st);
        if !thread::panicking() {
            panic!("{}{}", KERNEL_PANIC_PREFIX, msg);
        }
    }
}

/// The simulated i386 machine the port runs on, and the right to use it.
///
/// There is one such machine per process: at most one `Machine` is live at a
/// time (`reset` on another thread waits for the live one to be dropped), and
/// only its thread may use the port. Dropping it ends the session: every
/// handle made during it becomes stale (using it panics, dropping it does
/// nothing).
pub struct Machine {
    _session: MutexGuard<'static, ()>,
    _not_send: PhantomData<*mut ()>,
}

impl Machine {
    /// Resets the machine to its boot state and brings up the frame
    /// allocator as upstream's `frame_allocator::init` does: every frame
    /// reserved, then the frames of each `[start, end)` in `free` made free
    /// (`mark_area_free`). Waits while another thread holds a `Machine`.
    ///
    /// # Panics
    ///
    /// When this thread already holds a live `Machine`.
    pub fn reset(free: &[(PhysicalAddress, PhysicalAddress)]) -> Machine {
        Machine::check_not_nested();
        let session = SESSION.lock().unwrap_or_else(PoisonError::into_inner);
        Machine::start(session, free)
    }

    /// `reset`, unless another thread holds a `Machine` (then `None`).
    pub fn try_reset(free: &[(PhysicalAddress, PhysicalAddress)]) -> Option<Machine> {
        Machine::check_not_nested();
        let session = match SESSION.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(Machine::start(session, free))
    }

    fn check_not_nested() {
        let st = lock_port();
        if st.owner.is_some() && st.owner == this_thread() {
            drop(st);
            panic!("{}this thread already holds a live Machine", MISUSE_PREFIX);
        }
    }

    fn start(session: MutexGuard<'static, ()>, free: &[(PhysicalAddress, PhysicalAddress)]) -> Machine {
        {
            let mut st = lock_port();
            st.gen += 1;
            st.owner = Some(this_thread().expect("a thread that is not exiting"));
            st.poisoned = None;
        }
        let m = Machine { _session: session, _not_send: PhantomData };
        // SAFETY: the session is ours and the call is panic-armed.
        call0(None, || unsafe { ffi::srp_machine_reset() });
        for &(start, end) in free {
            m.mark_area_free(start, end);
        }
        m
    }

    /// `frame_allocator::i386::mark_area_free`: the frames of
    /// `[round_up(start), round_down(end))` become free.
    pub fn mark_area_free(&self, start: PhysicalAddress, end: PhysicalAddress) {
        let (s, e) = (to_u32(start.0, "address"), to_u32(end.0, "address"));
        // SAFETY: panic-armed shim call under the port lock.
        call0(None, || unsafe { ffi::srp_mark_area_free(s, e) });
    }

    /// `frame_allocator::i386::mark_area_reserved`: the frames of
    /// `[round_down(start), round_up(end))` become reserved.
    pub fn mark_area_reserved(&self, start: PhysicalAddress, end: PhysicalAddress) {
        let (s, e) = (to_u32(start.0, "address"), to_u32(end.0, "address"));
        // SAFETY: panic-armed shim call under the port lock.
        call0(None, || unsafe { ffi::srp_mark_area_reserved(s, e) });
    }

    /// `frame_allocator::i386::mark_frame_bootstrap_allocated`.
    pub fn mark_frame_bootstrap_allocated(&self, address: PhysicalAddress) {
        let a = to_u32(address.0, "address");
        // SAFETY: panic-armed shim call under the port lock.
        call0(None, || unsafe { ffi::srp_mark_frame_bootstrap_allocated(a) });
    }

    /// A 32-bit load at `va` by ring 0 (CR0.WP set) through the active page
    /// tables; `None` when it would fault or reaches what is not trace RAM.
    pub fn read32(&self, va: VirtualAddress) -> Option<u32> {
        let a = to_u32(va.0, "address");
        let (mut v, mut fault) = (0u32, 0 as c_int);
        // SAFETY: panic-armed shim call under the port lock; valid out-pointers.
        call0(None, || unsafe { ffi::srp_read32(a, &mut v, &mut fault) });
        if fault != 0 {
            None
        } else {
            Some(v)
        }
    }

    /// A 32-bit store likewise; false when it would fault.
    pub fn write32(&self, va: VirtualAddress, value: u32) -> bool {
        let a = to_u32(va.0, "address");
        let mut fault = 0 as c_int;
        // SAFETY: panic-armed shim call under the port lock; valid out-pointer.
        call0(None, || unsafe { ffi::srp_write32(a, value, &mut fault) });
        fault == 0
    }

    /// The physical address of the boot page directory.
    pub fn boot_directory(&self) -> PhysicalAddress {
        let mut v = 0u32;
        // SAFETY: panic-armed shim call under the port lock; valid out-pointer.
        call0(None, || unsafe { ffi::srp_boot_directory(&mut v) });
        PhysicalAddress(v as usize)
    }

    /// The physical address of the active page directory (cr3).
    pub fn active_directory(&self) -> PhysicalAddress {
        let mut v = 0u32;
        // SAFETY: panic-armed shim call under the port lock; valid out-pointer.
        call0(None, || unsafe { ffi::srp_read_cr3(&mut v) });
        PhysicalAddress(v as usize)
    }

    /// How many frames the frame allocator holds free (an observation with
    /// no upstream counterpart).
    pub fn free_frames(&self) -> usize {
        let mut v = 0u32;
        // SAFETY: panic-armed shim call under the port lock; valid out-pointer.
        call0(None, || unsafe { ffi::srp_free_count(&mut v) });
        v as usize
    }

    /// Whether a kernel panic killed the machine.
    pub fn is_dead(&self) -> bool {
        lock_port().poisoned.is_some()
    }

    /// The message of the kernel panic that killed the machine.
    pub fn panic_message(&self) -> Option<String> {
        lock_port().poisoned.clone()
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let mut st = lock_port();
        st.owner = None;
        st.poisoned = None;
        st.gen += 1;
        // the session lock is released after this, when the fields drop
    }
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine").field("dead", &self.is_dead()).finish()
    }
}
