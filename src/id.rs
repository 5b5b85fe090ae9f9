//! Closed id sets: the [`id_enum!`] macro that declares them and
//! [`ParseIdError`], the error of parsing one.
//!
//! The bottom of the crate: this module imports nothing from the crate, so
//! every layer above (the rules, membership, the organization tools) can
//! declare an id set with it. An id set's valid ids travel inside the error
//! as a `&'static [&'static str]`, so the error's message names them
//! without knowing the types.

use core::fmt;

/// Which closed id set a [`ParseIdError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// A role id (`owner`, ...).
    Role,
    /// A resource kind id (`app`, `dedicated_database`).
    ResourceKind,
    /// An action id (`restart`, ...).
    Action,
    /// A scope id (`lifecycle`, ...).
    Scope,
    /// An overview category id (`destructive_actions`, ...).
    Category,
    /// A matrix export format id (`csv`, `markdown`, `json`).
    ExportFormat,
    /// An overview coverage id (`yes`, `limited`, `no`, `n/a`).
    Coverage,
    /// A two-factor status id (`enabled`, `disabled`, `unknown`).
    TwoFactor,
    /// An access-review severity id (`low`, ..., `critical`).
    Severity,
    /// An access-review finding kind id (`stale invitation`, ...).
    FindingKind,
    /// A membership status id (`pending`, ..., `user_account_deleted`).
    MemberStatus,
    /// A membership advisory id (`rotate_secrets`).
    Advisory,
}

impl IdKind {
    /// What the id names, in words.
    #[must_use]
    pub const fn noun(self) -> &'static str {
        match self {
            IdKind::Role => "role",
            IdKind::ResourceKind => "resource kind",
            IdKind::Action => "action",
            IdKind::Scope => "scope",
            IdKind::Category => "category",
            IdKind::ExportFormat => "export format",
            IdKind::Coverage => "coverage",
            IdKind::TwoFactor => "two-factor status",
            IdKind::Severity => "severity",
            IdKind::FindingKind => "finding kind",
            IdKind::MemberStatus => "membership status",
            IdKind::Advisory => "advisory",
        }
    }
}

/// How many bytes of a rejected string a [`ParseIdError`] keeps:
/// [`ParseIdError::MAX_REJECTED_LEN`].
const MAX_REJECTED_LEN: usize = 40;

/// A bounded copy of rejected input, for an error message to quote.
///
/// Every error of the crate that quotes what it was given (an unknown id,
/// a field value from the public API) keeps it as an `Excerpt`: an inline
/// copy of at most [`Excerpt::MAX_LEN`] bytes, cut on a character
/// boundary. Its `Display` writes it between double quotes, escaped with
/// [`str::escape_default`]: printable ASCII as is, quotes and backslashes
/// escaped, and every other character as `\n`, `\t`, `\r` or `\u{...}`
/// (control characters, invisible, direction-changing and look-alike
/// characters alike: no list to keep up to date); it ends the quote with
/// `…` when the input was longer. A hostile input can therefore neither
/// forge nor hide a line of a log, nor make a message long.
///
/// The type is `Copy` and needs no allocator.
///
/// ```
/// use collab_authz::Excerpt;
///
/// let e = Excerpt::new("app-1\n[INFO] forged");
/// assert_eq!(e.to_string(), r#""app-1\n[INFO] forged""#);
/// assert_eq!(Excerpt::new("evil\u{202E}txt.exe").to_string(), r#""evil\u{202e}txt.exe""#);
///
/// let long = "x".repeat(100);
/// let e = Excerpt::new(&long);
/// assert!(e.is_truncated());
/// assert_eq!(e.as_str().len(), Excerpt::MAX_LEN);
/// assert_eq!(e.to_string(), format!("\"{}…\"", e.as_str()));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Excerpt {
    /// The first `len` bytes are a char-boundary prefix of the input; the
    /// rest are zero, so the derived `Eq` and `Hash` compare the prefix.
    bytes: [u8; MAX_REJECTED_LEN],
    len: u8,
    truncated: bool,
}

