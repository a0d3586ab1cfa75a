//! Stand-in for the `lazy_static` crate: `lazy_static!` on `spin::Once`
//! semantics (single-threaded).
#![no_std]

#[doc(hidden)]
pub struct Lazy<T>(core::cell::UnsafeCell<Option<T>>);
unsafe impl<T> Sync for Lazy<T> {}
impl<T> Lazy<T> {
    pub const INIT: Self = Lazy(core::cell::UnsafeCell::new(None));
    #[inline]
    pub fn get<F: FnOnce() -> T>(&'static self, f: F) -> &T {
        unsafe {
            if (*self.0.get()).is_none() {
                *self.0.get() = Some(f());
            }
            (*self.0.get()).as_ref().unwrap()
        }
    }
}

#[macro_export]
macro_rules! lazy_static {
    ($(#[$attr:meta])* static ref $N:ident : $T:ty = $e:expr; $($t:tt)*) => {
        $crate::lazy_static!(@make () $(#[$attr])* $N, $T, $e);
        $crate::lazy_static!($($t)*);
    };
    ($(#[$attr:meta])* pub static ref $N:ident : $T:ty = $e:expr; $($t:tt)*) => {
        $crate::lazy_static!(@make (pub) $(#[$attr])* $N, $T, $e);
        $crate::lazy_static!($($t)*);
    };
    ($(#[$attr:meta])* pub ($($vis:tt)+) static ref $N:ident : $T:ty = $e:expr; $($t:tt)*) => {
        $crate::lazy_static!(@make (pub ($($vis)+)) $(#[$attr])* $N, $T, $e);
        $crate::lazy_static!($($t)*);
    };
    (@make ($($vis:tt)*) $(#[$attr:meta])* $N:ident, $T:ty, $e:expr) => {
        #[allow(missing_copy_implementations, non_camel_case_types, dead_code)]
        $(#[$attr])*
        $($vis)* struct $N { __private_field: () }
        #[doc(hidden)]
        $($vis)* static $N: $N = $N { __private_field: () };
        impl ::core::ops::Deref for $N {
            type Target = $T;
            fn deref(&self) -> &$T {
                static LAZY: $crate::Lazy<$T> = $crate::Lazy::INIT;
                LAZY.get(|| $e)
            }
        }
    };
    () => ()
}
