//! Stand-in for `bit_field` 0.10: `BitField` on the unsigned integers and
//! `BitArray` on slices and arrays of them (bit 0 = least significant bit
//! of element 0).
#![no_std]
use core::ops::Range;

pub trait BitField {
    const BIT_LENGTH: usize;
    fn get_bit(&self, bit: usize) -> bool;
    fn get_bits(&self, range: Range<usize>) -> Self;
    fn set_bit(&mut self, bit: usize, value: bool) -> &mut Self;
    fn set_bits(&mut self, range: Range<usize>, value: Self) -> &mut Self;
    fn bit_length() -> usize { Self::BIT_LENGTH }
}

macro_rules! impl_bf {
    ($($t:ty)*) => {$(
        impl BitField for $t {
            const BIT_LENGTH: usize = core::mem::size_of::<$t>() * 8;
            #[inline]
            fn get_bit(&self, bit: usize) -> bool {
                assert!(bit < Self::BIT_LENGTH);
                (*self & (1 << bit)) != 0
            }
            #[inline]
            fn get_bits(&self, range: Range<usize>) -> Self {
                assert!(range.start < Self::BIT_LENGTH);
                assert!(range.end <= Self::BIT_LENGTH);
                assert!(range.start < range.end);
                let bits = *self << (Self::BIT_LENGTH - range.end) >> (Self::BIT_LENGTH - range.end);
                bits >> range.start
            }
            #[inline]
            fn set_bit(&mut self, bit: usize, value: bool) -> &mut Self {
                assert!(bit < Self::BIT_LENGTH);
                if value { *self |= 1 << bit; } else { *self &= !(1 << bit); }
                self
            }
            #[inline]
            fn set_bits(&mut self, range: Range<usize>, value: Self) -> &mut Self {
                assert!(range.start < Self::BIT_LENGTH);
                assert!(range.end <= Self::BIT_LENGTH);
                assert!(range.start < range.end);
                let width = range.end - range.start;
                let mask: $t = if width == Self::BIT_LENGTH { !0 } else { ((1 as $t) << width) - 1 };
                assert!(value & !mask == 0, "value does not fit into bit range");
                *self = (*self & !(mask << range.start)) | (value << range.start);
                self
            }
        }
    )*};
}
impl_bf!(u8 u16 u32 u64 usize);

pub trait BitArray<T: BitField> {
    fn bit_length(&self) -> usize;
    fn get_bit(&self, bit: usize) -> bool;
    fn set_bit(&mut self, bit: usize, value: bool);
}

impl<T: BitField> BitArray<T> for [T] {
    #[inline]
    fn bit_length(&self) -> usize {
        self.len() * T::BIT_LENGTH
    }
    #[inline]
    fn get_bit(&self, bit: usize) -> bool {
        let slice_index = bit / T::BIT_LENGTH;
        let bit_index = bit % T::BIT_LENGTH;
        self[slice_index].get_bit(bit_index)
    }
    #[inline]
    fn set_bit(&mut self, bit: usize, value: bool) {
        let slice_index = bit / T::BIT_LENGTH;
        let bit_index = bit % T::BIT_LENGTH;
        self[slice_index].set_bit(bit_index, value);
    }
}
