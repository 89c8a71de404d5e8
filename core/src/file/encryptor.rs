//! [`FileEncryptor`]: `impl Write` that writes the header, then seals the
//! body chunk by chunk. A chunk is sealed only once data beyond it has
//! arrived, so it is known not to be the last; [`FileEncryptor::finish`]
//! seals the final chunk with the last flag and must be called.
//!
//! Memory stays constant: at most one batch of plaintext (about 1 MiB, at
//! least one chunk) plus its ciphertext is held. A batch is sealed on the
//! calling thread: with the native AES-GCM a 1 MiB batch takes about 0.1 ms,
//! less than handing half of it to another core costs (measured: two
//! threads 6.8 GiB/s, one thread 8.3 GiB/s, `benches/README.md`). A whole
//! file in memory goes through [`encrypt_in_memory`] or
//! [`encrypt_in_memory_into`], which seal all chunks on all cores with the
//! `parallel` feature; the bytes are the same either way.

use std::io::Write;

use rand_core::{CryptoRng, SeedableRng};

use super::cipher::ChunkCipher;
use super::header::FileHeader;
use super::key::FileKey;
use super::recipients::Recipient;
use super::{
    CHUNK_TAG_LEN, FileError, FileOptions, MAX_CHUNK_SIZE, MAX_RECIPIENTS, MIN_CHUNK_SIZE,
};
use crate::codec::DecodeError;

/// Plaintext gathered before a batch is sealed and written: few enough
/// writes, little enough to stay within the memory budget.
const BATCH_BYTES: usize = 1 << 20;

/// Encrypts a stream into a Sealkit file. See the module docs.
pub struct FileEncryptor<W: Write> {
    out: W,
    cipher: ChunkCipher,
    header: Vec<u8>,
    chunk_size: usize,
    batch_chunks: usize,
    next_index: u64,
    buffer: Vec<u8>,
    /// Reused output of the last sealed batch (allocated once).
    sealed: Vec<u8>,
    /// Set when a write failed: the output is incomplete, refuse to continue.
    poisoned: bool,
}

impl<W: Write> std::fmt::Debug for FileEncryptor<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileEncryptor")
            .field("chunk_size", &self.chunk_size)
            .field("next_index", &self.next_index)
            .finish_non_exhaustive()
    }
}

fn check_chunk_size(chunk_size: u32) -> Result<(), FileError> {
    if (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        Ok(())
    } else {
        Err(FileError::ChunkSize(chunk_size))
    }
}

impl<W: Write> FileEncryptor<W> {
    /// Starts a file under `key` with default options and a salt from the
    /// operating system; the key travels separately (e.g. in a chat message).
    ///
    /// # Errors
    /// [`FileError::Io`] when writing the header fails,
    /// [`FileError::Internal`] when the system has no randomness.
    pub fn new(out: W, key: &FileKey) -> Result<Self, FileError> {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(os_seed()?);
        Self::with_options(out, key, FileOptions::default(), &mut rng)
    }

    /// Starts a file under `key`, taking the salt from `rng`.
    ///
    /// # Errors
    /// [`FileError::ChunkSize`], [`FileError::Io`].
    pub fn with_options<R: CryptoRng>(
        out: W,
        key: &FileKey,
        options: FileOptions,
        rng: &mut R,
    ) -> Result<Self, FileError> {
        Self::start(out, key, options, &[], rng)
    }

    /// Starts a file whose key is sealed in the header to each recipient
    /// (HPKE). Returns the encryptor and the new file key.
    ///
    /// # Errors
    /// [`FileError::NoRecipients`] for an empty list (nobody could open the
    /// file), [`FileError::Header`] above [`MAX_RECIPIENTS`],
    /// [`FileError::ChunkSize`], [`FileError::Io`].
    pub fn to_recipients<R: CryptoRng>(
        out: W,
        recipients: &[Recipient],
        options: FileOptions,
        rng: &mut R,
    ) -> Result<(Self, FileKey), FileError> {
        if recipients.is_empty() {
            return Err(FileError::NoRecipients);
        }
        let key = FileKey::generate(rng);
        let encryptor = Self::start(out, &key, options, recipients, rng)?;
        Ok((encryptor, key))
    }

