//! 1:1 sessions through the facade: encrypting to a device (starting a
//! PQXDH session from its bundle when there is none), decrypting envelopes
//! (answering an initial message with the prekeys it names, then deleting
//! the one-time ones, PQXDH section 3.4), and the trusted identities with
//! their safety numbers. The handshake and the ratchet are in
//! [`crate::session`]; trust on first use in [`crate::trust`].

use super::prekeys::LastResortUse;
use super::{Client, Inner, Txn, corrupt};
use crate::error::Error;
use crate::identity::{DeviceAddress, IdentityKey, PrekeyBundle, SafetyNumber, safety_number};
use crate::session::{Envelope, ResponderKeys, Session, SessionRecord};
use crate::store::RecordKind;
use crate::trust::{self, TrustCheck};

/// A decrypted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The device that sent it (authenticated by the session).
    pub sender: DeviceAddress,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}

impl Client {
    /// Encrypts `plaintext` for `peer`, returning the envelope to deliver.
    /// Uses the current session with `peer`; without one, starts a session
    /// from `bundle` (PQXDH), trusting the bundle's identity on first use.
    ///
    /// # Errors
    /// [`Error::NoSession`] without a session or bundle,
    /// [`Error::UntrustedIdentity`] when the bundle's identity differs from
    /// the trusted one, [`Error::BundleAddressMismatch`],
    /// [`Error::Identity`] for a bundle with a bad signature,
    /// [`Error::Session`], [`Error::Store`].
    pub fn encrypt(
        &self,
        peer: &DeviceAddress,
        bundle: Option<&PrekeyBundle>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.run(|inner, txn| {
            let mut record = inner.take_session_record(peer)?;
            let no_session = || Error::NoSession {
                address: peer.clone(),
            };
            let session = match record.current_mut() {
                Some(session) if session.can_send() => session,
                _ => {
                    let bundle = bundle.ok_or_else(no_session)?;
                    if &bundle.address != peer {
                        return Err(Error::BundleAddressMismatch {
                            requested: peer.clone(),
                            bundle: bundle.address.clone(),
                        });
                    }
                    TrustCheck::new(inner.store.as_ref(), &self.address, &self.identity).check(
                        peer,
                        &bundle.identity.to_bytes(),
                        &mut txn.changes,
                    )?;
                    let session =
                        Session::initiate(&mut inner.rng, &inner.identity, &self.address, bundle)?;
                    record.install(session);
                    record.current_mut().ok_or_else(no_session)?
                }
            };
            let envelope = session.encrypt(plaintext)?;
            txn.changes
                .put(RecordKind::Session, peer.store_key(), record.encode());
            txn.session = Some((peer.clone(), record));
            Ok(envelope.encode())
        })
    }

    /// Decrypts an envelope addressed to this device. Starts a session when
    /// the envelope is an initial message (consuming the one-time prekeys it
    /// used), trusting the sender's identity on first use.
    ///
    /// # Errors
    /// [`Error::Decode`] for malformed bytes, [`Error::WrongRecipient`],
    /// [`Error::UntrustedIdentity`], [`Error::PrekeyAlreadyUsed`],
    /// [`Error::UnknownPrekey`], [`Error::NoSession`], [`Error::Session`]
    /// (tampered, duplicate, too far ahead; also an initial message on the
    /// last-resort prekey answered before, even once its session is gone),
    /// [`Error::Store`]. In every case nothing changed.
    pub fn decrypt(&self, envelope: &[u8]) -> Result<Decrypted, Error> {
        let envelope = self.decode_envelope(envelope)?;
        self.run(|inner, txn| self.decrypt_in(inner, txn, &envelope))
    }

    /// Decodes an envelope and checks that it is addressed to this device.
    pub(super) fn decode_envelope(&self, bytes: &[u8]) -> Result<Envelope, Error> {
        let envelope = Envelope::decode(bytes)?;
        if envelope.recipient != self.address {
            return Err(Error::WrongRecipient {
                recipient: envelope.recipient,
            });
        }
        Ok(envelope)
    }

