//! Trust on first use: which identity key this device trusts for each
//! remote device, and the checks every operation makes before it talks to
//! a device.
//!
//! Only a 1:1 session sets that trust: the first identity a session meets
//! for a device (in the bundle it starts from, or the initial message it
//! answers, where PQXDH proves both halves of the key) becomes trusted; a
//! different one later is refused with [`Error::UntrustedIdentity`] until
//! the app trusts it explicitly (after the user compared safety numbers).
//! A group never sets it ([`TrustCheck::member`]): a credential in a group
//! is only what the member who added it claims, so it could otherwise
//! pre-empt the real device's first session. Group members are checked
//! against it instead, on entry and on every message they send. A device's
//! own address is trusted with its own identity only.
//!
//! Identities are compared as their 64-byte encodings, so the check decodes
//! no key: a caller hands over bytes that were already validated (a bundle's
//! decoded key, or a group leaf whose signature openmls verified with that
//! very Ed25519 key).
//!
//! Record (`RecordKind::TrustedIdentity`, key: the device's store key,
//! version 1, `docs/format/stored-records.md`): `u8 version = 1 ‖
//! IdentityKey (64 bytes)`.

use std::collections::HashMap;

use zeroize::Zeroizing;

use crate::codec::{DecodeError, Reader, Writer};
use crate::error::Error;
use crate::group::MemberTrust;
use crate::identity::{DeviceAddress, IDENTITY_KEY_LEN, IdentityKey};
use crate::store::{Changeset, RecordKind, Store, StoreError};

const TRUSTED_RECORD_VERSION: u8 = 1;

/// An identity key's 64-byte encoding, as the trust check compares it.
pub(crate) type IdentityBytes = [u8; IDENTITY_KEY_LEN];

/// The trusted-identity record of an identity key's 64-byte encoding.
pub(crate) fn encode_record(identity: &IdentityBytes) -> Zeroizing<Vec<u8>> {
    let mut w = Writer::default();
    w.u8(TRUSTED_RECORD_VERSION).raw(identity);
    w.into_secret()
}

/// The identity key bytes of a trusted-identity record, without decoding
/// the key (it was checked before the record was written).
fn record_bytes(record: &[u8]) -> Option<IdentityBytes> {
    match record.split_first() {
        Some((&TRUSTED_RECORD_VERSION, identity)) => identity.try_into().ok(),
        _ => None,
    }
}

/// The identity key of a trusted-identity record, decoded and checked.
fn decode_record(bytes: &[u8]) -> Result<IdentityKey, DecodeError> {
    let mut r = Reader::new(bytes);
    let version = r.u8()?;
    if version != TRUSTED_RECORD_VERSION {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let identity = IdentityKey::read(&mut r)?;
    r.finish()?;
    Ok(identity)
}

fn corrupt(key: String) -> Error {
    Error::Store(StoreError::Corrupt {
        kind: RecordKind::TrustedIdentity,
        key,
    })
}

/// The identity trusted for `peer`, decoded, if any.
///
/// # Errors
/// [`Error::Store`], also for a corrupt record.
pub(crate) fn trusted(
    store: &dyn Store,
    peer: &DeviceAddress,
) -> Result<Option<IdentityKey>, Error> {
    let key = peer.store_key();
    match store.get(RecordKind::TrustedIdentity, &key)? {
        Some(bytes) => decode_record(&bytes).map(Some).map_err(|_| corrupt(key)),
        None => Ok(None),
    }
}

/// Trusts `identity` for `peer` in `changes`, replacing any previous one.
/// Returns whether a different identity was trusted before.
///
/// # Errors
/// [`Error::Store`].
pub(crate) fn replace(
    store: &dyn Store,
    peer: &DeviceAddress,
    identity: &IdentityKey,
    changes: &mut Changeset,
) -> Result<bool, Error> {
    let previous = trusted(store, peer)?;
    changes.put(
        RecordKind::TrustedIdentity,
        peer.store_key(),
        encode_record(&identity.to_bytes()),
    );
    Ok(previous.is_some_and(|previous| &previous != identity))
}

/// Whether an identity checked by [`TrustCheck::check`] was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trusted {
    /// The identity was trusted already (or is this device's own).
    Known,
    /// No identity was trusted for the device: this one is trusted from now
    /// on.
    FirstUse,
}

