//! AES-256-GCM (NIST SP 800-38D) through the `aes-gcm` crate: 12-byte nonce,
//! 16-byte tag appended to the ciphertext.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// Length of the authentication tag appended to every ciphertext.
pub(crate) const TAG_LEN: usize = 16;
/// Length of an AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;

/// The AEAD failed to authenticate (wrong key, tampered bytes or wrong AAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AeadError;

pub(crate) fn seal(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, AeadError> {
    let cipher = Aes256Gcm::new(key.into());
    // The crate fails only for plaintexts above AES-GCM's 2^36-byte limit;
    // that is reported, never turned into an empty ciphertext.
    cipher
        .encrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| AeadError)
}

/// Encrypts `buffer` in place and returns the detached tag.
#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
pub(crate) fn seal_detached(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; TAG_LEN], AeadError> {
    use aes_gcm::aead::AeadInOut;
    let cipher = Aes256Gcm::new(key.into());
    let tag = cipher
        .encrypt_inout_detached(&Nonce::from(*nonce), aad, buffer.into())
        .map_err(|_| AeadError)?;
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&tag);
    Ok(out)
}

pub(crate) fn open(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, AeadError> {
    let cipher = Aes256Gcm::new(key.into());
    cipher
        .decrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| AeadError)
}