    /// [`Client::decrypt`]'s work inside an operation: the plaintext, and
    /// in `txn` the session record (and the prekeys consumed).
    pub(super) fn decrypt_in(
        &self,
        inner: &mut Inner,
        txn: &mut Txn,
        envelope: &Envelope,
    ) -> Result<Decrypted, Error> {
        let peer = envelope.sender.clone();
        let mut record = inner.take_session_record(&peer)?;
        let plaintext = if let Some(session) = record.find_mut(&envelope.session_id) {
            let plaintext = session.decrypt(&mut inner.rng, envelope)?;
            record.promote(&envelope.session_id);
            plaintext
        } else if let Some(header) = &envelope.prekey {
            TrustCheck::new(inner.store.as_ref(), &self.address, &self.identity).check(
                &peer,
                &header.identity.to_bytes(),
                &mut txn.changes,
            )?;
            let signed_prekey = inner.signed_prekey(header.signed_prekey_id)?;
            let one_time_prekey = match header.one_time_prekey_id {
                Some(id) => Some(inner.one_time_prekey(id)?),
                None => None,
            };
            let pq_prekey = inner.pq_prekey(header.pq_prekey_id)?;
            let last_resort_use = LastResortUse::of(
                &pq_prekey,
                header.signed_prekey_id,
                header.one_time_prekey_id,
                &envelope.session_id,
            );
            if let Some(used) = &last_resort_use {
                used.refuse_repeat(inner.store.as_ref())?;
            }
            let mut session = Session::respond(
                &ResponderKeys {
                    identity: &inner.identity,
                    address: &self.address,
                    signed_prekey: &signed_prekey,
                    one_time_prekey: one_time_prekey.as_ref(),
                    pq_prekey: &pq_prekey,
                },
                envelope,
            )?;
            let plaintext = session.decrypt(&mut inner.rng, envelope)?;
            // PQXDH section 3.4: delete the one-time prekeys used.
            if let Some(key) = &one_time_prekey {
                txn.changes
                    .delete(RecordKind::OneTimePrekey, key.id.to_string());
            }
            if !pq_prekey.last_resort {
                txn.changes
                    .delete(RecordKind::PqPrekey, pq_prekey.id.to_string());
            }
            if let Some(used) = last_resort_use {
                used.record(&mut txn.changes);
            }
            record.install(session);
            plaintext
        } else {
            return Err(Error::NoSession { address: peer });
        };
        txn.changes
            .put(RecordKind::Session, peer.store_key(), record.encode());
        txn.session = Some((peer.clone(), record));
        Ok(Decrypted {
            sender: peer,
            plaintext,
        })
    }

    /// The safety number between this device and `peer` (using the identity
    /// trusted for `peer`).
    ///
    /// # Errors
    /// [`Error::UnknownIdentity`] when no identity is trusted for `peer`
    /// (no session was ever made with it and none was trusted),
    /// [`Error::Store`].
    pub fn safety_number(&self, peer: &DeviceAddress) -> Result<SafetyNumber, Error> {
        let theirs = self
            .trusted_identity(peer)?
            .ok_or_else(|| Error::UnknownIdentity {
                address: peer.clone(),
            })?;
        Ok(safety_number(
            (&self.address, &self.identity),
            (peer, &theirs),
        ))
    }

    /// The identity trusted for `peer`, if any.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn trusted_identity(&self, peer: &DeviceAddress) -> Result<Option<IdentityKey>, Error> {
        self.run(|inner, _| trust::trusted(inner.store.as_ref(), peer))
    }

    /// Trusts `identity` for `peer` (after the user verified it, e.g. by
    /// safety number), replacing any previous one. Sessions with the old
    /// identity are deleted.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn trust_identity(
        &self,
        peer: &DeviceAddress,
        identity: &IdentityKey,
    ) -> Result<(), Error> {
        self.run(|inner, txn| {
            if trust::replace(inner.store.as_ref(), peer, identity, &mut txn.changes)? {
                txn.changes.delete(RecordKind::Session, peer.store_key());
                txn.forget_session = Some(peer.clone());
            }
            Ok(())
        })
    }

    /// The devices this client has a session with.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn sessions(&self) -> Result<Vec<DeviceAddress>, Error> {
        self.run(|inner, _| {
            Ok(inner
                .store
                .keys(RecordKind::Session)?
                .iter()
                .filter_map(|key| DeviceAddress::from_store_key(key))
                .collect())
        })
    }
}

impl Inner {
    /// The session record for `peer`, taken out of the cache (or loaded).
    /// The operation puts it back only after its changes are committed; on
    /// any error it is dropped, and the next operation reloads the
    /// committed record from the store.
    fn take_session_record(&mut self, peer: &DeviceAddress) -> Result<SessionRecord, Error> {
        if let Some(record) = self.sessions.remove(peer) {
            return Ok(record);
        }
        let key = peer.store_key();
        match self.store.get(RecordKind::Session, &key)? {
            Some(bytes) => {
                SessionRecord::decode(&bytes).map_err(|_| corrupt(RecordKind::Session, &key))
            }
            None => Ok(SessionRecord::default()),
        }
    }
}
