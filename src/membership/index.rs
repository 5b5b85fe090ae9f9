//! The storage behind a [`Roster`](crate::Roster): the non-owner members in
//! a slab, indexed by email and by member id, and kept in the order they
//! joined (a join number per member, and a `BTreeMap` from it to the
//! slot), so that listing follows invitation order while lookups and
//! removals stay `O(log n)`.
//!
//! Both indices are `BTreeMap`s whose values are slot numbers, so their
//! nodes stay small and a lookup by email or by id is one `O(log n)`
//! search plus one slot read. Keys compare through an inline prefix
//! ([`Email`], [`MemberId`]) and rarely follow a pointer.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::membership::email::Email;
use crate::membership::member::{Member, MemberId};

/// The non-owner members, and every member id (the owner's too).
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// Each slot: the member and its join number.
    slab: Vec<Option<(u64, Member)>>,
    free: Vec<usize>,
    /// Join number to slot: the listing order.
    order: BTreeMap<u64, usize>,
    next_join: u64,
    by_email: BTreeMap<Email, usize>,
    /// `None`: the owner's id.
    by_id: BTreeMap<MemberId, Option<usize>>,
}

impl Index {
    /// An index with only the owner's id.
    pub(crate) fn new(owner_id: MemberId) -> Self {
        let mut by_id = BTreeMap::new();
        by_id.insert(owner_id, None);
        Self {
            slab: Vec::new(),
            free: Vec::new(),
            order: BTreeMap::new(),
            next_join: 0,
            by_email: BTreeMap::new(),
            by_id,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_email.len()
    }

    pub(crate) fn get(&self, email: &Email) -> Option<&Member> {
        self.by_email.get(email).and_then(|&slot| self.slot(slot))
    }

    pub(crate) fn get_mut(&mut self, email: &Email) -> Option<&mut Member> {
        let slot = *self.by_email.get(email)?;
        self.slab
            .get_mut(slot)
            .and_then(Option::as_mut)
            .map(|(_, m)| m)
    }

    /// `Some(None)` for the owner's id, `Some(Some(member))` for another
    /// member's.
    pub(crate) fn get_by_id(&self, id: &MemberId) -> Option<Option<&Member>> {
        match *self.by_id.get(id)? {
            None => Some(None),
            Some(slot) => self.slot(slot).map(Some),
        }
    }

    pub(crate) fn contains_email(&self, email: &Email) -> bool {
        self.by_email.contains_key(email)
    }

    pub(crate) fn contains_id(&self, id: &MemberId) -> bool {
        self.by_id.contains_key(id)
    }

    /// Adds a member whose email and id are not in the index yet (the
    /// caller checked), last in the listing order; an id recorded as the
    /// owner's is taken over.
    pub(crate) fn insert(&mut self, member: Member) {
        let email = member.email().clone();
        let id = member.id().clone();
        let join = self.next_join;
        self.next_join += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(place) = self.slab.get_mut(slot) {
                    *place = Some((join, member));
                }
                slot
            }
            None => {
                self.slab.push(Some((join, member)));
                self.slab.len() - 1
            }
        };
        self.order.insert(join, slot);
        self.by_email.insert(email, slot);
        self.by_id.insert(id, Some(slot));
    }

    /// The index of `members`, in this order (the listing order), beside
    /// the owner's `owner_id` and `owner_email`, when every email and
    /// every id is unique (the owner's included); otherwise the members,
    /// untouched, for the caller to find which one repeats.
    ///
    /// Built in bulk: the keys are sorted once, a repeat is an equal
    /// neighbour (one linear pass), and each `BTreeMap` is built from its
    /// sorted keys, without a search per member.
    pub(crate) fn build(
        owner_id: &MemberId,
        owner_email: &Email,
        members: Vec<Member>,
    ) -> Result<Self, Vec<Member>> {
        let mut emails: Vec<(Email, usize)> = members
            .iter()
            .enumerate()
            .map(|(slot, m)| (m.email().clone(), slot))
            .collect();
        emails.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut ids: Vec<(MemberId, Option<usize>)> = core::iter::once((owner_id.clone(), None))
            .chain(
                members
                    .iter()
                    .enumerate()
                    .map(|(slot, m)| (m.id().clone(), Some(slot))),
            )
            .collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let owner_listed = emails
            .binary_search_by(|(email, _)| email.cmp(owner_email))
            .is_ok();
        if owner_listed || !strictly_ascending(&emails) || !strictly_ascending(&ids) {
            return Err(members);
        }
        let count = members.len();
        let slab = members
            .into_iter()
            .enumerate()
            .map(|(slot, m)| Some((slot as u64, m)))
            .collect();
        // Sorted and unique: each map is built in one linear pass.
        Ok(Self {
            slab,
            free: Vec::new(),
            order: (0..count).map(|slot| (slot as u64, slot)).collect(),
            next_join: count as u64,
            by_email: emails.into_iter().collect(),
            by_id: ids.into_iter().collect(),
        })
    }

    /// Every member id (the owner's too) in ascending order, with its
    /// member: `None` for the owner's id.
    #[cfg(feature = "serde")]
    pub(crate) fn ids(&self) -> impl Iterator<Item = (&MemberId, Option<Option<&Member>>)> {
        self.by_id
            .iter()
            .map(|(id, slot)| (id, slot.map(|slot| self.slot(slot))))
    }

    /// Removes the member with `email`, if any, with its id.
    pub(crate) fn remove(&mut self, email: &Email) -> Option<Member> {
        let slot = self.by_email.remove(email)?;
        let (join, member) = self.slab.get_mut(slot).and_then(Option::take)?;
        self.by_id.remove(member.id());
        self.order.remove(&join);
        self.free.push(slot);
        Some(member)
    }

    /// Records `id` as the owner's.
    pub(crate) fn set_owner_id(&mut self, id: MemberId) {
        self.by_id.insert(id, None);
    }

    /// The members, in the order they joined.
    pub(crate) fn members(&self) -> Members<'_> {
        Members {
            slab: &self.slab,
            slots: self.order.values(),
        }
    }

    fn slot(&self, slot: usize) -> Option<&Member> {
        self.slab.get(slot).and_then(Option::as_ref).map(|(_, m)| m)
    }
}

