//! Fuzzes events: a single event, and a stream replayed into a roster
//! whose snapshot must read back equal.
#![no_main]

use collab_authz::{Event, Roster};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<Event>(data);
    if let Ok(events) = serde_json::from_slice::<Vec<Event>>(data) {
        if let Ok(roster) = Roster::replay(&events) {
            let _ = collab_authz::listing::to_string(&roster);
            // A replayed roster's snapshot reads back equal: the pending
            // transfer and the secret-access history included.
            let json = serde_json::to_vec(&roster).expect("a roster serializes");
            let back: Roster = serde_json::from_slice(&json).expect("a snapshot reads back");
            assert_eq!(back, roster);
        }
    }
});
