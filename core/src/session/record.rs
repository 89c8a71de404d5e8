//! A session with one remote device, and the per-device record of sessions.
//!
//! [`Session`] joins PQXDH to the Double Ratchet: it is created by
//! [`Session::initiate`] (from a prekey bundle) or [`Session::respond`] (from
//! an initial message), and then encrypts and decrypts [`Envelope`]s. The
//! initiator attaches its PQXDH fields to every message until it receives a
//! reply (PQXDH section 3.3), so the responder can start the session from
//! whichever initial message arrives first.
//!
//! Stored form (session version 2, in a record of version 1) is written by
//! `encode` and read by `decode`, which also reads session version 1;
//! layout in `docs/format/stored-records.md`.

use std::collections::VecDeque;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::SessionError;
use super::chain::{ChainKey, RootKey};
use super::message::{Envelope, MAX_PLAINTEXT_LEN, PrekeyHeader};
use super::pqxdh::{self, ResponderKeys as PqxdhResponderKeys};
use super::ratchet::{MAX_RECEIVER_CHAINS, MAX_SKIPPED_KEYS, RatchetKeyPair, RatchetState};
use super::skipped::{EvictedRun, MAX_EVICTED_RUNS, SkippedKey, SkippedKeys};
use crate::codec::{DecodeError, Reader, Writer};
use crate::crypto::aead;
use crate::crypto::secret::Secret32;
use crate::crypto::x25519::X25519Secret;
use crate::identity::{
    DeviceAddress, IdentityKey, IdentityKeyPair, OneTimePrekey, PqPrekey, PrekeyBundle,
    SignedPrekey,
};

/// Sessions kept per remote device besides the current one, so that messages
/// sent on a replaced session (e.g. after both sides started one at once)
/// still decrypt. libsignal keeps 40; 5 covers the races seen in practice
/// while bounding the record's size.
pub const MAX_PREVIOUS_SESSIONS: usize = 5;
/// Stored session format version written. Version 2 adds the runs of
/// evicted skipped keys after the old ratchet keys.
const SESSION_VERSION: u8 = 2;
/// The previous session format version, still read (as having no evicted
/// runs).
const SESSION_VERSION_1: u8 = 1;
/// Stored session-record format version.
const RECORD_VERSION: u8 = 1;
/// Bound on stored associated data: two identities and two addresses.
const MAX_AD_LEN: usize = 128 + 4 * (2 + crate::identity::MAX_ID_LEN);

/// The responder's secrets for an initial message, looked up by the caller
/// from the ids in its PQXDH header.
pub struct ResponderKeys<'a> {
    /// Our identity.
    pub identity: &'a IdentityKeyPair,
    /// Our address.
    pub address: &'a DeviceAddress,
    /// The signed prekey the header names.
    pub signed_prekey: &'a SignedPrekey,
    /// The one-time prekey the header names, if any.
    pub one_time_prekey: Option<&'a OneTimePrekey>,
    /// The ML-KEM prekey the header names.
    pub pq_prekey: &'a PqPrekey,
}

/// A 1:1 session with one remote device.
#[derive(Clone)]
pub struct Session {
    id: [u8; 32],
    local: DeviceAddress,
    remote: DeviceAddress,
    remote_identity: IdentityKey,
    associated_data: Vec<u8>,
    ratchet: RatchetState,
    pending_prekey: Option<PrekeyHeader>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("local", &self.local)
            .field("remote", &self.remote)
            .field("remote_identity", &self.remote_identity)
            .field("state", &"***")
            .finish()
    }
}

