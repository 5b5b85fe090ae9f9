//! Reading a [`Member`] back: every rule between the fields is checked
//! again ([`Member::new`]).

use super::{Member, MemberId, MemberParts, MemberStatus, Timestamp, Username};
use crate::membership::digest::TokenDigest;
use crate::membership::email::Email;
use crate::rules::custom_role::CustomRole;
use crate::rules::role::Role;

impl<'de> serde::Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw<'a> {
            id: MemberId,
            // Read in place, then parsed: no owned copy of the text.
            #[serde(borrow)]
            email: alloc::borrow::Cow<'a, str>,
            #[serde(default)]
            username: Option<Username>,
            status: MemberStatus,
            role: Role,
            #[serde(default)]
            custom_role: Option<CustomRole>,
            invited_at: Timestamp,
            #[serde(default)]
            expires_at: Option<Timestamp>,
            #[serde(default)]
            token_digest: Option<TokenDigest>,
        }
        let r: Raw<'_> = crate::id::serde_id::structure(
            deserializer,
            "Member",
            &[
                "id",
                "email",
                "username",
                "status",
                "role",
                "custom_role",
                "invited_at",
                "expires_at",
                "token_digest",
            ],
        )?;
        let email = Email::parse(&r.email).map_err(serde::de::Error::custom)?;
        Member::new(MemberParts {
            id: r.id,
            email,
            username: r.username,
            status: r.status,
            role: r.role,
            custom_role: r.custom_role,
            invited_at: r.invited_at,
            expires_at: r.expires_at,
            token: r.token_digest,
        })
        .map_err(serde::de::Error::custom)
    }
}
