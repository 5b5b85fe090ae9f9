//! The API interop: request bodies and the response objects a service
//! writes.

mod bodies;