    fn start<R: CryptoRng>(
        mut out: W,
        key: &FileKey,
        options: FileOptions,
        recipients: &[Recipient],
        rng: &mut R,
    ) -> Result<Self, FileError> {
        check_chunk_size(options.chunk_size)?;
        if recipients.len() > MAX_RECIPIENTS {
            return Err(DecodeError::TooLarge {
                what: "recipients",
                got: recipients.len() as u64,
                max: MAX_RECIPIENTS as u64,
            }
            .into());
        }
        let mut salt = [0u8; 32];
        rng.fill_bytes(&mut salt);
        let stanzas = recipients
            .iter()
            .map(|recipient| recipient.seal(rng, key, &salt))
            .collect::<Result<Vec<_>, _>>()?;
        let mut header = FileHeader {
            chunk_size: options.chunk_size,
            salt,
            stanzas,
            mac: [0; 32],
        };
        header.mac = key.header_mac(&salt, &header.authenticated_bytes());
        let header_bytes = header.encode();
        out.write_all(&header_bytes)?;
        Self::continue_at(out, key, &header, header_bytes, 0)
    }

    /// Resumes an interrupted encryption: `header` is the header written
    /// before ([`FileEncryptor::header`], or the start of the partial
    /// upload) and `chunks_written` how many chunks were sealed
    /// ([`FileEncryptor::chunks_written`]). Write the plaintext from offset
    /// `chunks_written * chunk_size` on; the output continues the file
    /// byte for byte.
    ///
    /// # Errors
    /// [`FileError::Header`], [`FileError::HeaderAuthentication`] when the
    /// header is not this key's.
    pub fn resume(
        out: W,
        key: &FileKey,
        header: &[u8],
        chunks_written: u64,
    ) -> Result<Self, FileError> {
        let (parsed, len) = FileHeader::decode(header)?;
        if len != header.len() {
            return Err(FileError::Header(DecodeError::TrailingBytes));
        }
        super::cipher::verify_header(&parsed, key)?;
        Self::continue_at(out, key, &parsed, header.to_vec(), chunks_written)
    }

    fn continue_at(
        out: W,
        key: &FileKey,
        header: &FileHeader,
        header_bytes: Vec<u8>,
        next_index: u64,
    ) -> Result<Self, FileError> {
        let chunk_size = header.chunk_size as usize;
        let batch_chunks = (BATCH_BYTES / chunk_size).max(1);
        Ok(Self {
            out,
            cipher: ChunkCipher::new(&key.payload_key(&header.salt))?,
            header: header_bytes,
            chunk_size,
            batch_chunks,
            next_index,
            buffer: Vec::with_capacity(batch_chunks * chunk_size + 1),
            sealed: Vec::new(),
            poisoned: false,
        })
    }

    /// The header bytes, to keep for [`FileEncryptor::resume`].
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// How many chunks have been sealed and written so far.
    pub fn chunks_written(&self) -> u64 {
        self.next_index
    }

    /// Seals every buffered chunk that is known not to be last, in batches.
    fn seal_ready(&mut self) -> Result<(), FileError> {
        while self.buffer.len() > self.batch_chunks * self.chunk_size {
            self.seal_front(self.batch_chunks)?;
        }
        Ok(())
    }

    /// Seals the first `count` full chunks of the buffer as non-last chunks.
    fn seal_front(&mut self, count: usize) -> Result<(), FileError> {
        let bytes = count * self.chunk_size;
        let buffer = std::mem::take(&mut self.buffer);
        let result = self.seal_and_write(buffer.get(..bytes).unwrap_or_default());
        self.buffer = buffer;
        self.buffer.drain(..bytes);
        result
    }

    /// Seals `plaintext` (whole chunks, none of them last) into the reused
    /// output buffer and writes it. Counts the chunks only once written, so
    /// `chunks_written` is always a safe resume point.
    fn seal_and_write(&mut self, plaintext: &[u8]) -> Result<(), FileError> {
        let count = plaintext.len() / self.chunk_size;
        let first = self.next_index;
        let next = first
            .checked_add(count as u64)
            .ok_or(FileError::CounterExhausted)?;
        let mut sealed = std::mem::take(&mut self.sealed);
        sealed.resize(count * (self.chunk_size + CHUNK_TAG_LEN), 0);
        let result = seal_chunks_into(
            &self.cipher,
            first,
            plaintext,
            self.chunk_size,
            &mut sealed,
            Cores::One,
        )
        .and_then(|()| self.write_out(&sealed));
        self.sealed = sealed;
        result?;
        self.next_index = next;
        Ok(())
    }

