//! Stand-in for `num_traits`: the `Num` bound used by sunrise_libutils'
//! alignment helpers, for the primitive integers.
#![no_std]
use core::ops::{Add, Div, Mul, Rem, Sub};

pub trait Zero: Sized { fn zero() -> Self; fn is_zero(&self) -> bool; }
pub trait One: Sized { fn one() -> Self; }
pub trait Num: Sized + PartialEq + Zero + One + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> + Rem<Output = Self> {}

macro_rules! impl_num {
    ($($t:ty)*) => {$(
        impl Zero for $t { #[inline] fn zero() -> $t { 0 } #[inline] fn is_zero(&self) -> bool { *self == 0 } }
        impl One for $t { #[inline] fn one() -> $t { 1 } }
        impl Num for $t {}
    )*};
}
impl_num!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize);
