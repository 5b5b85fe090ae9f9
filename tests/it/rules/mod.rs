//! The rules layer: the matrix, decisions, the export and custom roles.

mod custom_role;
mod denial_messages;
mod export;
mod golden;
mod properties;
