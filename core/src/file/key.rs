//! The file key and the keys derived from it (see `docs/format/file.md`).

use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::crypto::kdf::hkdf_sha256;
use crate::crypto::secret::Secret32;

/// HKDF info of the payload key.
const PAYLOAD_INFO: &[u8] = b"Sealkit file payload v1";
/// HKDF info of the header MAC key.
const HEADER_INFO: &[u8] = b"Sealkit file header v1";

/// The random 32-byte key of one file. Share it with the recipient inside an
/// encrypted chat message, or seal it to recipients in the header.
#[derive(Clone, PartialEq, Eq)]
pub struct FileKey(pub(crate) Secret32);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(***)")
    }
}

impl FileKey {
    /// A new key from the operating system's generator.
    ///
    /// # Errors
    /// [`super::FileError::Internal`] when the system has no randomness.
    pub fn random() -> Result<Self, super::FileError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .map_err(|_| super::FileError::Internal("no system randomness".into()))?;
        Ok(Self(Secret32::new(*bytes)))
    }

    /// A new key from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(bytes.as_mut());
        Self(Secret32::new(*bytes))
    }

    /// The key from its 32 bytes (as received in a chat message).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Secret32::new(bytes))
    }

    /// The key's 32 bytes, to send inside an encrypted message.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(*self.0.as_bytes())
    }

    /// `HKDF-SHA256(salt, file key, "Sealkit file payload v1")`.
    pub(crate) fn payload_key(&self, salt: &[u8; 32]) -> Zeroizing<[u8; 32]> {
        hkdf_sha256::<32>(salt, self.0.as_bytes(), PAYLOAD_INFO)
    }

    /// HMAC-SHA256 over the header bytes under
    /// `HKDF-SHA256(salt, file key, "Sealkit file header v1")`.
    pub(crate) fn header_mac(&self, salt: &[u8; 32], header: &[u8]) -> [u8; 32] {
        let key = hkdf_sha256::<32>(salt, self.0.as_bytes(), HEADER_INFO);
        let mut out = [0u8; 32];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_ref()) {
            mac.update(header);
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }
}
