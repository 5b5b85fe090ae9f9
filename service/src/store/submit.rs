//! The membership writes' one door: a route hands [`Store::submit`] a
//! [`WriteRequest`] (which resource, who asks, what change, the
//! idempotency key if the request carried one) and how to answer the
//! committed write; the store does the rest in one call:
//!
//! 1. opens the resource (its row and roster, once) for the caller as
//!    [`Seen`] says ([`Store::open`]); a resource the caller may not see
//!    is [`WriteError::Hidden`], unless the request's key was recorded
//!    (a retry of a rename, a deletion or a leave finds its resource
//!    renamed or gone, yet gets its first answer);
//! 2. writes through the one write path (`write.rs`): the key looked up
//!    after the roster's load, an invitation held to the
//!    [`InvitationRate`](super::InvitationRate), the crate's decision,
//!    the append (which records the keyed answer in the same statement),
//!    the retries;
//! 3. hands back the answer to send: built from the committed write, or
//!    the one recorded for the key ([`Submitted::Replayed`]).

use std::future::Future;
use std::time::Duration;

use collab_authz::Email;

use super::access::{Locator, Seen};
use super::idempotency::{IdempotencyKey, Keyed, Recall, Recorded};
use super::write::{Committed, Wrote};
use super::{AccessError, Store, StoreError, WriteError};
use crate::store::command::Change;

/// One membership write as a route asks for it.
#[derive(Debug)]
pub struct WriteRequest<'a> {
    /// The resource.
    pub at: Locator<'a>,
    /// Who asks (the crate decides for them).
    pub caller: &'a Email,
    /// Who may open the resource for this write: [`Seen::Active`] for
    /// every write but a removal ([`Seen::Member`]: leave or decline) and
    /// an acceptance ([`Seen::Link`]).
    pub seen: Seen,
    /// What to write.
    pub change: Change,
    /// The request's idempotency key, scoped to the caller, if it carried
    /// one.
    pub key: Option<IdempotencyKey>,
}

/// The answer to a submitted write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// The answer built for this write (it appended events, or changed
    /// nothing: the state asked for already held).
    Answered(Recorded),
    /// The answer recorded for the request's key by its first try (on
    /// any replica), sent again: nothing was written.
    Replayed(Recorded),
}

/// How long an idempotency key's answer is kept when the store is built
/// without a setting.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

impl Store {
    /// Keeps the answers of keyed writes for `retention`.
    #[must_use]
    pub fn with_idempotency_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The membership writes' one door (see the module's documentation):
    /// opens `request.at` for its caller, writes `request.change` (the
    /// crate decides), and answers with what `answer` builds of the
    /// committed write, or the answer recorded for the request's key.
    ///
    /// # Errors
    /// [`WriteError::Hidden`]: no such resource, or the caller may not
    /// see it; [`WriteError::Refused`]: the crate's refusal (or a growth
    /// limit's); [`WriteError::TooManyInvitations`];
    /// [`WriteError::KeyReused`]: the key was recorded with another
    /// request; [`WriteError::Store`]: the database failed (see
    /// [`Store::write`] on what that says of the write). Nothing is
    /// written on any error but the last, and a retry with the same key
    /// is safe after it.
    pub async fn submit<F, Fut>(
        &self,
        request: WriteRequest<'_>,
        answer: F,
    ) -> Result<Submitted, WriteError>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        let WriteRequest {
            at,
            caller,
            seen,
            change,
            key,
        } = request;
        let opened = match self.open(at, caller, seen).await {
            Ok(opened) => opened,
            Err(AccessError::Hidden(what)) => {
                if let Some(key) = &key {
                    if let Some(recall) = self.recall(key).await? {
                        return recalled(recall);
                    }
                }
                return Err(WriteError::Hidden(what));
            }
            Err(AccessError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(StoreError::corrupt(e).into()),
        };
        let keyed = key.as_ref().map(|key| Keyed {
            key,
            retention: self.retention,
            answer: &answer,
        });
        match self.write_with(opened, change, keyed.as_ref()).await? {
            Wrote::Appended(_, Some(recorded)) => Ok(Submitted::Answered(recorded)),
            Wrote::Appended(done, None) | Wrote::Unchanged(done) => {
                Ok(Submitted::Answered(answer(done).await?))
            }
            Wrote::Recalled(recall) => recalled(recall),
        }
    }
}

/// The answer to a request whose key was recorded.
fn recalled(recall: Recall) -> Result<Submitted, WriteError> {
    match recall {
        Recall::Same(answer) => Ok(Submitted::Replayed(answer)),
        Recall::Different => Err(WriteError::KeyReused),
    }
}
