//! The members of a group as devices: each member's credential is read and
//! its identity checked against the trusted identities (the single check of
//! [`crate::trust`]) when it enters the group, and the member list is read
//! back as devices with their identity keys and leaf indices.

use openmls::prelude::{Credential, MlsGroup};

use super::GroupMember;
use super::credential::{RawMember, member_identity, read_credential};
use super::errors::bad_credential;
use super::txn::GroupTxn;
use crate::codec::DecodeError;
use crate::error::Error;
use crate::identity::IdentityKey;
use crate::trust::Trusted;

impl GroupTxn<'_> {
    /// Checks a member's credential and its identity against the trusted
    /// ones; an identity seen for the first time becomes trusted (unless
    /// `record_trust` is off: a commit of our own records it when it is
    /// confirmed). `signature_key` is `None` only for leaves already in the
    /// tree, whose binding was checked when they entered it. The identity
    /// key is decoded once, and compared as bytes. Returns the member and
    /// whether its identity was seen for the first time.
    pub(super) fn check_member(
        &mut self,
        credential: &Credential,
        signature_key: Option<&[u8]>,
        leaf_index: u32,
    ) -> Result<(GroupMember, bool), Error> {
        let raw = read_credential(credential, signature_key).map_err(bad_credential)?;
        let identity = raw.identity_key().map_err(bad_credential)?;
        self.check_decoded(raw, identity, leaf_index)
    }

    /// Checks many members: their credentials are read first, their
    /// identity keys decoded in parallel (the costly part: an Ed25519 point
    /// decompression each), then each is checked in order.
    pub(super) fn check_members(
        &mut self,
        leaves: Vec<(&Credential, &[u8], u32)>,
    ) -> Result<Vec<(GroupMember, bool)>, Error> {
        let raws = leaves
            .into_iter()
            .map(|(credential, key, index)| {
                read_credential(credential, Some(key))
                    .map(|raw| (raw, index))
                    .map_err(bad_credential)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let identities = decode_identities(&raws);
        raws.into_iter()
            .zip(identities)
            .map(|((raw, index), identity)| {
                self.check_decoded(raw, identity.map_err(bad_credential)?, index)
            })
            .collect()
    }

    fn check_decoded(
        &mut self,
        raw: RawMember,
        identity: IdentityKey,
        leaf_index: u32,
    ) -> Result<(GroupMember, bool), Error> {
        let new = self.check_raw(&raw)?;
        let member = GroupMember {
            device: raw.address,
            identity,
            leaf_index,
        };
        Ok((member, new))
    }

    /// The trust check on a member's identity bytes, without decoding the
    /// key. Returns whether the identity was seen for the first time.
    /// Storing the bytes undecoded is safe: openmls has verified the leaf's
    /// signature with that very Ed25519 key (`verify_strict`, which refuses
    /// weak keys), and any 32 bytes are an X25519 key.
    pub(super) fn check_raw(&mut self, raw: &RawMember) -> Result<bool, Error> {
        let trusted = self.trust.check(
            &raw.address,
            &raw.identity,
            self.record_trust,
            &mut self.changes,
        )?;
        Ok(trusted == Trusted::FirstUse)
    }
}

/// Decodes the identity keys of many members, on all cores when there are
/// enough of them to be worth it.
fn decode_identities(raws: &[(RawMember, u32)]) -> Vec<Result<IdentityKey, DecodeError>> {
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    if raws.len() >= 32 {
        use rayon::prelude::*;
        return raws.par_iter().map(|(raw, _)| raw.identity_key()).collect();
    }
    raws.iter().map(|(raw, _)| raw.identity_key()).collect()
}

/// Every member of the group, with its decoded identity key.
pub(super) fn members_of(group: &MlsGroup) -> Result<Vec<GroupMember>, Error> {
    group
        .members()
        .map(|member| {
            let (device, identity) =
                member_identity(&member.credential, None).map_err(bad_credential)?;
            Ok(GroupMember {
                device,
                identity,
                leaf_index: member.index.u32(),
            })
        })
        .collect()
}