    fn write_out(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        if let Err(error) = self.out.write_all(bytes) {
            self.poisoned = true;
            return Err(error.into());
        }
        Ok(())
    }

    /// Seals the rest, the final chunk with the last flag, flushes, and
    /// returns the writer. Without it the file is incomplete (and a reader
    /// reports it truncated).
    ///
    /// # Errors
    /// [`FileError::Io`], [`FileError::EmptyResume`] when a resumed
    /// encryption received no data.
    pub fn finish(mut self) -> Result<W, FileError> {
        if self.poisoned {
            return Err(FileError::Io(
                "an earlier write failed; the output is incomplete".into(),
            ));
        }
        let full_before_last = self.buffer.len().saturating_sub(1) / self.chunk_size;
        if full_before_last > 0 {
            self.seal_front(full_before_last)?;
        }
        if self.buffer.is_empty() && self.next_index > 0 {
            return Err(FileError::EmptyResume);
        }
        let mut last = std::mem::take(&mut self.buffer);
        self.cipher.seal(self.next_index, true, &mut last)?;
        self.write_out(&last)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for FileEncryptor<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.poisoned {
            return Err(FileError::Io("an earlier write failed".into()).into_io());
        }
        // Nothing buffered and more than a batch given: seal whole batches
        // straight from the caller's slice, one batch at a time through the
        // reused output buffer (the data after them shows they are not
        // last), skipping the staging copy.
        let batch = self.batch_chunks * self.chunk_size;
        if self.buffer.is_empty() && data.len() > batch {
            let mut done = 0;
            while data.len() - done > batch {
                self.seal_and_write(data.get(done..done + batch).unwrap_or_default())
                    .map_err(FileError::into_io)?;
                done += batch;
            }
            return Ok(done);
        }
        // Take at most what fits a batch plus one byte, so the buffer stays bounded.
        let room = (self.batch_chunks * self.chunk_size + 1)
            .saturating_sub(self.buffer.len())
            .max(1);
        let taken = data.len().min(room);
        self.buffer
            .extend_from_slice(data.get(..taken).unwrap_or_default());
        self.seal_ready().map_err(FileError::into_io)?;
        Ok(taken)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn os_seed() -> Result<[u8; 32], FileError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| FileError::Internal("no system randomness".into()))?;
    Ok(seed)
}

impl FileEncryptor<Vec<u8>> {
    /// Takes the ciphertext produced so far (for the async adapter, which
    /// encrypts into a buffer and writes it out itself).
    #[cfg(feature = "async")]
    pub(crate) fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Seals the final chunk into the buffer without consuming the encryptor.
    #[cfg(feature = "async")]
    pub(crate) fn finish_into_buffer(self) -> Result<Vec<u8>, FileError> {
        self.finish()
    }
}

/// Whether [`seal_chunks_into`] may spread the chunks over the rayon pool.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cores {
    One,
    All,
}

/// Seals consecutive full chunks starting at index `first`, none of them
/// last, into `out` (exactly `count * (chunk_size + 16)` bytes): each slot
/// gets its plaintext copied in, sealed in place, and its tag after it. On
/// all cores with `Cores::All` and the `parallel` feature (copy included);
/// same bytes either way.
fn seal_chunks_into(
    cipher: &ChunkCipher,
    first: u64,
    plaintext: &[u8],
    chunk_size: usize,
    out: &mut [u8],
    cores: Cores,
) -> Result<(), FileError> {
    let sealed_len = chunk_size + CHUNK_TAG_LEN;
    let seal_one = |(i, (slot, chunk)): (usize, (&mut [u8], &[u8]))| -> Result<(), FileError> {
        let (body, tag_slot) = slot.split_at_mut(chunk_size);
        body.copy_from_slice(chunk);
        let tag = cipher.seal_detached(first.wrapping_add(i as u64), false, body)?;
        tag_slot.copy_from_slice(&tag);
        Ok(())
    };
    #[cfg(not(all(feature = "parallel", not(target_arch = "wasm32"))))]
    let _ = cores;
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    {
        use rayon::prelude::*;
        if cores == Cores::All && plaintext.len() > chunk_size {
            return out
                .par_chunks_mut(sealed_len)
                .zip(plaintext.par_chunks(chunk_size))
                .enumerate()
                .try_for_each(seal_one);
        }
    }
    out.chunks_mut(sealed_len)
        .zip(plaintext.chunks(chunk_size))
        .enumerate()
        .try_for_each(seal_one)
}

