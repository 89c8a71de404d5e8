//! Sealing the file key to recipients with HPKE (RFC 9180, base mode,
//! section 6.1 single-shot APIs) through the `hpke` crate: X25519
//! (DHKEM(X25519, HKDF-SHA256), KEM id 0x0020) and the hybrid post-quantum
//! X-Wing (ML-KEM-768 + X25519, KEM id 0x647a, draft-ietf-hpke-pq), both with
//! HKDF-SHA256 and AES-256-GCM. `info` is fixed; the associated data is the
//! stanza kind and the file's salt, so a stanza cannot move to another file.
//!
//! Text forms: a recipient is `sealkit1-x25519-<base64url>` or
//! `sealkit1-xwing-<base64url>` (public key); an identity is
//! `SEALKIT1-X25519-SECRET-<base64url>` or `SEALKIT1-XWING-SECRET-<base64url>`
//! (secret key / seed), all base64url without padding (constant-time codec).

use base64ct::{Base64UrlUnpadded, Encoding};
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::{X25519HkdfSha256, XWing};
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::FileError;
use super::header::{Stanza, StanzaKind, WRAPPED_KEY_LEN};
use super::key::FileKey;
use crate::identity::{IdentityKey, IdentityKeyPair};

/// HPKE `info` for file keys.
const HPKE_INFO: &[u8] = b"Sealkit file key v1";
const X25519_RECIPIENT_PREFIX: &str = "sealkit1-x25519-";
const XWING_RECIPIENT_PREFIX: &str = "sealkit1-xwing-";
const X25519_IDENTITY_PREFIX: &str = "SEALKIT1-X25519-SECRET-";
const XWING_IDENTITY_PREFIX: &str = "SEALKIT1-XWING-SECRET-";

type X25519Public = <X25519HkdfSha256 as hpke::Kem>::PublicKey;
type X25519Private = <X25519HkdfSha256 as hpke::Kem>::PrivateKey;
type XWingPublic = <XWing as hpke::Kem>::PublicKey;
type XWingPrivate = <XWing as hpke::Kem>::PrivateKey;

/// Someone a file can be encrypted to: an HPKE public key.
#[derive(Clone)]
pub enum Recipient {
    /// An X25519 public key (for example a device identity's X25519 key).
    X25519(Box<X25519Public>),
    /// An X-Wing public key (post-quantum hybrid).
    XWing(Box<XWingPublic>),
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recipient({})", self)
    }
}

impl std::fmt::Display for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::X25519(key) => write!(
                f,
                "{X25519_RECIPIENT_PREFIX}{}",
                Base64UrlUnpadded::encode_string(&key.to_bytes())
            ),
            Self::XWing(key) => write!(
                f,
                "{XWING_RECIPIENT_PREFIX}{}",
                Base64UrlUnpadded::encode_string(&key.to_bytes())
            ),
        }
    }
}

impl std::str::FromStr for Recipient {
    type Err = FileError;

    fn from_str(text: &str) -> Result<Self, FileError> {
        let invalid = FileError::InvalidKey("recipient");
        if let Some(encoded) = text.strip_prefix(X25519_RECIPIENT_PREFIX) {
            let bytes = Base64UrlUnpadded::decode_vec(encoded).map_err(|_| invalid.clone())?;
            let key = X25519Public::from_bytes(&bytes).map_err(|_| invalid)?;
            Ok(Self::X25519(Box::new(key)))
        } else if let Some(encoded) = text.strip_prefix(XWING_RECIPIENT_PREFIX) {
            let bytes = Base64UrlUnpadded::decode_vec(encoded).map_err(|_| invalid.clone())?;
            let key = XWingPublic::from_bytes(&bytes).map_err(|_| invalid)?;
            Ok(Self::XWing(Box::new(key)))
        } else {
            Err(invalid)
        }
    }
}

