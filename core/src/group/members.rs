//! The members of a group as devices, and the trust rules of a group
//! (`docs/adr/0014-group-trust.md`):
//!
//! 1. a member's credential binds its leaf's signature key to the identity
//!    key it names (its Ed25519 half);
//! 2. within one group a device has one identity: a leaf for a device the
//!    group already holds with another identity is refused, and a member
//!    never changes its identity in an update;
//! 3. a member whose identity differs from the one this device trusts for
//!    the device in 1:1 sessions is refused, entering the group or sending
//!    to it ([`crate::trust::TrustCheck::admit`]);
//! 4. nothing a group says is recorded as trust: a member of no trusted
//!    identity is [`MemberTrust::Unverified`], and stays unknown to 1:1
//!    sessions.

use std::collections::HashMap;

use openmls::prelude::{Credential, LeafNodeIndex, MlsGroup};

use super::credential::{RawMember, read_credential};
use super::errors::bad_credential;
use super::txn::GroupTxn;
use super::{GroupError, GroupMember, MemberTrust};
use crate::codec::DecodeError;
use crate::error::Error;
use crate::identity::{DeviceAddress, IdentityKey};
use crate::trust::IdentityBytes;

/// The identity of each device in a group as one operation sees it: the
/// tree's members (less the leaves a commit removes), then the members the
/// operation lets in.
pub(super) struct GroupView {
    identities: HashMap<DeviceAddress, IdentityBytes>,
}

impl GroupView {
    /// A group with no members yet (a welcome's tree is read into it).
    pub(super) fn empty() -> Self {
        Self {
            identities: HashMap::new(),
        }
    }

    /// The members of `group`'s tree, except the leaves in `removed`.
    pub(super) fn of(group: &MlsGroup, removed: &[LeafNodeIndex]) -> Result<Self, Error> {
        let mut identities = HashMap::new();
        for member in group.members() {
            if removed.contains(&member.index) {
                continue;
            }
            let raw = read_credential(&member.credential, None).map_err(bad_credential)?;
            identities.insert(raw.address, raw.identity);
        }
        Ok(Self { identities })
    }

    /// Lets `raw` in: refused when the group holds its device with another
    /// identity.
    fn enter(&mut self, raw: &RawMember) -> Result<(), Error> {
        match self.identities.get(&raw.address) {
            Some(identity) if identity != &raw.identity => Err(Error::UntrustedIdentity {
                address: raw.address.clone(),
            }),
            Some(_) => Ok(()),
            None => {
                self.identities.insert(raw.address.clone(), raw.identity);
                Ok(())
            }
        }
    }
}

impl GroupTxn<'_> {
    /// A member entering the group (from a key package or an add
    /// proposal): its credential read and bound to the leaf's signature
    /// key, its identity decoded, and the group's rules checked.
    pub(super) fn admit_member(
        &mut self,
        view: &mut GroupView,
        credential: &Credential,
        signature_key: &[u8],
    ) -> Result<GroupMember, Error> {
        let raw = read_credential(credential, Some(signature_key)).map_err(bad_credential)?;
        let identity = raw.identity_key().map_err(bad_credential)?;
        self.admit_decoded(view, raw, identity, 0)
    }

    /// Many members entering at once: their credentials are read first,
    /// their identity keys decoded in parallel (the costly part: an Ed25519
    /// point decompression each), then each is checked in order.
    pub(super) fn admit_members(
        &mut self,
        view: &mut GroupView,
        leaves: Vec<(&Credential, &[u8])>,
    ) -> Result<Vec<GroupMember>, Error> {
        let raws = leaves
            .into_iter()
            .map(|(credential, key)| read_credential(credential, Some(key)).map_err(bad_credential))
            .collect::<Result<Vec<_>, Error>>()?;
        let identities = decode_identities(&raws);
        raws.into_iter()
            .zip(identities)
            .map(|(raw, identity)| {
                self.admit_decoded(view, raw, identity.map_err(bad_credential)?, 0)
            })
            .collect()
    }

    fn admit_decoded(
        &mut self,
        view: &mut GroupView,
        raw: RawMember,
        identity: IdentityKey,
        leaf_index: u32,
    ) -> Result<GroupMember, Error> {
        let trust = self.admit_raw(view, &raw)?;
        Ok(GroupMember {
            device: raw.address,
            identity,
            leaf_index,
            trust,
        })
    }

    /// The group's rules on a member's identity bytes, without decoding the
    /// key. Comparing the bytes undecoded is safe: openmls has verified the
    /// leaf's signature with that very Ed25519 key (`verify_strict`, which
    /// refuses weak keys), and any 32 bytes are an X25519 key.
    pub(super) fn admit_raw(
        &mut self,
        view: &mut GroupView,
        raw: &RawMember,
    ) -> Result<MemberTrust, Error> {
        view.enter(raw)?;
        self.trust.admit(&raw.address, &raw.identity)
    }

    /// A member replacing its own leaf (an update proposal, or the path of
    /// its commit): the new leaf must name the same device with the same
    /// identity, and that identity must not be untrusted.
    pub(super) fn replace_leaf(
        &mut self,
        group: &MlsGroup,
        sender: LeafNodeIndex,
        credential: &Credential,
        signature_key: &[u8],
    ) -> Result<(), Error> {
        let new = read_credential(credential, Some(signature_key)).map_err(bad_credential)?;
        let old = group
            .member(sender)
            .ok_or_else(|| bad_credential(DecodeError::Invalid("the sender has no leaf")))
            .and_then(|old| read_credential(old, None).map_err(bad_credential))?;
        if new.address != old.address {
            return Err(Error::Group(GroupError::BadCredential(
                "a leaf update changes the member's device".into(),
            )));
        }
        if new.identity != old.identity {
            return Err(Error::UntrustedIdentity {
                address: new.address,
            });
        }
        self.trust.admit(&new.address, &new.identity)?;
        Ok(())
    }

    /// Every member of the group, with its decoded identity key and its
    /// trust now.
    pub(super) fn members(&mut self, group: &MlsGroup) -> Result<Vec<GroupMember>, Error> {
        group
            .members()
            .map(|member| {
                let raw = read_credential(&member.credential, None).map_err(bad_credential)?;
                let identity = raw.identity_key().map_err(bad_credential)?;
                let trust = self.trust.member(&raw.address, &raw.identity)?;
                Ok(GroupMember {
                    device: raw.address,
                    identity,
                    leaf_index: member.index.u32(),
                    trust,
                })
            })
            .collect()
    }
}

/// Decodes the identity keys of many members, on all cores when there are
/// enough of them to be worth it.
fn decode_identities(raws: &[RawMember]) -> Vec<Result<IdentityKey, DecodeError>> {
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    if raws.len() >= 32 {
        use rayon::prelude::*;
        return raws.par_iter().map(RawMember::identity_key).collect();
    }
    raws.iter().map(RawMember::identity_key).collect()
}

/// The leaf index of each member's device, decoding no identity key.
pub(super) fn leaf_indices(group: &MlsGroup) -> Result<Vec<(DeviceAddress, u32)>, Error> {
    group
        .members()
        .map(|member| {
            let raw = read_credential(&member.credential, None).map_err(bad_credential)?;
            Ok((raw.address, member.index.u32()))
        })
        .collect()
}