impl Excerpt {
    /// How many bytes of the input an excerpt keeps at most (the longest
    /// id a [`ParseIdError`] names is 26 bytes).
    pub const MAX_LEN: usize = MAX_REJECTED_LEN;

    /// Keeps the first [`MAX_LEN`](Self::MAX_LEN) bytes of `rejected` (at
    /// most; cut on a character boundary).
    #[must_use]
    pub fn new(rejected: &str) -> Self {
        let mut len = rejected.len().min(MAX_REJECTED_LEN);
        while !rejected.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; MAX_REJECTED_LEN];
        if let (Some(to), Some(from)) = (bytes.get_mut(..len), rejected.as_bytes().get(..len)) {
            to.copy_from_slice(from);
        }
        Self {
            bytes,
            // len <= MAX_REJECTED_LEN = 40: the conversion cannot fail.
            len: u8::try_from(len).unwrap_or(0),
            truncated: len < rejected.len(),
        }
    }

    /// The kept input: all of it, or its first [`MAX_LEN`](Self::MAX_LEN)
    /// bytes (at most; cut on a character boundary) when
    /// [`is_truncated`](Self::is_truncated). Not escaped.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|bytes| core::str::from_utf8(bytes).ok())
            .unwrap_or_default()
    }

    /// Whether the input was longer than what [`as_str`](Self::as_str)
    /// keeps.
    #[must_use]
    pub const fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for Excerpt {
    /// The kept input between double quotes, escaped, `…` before the
    /// closing quote when truncated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ellipsis = if self.truncated { "…" } else { "" };
        write!(f, "\"{}{ellipsis}\"", self.as_str().escape_default())
    }
}

impl fmt::Debug for Excerpt {
    /// The kept input, quoted and escaped as `Display` writes it, and
    /// whether it was truncated (not the raw buffer).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Excerpt")
            .field("text", &format_args!("{self}"))
            .field("truncated", &self.truncated)
            .finish()
    }
}

/// A string that is not one of the spec's ids for a closed set.
///
/// Its message quotes the rejected string and names every valid id:
///
/// ```
/// use collab_authz::{IdKind, Role};
///
/// let err = "Owner".parse::<Role>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"unknown role "Owner", expected one of: limited_collaborator, collaborator, owner"#
/// );
/// assert_eq!(err.input(), "Owner");
/// assert_eq!(err.kind(), IdKind::Role);
/// ```
///
/// The error is `Copy` and needs no allocator: it quotes the rejected
/// string as an [`Excerpt`] (at most
/// [`MAX_REJECTED_LEN`](Self::MAX_REJECTED_LEN) bytes, every character
/// outside printable ASCII escaped, `…` when cut), so a hostile input
/// cannot forge a line of a log.
///
/// ```
/// use collab_authz::Action;
///
/// let long = "x".repeat(100);
/// let err = long.parse::<Action>().unwrap_err();
/// assert!(err.is_truncated());
/// assert_eq!(err.input().len(), collab_authz::ParseIdError::MAX_REJECTED_LEN);
/// assert!(err.to_string().starts_with(&format!("unknown action \"{}…\"", err.input())));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub struct ParseIdError {
    kind: IdKind,
    /// Every valid id of the set, in the set's order.
    valid: &'static [&'static str],
    input: Excerpt,
}

impl ParseIdError {
    /// How many bytes of a rejected string the error keeps (the longest id
    /// is 26 bytes).
    pub const MAX_REJECTED_LEN: usize = MAX_REJECTED_LEN;