impl Recipient {
    /// A device identity from the core as a recipient (its X25519 key).
    ///
    /// # Errors
    /// [`FileError::InvalidKey`] (never for a valid identity).
    pub fn from_device(identity: &IdentityKey) -> Result<Self, FileError> {
        let key = X25519Public::from_bytes(identity.dh_key())
            .map_err(|_| FileError::InvalidKey("identity X25519 key"))?;
        Ok(Self::X25519(Box::new(key)))
    }

    /// Seals `file_key` to this recipient (HPKE base mode, single shot).
    pub(crate) fn seal<R: CryptoRng>(
        &self,
        rng: &mut R,
        file_key: &FileKey,
        salt: &[u8; 32],
    ) -> Result<Stanza, FileError> {
        match self {
            Self::X25519(key) => {
                seal_stanza::<X25519HkdfSha256, R>(StanzaKind::X25519, key, rng, file_key, salt)
            }
            Self::XWing(key) => {
                seal_stanza::<XWing, R>(StanzaKind::XWing, key, rng, file_key, salt)
            }
        }
    }
}

/// One stanza: `(enc, ct) = SealBase(pk, info, aad = kind || salt, file key)`
/// with HKDF-SHA256 and AES-256-GCM (RFC 9180 section 6.1).
fn seal_stanza<K: hpke::Kem, R: CryptoRng>(
    kind: StanzaKind,
    key: &K::PublicKey,
    rng: &mut R,
    file_key: &FileKey,
    salt: &[u8; 32],
) -> Result<Stanza, FileError> {
    let (enc, wrapped_key) = hpke::single_shot_seal_with_rng::<AesGcm256, HkdfSha256, K>(
        &OpModeS::Base,
        key,
        HPKE_INFO,
        file_key.0.as_bytes(),
        &aad(kind, salt),
        rng,
    )
    .map_err(|_| FileError::InvalidKey("recipient (HPKE seal failed)"))?;
    if wrapped_key.len() != WRAPPED_KEY_LEN {
        return Err(FileError::InvalidKey("recipient (wrapped key length)"));
    }
    Ok(Stanza {
        kind,
        encapsulated_key: enc.to_bytes().to_vec(),
        wrapped_key,
    })
}

/// Opens one stanza: `OpenBase(enc, sk, info, aad = kind || salt, ct)`;
/// `None` when it is not sealed to `secret` (or is malformed).
fn open_stanza<K: hpke::Kem>(
    secret: &K::PrivateKey,
    stanza: &Stanza,
    salt: &[u8; 32],
) -> Option<FileKey> {
    let enc = K::EncappedKey::from_bytes(&stanza.encapsulated_key).ok()?;
    let opened = hpke::single_shot_open::<AesGcm256, HkdfSha256, K>(
        &OpModeR::Base,
        secret,
        &enc,
        HPKE_INFO,
        &stanza.wrapped_key,
        &aad(stanza.kind, salt),
    )
    .ok()?;
    let opened = Zeroizing::new(opened);
    <[u8; 32]>::try_from(opened.as_slice())
        .ok()
        .map(FileKey::from_bytes)
}

fn aad(kind: StanzaKind, salt: &[u8; 32]) -> [u8; 33] {
    let mut aad = [0u8; 33];
    aad[0] = kind as u8;
    if let Some(rest) = aad.get_mut(1..) {
        rest.copy_from_slice(salt);
    }
    aad
}

/// The secret half of a recipient: opens the stanzas sealed to it.
pub enum FileIdentity {
    /// An X25519 secret key.
    X25519(Box<X25519Private>),
    /// An X-Wing secret key (its 32-byte seed).
    XWing(Box<XWingPrivate>),
}

impl std::fmt::Debug for FileIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileIdentity(***)")
    }
}

impl FileIdentity {
    /// A new X25519 identity.
    pub fn generate_x25519<R: CryptoRng>(rng: &mut R) -> Self {
        let (secret, _) = X25519HkdfSha256::gen_keypair_with_rng(rng);
        Self::X25519(Box::new(secret))
    }

