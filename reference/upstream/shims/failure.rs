//! Stand-in for the `failure` crate: `Backtrace` (empty), the `Fail` trait
//! and its derive.
#![no_std]

pub use failure_derive::*;

#[derive(Debug, Default)]
pub struct Backtrace;
impl Backtrace {
    #[inline]
    pub fn new() -> Backtrace {
        Backtrace
    }
}
impl core::fmt::Display for Backtrace {
    fn fmt(&self, _: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        Ok(())
    }
}

pub trait Fail: core::fmt::Debug {}
