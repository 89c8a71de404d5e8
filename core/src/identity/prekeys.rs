//! Prekeys and the prekey bundle of PQXDH (Signal's PQXDH specification,
//! section 3.2 "Publishing keys"): a signed X25519 prekey `SPK`, one-time
//! X25519 prekeys `OPK`, signed one-time ML-KEM-768 prekeys `PQOPK` and a
//! signed last-resort ML-KEM-768 prekey `PQSPK`.
//!
//! Parsing ([`PrekeyBundle::decode`]) is kept apart from verification
//! ([`PrekeyBundle::verify`] and the per-key `verify` methods): a bundle is
//! used only after the signatures of the keys taken from it verify.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{DeviceAddress, IdentityError, IdentityKey, IdentityKeyPair};
use crate::codec::{DecodeError, Reader, Writer};
use crate::crypto::mlkem::{DecapsulationKey, EncapsulationKey, MlKemError};
use crate::crypto::x25519::X25519Secret;

/// Bundle format version written by this build.
pub(crate) const BUNDLE_VERSION: u8 = 1;
/// Most one-time prekeys of each kind in one bundle. 1,000 covers a generous
/// upload batch (Signal uploads 100) and bounds a bundle at ~1.3 MB.
pub const MAX_ONE_TIME_PREKEYS: usize = 1_000;
/// Length of an encoded ML-KEM-768 encapsulation key (FIPS 203, table 3).
pub(crate) const MLKEM768_KEY_LEN: usize = 1184;

/// `Encode(PK)` type byte for X25519 keys (PQXDH section 2.5; libsignal's value).
pub(crate) const KEY_TYPE_X25519: u8 = 0x05;
/// `Encode(PK)` type byte for ML-KEM-768 encapsulation keys.
pub(crate) const KEY_TYPE_MLKEM768: u8 = 0x09;

const SIGNED_PREKEY_LABEL: &[u8] = b"Sealkit signed prekey v1";
const PQ_PREKEY_LABEL: &[u8] = b"Sealkit PQ prekey v1";

/// What a prekey signature covers: a domain label, the key id and `Encode(PK)`.
/// PQXDH signs `Encode(PK)`; the label and id are added so that a signature
/// cannot be moved to another key role or id.
fn signed_message(label: &[u8], id: u32, key_type: u8, key: &[u8]) -> Vec<u8> {
    let mut w = Writer::with_capacity(label.len() + 5 + key.len());
    w.raw(label).u32(id).u8(key_type).raw(key);
    w.into_bytes()
}

/// The public half of a signed X25519 prekey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPrekeyPublic {
    /// Prekey id, chosen by the owner.
    pub id: u32,
    /// X25519 public key.
    pub key: [u8; 32],
    /// Ed25519 signature by the identity key.
    pub signature: [u8; 64],
}

impl SignedPrekeyPublic {
    /// Checks the identity's signature over this prekey.
    ///
    /// # Errors
    /// [`IdentityError::BadSignature`].
    pub fn verify(&self, identity: &IdentityKey) -> Result<(), IdentityError> {
        let message = signed_message(SIGNED_PREKEY_LABEL, self.id, KEY_TYPE_X25519, &self.key);
        if identity.verify(&message, &self.signature) {
            Ok(())
        } else {
            Err(IdentityError::BadSignature("signed prekey"))
        }
    }
}

/// The public half of a one-time X25519 prekey (unsigned, as in PQXDH).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimePrekeyPublic {
    /// Prekey id.
    pub id: u32,
    /// X25519 public key.
    pub key: [u8; 32],
}

/// The public half of a signed ML-KEM-768 prekey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PqPrekeyPublic {
    /// Prekey id.
    pub id: u32,
    /// Whether this is the last-resort key (reused until rotated) or one-time.
    pub last_resort: bool,
    /// ML-KEM-768 encapsulation key (1,184 bytes).
    pub key: Vec<u8>,
    /// Ed25519 signature by the identity key.
    pub signature: [u8; 64],
}

impl PqPrekeyPublic {
    /// Checks the identity's signature over this prekey.
    ///
    /// # Errors
    /// [`IdentityError::BadSignature`].
    pub fn verify(&self, identity: &IdentityKey) -> Result<(), IdentityError> {
        let message = signed_message(PQ_PREKEY_LABEL, self.id, KEY_TYPE_MLKEM768, &self.key);
        if identity.verify(&message, &self.signature) {
            Ok(())
        } else {
            Err(IdentityError::BadSignature("post-quantum prekey"))
        }
    }

