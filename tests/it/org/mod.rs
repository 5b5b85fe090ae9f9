//! The organization tools: directory, access review, plan.

mod directory;
mod plan;
mod review;
