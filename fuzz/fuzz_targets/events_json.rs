//! Fuzzes events: a single event, and a stream replayed into a roster.
#![no_main]

use collab_authz::{Event, Roster};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<Event>(data);
    if let Ok(events) = serde_json::from_slice::<Vec<Event>>(data) {
        if let Ok(roster) = Roster::replay(&events) {
            let _ = collab_authz::listing::to_string(&roster);
        }
    }
});