    /// The encapsulation key, checked as FIPS 203 section 7.2 requires.
    pub(crate) fn encapsulation_key(&self) -> Result<EncapsulationKey, IdentityError> {
        EncapsulationKey::new(&self.key).map_err(|error| {
            IdentityError::InvalidKey(match error {
                MlKemError::EncapsulationKeyLength => "ML-KEM-768 encapsulation key length",
                _ => "ML-KEM-768 encapsulation key",
            })
        })
    }

    fn write(&self, w: &mut Writer) {
        w.u32(self.id)
            .bool(self.last_resort)
            .raw(&self.key)
            .raw(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            id: r.u32()?,
            last_resort: r.bool("last-resort flag")?,
            key: r.take(MLKEM768_KEY_LEN)?.to_vec(),
            signature: r.array()?,
        })
    }
}

/// A device's published prekeys. The owner publishes one with many one-time
/// keys; the server hands each initiator a bundle holding at most one of each
/// ([`PrekeyBundle::take_for_session`]). An initiator uses the first one-time
/// keys present, and falls back to the last-resort post-quantum key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrekeyBundle {
    /// The device that owns these prekeys.
    pub address: DeviceAddress,
    /// Its identity.
    pub identity: IdentityKey,
    /// Signed X25519 prekey `SPK`.
    pub signed_prekey: SignedPrekeyPublic,
    /// Signed last-resort ML-KEM-768 prekey `PQSPK`.
    pub pq_last_resort: PqPrekeyPublic,
    /// One-time X25519 prekeys `OPK`.
    pub one_time: Vec<OneTimePrekeyPublic>,
    /// Signed one-time ML-KEM-768 prekeys `PQOPK`.
    pub pq_one_time: Vec<PqPrekeyPublic>,
}

impl PrekeyBundle {
    /// Encodes the bundle (layout in `docs/format/prekey-bundle.md`).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(
            1300 + self.one_time.len() * 36 + self.pq_one_time.len() * (MLKEM768_KEY_LEN + 69),
        );
        w.u8(BUNDLE_VERSION);
        self.address.write(&mut w);
        w.raw(&self.identity.to_bytes());
        w.u32(self.signed_prekey.id)
            .raw(&self.signed_prekey.key)
            .raw(&self.signed_prekey.signature);
        self.pq_last_resort.write(&mut w);
        w.count(self.one_time.len());
        for key in &self.one_time {
            w.u32(key.id).raw(&key.key);
        }
        w.count(self.pq_one_time.len());
        for key in &self.pq_one_time {
            key.write(&mut w);
        }
        w.into_bytes()
    }

    /// Parses a bundle. Parsing only: call [`PrekeyBundle::verify`] (or let the
    /// session do it for the keys it uses) before trusting any key in it.
    ///
    /// # Errors
    /// [`IdentityError::Decode`] for malformed bytes, an unknown version, or
    /// more than [`MAX_ONE_TIME_PREKEYS`] keys of a kind.
    pub fn decode(bytes: &[u8]) -> Result<Self, IdentityError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != BUNDLE_VERSION {
            return Err(DecodeError::UnsupportedVersion(version).into());
        }
        let address = DeviceAddress::read(&mut r)?;
        let identity = IdentityKey::read(&mut r)?;
        let signed_prekey = SignedPrekeyPublic {
            id: r.u32()?,
            key: r.array()?,
            signature: r.array()?,
        };
        let pq_last_resort = PqPrekeyPublic::read(&mut r)?;
        if !pq_last_resort.last_resort {
            return Err(DecodeError::Invalid("last-resort flag").into());
        }
        let count = r.count("one-time prekeys", MAX_ONE_TIME_PREKEYS)?;
        let mut one_time = Vec::with_capacity(count);
        for _ in 0..count {
            one_time.push(OneTimePrekeyPublic {
                id: r.u32()?,
                key: r.array()?,
            });
        }
        let count = r.count("post-quantum one-time prekeys", MAX_ONE_TIME_PREKEYS)?;
        let mut pq_one_time = Vec::with_capacity(count);
        for _ in 0..count {
            let key = PqPrekeyPublic::read(&mut r)?;
            if key.last_resort {
                return Err(DecodeError::Invalid("last-resort flag").into());
            }
            pq_one_time.push(key);
        }
        r.finish()?;
        Ok(Self {
            address,
            identity,
            signed_prekey,
            pq_last_resort,
            one_time,
            pq_one_time,
        })
    }

    /// Verifies every signature in the bundle.
    ///
    /// # Errors
    /// [`IdentityError::BadSignature`] naming the first key that fails.
    pub fn verify(&self) -> Result<(), IdentityError> {
        self.signed_prekey.verify(&self.identity)?;
        self.pq_last_resort.verify(&self.identity)?;
        for key in &self.pq_one_time {
            key.verify(&self.identity)?;
        }
        Ok(())
    }

    /// Server side: removes the first one-time key of each kind from this
    /// published bundle and returns a bundle for one initiator holding just
    /// those (or none, once they run out: the initiator then uses the
    /// last-resort post-quantum key and no one-time X25519 key).
    pub fn take_for_session(&mut self) -> PrekeyBundle {
        let one_time = if self.one_time.is_empty() {
            Vec::new()
        } else {
            vec![self.one_time.remove(0)]
        };
        let pq_one_time = if self.pq_one_time.is_empty() {
            Vec::new()
        } else {
            vec![self.pq_one_time.remove(0)]
        };
        PrekeyBundle {
            address: self.address.clone(),
            identity: self.identity,
            signed_prekey: self.signed_prekey.clone(),
            pq_last_resort: self.pq_last_resort.clone(),
            one_time,
            pq_one_time,
        }
    }
}

