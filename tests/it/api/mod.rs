//! The API interop: the JSON the platform's API writes, read into the
//! crate's types (`json`); request bodies and the response objects a
//! service writes (`bodies`).

mod bodies;
mod json;
