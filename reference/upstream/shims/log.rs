//! Stand-in for the `log` crate: the logging macros type-check their
//! arguments but never evaluate them (no logger is installed).
#![no_std]

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warn,
    Info,
    Debug,
    Trace,
}

#[doc(hidden)]
#[macro_export]
macro_rules! __log_discard {
    (target: $target:expr, $($arg:tt)+) => {{ if false { let _ = $target; let _ = ::core::format_args!($($arg)+); } }};
    ($($arg:tt)+) => {{ if false { let _ = ::core::format_args!($($arg)+); } }};
}
#[macro_export]
macro_rules! log { ($lvl:expr, $($arg:tt)+) => {{ if false { let _ = $lvl; } $crate::__log_discard!($($arg)+) }}; }
#[macro_export]
macro_rules! error { ($($arg:tt)+) => { $crate::__log_discard!($($arg)+) }; }
#[macro_export]
macro_rules! warn { ($($arg:tt)+) => { $crate::__log_discard!($($arg)+) }; }
#[macro_export]
macro_rules! info { ($($arg:tt)+) => { $crate::__log_discard!($($arg)+) }; }
#[macro_export]
macro_rules! debug { ($($arg:tt)+) => { $crate::__log_discard!($($arg)+) }; }
#[macro_export]
macro_rules! trace { ($($arg:tt)+) => { $crate::__log_discard!($($arg)+) }; }
#[macro_export]
macro_rules! log_enabled { ($($arg:tt)+) => { false }; }
