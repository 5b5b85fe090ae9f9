//! The matrix written by hand from the spec (`docs/permissions.md`), in the
//! files under `benches/peers/policies/`, so that the differential test has
//! encodings that do not come from the crate's own constants.
//!
//! - `matrix.cedar` and `entities.json`: a Cedar policy set (one `permit`
//!   per (kind, role) with an action list, each role granted what it adds
//!   over the role below it, the `limited(...)` cells as their own
//!   policies) and its role chain, with the same entity names and context
//!   as the generated [`cedar`](crate::cedar) encodings.
//! - `policy.csv`: casbin `p` lines for the [`rbac::MODEL`](crate::rbac::MODEL)
//!   with every role's column spelled out in full and no `g` lines (no
//!   inheritance): each role read straight from the spec's tables.

use cedar_policy::Entities;

use crate::Error;
use crate::cedar::CedarMatrix;
use crate::rbac::CasbinMatrix;

/// The hand-written Cedar policy set.
pub const CEDAR_POLICIES: &str = include_str!("../policies/matrix.cedar");

/// The hand-written Cedar entities (users, the role chain, the resources),
/// in Cedar's JSON entity format.
pub const CEDAR_ENTITIES: &str = include_str!("../policies/entities.json");

/// The hand-written casbin policy, in casbin's CSV form (`p, sub, obj, act,
/// cond` and `g, sub, role` lines; `#` comments and blank lines ignored).
pub const CASBIN_POLICY: &str = include_str!("../policies/policy.csv");

/// The hand-written Cedar matrix, or one built from other `policies` text
/// with the hand-written entities (a test breaks the text on purpose).
///
/// # Errors
/// When Cedar rejects the policies or the entities.
pub fn cedar_with(name: &str, policies: &str) -> Result<CedarMatrix, Error> {
    let entities = Entities::from_json_str(CEDAR_ENTITIES, None)?;
    CedarMatrix::from_text(name, policies, entities)
}

/// The hand-written Cedar matrix.
///
/// # Errors
/// When Cedar rejects the files.
pub fn cedar() -> Result<CedarMatrix, Error> {
    cedar_with("hand-written", CEDAR_POLICIES)
}

/// Policy lines, each its fields after the leading `p` / `g`.
pub type Lines = Vec<Vec<String>>;

/// Parses casbin's CSV policy form into `(g lines, p lines)`, each line its
/// fields after the leading `p` / `g`, trimmed.
///
/// # Errors
/// When a line is neither a `p` line with 4 fields nor a `g` line with 2.
pub fn parse_casbin_csv(text: &str) -> Result<(Lines, Lines), Error> {
    let mut groupings = Vec::new();
    let mut policies = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(',').map(str::trim);
        let head = fields.next();
        let rest: Vec<String> = fields.map(str::to_owned).collect();
        match (head, rest.len()) {
            (Some("p"), 4) => policies.push(rest),
            (Some("g"), 2) => groupings.push(rest),
            _ => {
                return Err(format!(
                    "line {}: not a `p` (4 fields) or `g` (2 fields) line: {line}",
                    n + 1
                )
                .into());
            }
        }
    }
    Ok((groupings, policies))
}

/// The hand-written casbin matrix, or one from other CSV `text` (a test
/// breaks the text on purpose).
///
/// # Errors
/// When a line is malformed or casbin rejects a policy.
pub fn casbin_with(name: &str, text: &str) -> Result<CasbinMatrix, Error> {
    let (groupings, policies) = parse_casbin_csv(text)?;
    CasbinMatrix::from_lines(name, groupings, policies)
}

/// The hand-written casbin matrix.
///
/// # Errors
/// When casbin rejects the file.
pub fn casbin() -> Result<CasbinMatrix, Error> {
    casbin_with("hand-written", CASBIN_POLICY)
}