/// The trust decisions of one operation: reads the committed records, and
/// remembers what the operation decided before it is committed, so that a
/// device met twice in one operation is checked against its first sighting.
pub(crate) struct TrustCheck<'a> {
    store: &'a dyn Store,
    own_address: &'a DeviceAddress,
    own_identity: IdentityBytes,
    decided: HashMap<DeviceAddress, IdentityBytes>,
}

impl<'a> TrustCheck<'a> {
    /// A check for one operation of device `own_address`.
    pub(crate) fn new(
        store: &'a dyn Store,
        own_address: &'a DeviceAddress,
        own_identity: &IdentityKey,
    ) -> Self {
        Self {
            store,
            own_address,
            own_identity: own_identity.to_bytes(),
            decided: HashMap::new(),
        }
    }

    /// The trust-on-first-use check of a 1:1 session. An identity
    /// differing from the trusted one is refused; one seen for the first
    /// time is trusted: its record is added to `changes` (and remembered
    /// for the rest of the operation).
    ///
    /// # Errors
    /// [`Error::UntrustedIdentity`]; [`Error::Store`], also for a corrupt
    /// record.
    pub(crate) fn check(
        &mut self,
        peer: &DeviceAddress,
        identity: &IdentityBytes,
        changes: &mut Changeset,
    ) -> Result<Trusted, Error> {
        match self.member(peer, identity)? {
            MemberTrust::Trusted => Ok(Trusted::Known),
            MemberTrust::Untrusted => Err(untrusted(peer)),
            MemberTrust::Unverified => {
                changes.put(
                    RecordKind::TrustedIdentity,
                    peer.store_key(),
                    encode_record(identity),
                );
                self.decided.insert(peer.clone(), *identity);
                Ok(Trusted::FirstUse)
            }
        }
    }

    /// How a group member's identity stands against the trusted one,
    /// recording nothing: a group never sets trust.
    ///
    /// # Errors
    /// [`Error::Store`], also for a corrupt record.
    pub(crate) fn member(
        &mut self,
        peer: &DeviceAddress,
        identity: &IdentityBytes,
    ) -> Result<MemberTrust, Error> {
        if peer == self.own_address {
            return Ok(if identity == &self.own_identity {
                MemberTrust::Trusted
            } else {
                MemberTrust::Untrusted
            });
        }
        let trusted = match self.decided.get(peer) {
            Some(identity) => Some(*identity),
            None => {
                let key = peer.store_key();
                match self.store.get(RecordKind::TrustedIdentity, &key)? {
                    Some(bytes) => Some(record_bytes(&bytes).ok_or_else(|| corrupt(key))?),
                    None => None,
                }
            }
        };
        Ok(match trusted {
            Some(trusted) if &trusted == identity => MemberTrust::Trusted,
            Some(_) => MemberTrust::Untrusted,
            None => MemberTrust::Unverified,
        })
    }

    /// [`TrustCheck::member`] for a member that must not be untrusted: one
    /// entering a group or sending to it.
    ///
    /// # Errors
    /// [`Error::UntrustedIdentity`]; [`Error::Store`].
    pub(crate) fn admit(
        &mut self,
        peer: &DeviceAddress,
        identity: &IdentityBytes,
    ) -> Result<MemberTrust, Error> {
        match self.member(peer, identity)? {
            MemberTrust::Untrusted => Err(untrusted(peer)),
            trust => Ok(trust),
        }
    }
}