/// A signed X25519 prekey with its secret, as the owner stores it.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct SignedPrekey {
    pub(crate) id: u32,
    pub(crate) secret: X25519Secret,
    pub(crate) signature: [u8; 64],
}

impl SignedPrekey {
    /// A new signed prekey with id `id`, signed by `identity`.
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        id: u32,
    ) -> Self {
        let secret = X25519Secret::random(rng);
        let signature = identity.sign(&signed_message(
            SIGNED_PREKEY_LABEL,
            id,
            KEY_TYPE_X25519,
            &secret.public_key(),
        ));
        Self {
            id,
            secret,
            signature,
        }
    }

    /// The public half, as published in a bundle.
    pub fn public(&self) -> SignedPrekeyPublic {
        SignedPrekeyPublic {
            id: self.id,
            key: self.secret.public_key(),
            signature: self.signature,
        }
    }

    /// Stored record (version 1): id, secret, signature.
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::with_capacity(101);
        w.u8(1)
            .u32(self.id)
            .raw(self.secret.as_bytes())
            .raw(&self.signature);
        w.into_secret()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != 1 {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let id = r.u32()?;
        let secret = Zeroizing::new(r.array::<32>()?);
        let signature = r.array()?;
        r.finish()?;
        Ok(Self {
            id,
            secret: X25519Secret::from_bytes(*secret),
            signature,
        })
    }
}

/// A one-time X25519 prekey with its secret.
pub struct OneTimePrekey {
    pub(crate) id: u32,
    pub(crate) secret: X25519Secret,
}

impl OneTimePrekey {
    /// A new one-time prekey with id `id`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R, id: u32) -> Self {
        Self {
            id,
            secret: X25519Secret::random(rng),
        }
    }

    /// The public half, as published in a bundle.
    pub fn public(&self) -> OneTimePrekeyPublic {
        OneTimePrekeyPublic {
            id: self.id,
            key: self.secret.public_key(),
        }
    }

    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::with_capacity(37);
        w.u8(1).u32(self.id).raw(self.secret.as_bytes());
        w.into_secret()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != 1 {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let id = r.u32()?;
        let secret = Zeroizing::new(r.array::<32>()?);
        r.finish()?;
        Ok(Self {
            id,
            secret: X25519Secret::from_bytes(*secret),
        })
    }
}

/// A signed ML-KEM-768 prekey with its secret, stored as the 64-byte seed
/// `(d, z)` of FIPS 203 ML-KEM.KeyGen.
pub struct PqPrekey {
    pub(crate) id: u32,
    pub(crate) last_resort: bool,
    seed: Zeroizing<[u8; 64]>,
    pub(crate) signature: [u8; 64],
}

