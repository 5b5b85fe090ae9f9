//! Placeholder; the criterion benchmarks land with issue 2.
fn main() {}
