//! The macro that turns the one list of parameters in `mod.rs` into the
//! `Params` struct, its `Default` and the [`Param`](super::Param) table.

/// Declares `Params` from one list. Each entry is a documented field with a
/// `#[param(...)]` line and a default:
///
/// ```text
/// /// One-line doc, shown in `--help` too.
/// #[param(flag = "rounds", aliases = ["n_estimators"], unset = "what None means")]
/// pub num_rounds: usize = 100,
/// ```
///
/// `flag` (the long command-line flag) and `unset` (what an unset `Option`
/// or empty list means) are optional; `aliases` is required, even if empty.
/// A `#[serde(...)]` line may follow the `#[param(...)]` one; it only shapes
/// `Params`' own serde form (reports), not model files, which store every
/// parameter by name (`by_name.rs`).
macro_rules! declare_params {
    (
        $(#[$meta:meta])*
        pub struct Params {
            $(
                $(#[doc = $doc:literal])+
                #[param($(flag = $flag:literal,)? aliases = [$($alias:literal),* $(,)?] $(, unset = $unset:literal)? $(,)?)]
                $(#[serde($($serde:tt)*)])?
                pub $field:ident: $ty:ty = $default:expr,
            )+
        }
    ) => {
        $(#[$meta])*
        pub struct Params {
            $(
                $(#[doc = $doc])+
                $(
                    #[doc = ""]
                    #[doc = concat!(" Unset: ", $unset, ".")]
                )?
                $(#[serde($($serde)*)])?
                pub $field: $ty,
            )+
        }

        impl Default for Params {
            fn default() -> Self {
                Params {
                    $($field: $default,)+
                }
            }
        }

        /// Every parameter, in the order of the struct's fields.
        static ALL: &[$crate::params::Param] = &[
            $(
                $crate::params::Param {
                    name: stringify!($field),
                    flag: declare_params!(@option $($flag)?),
                    aliases: &[$($alias),*],
                    doc: concat!($($doc),+),
                    kind: <$ty as $crate::params::value::ParamValue>::KIND,
                    unset: declare_params!(@unset $($unset)?),
                    set: |params, text| {
                        params.$field =
                            <$ty as $crate::params::value::ParamValue>::parse(stringify!($field), text)?;
                        Ok(())
                    },
                    show: |params| $crate::params::value::ParamValue::show(&params.$field),
                },
            )+
        ];
    };
    (@option) => { None };
    (@option $x:literal) => { Some($x) };
    (@unset) => { "" };
    (@unset $x:literal) => { $x };
}
