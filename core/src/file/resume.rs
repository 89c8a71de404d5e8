//! What a resumed [`FileEncryptor`](super::FileEncryptor) must reproduce
//! before it writes anything new (`docs/adr/0010-safe-file-resume.md`).
//!
//! A chunk's nonce is its index and last flag only, so sealing a chunk
//! again under the same header over other plaintext reuses its nonce: the
//! XOR of the two ciphertexts is the XOR of the two plaintexts, and two
//! tags under one nonce give away GCM's authentication key. A resumed
//! encryption therefore receives every byte the interrupted one may have
//! let out past the point it resumes from ([`Sent`]), and each chunk it
//! seals again is compared with those bytes, in constant time, before any
//! of it is written. Equal bytes mean equal plaintext (for a fixed nonce
//! the ciphertext determines the plaintext), so the chunk leaks nothing
//! new; any difference refuses the chunk.

use subtle::ConstantTimeEq;

use super::{CHUNK_TAG_LEN, FileError};

/// The ciphertext an interrupted encryption may have let out from the start
/// of chunk `first` on: whole chunks and, last, a prefix of one (a write
/// that broke inside it). The bytes are dropped once every one of them has
/// been reproduced.
pub(super) struct Sent {
    /// Index of the chunk the bytes start with.
    first: u64,
    /// A full chunk's ciphertext length: chunk size + tag.
    chunk_len: usize,
    /// How many bytes were sent (kept after `bytes` is dropped).
    len: usize,
    /// The bytes not yet reproduced, and those before them.
    bytes: Vec<u8>,
}

impl Sent {
    /// `bytes` sent from the start of chunk `first` on, in a file of
    /// `chunk_size`-byte chunks.
    pub(super) fn new(first: u64, bytes: Vec<u8>, chunk_size: usize) -> Self {
        Self {
            first,
            chunk_len: chunk_size.saturating_add(CHUNK_TAG_LEN),
            len: bytes.len(),
            bytes,
        }
    }

    /// Where chunk `index` (not before `first`) starts in the sent bytes;
    /// `None` when that does not fit a `usize`, i.e. far past them.
    fn offset(&self, index: u64) -> Option<usize> {
        let chunks = usize::try_from(index.saturating_sub(self.first)).ok()?;
        chunks.checked_mul(self.chunk_len)
    }

    /// Checks freshly sealed chunks, back to back in `sealed` from chunk
    /// `index` on (full chunks; the file's final chunk may be shorter),
    /// against the sent bytes they overlap: each chunk's overlap must be
    /// identical. Call it before writing `sealed`.
    ///
    /// # Errors
    /// [`FileError::ResumeMismatch`] with the first chunk that differs, or
    /// with `index` if it is before the sent bytes (never sealed again).
    pub(super) fn check(&mut self, index: u64, sealed: &[u8]) -> Result<(), FileError> {
        if self.len == 0 {
            return Ok(());
        }
        if index < self.first {
            return Err(FileError::ResumeMismatch { index });
        }
        let mut chunk_index = index;
        let mut offset = self.offset(index);
        for chunk in sealed.chunks(self.chunk_len) {
            // Past everything sent: nothing more to compare.
            let Some(start) = offset.filter(|&start| start < self.len) else {
                break;
            };
            let mismatch = FileError::ResumeMismatch { index: chunk_index };
            let end = start.saturating_add(chunk.len()).min(self.len);
            let stored = self.bytes.get(start..end).ok_or(mismatch.clone())?;
            let fresh = chunk.get(..stored.len()).ok_or(mismatch.clone())?;
            if !bool::from(fresh.ct_eq(stored)) {
                return Err(mismatch);
            }
            chunk_index = chunk_index.saturating_add(1);
            offset = start.checked_add(self.chunk_len);
        }
        let checked_to = self
            .offset(index)
            .and_then(|start| start.checked_add(sealed.len()));
        if checked_to.is_none_or(|end| end >= self.len) {
            // All reproduced: the copy is no longer needed.
            self.bytes = Vec::new();
        }
        Ok(())
    }

