//! The sealed media frame around the SFrame ciphertext:
//! `version (u8) | clear header length (u16 BE) | clear header | SFrame ciphertext`.
//! The SFrame ciphertext (`SFrame header | encrypted frame | tag`) is the
//! `sframe` crate's; the clear header is its metadata (RFC 9605 section 9.4),
//! authenticated, not encrypted. Parsing only: the cryptography is in
//! `epoch.rs`.

use std::convert::Infallible;

use sframe::frame::{FrameBuffer, Truncate};

use super::MediaError;

/// Version byte of the sealed media frame written by this build.
pub const MEDIA_FRAME_VERSION: u8 = 1;
/// Largest clear header: its length is a `u16`. Codec headers that must stay
/// readable (a VP8 payload descriptor, an H.264 NAL header) are a few bytes.
pub const MAX_CLEAR_HEADER_LEN: usize = u16::MAX as usize;

/// Bytes in front of the clear header: version and length.
pub(super) const PREFIX_LEN: usize = 3;
/// Longest SFrame header: config byte, 8-byte KID, 8-byte CTR.
pub(super) const MAX_SFRAME_HEADER_LEN: usize = 17;

/// The prefix of a sealed frame with a clear header of `clear_header_len` bytes.
pub(super) fn prefix(clear_header_len: usize) -> Result<[u8; PREFIX_LEN], MediaError> {
    let len = u16::try_from(clear_header_len).map_err(|_| MediaError::ClearHeaderTooLarge {
        len: clear_header_len,
        max: MAX_CLEAR_HEADER_LEN,
    })?;
    let [high, low] = len.to_be_bytes();
    Ok([MEDIA_FRAME_VERSION, high, low])
}

/// Splits a sealed frame into its clear header and SFrame ciphertext.
pub(super) fn split(sealed: &[u8]) -> Result<(&[u8], &[u8]), MediaError> {
    let (&version, rest) = sealed
        .split_first()
        .ok_or(MediaError::Malformed("empty frame"))?;
    if version != MEDIA_FRAME_VERSION {
        return Err(MediaError::UnsupportedVersion(version));
    }
    let (len, rest) = rest
        .split_first_chunk::<2>()
        .ok_or(MediaError::Malformed("truncated clear header length"))?;
    rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))
        .ok_or(MediaError::Malformed("clear header runs past the frame"))
}

/// The output buffer of an encryption: the prefix, then what the `sframe`
/// crate writes (clear header, SFrame header, ciphertext, tag), in one
/// allocation and without a copy.
pub(super) struct SealedBuffer {
    bytes: Vec<u8>,
}

impl SealedBuffer {
    pub(super) fn new(prefix: [u8; PREFIX_LEN], capacity: usize) -> Self {
        let mut bytes = Vec::with_capacity(capacity);
        bytes.extend_from_slice(&prefix);
        Self { bytes }
    }

    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl FrameBuffer for SealedBuffer {
    type BufferSlice = Self;
    type Error = Infallible;

    fn allocate(&mut self, size: usize) -> Result<&mut Self, Infallible> {
        self.bytes.resize(PREFIX_LEN.saturating_add(size), 0);
        Ok(self)
    }
}

impl AsRef<[u8]> for SealedBuffer {
    fn as_ref(&self) -> &[u8] {
        self.bytes.get(PREFIX_LEN..).unwrap_or_default()
    }
}

impl AsMut<[u8]> for SealedBuffer {
    fn as_mut(&mut self) -> &mut [u8] {
        self.bytes.get_mut(PREFIX_LEN..).unwrap_or_default()
    }
}

impl Truncate for SealedBuffer {
    fn truncate(&mut self, len: usize) {
        self.bytes.truncate(PREFIX_LEN.saturating_add(len));
    }
}