impl PqPrekey {
    /// A new ML-KEM-768 prekey with id `id`, signed by `identity`.
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        id: u32,
        last_resort: bool,
    ) -> Self {
        let mut seed = Zeroizing::new([0u8; 64]);
        rng.fill_bytes(seed.as_mut());
        let key = DecapsulationKey::from_seed(&seed);
        let public = key.encapsulation_key();
        let signature = identity.sign(&signed_message(
            PQ_PREKEY_LABEL,
            id,
            KEY_TYPE_MLKEM768,
            public,
        ));
        Self {
            id,
            last_resort,
            seed,
            signature,
        }
    }

    /// The public half, as published in a bundle.
    pub fn public(&self) -> PqPrekeyPublic {
        PqPrekeyPublic {
            id: self.id,
            last_resort: self.last_resort,
            key: DecapsulationKey::from_seed(&self.seed)
                .encapsulation_key()
                .to_vec(),
            signature: self.signature,
        }
    }

    /// ML-KEM-768.Decaps (FIPS 203 algorithm 21); a malformed ciphertext length
    /// is an error, a wrong ciphertext yields the implicit-rejection key.
    pub(crate) fn decapsulate(
        &self,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, DecodeError> {
        DecapsulationKey::from_seed(&self.seed)
            .decapsulate(ciphertext)
            .map_err(|_| DecodeError::Invalid("ML-KEM ciphertext length"))
    }

    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::with_capacity(134);
        w.u8(1)
            .u32(self.id)
            .bool(self.last_resort)
            .raw(self.seed.as_ref())
            .raw(&self.signature);
        w.into_secret()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != 1 {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let id = r.u32()?;
        let last_resort = r.bool("last-resort flag")?;
        let seed = Zeroizing::new(r.array::<64>()?);
        let signature = r.array()?;
        r.finish()?;
        Ok(Self {
            id,
            last_resort,
            seed,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    pub(crate) fn sample_bundle(one_time: u32) -> (IdentityKeyPair, PrekeyBundle) {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let identity = IdentityKeyPair::generate(&mut rng);
        let bundle = PrekeyBundle {
            address: DeviceAddress::new("bob", "laptop").unwrap(),
            identity: *identity.public(),
            signed_prekey: SignedPrekey::generate(&mut rng, &identity, 1).public(),
            pq_last_resort: PqPrekey::generate(&mut rng, &identity, 2, true).public(),
            one_time: (0..one_time)
                .map(|i| OneTimePrekey::generate(&mut rng, 10 + i).public())
                .collect(),
            pq_one_time: (0..one_time)
                .map(|i| PqPrekey::generate(&mut rng, &identity, 100 + i, false).public())
                .collect(),
        };
        (identity, bundle)
    }

    #[test]
    fn bundle_round_trips_and_verifies() {
        let (_, bundle) = sample_bundle(3);
        let decoded = PrekeyBundle::decode(&bundle.encode()).unwrap();
        assert_eq!(decoded, bundle);
        decoded.verify().unwrap();
    }

    #[test]
    fn bundle_with_a_forged_signature_is_rejected() {
        let (_, mut bundle) = sample_bundle(1);
        bundle.signed_prekey.key[0] ^= 1;
        assert_eq!(
            bundle.verify(),
            Err(IdentityError::BadSignature("signed prekey"))
        );
        let (_, mut bundle) = sample_bundle(1);
        bundle.pq_one_time[0].key[5] ^= 1;
        assert_eq!(
            bundle.verify(),
            Err(IdentityError::BadSignature("post-quantum prekey"))
        );
    }

    #[test]
    fn signature_cannot_move_to_another_id() {
        let (_, mut bundle) = sample_bundle(0);
        bundle.signed_prekey.id += 1;
        assert!(bundle.verify().is_err());
    }

    #[test]
    fn take_for_session_hands_out_each_one_time_key_once() {
        let (_, mut published) = sample_bundle(2);
        let first = published.take_for_session();
        let second = published.take_for_session();
        let third = published.take_for_session();
        assert_eq!(first.one_time.len(), 1);
        assert_ne!(first.one_time, second.one_time);
        assert!(third.one_time.is_empty() && third.pq_one_time.is_empty());
        third.verify().unwrap();
    }

    #[test]
    fn stored_prekeys_round_trip() {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let identity = IdentityKeyPair::generate(&mut rng);
        let signed = SignedPrekey::generate(&mut rng, &identity, 7);
        assert_eq!(
            SignedPrekey::decode(&signed.encode()).unwrap().public(),
            signed.public()
        );
        let one_time = OneTimePrekey::generate(&mut rng, 8);
        assert_eq!(
            OneTimePrekey::decode(&one_time.encode()).unwrap().public(),
            one_time.public()
        );
        let pq = PqPrekey::generate(&mut rng, &identity, 9, false);
        assert_eq!(
            PqPrekey::decode(&pq.encode()).unwrap().public(),
            pq.public()
        );
    }

    #[test]
    fn too_many_one_time_keys_is_rejected_before_allocation() {
        let (_, bundle) = sample_bundle(0);
        let mut bytes = bundle.encode();
        // The X25519 one-time count is the u16 before the final u16 (both zero).
        let len = bytes.len();
        bytes[len - 4..len - 2].copy_from_slice(
            &u16::try_from(MAX_ONE_TIME_PREKEYS + 1)
                .unwrap()
                .to_be_bytes(),
        );
        assert!(matches!(
            PrekeyBundle::decode(&bytes),
            Err(IdentityError::Decode(DecodeError::TooLarge { .. }))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = PrekeyBundle::decode(&bytes);
        }

        #[test]
        fn truncated_bundles_are_rejected(cut in 0usize..2600) {
            let (_, bundle) = sample_bundle(1);
            let bytes = bundle.encode();
            let cut = cut % bytes.len();
            prop_assert!(PrekeyBundle::decode(&bytes[..cut]).is_err());
        }
    }
}
