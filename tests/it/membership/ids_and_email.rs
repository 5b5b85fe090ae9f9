//! Values: emails, identifiers, their order, and refusal messages.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email};
use collab_authz::Role;
use collab_authz::membership::Email;

#[test]
fn emails_compare_case_insensitively_and_keep_their_spelling() {
    use std::collections::HashSet;
    let a = email("Ada.Lovelace@Example.COM");
    let b = email("ada.lovelace@example.com");
    assert_eq!(a, b);
    assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
    assert_eq!(HashSet::from([a.clone(), b.clone()]).len(), 1);
    assert_eq!(a.to_string(), "Ada.Lovelace@Example.COM");
    assert_eq!(b.as_str(), "ada.lovelace@example.com");
    assert_ne!(a, email("ada@example.com"));
}

#[test]
fn malformed_emails_are_refused_with_a_reason() {
    use collab_authz::membership::EmailError as E;
    let rows = [
        ("", E::Empty),
        ("   ", E::Empty),
        ("ada", E::At),
        ("a@b@c.com", E::At),
        ("@example.com", E::EmptyLocalPart),
        ("ada@", E::InvalidDomain),
        ("ada@.com", E::InvalidDomain),
        ("ada@example..com", E::InvalidDomain),
        ("ada@example.com.", E::InvalidDomain),
        ("ada lovelace@example.com", E::InvalidCharacter),
        ("ada@exa\u{7}mple.com", E::InvalidCharacter),
    ];
    for (s, expected) in rows {
        assert_eq!(s.parse::<Email>(), Err(expected), "{s:?}");
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(long.parse::<Email>(), Err(E::TooLong));
    assert_eq!(E::Empty.to_string(), "email is empty");
}

#[test]
fn refusals_explain_themselves() {
    let f = app();
    let err = f
        .roster
        .clone()
        .change_role(&email(LIMITED), &email(LIMITED), Role::Collaborator, at(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not permitted: limited_collaborator may not change_collaborator_role on this app (it needs the collaborator role or higher)"
    );
    let err = db()
        .roster
        .change_role(&email(OWNER), &email(COLLAB), Role::Collaborator, at(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not permitted: owner may not change_collaborator_role on this dedicated database (no role may do that on a dedicated database)"
    );
    let err = f
        .roster
        .clone()
        .invite(&email(PENDING), inv("m-x", "x@example.com"), at(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not permitted: the actor's membership is pending, which grants nothing"
    );
}

mod ordering {
    //! Emails and ids compare through an inline prefix first; the order
    //! must be exactly the string order.
    use collab_authz::{Email, MemberId};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn email_order_is_the_normalized_string_order(
            a in "[a-zA-Z0-9._%+-]{1,24}@[a-z]{1,8}\\.[a-z]{2,3}",
            b in "[a-zA-Z0-9._%+-]{1,24}@[a-z]{1,8}\\.[a-z]{2,3}",
        ) {
            let (x, y): (Email, Email) = (a.parse().unwrap(), b.parse().unwrap());
            prop_assert_eq!(x.cmp(&y), x.normalized().cmp(y.normalized()));
            prop_assert_eq!(x == y, a.to_lowercase() == b.to_lowercase());
        }

        #[test]
        fn id_order_is_the_string_order(a in "\\PC{1,40}", b in "\\PC{1,40}") {
            // `\PC` holds spaces other than U+0020 and invisible
            // characters outside `Cf`, which identifiers refuse.
            let (Ok(x), Ok(y)) = (MemberId::new(a.clone()), MemberId::new(b.clone())) else {
                return Err(TestCaseError::reject("not an identifier"));
            };
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(x == y, a == b);
        }
    }

    #[test]
    fn shared_prefixes_fall_back_to_the_strings() {
        let a: Email = "averylongprefix-0001@example.com".parse().unwrap();
        let b: Email = "averylongprefix-0001@example.org".parse().unwrap();
        let c: Email = "AveryLongPrefix-0001@Example.com".parse().unwrap();
        assert!(a < b);
        assert_eq!(a, c);
        let short: Email = "a@b.c".parse().unwrap();
        let longer: Email = "a@b.cd".parse().unwrap();
        assert!(short < longer);
    }
}

#[test]
fn statuses_and_advisories_parse_their_ids_only() {
    use collab_authz::membership::Advisory;
    use collab_authz::{IdKind, MemberStatus};
    for status in MemberStatus::ALL {
        assert_eq!(status.id().parse::<MemberStatus>().unwrap(), status);
        assert_eq!(status.to_string(), status.id());
    }
    assert_eq!(
        MemberStatus::ALL.map(MemberStatus::id),
        ["pending", "accepted", "owner", "user_account_deleted"]
    );
    // The API's spelling is read by serde, not by FromStr.
    let err = "user account deleted".parse::<MemberStatus>().unwrap_err();
    assert_eq!(
        (err.kind(), err.input()),
        (IdKind::MemberStatus, "user account deleted")
    );
    assert_eq!(Advisory::ALL, [Advisory::RotateSecrets]);
    assert_eq!(
        "rotate_secrets".parse::<Advisory>().unwrap(),
        Advisory::RotateSecrets
    );
    assert_eq!(Advisory::RotateSecrets.to_string(), "rotate_secrets");
    let err = "Rotate_Secrets".parse::<Advisory>().unwrap_err();
    assert_eq!(
        (err.kind(), err.input()),
        (IdKind::Advisory, "Rotate_Secrets")
    );
}
