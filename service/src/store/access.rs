//! The one access step. A handler names the resource ([`Locator`]), the
//! caller and the action; [`Store::access`] loads the resource and its
//! roster once, checks that the caller may see it ([`Seen`]), decides
//! once, and hands back a [`Granted`] that the guarded operations
//! ([`Store::restart`], ...) take as an argument, so that an operation
//! cannot be reached without its check. A membership write takes the
//! [`Opened`] resource instead ([`Store::write`]); the crate decides the
//! write itself.
//!
//! [`Opened::decide`] is the service's one authorization call.

use std::sync::Arc;

use collab_authz::{Action, Context, Decision, Email, ResourceKind, Roster};

use super::accounts::{TokenKind, User};
use super::{AccessError, ResourceRow, Store, StoreError};
use crate::kind::singular;

/// How a handler names a resource.
#[derive(Debug, Clone, Copy)]
pub enum Locator<'a> {
    /// By kind and id or name (`/v1/apps/{app}`).
    Key(ResourceKind, &'a str),
    /// By id alone, as an invitation link names it (its kind is read from
    /// its row); an unknown id is an unknown invitation.
    Invitation(&'a str),
}

/// Who may open a resource. A resource opened for [`Seen::Member`] takes
/// only a removal ([`Change::Remove`](super::Change::Remove): leave or
/// decline), one opened for [`Seen::Link`] only an acceptance
/// ([`Change::Accept`](super::Change::Accept)); [`Store::write`] refuses
/// anything else as a fault of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Its owner and accepted collaborators (everything but the two
    /// below).
    Active,
    /// Anyone on its roster, a pending invitee too (who may decline).
    Member,
    /// Anyone who holds the link (the invitation's secret is the proof;
    /// the crate decides the acceptance).
    Link,
}

/// A resource and its roster, loaded once for a caller who may see it.
/// Only [`Store::open`] makes one (its fields are private).
///
/// ```compile_fail
/// use collab_authz_service::store::Opened;
/// // Does not compile: only the access step opens a resource.
/// let forged = Opened { resource: todo!(), roster: todo!(), caller: todo!(), seen: todo!() };
/// ```
#[derive(Debug)]
pub struct Opened {
    // Read by the write path (`write.rs`) without a call back up here.
    pub(super) resource: ResourceRow,
    pub(super) roster: Arc<Roster>,
    pub(super) caller: Email,
    pub(super) seen: Seen,
}

/// An [`Opened`] resource on which the crate allowed the caller an action:
/// what a guarded operation takes. Only [`Opened::grant`] makes one: its
/// fields are private, so code outside the access step cannot forge one
/// and skip the check.
///
/// ```compile_fail
/// use collab_authz::{Action, Decision};
/// use collab_authz_service::store::Granted;
/// // Does not compile: a grant is only ever handed out by the access step.
/// let forged = Granted { opened: todo!(), action: Action::Restart, decision: Decision::Allowed };
/// ```
#[derive(Debug)]
pub struct Granted {
    opened: Opened,
    action: Action,
    decision: Decision,
}

/// The crate's decision for `caller` doing `action` on the resource of
/// `roster` in `ctx` ([`Roster::decide`]: the member's effective rights,
/// a custom role honoured; a stranger, a pending invitee or a deleted
/// account denied with the reason). The one authorization call of the
/// service.
pub fn authorize(roster: &Roster, caller: &Email, action: Action, ctx: &Context) -> Decision {
    roster.decide(caller, action, ctx)
}

/// Whether the crate allows `caller` `action` on the resource of `roster`,
/// without facts ([`authorize`]).
#[must_use]
pub fn allows(roster: &Roster, caller: &Email, action: Action) -> bool {
    authorize(roster, caller, action, &Context::new()).is_allowed()
}

impl Store {
    /// Opens the resource `at` for `caller` (loading it and its roster
    /// once) if `seen` lets them see it.
    ///
    /// # Errors
    /// [`AccessError::Hidden`] when it does not exist or the caller may
    /// not see it (the same answer: its existence does not leak).
    pub async fn open(
        &self,
        at: Locator<'_>,
        caller: &Email,
        seen: Seen,
    ) -> Result<Opened, AccessError> {
        let resource = match at {
            Locator::Key(kind, key) => self.resource(kind, key).await,
            Locator::Invitation(id) => match self.resource_by_id(id).await {
                Err(StoreError::NotFound(_)) => return Err(AccessError::Hidden("invitation")),
                other => other,
            },
        };
        let resource = match resource {
            Err(StoreError::NotFound(what)) => return Err(AccessError::Hidden(what)),
            other => other?,
        };
        self.open_row(resource, caller, seen).await
    }