    /// At the end of the file: the final chunk is chunk `index`, `len`
    /// bytes sealed (and checked). Sent bytes beyond it mean the
    /// interrupted encryption had more plaintext: refused.
    ///
    /// # Errors
    /// [`FileError::ResumeMismatch`] with the first chunk not reproduced.
    pub(super) fn check_end(&self, index: u64, len: usize) -> Result<(), FileError> {
        if self.len == 0 {
            return Ok(());
        }
        let end = self.offset(index).and_then(|start| start.checked_add(len));
        if index >= self.first && end.is_none_or(|end| end >= self.len) {
            return Ok(());
        }
        // The first sent chunk left out: the final one if it is shorter than
        // what was sent of it, else the one after it.
        Err(FileError::ResumeMismatch {
            index: if len < self.chunk_len {
                index
            } else {
                index.saturating_add(1)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks of 4 bytes (sealed: 20): small enough to write out by hand.
    const CHUNK: usize = 4;
    const SEALED: usize = CHUNK + CHUNK_TAG_LEN;

    /// `count` sealed chunks whose bytes are `base + chunk index`.
    fn chunks(first: u8, count: usize) -> Vec<u8> {
        (0..count).flat_map(|i| [first + i as u8; SEALED]).collect()
    }

    fn mismatch(index: u64) -> Result<(), FileError> {
        Err(FileError::ResumeMismatch { index })
    }

    #[test]
    fn nothing_sent_accepts_anything() {
        let mut sent = Sent::new(3, Vec::new(), CHUNK);
        assert_eq!(sent.check(3, &chunks(9, 2)), Ok(()));
        assert_eq!(sent.check_end(5, 7), Ok(()));
    }

    #[test]
    fn chunks_that_reproduce_what_was_sent_pass_and_release_it() {
        // Chunks 5 and 6 sent in full, 7 in part.
        let mut bytes = chunks(5, 3);
        bytes.truncate(2 * SEALED + 9);
        let mut sent = Sent::new(5, bytes, CHUNK);
        assert_eq!(sent.check(5, &chunks(5, 1)), Ok(()));
        assert_eq!(sent.bytes.len(), 2 * SEALED + 9, "still needed");
        assert_eq!(sent.check(6, &chunks(6, 4)), Ok(()));
        assert!(sent.bytes.is_empty(), "all reproduced");
        // Later chunks are past what was sent.
        assert_eq!(sent.check(10, &chunks(0, 1)), Ok(()));
        assert_eq!(sent.check_end(11, 17), Ok(()));
    }

    #[test]
    fn the_first_chunk_that_differs_is_named_and_nothing_is_released() {
        let mut sent = Sent::new(5, chunks(5, 3), CHUNK);
        let mut sealed = chunks(5, 3);
        sealed[SEALED + CHUNK_TAG_LEN] ^= 1; // the tag of chunk 6
        sealed[2 * SEALED] ^= 1; // and chunk 7
        assert_eq!(sent.check(5, &sealed), mismatch(6));
        assert_eq!(sent.bytes.len(), 3 * SEALED);
    }

    #[test]
    fn a_chunk_sent_in_part_must_reproduce_that_part_only() {
        let mut bytes = chunks(5, 1);
        bytes.truncate(3);
        let mut sealed = chunks(5, 1);
        sealed[3] ^= 1; // past what was sent
        assert_eq!(Sent::new(5, bytes.clone(), CHUNK).check(5, &sealed), Ok(()));
        sealed[2] ^= 1; // inside it
        assert_eq!(Sent::new(5, bytes, CHUNK).check(5, &sealed), mismatch(5));
    }

    #[test]
    fn a_final_chunk_shorter_than_what_was_sent_of_it_is_refused() {
        // Chunk 5 sent in full, chunk 6 in part (10 bytes).
        let mut bytes = chunks(5, 2);
        bytes.truncate(SEALED + 10);
        let mut sent = Sent::new(5, bytes.clone(), CHUNK);
        // A final chunk 6 of 8 bytes sealed, matching the first 8 sent.
        let last = [6u8; 8];
        assert_eq!(sent.check(6, &last), Ok(()));
        assert_eq!(sent.check_end(6, last.len()), mismatch(6));
        // The file ends with a full final chunk 5: chunk 6 was left out.
        let mut sent = Sent::new(5, bytes, CHUNK);
        assert_eq!(sent.check(5, &chunks(5, 1)), Ok(()));
        assert_eq!(sent.check_end(5, SEALED), mismatch(6));
    }

    #[test]
    fn a_chunk_before_what_was_sent_is_refused_and_one_far_past_it_passes() {
        let mut sent = Sent::new(5, chunks(5, 1), CHUNK);
        assert_eq!(sent.check(4, &chunks(4, 2)), mismatch(4));
        assert_eq!(sent.check_end(4, 4), mismatch(4));
        // Offsets too large for a usize are far past what was sent.
        let mut far = Sent::new(0, chunks(0, 1), usize::MAX);
        assert_eq!(far.check(u64::MAX, &[0; 4]), Ok(()));
        assert_eq!(far.check_end(u64::MAX, 4), Ok(()));
    }
}
