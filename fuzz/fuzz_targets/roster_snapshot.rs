//! Fuzzes roster snapshots: a snapshot that deserializes must hold its
//! invariants (its pending transfer included) and serialize back to an
//! equal roster.
#![no_main]

use collab_authz::{MemberStatus, Role, Roster};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(roster) = serde_json::from_slice::<Roster>(data) {
        assert_eq!(roster.iter().filter(|m| m.role() == Role::Owner).count(), 1);
        assert_eq!(roster.owner().status(), MemberStatus::Owner);
        assert!(roster.iter().all(|m| roster.kind().has_role(m.role())));
        // A pending transfer read back can be completed as it stands.
        if let Some(request) = roster.pending_transfer() {
            assert_eq!(request.from(), roster.owner().email());
            let target = roster.get(request.to()).expect("the target is a member");
            assert_eq!(target.status(), MemberStatus::Accepted);
            assert_eq!(target.role(), Role::Collaborator);
        }
        let json = serde_json::to_vec(&roster).expect("a roster serializes");
        let back: Roster = serde_json::from_slice(&json).expect("a snapshot reads back");
        assert_eq!(back, roster);
        let _ = collab_authz::listing::to_string(&roster);
    }
});
