//! The rules layer: the matrix, decisions, the export and custom roles.

// Custom roles built at run time (`CustomRole::from_name`) need `alloc`.
#[cfg(feature = "alloc")]
mod custom_role;
mod denial_messages;
mod export;
mod golden;
mod labels;
mod properties;
