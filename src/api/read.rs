//! The lenient field readers of the API's objects: JSON objects only, and
//! errors that name the field and quote a rejected value as an
//! [`Excerpt`](crate::id::Excerpt) (escaped, bounded).

use alloc::string::String;
use core::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::ApiStatus;
use crate::id::Excerpt;

// ---------------------------------------------------------------------------
// Objects only: serde's derive also reads a struct from a sequence, by
// position (`{"collaborator": ["1", "a@x.com"]}`); the API never writes
// that, so it is refused.
// ---------------------------------------------------------------------------

/// Reads `T` (a derived struct) from a map only, saying `what` was
/// expected otherwise.
pub(super) fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    what: &'static str,
) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(&'static str, core::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Err(crate::id::serde_id::unexpected_str(v, &self))
        }
    }
    // `deserialize_any`, so that a string given instead reaches
    // `visit_str` and is quoted as an excerpt (JSON only: the API's).
    d.deserialize_any(ObjectVisitor(what, core::marker::PhantomData))
}

/// `Deserialize` and `Serialize` for a public type whose derives are
/// `#[serde(remote = "Self")]`: reading goes through a private mirror
/// that accepts JSON objects only.
macro_rules! object_only {
    ($ty:ident, $what:literal) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                /// The derived reader, as a type of its own.
                struct Fields($ty);
                impl<'de> serde::Deserialize<'de> for Fields {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        $ty::deserialize(d).map(Fields)
                    }
                }
                $crate::api::read::object::<D, Fields>(d, $what).map(|Fields(v)| v)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, s)
            }
        }
    };
}
pub(super) use object_only;

// ---------------------------------------------------------------------------
// Field readers whose errors name the field.
// ---------------------------------------------------------------------------

/// Expects `null` or a leaf value of field `field`.
struct Opt<L> {
    field: &'static str,
    leaf: L,
}

/// A leaf value of some field: how to read it and what to call it.
pub(super) trait Leaf: Copy {
    type Value;
    fn what(self) -> &'static str;
    fn read<'de, D: Deserializer<'de>>(
        self,
        field: &'static str,
        d: D,
    ) -> Result<Self::Value, D::Error>;
}

struct Expected {
    what: &'static str,
    field: &'static str,
}

impl de::Expected for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} or null (field `{}`)", self.what, self.field)
    }
}

impl<'de, L: Leaf> Visitor<'de> for Opt<L> {
    type Value = Option<L::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        de::Expected::fmt(
            &Expected {
                what: self.leaf.what(),
                field: self.field,
            },
            f,
        )
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.leaf.read(self.field, d).map(Some)
    }
}

#[derive(Clone, Copy)]
pub(super) struct Text;

struct TextVisitor(&'static str);

impl Visitor<'_> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string or null (field `{}`)", self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(String::from(v))
    }
}

impl Leaf for Text {
    type Value = String;
    fn what(self) -> &'static str {
        "a string"
    }
    fn read<'de, D: Deserializer<'de>>(
        self,
        field: &'static str,
        d: D,
    ) -> Result<String, D::Error> {
        d.deserialize_str(TextVisitor(field))
    }
}

#[derive(Clone, Copy)]
pub(super) struct Flag;

struct FlagVisitor(&'static str);

impl Visitor<'_> for FlagVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a boolean or null (field `{}`)", self.0)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Err(crate::id::serde_id::unexpected_str(v, &self))
    }
}

impl Leaf for Flag {
    type Value = bool;
    fn what(self) -> &'static str {
        "a boolean"
    }
    fn read<'de, D: Deserializer<'de>>(self, field: &'static str, d: D) -> Result<bool, D::Error> {
        // `deserialize_any`: a string reaches `visit_str` (an excerpt).
        d.deserialize_any(FlagVisitor(field))
    }
}

#[derive(Clone, Copy)]
pub(super) struct Status;

const STATUS_EXPECTED: &str =
    "one of `pending`, `accepted`, `user account deleted`, or null (field `status`)";

fn status(v: &str) -> Option<ApiStatus> {
    match v {
        "pending" => Some(ApiStatus::Pending),
        "accepted" => Some(ApiStatus::Accepted),
        "user account deleted" | "user_account_deleted" => Some(ApiStatus::UserAccountDeleted),
        _ => None,
    }
}

impl Leaf for Status {
    type Value = ApiStatus;
    fn what(self) -> &'static str {
        "a status"
    }
    fn read<'de, D: Deserializer<'de>>(self, _: &'static str, d: D) -> Result<ApiStatus, D::Error> {
        d.deserialize_str(Named {
            expected: STATUS_EXPECTED,
            find: status,
        })
    }
}

/// Reads a string that must name one value of a closed set; an unknown
/// string is quoted as an [`Excerpt`] (escaped, bounded), never in full.
pub(super) struct Named<T> {
    /// What was expected, naming the field.
    pub(super) expected: &'static str,
    /// The value a string names.
    pub(super) find: fn(&str) -> Option<T>,
}

impl<T> Visitor<'_> for Named<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.find)(v).ok_or_else(|| {
            E::custom(format_args!(
                "invalid value: string {}, expected {}",
                Excerpt::new(v),
                self.expected
            ))
        })
    }
}

macro_rules! readers {
    ($( $fn:ident : $field:literal => $leaf:ident, )*) => {
        $(
            pub(super) fn $fn<'de, D: Deserializer<'de>>(d: D) -> Result<Option<<$leaf as Leaf>::Value>, D::Error> {
                d.deserialize_option(Opt { field: $field, leaf: $leaf })
            }
        )*
    };
}

readers! {
    read_id: "id" => Text,
    read_email: "email" => Text,
    read_username: "username" => Text,
    read_status: "status" => Status,
    read_user_id: "user_id" => Text,
    read_app_id: "app_id" => Text,
    read_app_name: "app_name" => Text,
    read_is_limited: "is_limited" => Flag,
    read_invitation_link: "invitation_link" => Text,
}

/// `custom_role`: `null`, missing, or a custom role read strictly (every
/// rule of [`CustomRole::from_name`](crate::CustomRole::from_name)): a
/// field that does not read is an error naming it, never ignored, since
/// ignoring it would leave the member with its base built-in role.
pub(super) fn read_custom_role<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::CustomRole>, D::Error> {
    struct CustomVisitor;
    impl<'de> Visitor<'de> for CustomVisitor {
        type Value = Option<crate::CustomRole>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a custom role object or null (field `custom_role`)")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            <crate::CustomRole as Deserialize>::deserialize(d)
                .map(Some)
                .map_err(|e| de::Error::custom(format_args!("field `custom_role`: {e}")))
        }
    }
    d.deserialize_option(CustomVisitor)
}