    /// [`open`](Self::open) for the holder of API token `token_id` of
    /// account `user_id` (a verified API bearer token's claims), the resource of `kind`
    /// named by `key`: the credential check and the resource's row in one
    /// statement ([`Store::token_account_and_resource`]), so that a read
    /// with the roster cached makes one round trip. `Ok(None)`: the
    /// credential is refused (revoked, or its account gone), whatever the
    /// resource.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub async fn open_as(
        &self,
        kind: ResourceKind,
        key: &str,
        token_id: &str,
        user_id: &str,
        seen: Seen,
    ) -> Result<Option<(User, Opened)>, AccessError> {
        let found = self
            .token_account_and_resource(token_id, user_id, TokenKind::Api, kind, key)
            .await?;
        let Some((user, resource)) = found else {
            return Ok(None);
        };
        let resource = resource.ok_or(AccessError::Hidden(singular(kind)))?;
        let caller = Email::parse(&user.email).map_err(StoreError::corrupt)?;
        let opened = self.open_row(resource, &caller, seen).await?;
        Ok(Some((user, opened)))
    }

    /// The rest of [`open`](Self::open) once the resource's row is read:
    /// its roster, and whether `caller` may see it as `seen` says.
    async fn open_row(
        &self,
        resource: ResourceRow,
        caller: &Email,
        seen: Seen,
    ) -> Result<Opened, AccessError> {
        // The request's span names the resource from here on.
        tracing::Span::current().record("resource_id", resource.id.as_str());
        let roster = self.roster(&resource).await?;
        let visible = match seen {
            Seen::Active => roster.may_view(caller).is_ok(),
            Seen::Member => roster.get(caller).is_some(),
            Seen::Link => true,
        };
        if !visible {
            return Err(AccessError::Hidden(singular(resource.kind)));
        }
        Ok(Opened {
            resource,
            roster,
            caller: caller.clone(),
            seen,
        })
    }

    /// [`open`](Self::open)s the resource `at` for an active member and
    /// [`grant`](Opened::grant)s them `action` in `ctx`.
    ///
    /// # Errors
    /// [`AccessError::Hidden`] as [`open`](Self::open);
    /// [`AccessError::Denied`] with the crate's explanation.
    pub async fn access(
        &self,
        at: Locator<'_>,
        caller: &Email,
        action: Action,
        ctx: &Context,
    ) -> Result<Granted, AccessError> {
        self.open(at, caller, Seen::Active)
            .await?
            .grant(action, ctx)
    }
}

impl Opened {
    /// The resource.
    #[must_use]
    pub fn resource(&self) -> &ResourceRow {
        &self.resource
    }

    /// Its roster, at the resource's version.
    #[must_use]
    pub fn roster(&self) -> &Arc<Roster> {
        &self.roster
    }

    /// The caller it was opened for.
    #[must_use]
    pub fn caller(&self) -> &Email {
        &self.caller
    }

    /// The crate's decision for the caller doing `action` here in `ctx`
    /// ([`authorize`]).
    pub fn decide(&self, action: Action, ctx: &Context) -> Decision {
        authorize(&self.roster, &self.caller, action, ctx)
    }

    /// Whether the crate allows the caller `action` here (without facts).
    #[must_use]
    pub fn allows(&self, action: Action) -> bool {
        allows(&self.roster, &self.caller, action)
    }

    /// The guarded value for `action` in `ctx`, if the crate allows it.
    ///
    /// # Errors
    /// [`AccessError::Denied`] with the crate's denial (for a caller
    /// opened with [`Seen::Member`] or [`Seen::Link`] who is not an active
    /// member too).
    pub fn grant(self, action: Action, ctx: &Context) -> Result<Granted, AccessError> {
        let decision = self.decide(action, ctx);
        if let Some(denial) = decision.denial() {
            return Err(AccessError::Denied(*denial));
        }
        Ok(Granted {
            opened: self,
            action,
            decision,
        })
    }

    /// How it was opened.
    #[must_use]
    pub fn seen(&self) -> Seen {
        self.seen
    }
}

impl Granted {
    /// The opened resource.
    #[must_use]
    pub fn opened(&self) -> &Opened {
        &self.opened
    }

    /// The resource.
    #[must_use]
    pub fn resource(&self) -> &ResourceRow {
        &self.opened.resource
    }

    /// The opened resource, the grant given up.
    #[must_use]
    pub fn into_opened(self) -> Opened {
        self.opened
    }

    /// The action allowed.
    #[must_use]
    pub fn action(&self) -> Action {
        self.action
    }

    /// The crate's decision (allowed, perhaps with an obligation or under
    /// a condition).
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// The crate's decision on another `action` for the same caller here
    /// (what a granted read may show: values, details).
    pub fn decide(&self, action: Action, ctx: &Context) -> Decision {
        self.opened.decide(action, ctx)
    }

    /// Checks that this grant is for `action` (each guarded operation
    /// checks its own).
    pub(super) fn check(&self, action: Action) -> Result<&ResourceRow, StoreError> {
        if self.action == action {
            Ok(&self.opened.resource)
        } else {
            Err(StoreError::corrupt(format!(
                "a grant for {} used for {action}",
                self.action
            )))
        }
    }
}