/// Encrypts a whole buffer at once (all chunks in parallel with the
/// `parallel` feature): the same bytes as streaming it through a
/// [`FileEncryptor`] with the same key and salt source.
///
/// # Errors
/// [`FileError::ChunkSize`].
pub fn encrypt_in_memory<R: CryptoRng>(
    plaintext: &[u8],
    key: &FileKey,
    options: FileOptions,
    rng: &mut R,
) -> Result<Vec<u8>, FileError> {
    let (header, cipher) = start_in_memory(key, options, rng)?;
    // One zeroed allocation of the final size (fresh pages from the system
    // for large files, mapped in by whichever core first writes them); the
    // chunks are sealed into it in place.
    let mut out = vec![0u8; sealed_len(plaintext.len(), &header, options)];
    seal_in_memory(plaintext, &header, &cipher, options, &mut out)?;
    Ok(out)
}

/// [`encrypt_in_memory`] into a caller's buffer, reusing its memory: `out`
/// is overwritten with the encrypted file and resized to its length. When
/// `out` already has that length (the same size of file again) no byte of it
/// is written twice and no memory is mapped, so the sealing runs at the
/// speed of the cores rather than of the kernel's page faults. Same bytes as
/// [`encrypt_in_memory`].
///
/// # Errors
/// [`FileError::ChunkSize`]; `out` is then left as it was.
pub fn encrypt_in_memory_into<R: CryptoRng>(
    plaintext: &[u8],
    key: &FileKey,
    options: FileOptions,
    rng: &mut R,
    out: &mut Vec<u8>,
) -> Result<(), FileError> {
    let (header, cipher) = start_in_memory(key, options, rng)?;
    out.resize(sealed_len(plaintext.len(), &header, options), 0);
    seal_in_memory(plaintext, &header, &cipher, options, out)
}

/// The header (written) and the chunk cipher of a new in-memory file.
fn start_in_memory<R: CryptoRng>(
    key: &FileKey,
    options: FileOptions,
    rng: &mut R,
) -> Result<(Vec<u8>, ChunkCipher), FileError> {
    let mut header = Vec::new();
    let encryptor = FileEncryptor::with_options(&mut header, key, options, rng)?;
    let cipher = encryptor.cipher;
    Ok((header, cipher))
}

/// Length of the encrypted file: header, every chunk, one tag per chunk
/// (an empty plaintext is one empty last chunk).
fn sealed_len(plaintext_len: usize, header: &[u8], options: FileOptions) -> usize {
    let chunk_size = options.chunk_size as usize;
    let chunks = plaintext_len.saturating_sub(1) / chunk_size + 1;
    header.len() + plaintext_len + chunks * CHUNK_TAG_LEN
}

/// Writes every byte of `out` (exactly [`sealed_len`] long): the header,
/// the full chunks (in parallel with the `parallel` feature), the last chunk.
fn seal_in_memory(
    plaintext: &[u8],
    header: &[u8],
    cipher: &ChunkCipher,
    options: FileOptions,
    out: &mut [u8],
) -> Result<(), FileError> {
    let chunk_size = options.chunk_size as usize;
    let full_before_last = plaintext.len().saturating_sub(1) / chunk_size;
    let body = full_before_last * chunk_size;
    let sealed_body = full_before_last * (chunk_size + CHUNK_TAG_LEN);
    let last = plaintext.get(body..).unwrap_or_default();
    // `out` is exactly `sealed_len` long (both callers size it so); a
    // mismatch is refused rather than a panic.
    let wrong_length = || FileError::Io("in-memory output of the wrong length".into());
    let (head, rest) = out
        .split_at_mut_checked(header.len())
        .ok_or_else(wrong_length)?;
    head.copy_from_slice(header);
    let (sealed, tail) = rest
        .split_at_mut_checked(sealed_body)
        .ok_or_else(wrong_length)?;
    seal_chunks_into(
        cipher,
        0,
        plaintext.get(..body).unwrap_or_default(),
        chunk_size,
        sealed,
        Cores::All,
    )?;
    let (last_body, last_tag) = tail
        .split_at_mut_checked(last.len())
        .ok_or_else(wrong_length)?;
    if last_tag.len() != CHUNK_TAG_LEN {
        return Err(wrong_length());
    }
    last_body.copy_from_slice(last);
    let tag = cipher.seal_detached(full_before_last as u64, true, last_body)?;
    last_tag.copy_from_slice(&tag);
    Ok(())
}
