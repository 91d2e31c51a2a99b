//! Closed sets of codes: the [`code_enum!`](crate::code_enum) macro every crate of Verity
//! declares its codes with, and [`UnknownCode`], the error of parsing one. A leaf: it uses no
//! other module, so the modules that declare codes do not depend on each other through it.

/// Declares a closed, snake_case code enum with `ALL`, `as_str`, `Display` and `FromStr`.
///
/// The crate that uses it needs `serde` (with `derive`) among its dependencies, and derives
/// `specta::Type` when *its own* `specta` feature is on (the attribute is expanded there).
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $code:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The snake_case code, as serialised.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $code, )+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::codes::UnknownCode;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $( $code => Ok($name::$variant), )+
                    _ => Err($crate::codes::UnknownCode { kind: stringify!($name), code: s.to_owned() }),
                }
            }
        }
    };
}

/// A code that is not in a closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {code:?}")]
pub struct UnknownCode {
    /// The set (`Verdict`, `Category`, …).
    pub kind: &'static str,
    /// The rejected text.
    pub code: String,
}
