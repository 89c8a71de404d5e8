//! The STREAM chunk cipher: AES-256-GCM under the payload key, nonce =
//! 11-byte big-endian chunk counter || last-chunk flag (0x00 / 0x01), no
//! associated data, 16-byte tag appended (the layout WebCrypto's AES-GCM
//! produces, so browsers can do the bulk work natively).
//!
//! Backends (ADR 0004): aws-lc-rs on native targets for speed (its key
//! context is cleared when freed), RustCrypto's `aes-gcm` on wasm. Both
//! produce identical bytes (tested).
//!
//! [`FilePayload`] is an opened file's body: where each chunk is, and
//! opening one by index. Only `protocol.rs` builds one, from an
//! authenticated (or newly sealed) header.

use zeroize::Zeroizing;

use super::header::FileHeader;
use super::key::FileKey;
use super::protocol::{self, KeySource};
use super::{CHUNK_TAG_LEN, FileError};

/// The nonce of chunk `index`: STREAM's counter and last-block flag.
pub(crate) fn chunk_nonce(index: u64, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    // Counter is 88 bits; the u64 index fills its low 8 bytes (bytes 3..11).
    if let Some(counter) = nonce.get_mut(3..11) {
        counter.copy_from_slice(&index.to_be_bytes());
    }
    nonce[11] = u8::from(last);
    nonce
}

/// Seals and opens chunks under one payload key.
pub(crate) struct ChunkCipher {
    #[cfg(not(target_arch = "wasm32"))]
    key: aws_lc_rs::aead::LessSafeKey,
    #[cfg(target_arch = "wasm32")]
    key: Zeroizing<[u8; 32]>,
}

impl ChunkCipher {
    pub(crate) fn new(payload_key: &Zeroizing<[u8; 32]>) -> Result<Self, FileError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            // aws-lc-rs refuses only keys of the wrong length; ours are 32 bytes.
            let unbound = aws_lc_rs::aead::UnboundKey::new(
                &aws_lc_rs::aead::AES_256_GCM,
                payload_key.as_ref(),
            )
            .map_err(|_| FileError::InvalidKey("payload key"))?;
            Ok(Self {
                key: aws_lc_rs::aead::LessSafeKey::new(unbound),
            })
        }
        #[cfg(target_arch = "wasm32")]
        {
            Ok(Self {
                key: payload_key.clone(),
            })
        }
    }

    /// Encrypts `data` in place and returns the tag.
    ///
    /// # Errors
    /// [`FileError::ChunkSize`] if the AEAD refuses the input (only above
    /// AES-GCM's 64 GiB limit, far beyond [`super::MAX_CHUNK_SIZE`]).
    pub(crate) fn seal_detached(
        &self,
        index: u64,
        last: bool,
        data: &mut [u8],
    ) -> Result<[u8; CHUNK_TAG_LEN], FileError> {
        let nonce = chunk_nonce(index, last);
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let too_large = move || FileError::ChunkSize(len);
        #[cfg(not(target_arch = "wasm32"))]
        {
            let nonce = aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce);
            let tag = self
                .key
                .seal_in_place_separate_tag(nonce, aws_lc_rs::aead::Aad::empty(), data)
                .map_err(|_| too_large())?;
            let mut out = [0u8; CHUNK_TAG_LEN];
            out.copy_from_slice(tag.as_ref());
            Ok(out)
        }
        #[cfg(target_arch = "wasm32")]
        {
            crate::crypto::aead::seal_detached(&self.key, &nonce, &[], data)
                .map_err(|_| too_large())
        }
    }

    /// Seals consecutive full chunks starting at index `first`, none of
    /// them last, into `out` (exactly `count * (chunk_size + 16)` bytes) on
    /// the calling thread: each slot gets its plaintext copied in, sealed in
    /// place, and its tag after it. `in_memory.rs` spreads the same slots
    /// over all cores.
    pub(crate) fn seal_chunks_into(
        &self,
        first: u64,
        plaintext: &[u8],
        chunk_size: usize,
        out: &mut [u8],
    ) -> Result<(), FileError> {
        out.chunks_mut(chunk_size + CHUNK_TAG_LEN)
            .zip(plaintext.chunks(chunk_size))
            .enumerate()
            .try_for_each(|(i, (slot, chunk))| {
                self.seal_chunk_into(first.wrapping_add(i as u64), chunk_size, chunk, slot)
            })
    }

    /// Seals one full non-last chunk into its slot of `chunk_size + 16`
    /// bytes: the plaintext copied in, sealed in place, the tag after it.
    #[inline]
    pub(crate) fn seal_chunk_into(
        &self,
        index: u64,
        chunk_size: usize,
        chunk: &[u8],
        slot: &mut [u8],
    ) -> Result<(), FileError> {
        let (body, tag_slot) = slot.split_at_mut(chunk_size);
        body.copy_from_slice(chunk);
        let tag = self.seal_detached(index, false, body)?;
        tag_slot.copy_from_slice(&tag);
        Ok(())
    }

    /// Encrypts `buffer` in place and appends the tag.
    ///
    /// # Errors
    /// As [`ChunkCipher::seal_detached`].
    pub(crate) fn seal(
        &self,
        index: u64,
        last: bool,
        buffer: &mut Vec<u8>,
    ) -> Result<(), FileError> {
        let tag = self.seal_detached(index, last, buffer.as_mut_slice())?;
        buffer.extend_from_slice(&tag);
        Ok(())
    }

    /// Decrypts `buffer` (ciphertext and tag) in place, leaving the plaintext.
    pub(crate) fn open(
        &self,
        index: u64,
        last: bool,
        buffer: &mut Vec<u8>,
    ) -> Result<(), FileError> {
        let nonce = chunk_nonce(index, last);
        let fail = FileError::ChunkAuthentication { index };
        #[cfg(not(target_arch = "wasm32"))]
        {
            let nonce = aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce);
            let len = self
                .key
                .open_in_place(nonce, aws_lc_rs::aead::Aad::empty(), buffer.as_mut_slice())
                .map_err(|_| fail)?
                .len();
            buffer.truncate(len);
        }
        #[cfg(target_arch = "wasm32")]
        {
            *buffer =
                crate::crypto::aead::open(&self.key, &nonce, &[], buffer).map_err(|_| fail)?;
        }
        Ok(())
    }
}

