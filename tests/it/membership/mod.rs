//! The membership layer's own tests live in `tests/membership*.rs` for now;
//! here, what it gained from the rules layer: granting a custom role.

mod custom_grant;