    /// The error for `rejected`, parsed as an id of the `kind` set whose
    /// ids are `valid`.
    pub(crate) fn new(kind: IdKind, valid: &'static [&'static str], rejected: &str) -> Self {
        Self {
            kind,
            valid,
            input: Excerpt::new(rejected),
        }
    }

    /// Which id set the string was parsed as.
    #[must_use]
    pub const fn kind(&self) -> IdKind {
        self.kind
    }

    /// The rejected string, or its first [`MAX_REJECTED_LEN`](Self::MAX_REJECTED_LEN) bytes (at
    /// most; cut on a character boundary) when
    /// [`is_truncated`](Self::is_truncated).
    #[must_use]
    pub fn input(&self) -> &str {
        self.input.as_str()
    }

    /// Every valid id of the set, in the set's order (what the message
    /// lists).
    #[must_use]
    pub const fn valid(&self) -> &'static [&'static str] {
        self.valid
    }

    /// Whether the rejected string was longer than what
    /// [`input`](Self::input) keeps.
    #[must_use]
    pub const fn is_truncated(&self) -> bool {
        self.input.is_truncated()
    }
}

impl fmt::Debug for ParseIdError {
    /// The kind, the kept input as a string and whether it was truncated
    /// (not the raw buffer).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseIdError")
            .field("kind", &self.kind)
            .field("input", &format_args!("{}", self.input))
            .field("truncated", &self.is_truncated())
            .finish()
    }
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {}, expected one of: ",
            self.kind.noun(),
            self.input
        )?;
        for (i, id) in self.valid.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(id)?;
        }
        Ok(())
    }
}

/// Declares a closed id set: a field-less enum whose every variant has one
/// id, with
///
/// - `ALL`, every value in declaration order, and `id()`, both `const`;
/// - `Display` (the id, padded like a `str`) and `FromStr` (the id back,
///   or a [`ParseIdError`] of the named [`IdKind`]), derived by `strum`
///   from the same literal, so the three can never disagree.
///
/// The attributes before `pub enum` (docs, serde, `non_exhaustive`) and
/// those before a variant are passed through. `kind:` names the
/// [`IdKind`] of the set's parse errors.
macro_rules! id_enum {
    (
        kind: $kind:ident,
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $id:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(strum::Display, strum::EnumString)]
        #[strum(parse_err_ty = $crate::id::ParseIdError, parse_err_fn = Self::parse_error)]
        pub enum $name {
            $( $(#[$vmeta])* #[strum(serialize = $id)] $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($id),*].len()] = [ $( $name::$variant, )* ];

            /// The id, as the spec writes it (also `Display` and `FromStr`).
            #[must_use]
            pub const fn id(self) -> &'static str {
                match self { $( $name::$variant => $id, )* }
            }

            /// The error for a string that is none of the ids.
            fn parse_error(rejected: &str) -> $crate::id::ParseIdError {
                $crate::id::ParseIdError::new(
                    $crate::id::IdKind::$kind,
                    &[$($id),*],
                    rejected,
                )
            }
        }
    };
}
pub(crate) use id_enum;

const _: () = assert!(MAX_REJECTED_LEN <= u8::MAX as usize);

/// `Deserialize` for the ids of closed sets, whose errors quote the input
/// as a [`ParseIdError`] (an [`Excerpt`]: escaped, bounded) instead of
/// serde's own `unknown variant` message, which quotes it whole and raw.
#[cfg(feature = "serde")]
pub(crate) mod serde_id {
    use core::fmt;
    use core::marker::PhantomData;

