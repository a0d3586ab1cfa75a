//! Stand-in for the `static_assertions` crate (0.3 macros used upstream).
#![no_std]

#[macro_export]
macro_rules! const_assert {
    ($($cond:expr),+ $(,)?) => {
        const _: [(); 0 - !($($cond)&&+) as usize] = [];
    };
    ($label:ident; $($cond:expr),+ $(,)?) => {
        const _: [(); 0 - !($($cond)&&+) as usize] = [];
    };
}
#[macro_export]
macro_rules! const_assert_eq {
    ($x:expr, $($y:expr),+ $(,)?) => { $crate::const_assert!($($x == $y),+); };
    ($label:ident; $x:expr, $($y:expr),+ $(,)?) => { $crate::const_assert!($($x == $y),+); };
}
#[macro_export]
macro_rules! assert_eq_size {
    ($x:ty, $($xs:ty),+ $(,)?) => {
        const _: fn() = || { $(let _ = ::core::mem::transmute::<$x, $xs>;)+ };
    };
    ($label:ident; $x:ty, $($xs:ty),+ $(,)?) => {
        const _: fn() = || { $(let _ = ::core::mem::transmute::<$x, $xs>;)+ };
    };
}