fn untrusted(peer: &DeviceAddress) -> Error {
    Error::UntrustedIdentity {
        address: peer.clone(),
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::identity::IdentityKeyPair;
    use crate::store::MemoryStore;

    fn identity(seed: u8) -> IdentityKey {
        *IdentityKeyPair::generate(&mut ChaCha20Rng::from_seed([seed; 32])).public()
    }

    fn address(user: &str) -> DeviceAddress {
        DeviceAddress::new(user, "phone").unwrap()
    }

    #[test]
    fn trust_records_round_trip_as_bytes_and_as_keys() {
        let identity = identity(3);
        let record = encode_record(&identity.to_bytes());
        assert_eq!(record_bytes(&record), Some(identity.to_bytes()));
        assert_eq!(decode_record(&record).unwrap(), identity);
        assert_eq!(record_bytes(&record[..64]), None);
        let mut other_version = record.to_vec();
        other_version[0] = 2;
        assert_eq!(record_bytes(&other_version), None);
        assert_eq!(
            decode_record(&other_version),
            Err(DecodeError::UnsupportedVersion(2))
        );
    }

    #[test]
    fn the_first_identity_is_trusted_and_a_different_one_refused() {
        let store = MemoryStore::new();
        let me = address("alice");
        let bob = address("bob");
        let mut changes = Changeset::new();
        let mut check = TrustCheck::new(&store, &me, &identity(1));
        let first = identity(2).to_bytes();
        assert_eq!(
            check.check(&bob, &first, &mut changes).unwrap(),
            Trusted::FirstUse
        );
        // Within the same operation, before the commit, the decision holds.
        assert_eq!(
            check.check(&bob, &first, &mut changes).unwrap(),
            Trusted::Known
        );
        assert_eq!(
            check.check(&bob, &identity(9).to_bytes(), &mut changes),
            Err(Error::UntrustedIdentity {
                address: bob.clone()
            })
        );
        store.commit(changes).unwrap();
        assert_eq!(trusted(&store, &bob).unwrap(), Some(identity(2)));

        let mut changes = Changeset::new();
        let mut check = TrustCheck::new(&store, &me, &identity(1));
        assert_eq!(
            check.check(&bob, &first, &mut changes).unwrap(),
            Trusted::Known
        );
        assert!(changes.is_empty());
    }

    #[test]
    fn a_group_member_is_checked_against_the_trusted_identity_and_records_nothing() {
        let store = MemoryStore::new();
        let me = address("alice");
        let carol = address("carol");
        let mut changes = Changeset::new();
        let mut check = TrustCheck::new(&store, &me, &identity(1));
        let claimed = identity(4).to_bytes();
        assert_eq!(
            check.member(&carol, &claimed).unwrap(),
            MemberTrust::Unverified
        );
        assert_eq!(
            check.admit(&carol, &claimed).unwrap(),
            MemberTrust::Unverified
        );
        // Nothing was decided: a session still meets Carol for the first time.
        assert_eq!(
            check
                .check(&carol, &identity(5).to_bytes(), &mut changes)
                .unwrap(),
            Trusted::FirstUse
        );
        assert_eq!(
            check.member(&carol, &claimed).unwrap(),
            MemberTrust::Untrusted
        );
        assert_eq!(
            check.admit(&carol, &claimed),
            Err(Error::UntrustedIdentity {
                address: carol.clone()
            })
        );
        assert_eq!(
            check.member(&carol, &identity(5).to_bytes()).unwrap(),
            MemberTrust::Trusted
        );
        assert_eq!(
            check.member(&me, &identity(2).to_bytes()).unwrap(),
            MemberTrust::Untrusted
        );
    }

    #[test]
    fn this_devices_own_address_is_trusted_with_its_own_identity_only() {
        let store = MemoryStore::new();
        let me = address("alice");
        let mut changes = Changeset::new();
        let mut check = TrustCheck::new(&store, &me, &identity(1));
        assert_eq!(
            check
                .check(&me, &identity(1).to_bytes(), &mut changes)
                .unwrap(),
            Trusted::Known
        );
        assert_eq!(
            check.check(&me, &identity(2).to_bytes(), &mut changes),
            Err(Error::UntrustedIdentity {
                address: me.clone()
            })
        );
        assert!(changes.is_empty());
    }

    #[test]
    fn a_corrupt_trust_record_is_a_store_error() {
        let store = MemoryStore::new();
        let bob = address("bob");
        let mut changes = Changeset::new();
        changes.put(
            RecordKind::TrustedIdentity,
            bob.store_key(),
            Zeroizing::new(vec![1, 2, 3]),
        );
        store.commit(changes).unwrap();
        let me = address("alice");
        let mut check = TrustCheck::new(&store, &me, &identity(1));
        let error = check
            .check(&bob, &identity(2).to_bytes(), &mut Changeset::new())
            .unwrap_err();
        assert!(matches!(error, Error::Store(StoreError::Corrupt { .. })));
        assert!(matches!(
            trusted(&store, &bob),
            Err(Error::Store(StoreError::Corrupt { .. }))
        ));
    }
}