    /// A new X-Wing (post-quantum hybrid) identity.
    pub fn generate_xwing<R: CryptoRng>(rng: &mut R) -> Self {
        let (secret, _) = XWing::gen_keypair_with_rng(rng);
        Self::XWing(Box::new(secret))
    }

    /// A device identity from the core, to open files sealed to
    /// [`Recipient::from_device`].
    ///
    /// # Errors
    /// [`FileError::InvalidKey`] (never for a valid identity).
    pub fn from_device(identity: &IdentityKeyPair) -> Result<Self, FileError> {
        let key = X25519Private::from_bytes(identity.dh_secret().as_bytes())
            .map_err(|_| FileError::InvalidKey("identity X25519 key"))?;
        Ok(Self::X25519(Box::new(key)))
    }

    /// The recipient this identity opens.
    pub fn recipient(&self) -> Recipient {
        match self {
            Self::X25519(secret) => Recipient::X25519(Box::new(X25519HkdfSha256::sk_to_pk(secret))),
            Self::XWing(secret) => Recipient::XWing(Box::new(XWing::sk_to_pk(secret))),
        }
    }

    /// The secret text form, to store in an identity file.
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        match self {
            Self::X25519(secret) => {
                let bytes = Zeroizing::new(secret.to_bytes().to_vec());
                Zeroizing::new(format!(
                    "{X25519_IDENTITY_PREFIX}{}",
                    Base64UrlUnpadded::encode_string(&bytes)
                ))
            }
            Self::XWing(secret) => {
                let bytes = Zeroizing::new(secret.to_bytes().to_vec());
                Zeroizing::new(format!(
                    "{XWING_IDENTITY_PREFIX}{}",
                    Base64UrlUnpadded::encode_string(&bytes)
                ))
            }
        }
    }

    /// Parses the secret text form.
    ///
    /// # Errors
    /// [`FileError::InvalidKey`].
    pub fn from_secret_string(text: &str) -> Result<Self, FileError> {
        let invalid = FileError::InvalidKey("identity");
        let text = text.trim();
        if let Some(encoded) = text.strip_prefix(X25519_IDENTITY_PREFIX) {
            let bytes = Zeroizing::new(
                Base64UrlUnpadded::decode_vec(encoded).map_err(|_| invalid.clone())?,
            );
            Ok(Self::X25519(Box::new(
                X25519Private::from_bytes(&bytes).map_err(|_| invalid)?,
            )))
        } else if let Some(encoded) = text.strip_prefix(XWING_IDENTITY_PREFIX) {
            let bytes = Zeroizing::new(
                Base64UrlUnpadded::decode_vec(encoded).map_err(|_| invalid.clone())?,
            );
            Ok(Self::XWing(Box::new(
                XWingPrivate::from_bytes(&bytes).map_err(|_| invalid)?,
            )))
        } else {
            Err(invalid)
        }
    }

    /// Opens the first stanza sealed to this identity.
    ///
    /// # Errors
    /// [`FileError::NoRecipients`] when there are no stanzas,
    /// [`FileError::NotARecipient`] when none opens.
    pub(crate) fn unwrap(&self, stanzas: &[Stanza], salt: &[u8; 32]) -> Result<FileKey, FileError> {
        if stanzas.is_empty() {
            return Err(FileError::NoRecipients);
        }
        for stanza in stanzas {
            let opened = match (self, stanza.kind) {
                (Self::X25519(secret), StanzaKind::X25519) => {
                    open_stanza::<X25519HkdfSha256>(secret, stanza, salt)
                }
                (Self::XWing(secret), StanzaKind::XWing) => {
                    open_stanza::<XWing>(secret, stanza, salt)
                }
                _ => None,
            };
            if let Some(key) = opened {
                return Ok(key);
            }
        }
        Err(FileError::NotARecipient)
    }
}