    use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, VariantAccess, Visitor};

    use super::{Excerpt, ParseIdError};

    /// A serde visitor that reads a string in place (no owned copy) and
    /// builds the value with the function it holds.
    pub(crate) struct StrVisitor<F>(pub(crate) &'static str, pub(crate) F);

    impl<T, E: fmt::Display, F: FnOnce(&str) -> Result<T, E>> Visitor<'_> for StrVisitor<F> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }

        fn visit_str<Er: de::Error>(self, v: &str) -> Result<T, Er> {
            (self.1)(v).map_err(Er::custom)
        }
    }

    /// An id set: its values, their ids and how a string parses.
    pub(crate) trait IdSet: Copy + Sized + 'static {
        /// The type's name, as the derive gives it to `deserialize_enum`.
        const NAME: &'static str;
        /// Every id, in declaration order (the variant indices).
        const IDS: &'static [&'static str];
        /// The value at a variant index.
        fn at(index: u64) -> Option<Self>;
        /// The value an id names, or the error quoting it.
        fn parse(id: &str) -> Result<Self, ParseIdError>;
    }

    /// Reads one id the way serde's derive for a field-less enum does (a
    /// string, a unit variant, or a variant index in a binary format), so
    /// every form the derive read still reads.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: IdSet>(d: D) -> Result<T, D::Error> {
        d.deserialize_enum(T::NAME, T::IDS, IdVisitor(PhantomData))
    }

    struct IdVisitor<T>(PhantomData<T>);

    impl<'de, T: IdSet> Visitor<'de> for IdVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "one of the ids of {}", T::NAME)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            T::parse(v).map_err(E::custom)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            T::at(v).ok_or_else(|| E::custom(format_args!("unknown {} index {v}", T::NAME)))
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<T, E> {
            match core::str::from_utf8(v) {
                Ok(s) => self.visit_str(s),
                Err(_) => Err(E::custom(format_args!(
                    "an id of {} is not valid UTF-8",
                    T::NAME
                ))),
            }
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<T, A::Error> {
            let (value, variant) = data.variant_seed(IdSeed::<T>(PhantomData))?;
            variant.unit_variant()?;
            Ok(value)
        }
    }

    struct IdSeed<T>(PhantomData<T>);

    impl<'de, T: IdSet> DeserializeSeed<'de> for IdSeed<T> {
        type Value = T;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            d.deserialize_identifier(IdVisitor(PhantomData))
        }
    }

    /// The message of a string that should have been something else,
    /// quoting it as an [`Excerpt`]. A visitor reaches it only through
    /// `deserialize_any` (see [`read_u64`]).
    pub(crate) fn unexpected_str<E: de::Error>(v: &str, expected: &dyn de::Expected) -> E {
        E::custom(format_args!(
            "invalid type: string {}, expected {expected}",
            Excerpt::new(v)
        ))
    }

    #[cfg(feature = "alloc")]
    /// Reads a `u64` (a version, a seq, a time): a negative number or one
    /// past `u64::MAX` is an error naming it, and a string is quoted as an
    /// [`Excerpt`].
    pub(crate) fn read_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        // A self-describing format hands a string to `visit_str` only
        // through `deserialize_any` (serde_json quotes it whole
        // otherwise); a binary format has no `deserialize_any`.
        if d.is_human_readable() {
            d.deserialize_any(U64Visitor)
        } else {
            d.deserialize_u64(U64Visitor)
        }
    }

    #[cfg(feature = "alloc")]
    struct U64Visitor;

    #[cfg(feature = "alloc")]
    impl Visitor<'_> for U64Visitor {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative integer")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| {
                E::custom(format_args!(
                    "integer {v} is out of range, expected a non-negative integer"
                ))
            })
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            Err(unexpected_str(v, &self))
        }
    }

    #[cfg(feature = "alloc")]
    /// Reads a `bool`; a string given instead is quoted as an [`Excerpt`].
    pub(crate) fn read_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        struct BoolVisitor;
        impl Visitor<'_> for BoolVisitor {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
                Err(unexpected_str(v, &self))
            }
        }
        if d.is_human_readable() {
            d.deserialize_any(BoolVisitor)
        } else {
            d.deserialize_bool(BoolVisitor)
        }
    }

    /// Reads a list of `T`; a string given instead is quoted as an
    /// [`Excerpt`]. The size hint of the input is trusted up to 1,024
    /// elements only.
    #[cfg(feature = "alloc")]
    pub(crate) fn read_list<'de, D: Deserializer<'de>, T: de::Deserialize<'de>>(
        d: D,
    ) -> Result<alloc::vec::Vec<T>, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = alloc::vec::Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out =
                    alloc::vec::Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(out)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Err(unexpected_str(v, &self))
            }
        }
        if d.is_human_readable() {
            d.deserialize_any(ListVisitor(PhantomData))
        } else {
            d.deserialize_seq(ListVisitor(PhantomData))
        }
    }

    /// [`read_list`], or `None` for `null`.
    #[cfg(feature = "alloc")]
    pub(crate) fn read_optional_list<'de, D: Deserializer<'de>, T: de::Deserialize<'de>>(
        d: D,
    ) -> Result<Option<alloc::vec::Vec<T>>, D::Error> {
        struct OptionVisitor<T>(PhantomData<T>);
        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for OptionVisitor<T> {
            type Value = Option<alloc::vec::Vec<T>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                read_list(d).map(Some)
            }
        }
        d.deserialize_option(OptionVisitor(PhantomData))
    }

    #[cfg(feature = "alloc")]
    /// Reads `T`, a derived struct, as the derive does (a map, or a
    /// sequence in a binary format), except that a string given instead
    /// is quoted as an [`Excerpt`], not whole.
    pub(crate) fn structure<'de, D: Deserializer<'de>, T: de::Deserialize<'de>>(
        d: D,
        name: &'static str,
        fields: &'static [&'static str],
    ) -> Result<T, D::Error> {
        struct Structure<T>(&'static str, PhantomData<T>);
        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for Structure<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a {} object", self.0)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
                Err(unexpected_str(v, &self))
            }
        }
        if d.is_human_readable() {
            // See `read_u64`: a string reaches `visit_str` this way only.
            d.deserialize_any(Structure(name, PhantomData))
        } else {
            d.deserialize_struct(name, fields, Structure(name, PhantomData))
        }
    }

    #[cfg(feature = "alloc")]
    /// `Deserialize` and `Serialize` for a struct whose derives are
    /// `#[serde(remote = "Self")]`: reading goes through [`structure`], so
    /// that a string given instead is quoted as an excerpt.
    macro_rules! bounded_struct {
        ($ty:ident, [$($field:literal),* $(,)?]) => {
            impl<'de> serde::Deserialize<'de> for $ty {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    /// The derived reader, as a type of its own.
                    struct Fields($ty);
                    impl<'de> serde::Deserialize<'de> for Fields {
                        fn deserialize<D: serde::Deserializer<'de>>(
                            d: D,
                        ) -> Result<Self, D::Error> {
                            $ty::deserialize(d).map(Fields)
                        }
                    }
                    $crate::id::serde_id::structure::<D, Fields>(
                        d,
                        stringify!($ty),
                        &[$($field),*],
                    )
                    .map(|Fields(v)| v)
                }
            }
            impl serde::Serialize for $ty {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    $ty::serialize(self, s)
                }
            }
        };
    }
    #[cfg(feature = "alloc")]
    pub(crate) use bounded_struct;

    /// Implements `Deserialize` (through [`deserialize`]) for id enums
    /// that have `ALL`, `id()` and `FromStr` with [`ParseIdError`].
    macro_rules! deserialize_by_id {
        ($($ty:ident),* $(,)?) => {$(
            $crate::id::serde_id::deserialize_by_id!($ty with |_| None);
        )*};
        ($ty:ident with $alias:expr) => {
            impl $crate::id::serde_id::IdSet for $ty {
                const NAME: &'static str = stringify!($ty);
                const IDS: &'static [&'static str] = &{
                    let mut ids = [""; $ty::ALL.len()];
                    let mut i = 0;
                    while i < ids.len() {
                        #[expect(clippy::indexing_slicing, reason = "i < ALL.len() = ids.len()")]
                        {
                            ids[i] = $ty::ALL[i].id();
                        }
                        i += 1;
                    }
                    ids
                };
                fn at(index: u64) -> Option<Self> {
                    usize::try_from(index).ok().and_then(|i| $ty::ALL.get(i).copied())
                }
                fn parse(id: &str) -> Result<Self, $crate::id::ParseIdError> {
                    let alias: fn(&str) -> Option<Self> = $alias;
                    id.parse().or_else(|e| alias(id).ok_or(e))
                }
            }

            impl<'de> serde::Deserialize<'de> for $ty {
                /// Reads the id; an unknown one is a
                /// [`ParseIdError`](crate::ParseIdError), quoted as an
                /// escaped, bounded excerpt.
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    $crate::id::serde_id::deserialize(d)
                }
            }
        };
    }
    pub(crate) use deserialize_by_id;
}
