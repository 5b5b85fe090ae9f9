//! Server-rendered pages (the dashboard) mount here: [`routes`] is merged
//! into [`router`](crate::router) beside the JSON API.

use axum::Router;

use crate::AppState;

/// The pages' routes (none yet).
pub fn routes() -> Router<AppState> {
    Router::new()
}