impl Session {
    /// Starts a session as initiator from the responder's prekey bundle
    /// (PQXDH section 3.3, then `RatchetInitAlice`).
    ///
    /// # Errors
    /// [`SessionError::Identity`] when a bundle signature or key is bad,
    /// [`SessionError::WeakKey`] for a low-order key.
    pub fn initiate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        address: &DeviceAddress,
        bundle: &PrekeyBundle,
    ) -> Result<Self, SessionError> {
        let initiation = pqxdh::initiate(rng, identity, address, bundle)?;
        let ratchet = RatchetState::initiator(
            rng,
            &initiation.secrets.shared_secret,
            initiation.their_signed_prekey,
        )?;
        Ok(Self {
            id: initiation.base_key,
            local: address.clone(),
            remote: bundle.address.clone(),
            remote_identity: bundle.identity,
            associated_data: initiation.secrets.associated_data.clone(),
            ratchet,
            pending_prekey: Some(initiation.header),
        })
    }

    /// Starts a session as responder from an initial message (PQXDH section
    /// 3.4, then `RatchetInitBob`). The caller then decrypts the envelope
    /// with [`Session::decrypt`]; only if that succeeds should it keep the
    /// session and delete the one-time prekeys used.
    ///
    /// # Errors
    /// [`SessionError::Decode`] when the envelope has no PQXDH fields or a
    /// malformed ML-KEM ciphertext, [`SessionError::WeakKey`].
    pub fn respond(keys: &ResponderKeys<'_>, envelope: &Envelope) -> Result<Self, SessionError> {
        let header = envelope
            .prekey
            .as_ref()
            .ok_or(DecodeError::Invalid("missing PQXDH fields"))?;
        let secrets = pqxdh::respond(
            &PqxdhResponderKeys {
                identity: keys.identity,
                address: keys.address,
                signed_prekey: keys.signed_prekey,
                one_time_prekey: keys.one_time_prekey,
                pq_prekey: keys.pq_prekey,
            },
            &envelope.sender,
            header,
            &envelope.session_id,
        )?;
        Ok(Self {
            id: envelope.session_id,
            local: keys.address.clone(),
            remote: envelope.sender.clone(),
            remote_identity: header.identity,
            associated_data: secrets.associated_data.clone(),
            ratchet: RatchetState::responder(
                &secrets.shared_secret,
                keys.signed_prekey.secret.clone(),
            ),
            pending_prekey: None,
        })
    }

    /// The session id (the initiator's PQXDH ephemeral key).
    pub fn id(&self) -> &[u8; 32] {
        &self.id
    }

    /// The remote device.
    pub fn remote(&self) -> &DeviceAddress {
        &self.remote
    }

    /// The remote device's identity, as authenticated by PQXDH.
    pub fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// Whether our messages still carry the PQXDH fields (no reply yet).
    pub fn awaiting_reply(&self) -> bool {
        self.pending_prekey.is_some()
    }

    /// Whether this session can send (the responder can only after its
    /// first received message).
    pub fn can_send(&self) -> bool {
        self.ratchet.can_send()
    }

    /// Number of skipped message keys stored.
    pub fn skipped_keys(&self) -> usize {
        self.ratchet.skipped.len()
    }

    /// `RatchetEncrypt` (Double Ratchet section 3.4) with AES-256-GCM; the
    /// associated data is `AD || envelope header`.
    ///
    /// # Errors
    /// [`SessionError::PlaintextTooLarge`], [`SessionError::NoSendingChain`]
    /// for a responder that has not received yet,
    /// [`SessionError::CounterExhausted`].
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Envelope, SessionError> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(SessionError::PlaintextTooLarge(plaintext.len()));
        }
        let (header, key) = self.ratchet.next_sending()?;
        let mut envelope = Envelope {
            sender: self.local.clone(),
            recipient: self.remote.clone(),
            session_id: self.id,
            prekey: self.pending_prekey.clone(),
            header,
            ciphertext: Vec::new(),
        };
        let (aead_key, nonce) = key.aead_key_and_nonce()?;
        let aad = self.aad(&envelope);
        envelope.ciphertext = aead::seal(&aead_key, &nonce, &aad, plaintext)
            .map_err(|_| SessionError::PlaintextTooLarge(plaintext.len()))?;
        Ok(envelope)
    }

    fn aad(&self, envelope: &Envelope) -> Vec<u8> {
        let header = envelope.header_bytes();
        let mut aad = Vec::with_capacity(self.associated_data.len() + header.len());
        aad.extend_from_slice(&self.associated_data);
        aad.extend_from_slice(&header);
        aad
    }

    /// `RatchetDecrypt` (Double Ratchet section 3.5). On any error the
    /// session is unchanged.
    ///
    /// # Errors
    /// [`SessionError::Decrypt`] when the message fails to authenticate (or
    /// belongs to another session), [`SessionError::Duplicate`] when it was
    /// already decrypted, [`SessionError::KeyEvicted`] when its skipped key
    /// was evicted by [`MAX_SKIPPED_KEYS`], [`SessionError::TooFarAhead`].
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        envelope: &Envelope,
    ) -> Result<Vec<u8>, SessionError> {
        if envelope.session_id != self.id
            || envelope.sender != self.remote
            || envelope.recipient != self.local
        {
            return Err(SessionError::Decrypt);
        }
        let aad = self.aad(envelope);
        let plaintext = self.ratchet.decrypt(rng, &envelope.header, |key| {
            let (aead_key, nonce) = key.aead_key_and_nonce()?;
            aead::open(&aead_key, &nonce, &aad, &envelope.ciphertext)
                .map_err(|_| SessionError::Decrypt)
        })?;
        // Any authenticated message from the responder is the reply that ends
        // the PQXDH fields on our messages.
        self.pending_prekey = None;
        Ok(plaintext)
    }

    /// Stored form, version 2.
    pub(crate) fn write(&self, w: &mut Writer) {
        let state = &self.ratchet;
        w.u8(SESSION_VERSION).raw(&self.id);
        self.local.write(w);
        self.remote.write(w);
        w.raw(&self.remote_identity.to_bytes())
            .bytes(&self.associated_data);
        w.raw(state.root.0.as_bytes())
            .raw(state.our_ratchet.secret.as_bytes());
        write_chain(w, state.sending.as_ref());
        w.bool(state.their_ratchet.is_some())
            .raw(&state.their_ratchet.unwrap_or([0; 32]));
        write_chain(w, state.receiving.as_ref());
        w.u32(state.previous_sending_length);
        w.count(state.skipped.len());
        for key in state.skipped.iter() {
            w.raw(&key.ratchet_key)
                .u32(key.index)
                .raw(key.key.as_bytes());
        }
        w.count(state.old_ratchets.len());
        for key in &state.old_ratchets {
            w.raw(key);
        }
        let evicted = state.skipped.evicted_runs();
        w.count(evicted.len());
        for run in evicted {
            w.raw(&run.ratchet_key).u32(run.first).u32(run.last);
        }
        w.bool(self.pending_prekey.is_some());
        if let Some(prekey) = &self.pending_prekey {
            prekey.write(w);
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.u8()?;
        if version != SESSION_VERSION && version != SESSION_VERSION_1 {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let id = r.array()?;
        let local = DeviceAddress::read(r)?;
        let remote = DeviceAddress::read(r)?;
        let remote_identity = IdentityKey::read(r)?;
        let associated_data = r.bytes("associated data", MAX_AD_LEN)?.to_vec();
        let root = RootKey(Secret32::new(r.array()?));
        let our_ratchet =
            RatchetKeyPair::new(X25519Secret::from_bytes(*Zeroizing::new(r.array::<32>()?)));
        let sending = read_chain(r)?;
        let has_their = r.bool("remote ratchet flag")?;
        let their = r.array::<32>()?;
        let receiving = read_chain(r)?;
        let previous_sending_length = r.u32()?;
        let count = r.count("skipped keys", MAX_SKIPPED_KEYS)?;
        let mut skipped = Vec::with_capacity(count);
        for _ in 0..count {
            skipped.push(SkippedKey {
                ratchet_key: r.array()?,
                index: r.u32()?,
                key: Secret32::new(r.array()?),
            });
        }
        let count = r.count("old ratchet keys", MAX_RECEIVER_CHAINS)?;
        let mut old_ratchets = VecDeque::with_capacity(count);
        for _ in 0..count {
            old_ratchets.push_back(r.array()?);
        }
        let evicted = if version == SESSION_VERSION_1 {
            Vec::new()
        } else {
            read_evicted_runs(r)?
        };
        let pending_prekey = if r.bool("pending PQXDH flag")? {
            Some(PrekeyHeader::read(r)?)
        } else {
            None
        };
        Ok(Self {
            id,
            local,
            remote,
            remote_identity,
            associated_data,
            ratchet: RatchetState {
                root,
                our_ratchet,
                sending,
                their_ratchet: has_their.then_some(their),
                receiving,
                previous_sending_length,
                skipped: SkippedKeys::from_parts(skipped, evicted),
                old_ratchets,
            },
            pending_prekey,
        })
    }
}

fn read_evicted_runs(r: &mut Reader<'_>) -> Result<Vec<EvictedRun>, DecodeError> {
    let count = r.count("evicted key runs", MAX_EVICTED_RUNS)?;
    let mut runs = Vec::with_capacity(count);
    for _ in 0..count {
        let run = EvictedRun {
            ratchet_key: r.array()?,
            first: r.u32()?,
            last: r.u32()?,
        };
        if run.first > run.last {
            return Err(DecodeError::Invalid("evicted key run"));
        }
        runs.push(run);
    }
    Ok(runs)
}

fn write_chain(w: &mut Writer, chain: Option<&ChainKey>) {
    w.bool(chain.is_some());
    match chain {
        Some(chain) => w.raw(chain.key.as_bytes()).u32(chain.index),
        None => w.raw(&[0; 32]).u32(0),
    };
}

fn read_chain(r: &mut Reader<'_>) -> Result<Option<ChainKey>, DecodeError> {
    let present = r.bool("chain flag")?;
    let key = Secret32::new(r.array()?);
    let index = r.u32()?;
    Ok(present.then_some(ChainKey { key, index }))
}

/// All sessions with one remote device: the current one (used to send) and
/// up to [`MAX_PREVIOUS_SESSIONS`] previous ones (still used to receive).
#[derive(Clone, Debug, Default)]
pub struct SessionRecord {
    sessions: Vec<Session>,
}

impl SessionRecord {
    /// The current session, if any.
    pub fn current(&self) -> Option<&Session> {
        self.sessions.first()
    }

    /// The current session, mutable.
    pub fn current_mut(&mut self) -> Option<&mut Session> {
        self.sessions.first_mut()
    }

    /// The session with this id, current or previous.
    pub fn find_mut(&mut self, id: &[u8; 32]) -> Option<&mut Session> {
        self.sessions.iter_mut().find(|s| &s.id == id)
    }

    /// Whether a session with this id is here.
    pub fn contains(&self, id: &[u8; 32]) -> bool {
        self.sessions.iter().any(|s| &s.id == id)
    }

    /// Makes `session` current; the old current one becomes the newest
    /// previous session, and the oldest beyond the bound is dropped.
    pub fn install(&mut self, session: Session) {
        self.sessions.retain(|s| s.id != session.id);
        self.sessions.insert(0, session);
        self.sessions.truncate(MAX_PREVIOUS_SESSIONS + 1);
    }

    /// Makes the session with this id current (after it decrypted a
    /// message, so that both sides converge on one session).
    pub fn promote(&mut self, id: &[u8; 32]) {
        if let Some(position) = self.sessions.iter().position(|s| &s.id == id) {
            let session = self.sessions.remove(position);
            self.sessions.insert(0, session);
        }
    }

    /// Number of sessions held.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Stored form (version 1): `u8 version, u16 count, sessions`.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::with_capacity(512 * self.sessions.len() + 4);
        w.u8(RECORD_VERSION).count(self.sessions.len());
        for session in &self.sessions {
            session.write(&mut w);
        }
        w.into_secret()
    }

    /// Reads the stored form.
    ///
    /// # Errors
    /// [`DecodeError`] for malformed or unknown-version bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != RECORD_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let count = r.count("sessions", MAX_PREVIOUS_SESSIONS + 1)?;
        let mut sessions = Vec::with_capacity(count);
        for _ in 0..count {
            sessions.push(Session::read(&mut r)?);
        }
        r.finish()?;
        Ok(Self { sessions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    // Written by the code before session version 2 (commit 56e0bf5): Bob's
    // record of his session with Alice after two of her chains (one message
    // of the second skipped) and two replies, and two envelopes from Alice
    // that Bob has not seen: the skipped one and one on her third chain.
    const RECORD_V1: &str = concat!(
        "01000101c6f904f0bce0a0ae2e7013a2d47886648552ee25a2b382d447c24fdfd9a589290003626f6200066c",
        "6170746f700005616c696365000570686f6e654d4b18062f8502598de045ca7b69f067f59f93b16e3af8733a",
        "988adc2341f5c8091e876575795f5fced43ff7ce5ae652db21e3453c6b1ec5d3bd23b1ec4106550000009b4d",
        "4b18062f8502598de045ca7b69f067f59f93b16e3af8733a988adc2341f5c8091e876575795f5fced43ff7ce",
        "5ae652db21e3453c6b1ec5d3bd23b1ec4106557d177f1e71b490ad0ce380f9578ab12bb0fc00a98de8f6a555",
        "c81d48c2039249363338ec15815643e6829814055f6a8137e3445accc0545d98f7211f224ec8570005616c69",
        "6365000570686f6e650003626f6200066c6170746f705368fd091eb3d24edec1615028d29b0ea550dee72531",
        "eb50336d228b668cda37368e3e213fd2430de2c2da840e2c8d1dd37f114c43c6c6bdf48c76b247ce5c0b017d",
        "d31beb6b68a46c5a94abe056579370dbff7714b3ebf0ce18d3cff1a6a972250000000101a43e1dc4d2ea6e41",
        "2e1b3a901e4303fd7544a9e901a97e2c2a600ad92cbb3d7d015afe8f7977190c7b7714cd01c72dffa05e4b88",
        "af0ebd58547d08ddf2bed5629c00000002000000010001a43e1dc4d2ea6e412e1b3a901e4303fd7544a9e901",
        "a97e2c2a600ad92cbb3d7d00000000e9173ab10bdc6e253227bd15d3c1f67eaacc1530acb827a979b008853c",
        "44b4cc00018d4ad2abbb5a30525d4242e6c627b5d427bdbf326acf263a449c916ba805bd2700",
    );
    const SKIPPED_ENVELOPE: &str = concat!(
        "01020005616c696365000570686f6e650003626f6200066c6170746f70c6f904f0bce0a0ae2e7013a2d47886",
        "648552ee25a2b382d447c24fdfd9a58929a43e1dc4d2ea6e412e1b3a901e4303fd7544a9e901a97e2c2a600a",
        "d92cbb3d7d000000010000000000000024ad479fabe4660b314b3ca8ce134354fa5f2ce25eafbb910183fd5a",
        "937999c41d97aeb8dc",
    );
    const PENDING_ENVELOPE: &str = concat!(
        "01020005616c696365000570686f6e650003626f6200066c6170746f70c6f904f0bce0a0ae2e7013a2d47886",
        "648552ee25a2b382d447c24fdfd9a58929d55c8dc32123fb5f7052577cbc34976d4605c9b23eaaaf29c00cdf",
        "f15193bd550000000200000000000000261a8629e23606ed7664eb54c63ad14ce16efa4ba36043e631ad5285",
        "c00e658cb33ec7e32f0ff9",
    );

    #[test]
    fn a_version_1_record_still_loads_decrypts_and_is_rewritten_as_version_2() {
        let bytes = hex::decode(RECORD_V1).unwrap();
        assert_eq!(bytes.get(3), Some(&SESSION_VERSION_1));
        let mut record = SessionRecord::decode(&bytes).unwrap();
        assert_eq!(record.len(), 1);
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        for (envelope, plaintext) in [
            (SKIPPED_ENVELOPE, &b"skipped on chain two"[..]),
            (PENDING_ENVELOPE, &b"pending on chain three"[..]),
        ] {
            let envelope = Envelope::decode(&hex::decode(envelope).unwrap()).unwrap();
            let session = record.find_mut(&envelope.session_id).unwrap();
            assert_eq!(session.decrypt(&mut rng, &envelope).unwrap(), plaintext);
            assert_eq!(
                session.decrypt(&mut rng, &envelope),
                Err(SessionError::Duplicate)
            );
        }
        let rewritten = record.encode();
        assert_eq!(rewritten.get(3), Some(&SESSION_VERSION));
        let reread = SessionRecord::decode(&rewritten).unwrap();
        assert_eq!(reread.encode(), rewritten);
    }

    #[test]
    fn evicted_runs_round_trip_and_an_inverted_run_is_refused() {
        let mut record = SessionRecord::decode(&hex::decode(RECORD_V1).unwrap()).unwrap();
        let session = record.current_mut().unwrap();
        session.ratchet.skipped = SkippedKeys::from_parts(
            Vec::new(),
            vec![EvictedRun {
                ratchet_key: [9; 32],
                first: 3,
                last: 70,
            }],
        );
        let bytes = record.encode();
        let mut reread = SessionRecord::decode(&bytes).unwrap();
        let skipped = &reread.current_mut().unwrap().ratchet.skipped;
        assert!(skipped.was_evicted(&[9; 32], 3) && skipped.was_evicted(&[9; 32], 70));
        assert!(!skipped.was_evicted(&[9; 32], 71));

        // The run is written just before the pending-PQXDH flag (0 here):
        // ratchet key, first, last.
        let at = bytes.len() - 1 - 8;
        let mut inverted = bytes.to_vec();
        inverted[at..at + 8].copy_from_slice(&[0, 0, 0, 71, 0, 0, 0, 70]);
        assert_eq!(
            SessionRecord::decode(&inverted).err(),
            Some(DecodeError::Invalid("evicted key run"))
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = SessionRecord::decode(&bytes);
        }
    }

    #[test]
    fn an_empty_record_round_trips_and_unknown_versions_are_refused() {
        let record = SessionRecord::default();
        let bytes = record.encode();
        assert!(SessionRecord::decode(&bytes).unwrap().is_empty());
        let mut newer = bytes.to_vec();
        newer[0] = 2;
        assert_eq!(
            SessionRecord::decode(&newer).err(),
            Some(DecodeError::UnsupportedVersion(2))
        );
    }
}
