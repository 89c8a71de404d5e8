//! The file key and the keys derived from it (see `docs/format/file.md`).

use rand_core::CryptoRng;

use zeroize::Zeroizing;

use super::FileError;
use crate::crypto::kdf::{HmacKey, KdfError, hkdf_sha256};
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
    /// [`FileError::Internal`] when the system has no randomness.
    pub fn random() -> Result<Self, FileError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .map_err(|_| FileError::Internal("no system randomness".into()))?;
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
    ///
    /// # Errors
    /// [`FileError::Internal`] if HKDF fails (it cannot for 32 bytes).
    pub(crate) fn payload_key(&self, salt: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>, FileError> {
        hkdf_sha256::<32>(salt, self.0.as_bytes(), PAYLOAD_INFO).map_err(internal)
    }

    /// HMAC-SHA256 over the header bytes under
    /// `HKDF-SHA256(salt, file key, "Sealkit file header v1")`.
    ///
    /// # Errors
    /// [`FileError::Internal`] if HKDF or HMAC fails (they cannot): never a
    /// MAC of zeros.
    pub(crate) fn header_mac(&self, salt: &[u8; 32], header: &[u8]) -> Result<[u8; 32], FileError> {
        let key = hkdf_sha256::<32>(salt, self.0.as_bytes(), HEADER_INFO).map_err(internal)?;
        let mac = HmacKey::new(key.as_ref()).map_err(internal)?.mac(header);
        Ok(*mac)
    }
}

fn internal(error: KdfError) -> FileError {
    FileError::Internal(format!("{} failed", error.what()))
}