/// Whether the keys of `pairs` (sorted by key) are strictly ascending:
/// no key repeats.
fn strictly_ascending<K: Ord, V>(pairs: &[(K, V)]) -> bool {
    pairs.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0))
}

impl PartialEq for Index {
    /// Equal when they hold equal members in the same order; slot and
    /// join numbers (which depend on the history of insertions and
    /// removals) do not matter.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.members().eq(other.members())
    }
}

impl Eq for Index {}

/// The members of a [`Roster`](crate::Roster) but its owner, in the order
/// they joined. See [`Roster::members`](crate::Roster::members).
#[derive(Debug, Clone)]
pub struct Members<'a> {
    slab: &'a [Option<(u64, Member)>],
    slots: alloc::collections::btree_map::Values<'a, u64, usize>,
}

impl<'a> Iterator for Members<'a> {
    type Item = &'a Member;

    fn next(&mut self) -> Option<&'a Member> {
        let slab = self.slab;
        self.slots
            .find_map(|&slot| slab.get(slot).and_then(Option::as_ref).map(|(_, m)| m))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Every indexed slot holds a member.
        self.slots.size_hint()
    }
}

impl DoubleEndedIterator for Members<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let slab = self.slab;
        self.slots
            .by_ref()
            .rev()
            .find_map(|&slot| slab.get(slot).and_then(Option::as_ref).map(|(_, m)| m))
    }
}

impl ExactSizeIterator for Members<'_> {}
impl core::iter::FusedIterator for Members<'_> {}
