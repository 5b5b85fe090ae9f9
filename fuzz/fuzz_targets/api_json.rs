//! Fuzzes the public-API types: collaborator lists, single responses,
//! either payload, collaborator events, and their conversion into members.
#![no_main]

use collab_authz::Timestamp;
use collab_authz::api::{ApiEvent, CollaboratorList, CollaboratorResponse, CollaboratorsPayload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = serde_json::from_slice::<CollaboratorList>(data) {
        let _ = list.to_members(Timestamp::default());
    }
    if let Ok(one) = serde_json::from_slice::<CollaboratorResponse>(data) {
        let _ = one.collaborator().to_member(Timestamp::default());
        let _ = one.collaborator().app();
    }
    if let Ok(payload) = serde_json::from_slice::<CollaboratorsPayload>(data) {
        if let Ok(members) = payload.to_members(Timestamp::default()) {
            let _ = collab_authz::listing::members_to_string(&members);
        }
    }
    let _ = serde_json::from_slice::<ApiEvent>(data);
});
