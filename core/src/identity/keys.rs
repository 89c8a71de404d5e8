//! The device identity key pair and its public half.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::IdentityError;
use crate::codec::{DecodeError, Reader};
use crate::crypto::x25519::X25519Secret;

/// Length of an encoded [`IdentityKey`]: Ed25519 public key then X25519 public key.
pub const IDENTITY_KEY_LEN: usize = 64;

/// A device's public identity: its Ed25519 verifying key and X25519 key.
#[derive(Clone, Copy)]
pub struct IdentityKey {
    signing: VerifyingKey,
    dh: [u8; 32],
}

impl IdentityKey {
    /// The 64-byte encoding: Ed25519 public key (32) then X25519 public key (32).
    pub fn to_bytes(&self) -> [u8; IDENTITY_KEY_LEN] {
        let mut out = [0u8; IDENTITY_KEY_LEN];
        let (signing, dh) = out.split_at_mut(32);
        signing.copy_from_slice(self.signing.as_bytes());
        dh.copy_from_slice(&self.dh);
        out
    }

    /// Parses the 64-byte encoding.
    ///
    /// # Errors
    /// [`IdentityError::Decode`] for a wrong length, [`IdentityError::InvalidKey`]
    /// when the Ed25519 key is not a valid, non-weak point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IdentityError> {
        let mut r = Reader::new(bytes);
        let key = Self::read(&mut r)?;
        r.finish()?;
        Ok(key)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signing = r.array::<32>()?;
        let dh = r.array::<32>()?;
        let signing = VerifyingKey::from_bytes(&signing)
            .map_err(|_| DecodeError::Invalid("identity signing key"))?;
        if signing.is_weak() {
            return Err(DecodeError::Invalid("identity signing key"));
        }
        Ok(Self { signing, dh })
    }

    /// The X25519 identity key `IK` of PQXDH.
    pub(crate) fn dh_key(&self) -> &[u8; 32] {
        &self.dh
    }

    /// Verifies an Ed25519 signature by this identity (RFC 8032, strict).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = Signature::from_bytes(signature);
        self.signing.verify_strict(message, &signature).is_ok()
    }

    /// The Ed25519 verifying key bytes.
    pub fn signing_key_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// A short hex fingerprint for logs and debugging (first 8 bytes of each key).
    pub fn fingerprint(&self) -> String {
        let bytes = self.to_bytes();
        bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

impl PartialEq for IdentityKey {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes().ct_eq(&other.to_bytes()).into()
    }
}

impl Eq for IdentityKey {}

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdentityKey({})", self.fingerprint())
    }
}

/// A device's identity key pair. Secret halves are zeroized on drop (the
/// dalek signing key and [`X25519Secret`] zeroize themselves) and never
/// printed.
#[derive(Clone)]
pub struct IdentityKeyPair {
    signing: SigningKey,
    dh: X25519Secret,
    public: IdentityKey,
}

impl IdentityKeyPair {
    /// A fresh identity from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let signing = SigningKey::generate(rng);
        let dh = X25519Secret::random(rng);
        Self::from_parts(signing, dh)
    }

    fn from_parts(signing: SigningKey, dh: X25519Secret) -> Self {
        let public = IdentityKey {
            signing: signing.verifying_key(),
            dh: dh.public_key(),
        };
        Self {
            signing,
            dh,
            public,
        }
    }

    /// The public identity.
    pub fn public(&self) -> &IdentityKey {
        &self.public
    }

    /// Signs `message` with the Ed25519 identity key (RFC 8032).
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The X25519 identity secret, for PQXDH's DH1 / DH2.
    pub(crate) fn dh_secret(&self) -> &X25519Secret {
        &self.dh
    }

    /// The 64 secret bytes (Ed25519 seed, X25519 scalar) for the encrypted store.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; 64]> {
        let mut out = Zeroizing::new([0u8; 64]);
        let (signing, dh) = out.split_at_mut(32);
        signing.copy_from_slice(self.signing.as_bytes());
        dh.copy_from_slice(self.dh.as_bytes());
        out
    }

    pub(crate) fn from_secret_bytes(bytes: &[u8; 64]) -> Self {
        let mut signing = Zeroizing::new([0u8; 32]);
        let mut dh = Zeroizing::new([0u8; 32]);
        // Ed25519 then X25519, 32 bytes each, copied without a fallback.
        for (out, byte) in signing.iter_mut().zip(bytes) {
            *out = *byte;
        }
        for (out, byte) in dh.iter_mut().zip(bytes.iter().skip(32)) {
            *out = *byte;
        }
        Self::from_parts(
            SigningKey::from_bytes(&signing),
            X25519Secret::from_bytes(*dh),
        )
    }
}

impl std::fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdentityKeyPair(public: {:?}, secret: ***)", self.public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn identity_round_trips_and_signs() {
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let pair = IdentityKeyPair::generate(&mut rng);
        let public = IdentityKey::from_bytes(&pair.public().to_bytes()).unwrap();
        assert_eq!(&public, pair.public());
        let signature = pair.sign(b"hello");
        assert!(public.verify(b"hello", &signature));
        assert!(!public.verify(b"hellp", &signature));
        let restored = IdentityKeyPair::from_secret_bytes(&pair.secret_bytes());
        assert_eq!(restored.public(), pair.public());
    }

    #[test]
    fn weak_or_short_identity_is_rejected() {
        assert!(IdentityKey::from_bytes(&[0u8; 63]).is_err());
        // The identity point (0x01, 0...) is a small-order, weak key.
        let mut weak = [0u8; 64];
        weak[0] = 1;
        assert!(IdentityKey::from_bytes(&weak).is_err());
    }

    #[test]
    fn debug_never_prints_secrets() {
        let mut rng = ChaCha20Rng::from_seed([2; 32]);
        let pair = IdentityKeyPair::generate(&mut rng);
        let printed = format!("{pair:?}");
        assert!(printed.contains("***"));
        let secret_hex: String = pair
            .secret_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!printed.contains(&secret_hex[..16]));
    }
}
