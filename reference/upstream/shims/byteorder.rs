//! Stand-in for `byteorder`: the `ByteOrder` trait with the u16/u32/u64
//! reads and writes used by sunrise_libutils' cursors.
#![no_std]

pub trait ByteOrder {
    fn read_u16(buf: &[u8]) -> u16;
    fn read_u32(buf: &[u8]) -> u32;
    fn read_u64(buf: &[u8]) -> u64;
    fn write_u16(buf: &mut [u8], n: u16);
    fn write_u32(buf: &mut [u8], n: u32);
    fn write_u64(buf: &mut [u8], n: u64);
}

pub enum LittleEndian {}
pub enum BigEndian {}
pub type LE = LittleEndian;
pub type BE = BigEndian;
pub type NetworkEndian = BigEndian;
pub type NativeEndian = LittleEndian;

macro_rules! rw {
    ($from:ident, $to:ident) => {
        fn read_u16(buf: &[u8]) -> u16 { let mut b = [0; 2]; b.copy_from_slice(&buf[..2]); u16::$from(b) }
        fn read_u32(buf: &[u8]) -> u32 { let mut b = [0; 4]; b.copy_from_slice(&buf[..4]); u32::$from(b) }
        fn read_u64(buf: &[u8]) -> u64 { let mut b = [0; 8]; b.copy_from_slice(&buf[..8]); u64::$from(b) }
        fn write_u16(buf: &mut [u8], n: u16) { buf[..2].copy_from_slice(&n.$to()) }
        fn write_u32(buf: &mut [u8], n: u32) { buf[..4].copy_from_slice(&n.$to()) }
        fn write_u64(buf: &mut [u8], n: u64) { buf[..8].copy_from_slice(&n.$to()) }
    };
}
impl ByteOrder for LittleEndian { rw!(from_le_bytes, to_le_bytes); }
impl ByteOrder for BigEndian { rw!(from_be_bytes, to_be_bytes); }
