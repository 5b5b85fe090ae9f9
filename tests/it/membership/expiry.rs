//! Invitation expiry and tokens.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email, token};
use collab_authz::membership::{AcceptError, EventKind, InviteError, Roster, Username};

#[test]
fn an_invitation_expiring_by_now_is_refused() {
    let f = app();
    for expires in [0, 99, 100] {
        refused(
            &f.roster,
            |r| {
                r.invite(
                    &email(OWNER),
                    inv("m-new", "new@example.com").expiring_at(at(expires)),
                    at(100),
                )
            },
            InviteError::AlreadyExpired {
                expires_at: at(expires),
                now: at(100),
            },
        );
    }
    let mut ok = f.roster.clone();
    ok.invite(
        &email(OWNER),
        inv("m-new", "new@example.com").expiring_at(at(101)),
        at(100),
    )
    .unwrap();
}

#[test]
fn tokens_must_match_exactly() {
    let f = app();
    // Same length with one byte off, a prefix, an extension, another case.
    for wrong in ["tok-pendinG", "tok-pendin", "tok-pending-", "TOK-PENDING"] {
        refused(
            &f.roster,
            |r| {
                r.accept(
                    &email(PENDING),
                    &token(wrong),
                    Username::new("p").unwrap(),
                    at(30),
                )
            },
            AcceptError::WrongToken,
        );
    }
}

#[test]
fn events_and_snapshots_keep_a_digest_never_the_token() {
    let f = app();
    let invited = f
        .events
        .iter()
        .find(|e| e.kind() == EventKind::Invited && e.member().email == email(PENDING))
        .unwrap();
    let secret = "tok-pending";
    // The event keeps the token's SHA-256, written as hex.
    assert_eq!(invited.token_digest(), Some(&token(secret).digest()));
    let json = serde_json::to_string(invited).unwrap();
    assert!(json.contains(&format!("\"token_digest\":\"{}\"", token(secret).digest())));
    // The token appears nowhere: not in any event's JSON or Debug, not in
    // the snapshot, not in the roster's Debug or listing.
    let snapshot = serde_json::to_string(&f.roster).unwrap();
    for text in f
        .events
        .iter()
        .flat_map(|e| [serde_json::to_string(e).unwrap(), format!("{e:?}")])
        .chain([snapshot, format!("{:?}", f.roster), f.roster.to_string()])
    {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains("tok-pc"), "{text}");
    }
    // No other kind carries a digest.
    assert!(
        f.events
            .iter()
            .filter(|e| e.kind() != EventKind::Invited)
            .all(|e| e.token_digest().is_none())
    );
    // The invitee presents the token; a replayed roster still checks it.
    let mut replayed = Roster::replay(&f.events).unwrap();
    assert_eq!(
        replayed.accept(&email(PENDING), &token("tok-pendinG"), None, at(30)),
        Err(AcceptError::WrongToken)
    );
    assert!(
        replayed
            .accept(&email(PENDING), &token(secret), None, at(30))
            .is_ok()
    );
}