/// Chunk-level access to a file's body: where each chunk's ciphertext is,
/// and opening one chunk by index. For range requests (download just the
/// header and the chunks covering a byte range) and for browsers, where the
/// bulk AES-GCM runs in WebCrypto with the nonces [`FilePayload::nonce`] gives.
pub struct FilePayload {
    cipher: ChunkCipher,
    chunk_size: u32,
    header_len: u64,
}

impl std::fmt::Debug for FilePayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePayload")
            .field("chunk_size", &self.chunk_size)
            .field("header_len", &self.header_len)
            .finish_non_exhaustive()
    }
}

impl FilePayload {
    /// The payload of a file with this header, after checking the header's
    /// MAC under `key`.
    ///
    /// # Errors
    /// [`FileError::HeaderAuthentication`] for a wrong key or tampered header.
    pub fn new(header: &FileHeader, key: &FileKey) -> Result<Self, FileError> {
        protocol::open_header(header, KeySource::Key(key))
    }

    /// Built by `protocol.rs` only, once the header is authenticated (or
    /// was just sealed).
    pub(crate) fn from_parts(cipher: ChunkCipher, chunk_size: u32, header_len: u64) -> Self {
        Self {
            cipher,
            chunk_size,
            header_len,
        }
    }

    pub(crate) fn cipher(&self) -> &ChunkCipher {
        &self.cipher
    }

    /// The chunk cipher, for an encryptor that keeps only it.
    pub(crate) fn into_cipher(self) -> ChunkCipher {
        self.cipher
    }

    /// Plaintext bytes per chunk.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Length of the header, where chunk 0 starts.
    pub fn header_len(&self) -> u64 {
        self.header_len
    }

    /// Ciphertext length of a full chunk.
    pub fn chunk_ciphertext_len(&self) -> u64 {
        u64::from(self.chunk_size) + CHUNK_TAG_LEN as u64
    }

    /// Byte offset of chunk `index` in the file.
    pub fn chunk_offset(&self, index: u64) -> Option<u64> {
        index
            .checked_mul(self.chunk_ciphertext_len())?
            .checked_add(self.header_len)
    }

    /// The 12-byte AES-GCM nonce of chunk `index`.
    pub fn nonce(index: u64, last: bool) -> [u8; 12] {
        chunk_nonce(index, last)
    }

    /// Decrypts one chunk (`last` says whether it is the file's final chunk).
    ///
    /// # Errors
    /// [`FileError::ChunkAuthentication`].
    pub fn open_chunk(
        &self,
        index: u64,
        last: bool,
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, FileError> {
        let mut buffer = ciphertext.to_vec();
        self.cipher.open(index, last, &mut buffer)?;
        Ok(buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_counter_then_last_flag() {
        assert_eq!(chunk_nonce(0, false), [0; 12]);
        let nonce = chunk_nonce(0x0102, true);
        assert_eq!(nonce[9..], [0x01, 0x02, 0x01]);
        assert_eq!(nonce[..9], [0; 9]);
    }

    #[test]
    fn native_and_rustcrypto_produce_identical_chunks() {
        let key = Zeroizing::new([0x42u8; 32]);
        let cipher = ChunkCipher::new(&key).unwrap();
        for (index, last, len) in [
            (0u64, false, 0usize),
            (1, false, 1000),
            (7, true, 65536),
            (u64::MAX, true, 3),
        ] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut ours = plaintext.clone();
            cipher.seal(index, last, &mut ours).unwrap();
            let reference =
                crate::crypto::aead::seal(&key, &chunk_nonce(index, last), &[], &plaintext)
                    .unwrap();
            assert_eq!(ours, reference, "chunk {index} last={last} len={len}");
            let mut detached = plaintext.clone();
            let tag = crate::crypto::aead::seal_detached(
                &key,
                &chunk_nonce(index, last),
                &[],
                &mut detached,
            )
            .unwrap();
            detached.extend_from_slice(&tag);
            assert_eq!(ours, detached);
            cipher.open(index, last, &mut ours).unwrap();
            assert_eq!(ours, plaintext);
        }
    }
}
