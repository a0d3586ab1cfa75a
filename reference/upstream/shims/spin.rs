//! Stand-in for the `spin` crate (0.5 API subset): `Mutex`, `RwLock`, `Once`.
//! The machine is single-threaded: taking a lock that is already held can
//! never succeed (upstream would spin forever), so it panics instead of
//! hanging the runner.
#![no_std]

use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::ops::{Deref, DerefMut};

pub struct Mutex<T: ?Sized> {
    locked: Cell<bool>,
    data: UnsafeCell<T>,
}
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

pub struct MutexGuard<'a, T: ?Sized + 'a> {
    lock: &'a Mutex<T>,
}

impl<T> Mutex<T> {
    pub const fn new(data: T) -> Mutex<T> {
        Mutex { locked: Cell::new(false), data: UnsafeCell::new(data) }
    }
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    pub fn lock(&self) -> MutexGuard<'_, T> {
        match self.try_lock() {
            Some(g) => g,
            None => panic!("spin lock deadlock: the lock is already held"),
        }
    }
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        if self.locked.get() {
            None
        } else {
            self.locked.set(true);
            Some(MutexGuard { lock: self })
        }
    }
    pub unsafe fn force_unlock(&self) {
        self.locked.set(false);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_lock() {
            Some(g) => write!(f, "Mutex {{ data: {:?} }}", &*g),
            None => write!(f, "Mutex {{ <locked> }}"),
        }
    }
}
impl<T: ?Sized + Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}
impl<'a, T: ?Sized> Deref for MutexGuard<'a, T> {
    type Target = T;
    fn deref(&self) -> &T {
        unsafe { &*self.lock.data.get() }
    }
}
impl<'a, T: ?Sized> DerefMut for MutexGuard<'a, T> {
    fn deref_mut(&mut self) -> &mut T {
        unsafe { &mut *self.lock.data.get() }
    }
}
impl<'a, T: ?Sized> Drop for MutexGuard<'a, T> {
    fn drop(&mut self) {
        self.lock.locked.set(false);
    }
}
impl<'a, T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Reader count, or `usize::MAX` while written.
pub struct RwLock<T: ?Sized> {
    state: Cell<usize>,
    data: UnsafeCell<T>,
}
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}

pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    lock: &'a RwLock<T>,
}
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    lock: &'a RwLock<T>,
}

const WRITER: usize = usize::MAX;

impl<T> RwLock<T> {
    pub const fn new(data: T) -> RwLock<T> {
        RwLock { state: Cell::new(0), data: UnsafeCell::new(data) }
    }
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}
impl<T: ?Sized> RwLock<T> {
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.try_read().unwrap_or_else(|| panic!("spin rwlock deadlock: read while written"))
    }
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.try_write().unwrap_or_else(|| panic!("spin rwlock deadlock: write while held"))
    }
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        let s = self.state.get();
        if s == WRITER || s == WRITER - 1 {
            None
        } else {
            self.state.set(s + 1);
            Some(RwLockReadGuard { lock: self })
        }
    }
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        if self.state.get() != 0 {
            None
        } else {
            self.state.set(WRITER);
            Some(RwLockWriteGuard { lock: self })
        }
    }
}
impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_read() {
            Some(g) => write!(f, "RwLock {{ data: {:?} }}", &*g),
            None => write!(f, "RwLock {{ <locked> }}"),
        }
    }
}
impl<T: ?Sized + Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}
impl<'a, T: ?Sized> Deref for RwLockReadGuard<'a, T> {
    type Target = T;
    fn deref(&self) -> &T {
        unsafe { &*self.lock.data.get() }
    }
}
impl<'a, T: ?Sized> Drop for RwLockReadGuard<'a, T> {
    fn drop(&mut self) {
        self.lock.state.set(self.lock.state.get() - 1);
    }
}
impl<'a, T: ?Sized> Deref for RwLockWriteGuard<'a, T> {
    type Target = T;
    fn deref(&self) -> &T {
        unsafe { &*self.lock.data.get() }
    }
}
impl<'a, T: ?Sized> DerefMut for RwLockWriteGuard<'a, T> {
    fn deref_mut(&mut self) -> &mut T {
        unsafe { &mut *self.lock.data.get() }
    }
}
impl<'a, T: ?Sized> Drop for RwLockWriteGuard<'a, T> {
    fn drop(&mut self) {
        self.lock.state.set(0);
    }
}
impl<'a, T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
impl<'a, T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A value initialised once.
pub struct Once<T> {
    data: UnsafeCell<Option<T>>,
}
unsafe impl<T: Send + Sync> Sync for Once<T> {}
impl<T> Once<T> {
    pub const INIT: Self = Once { data: UnsafeCell::new(None) };
    pub const fn new() -> Once<T> {
        Once { data: UnsafeCell::new(None) }
    }
    pub fn call_once<F: FnOnce() -> T>(&self, f: F) -> &T {
        unsafe {
            if (*self.data.get()).is_none() {
                *self.data.get() = Some(f());
            }
            (*self.data.get()).as_ref().unwrap()
        }
    }
    pub fn r#try(&self) -> Option<&T> {
        unsafe { (*self.data.get()).as_ref() }
    }
}
impl<T: fmt::Debug> fmt::Debug for Once<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Once {{ data: {:?} }}", self.r#try())
    }
}
