//! Stand-in for the `bitflags` crate, 1.x semantics: `bitflags!` declares a
//! transparent struct with a private `bits` field, associated constants,
//! `empty`/`all`/`bits`/`from_bits`/`from_bits_truncate`/`contains`/
//! `intersects`/`insert`/`remove`/`toggle`/`set`/`is_empty`/`is_all`, the
//! bit operators and a `Debug` listing the named flags.
#![no_std]

#[macro_export]
macro_rules! bitflags {
    (
        $(#[$outer:meta])*
        $vis:vis struct $Name:ident : $T:ty {
            $(
                $(#[$inner:meta])*
                const $Flag:ident = $value:expr;
            )*
        }
        $($rest:tt)*
    ) => {
        $(#[$outer])*
        #[derive(Copy, PartialEq, Eq, Clone, PartialOrd, Ord, Hash)]
        $vis struct $Name { bits: $T }

        #[allow(dead_code)]
        impl $Name {
            $(
                $(#[$inner])*
                pub const $Flag: $Name = $Name { bits: $value };
            )*
            #[inline] pub const fn empty() -> $Name { $Name { bits: 0 } }
            #[inline] pub const fn all() -> $Name { $Name { bits: 0 $(| $value)* } }
            #[inline] pub const fn bits(&self) -> $T { self.bits }
            #[inline] pub fn from_bits(bits: $T) -> ::core::option::Option<$Name> {
                if bits & !$Name::all().bits == 0 { ::core::option::Option::Some($Name { bits }) } else { ::core::option::Option::None }
            }
            #[inline] pub const fn from_bits_truncate(bits: $T) -> $Name { $Name { bits: bits & $Name::all().bits } }
            #[inline] pub const unsafe fn from_bits_unchecked(bits: $T) -> $Name { $Name { bits } }
            #[inline] pub const fn is_empty(&self) -> bool { self.bits == 0 }
            #[inline] pub const fn is_all(&self) -> bool { self.bits == $Name::all().bits }
            #[inline] pub const fn intersects(&self, other: $Name) -> bool { self.bits & other.bits != 0 }
            #[inline] pub const fn contains(&self, other: $Name) -> bool { self.bits & other.bits == other.bits }
            #[inline] pub fn insert(&mut self, other: $Name) { self.bits |= other.bits; }
            #[inline] pub fn remove(&mut self, other: $Name) { self.bits &= !other.bits; }
            #[inline] pub fn toggle(&mut self, other: $Name) { self.bits ^= other.bits; }
            #[inline] pub fn set(&mut self, other: $Name, value: bool) {
                if value { self.insert(other) } else { self.remove(other) }
            }
        }

        impl ::core::ops::BitOr for $Name {
            type Output = $Name;
            #[inline] fn bitor(self, other: $Name) -> $Name { $Name { bits: self.bits | other.bits } }
        }
        impl ::core::ops::BitOrAssign for $Name {
            #[inline] fn bitor_assign(&mut self, other: $Name) { self.bits |= other.bits; }
        }
        impl ::core::ops::BitXor for $Name {
            type Output = $Name;
            #[inline] fn bitxor(self, other: $Name) -> $Name { $Name { bits: self.bits ^ other.bits } }
        }
        impl ::core::ops::BitXorAssign for $Name {
            #[inline] fn bitxor_assign(&mut self, other: $Name) { self.bits ^= other.bits; }
        }
        impl ::core::ops::BitAnd for $Name {
            type Output = $Name;
            #[inline] fn bitand(self, other: $Name) -> $Name { $Name { bits: self.bits & other.bits } }
        }
        impl ::core::ops::BitAndAssign for $Name {
            #[inline] fn bitand_assign(&mut self, other: $Name) { self.bits &= other.bits; }
        }
        impl ::core::ops::Sub for $Name {
            type Output = $Name;
            #[inline] fn sub(self, other: $Name) -> $Name { $Name { bits: self.bits & !other.bits } }
        }
        impl ::core::ops::SubAssign for $Name {
            #[inline] fn sub_assign(&mut self, other: $Name) { self.bits &= !other.bits; }
        }
        impl ::core::ops::Not for $Name {
            type Output = $Name;
            #[inline] fn not(self) -> $Name { $Name { bits: !self.bits } & $Name::all() }
        }
        impl ::core::fmt::Debug for $Name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let mut first = true;
                $(
                    if $Name::$Flag.bits != 0 && self.contains($Name::$Flag) {
                        if !first { f.write_str(" | ")?; }
                        first = false;
                        f.write_str(stringify!($Flag))?;
                    }
                )*
                let extra = self.bits & !$Name::all().bits;
                if extra != 0 {
                    if !first { f.write_str(" | ")?; }
                    first = false;
                    write!(f, "{:#x}", extra)?;
                }
                if first { f.write_str("(empty)")?; }
                Ok(())
            }
        }
        $crate::bitflags! { $($rest)* }
    };
    () => {};
}
