//! [`FileEncryptor`]: `impl Write` that writes the header
//! ([`protocol::seal_header`]), then frames the body into chunks: it buffers
//! the plaintext, counts the chunks, and seals a chunk only once data beyond
//! it has arrived, so it is known not to be the last;
//! [`FileEncryptor::finish`] seals the final chunk with the last flag and
//! must be called. [`FileEncryptor::resume`] continues a file from any chunk,
//! given every byte the interrupted encryption may have let out past it: it
//! seals those chunks again and writes nothing until they reproduce these
//! bytes exactly, so no chunk is ever sealed twice over different plaintext
//! (`resume.rs`, ADR 0010).
//!
//! Memory stays constant: at most one batch of plaintext (about 1 MiB, at
//! least one chunk) plus its ciphertext is held. A batch is sealed on the
//! calling thread: with the native AES-GCM a 1 MiB batch takes about 0.1 ms,
//! less than handing half of it to another core costs (measured: two
//! threads 6.8 GiB/s, one thread 8.3 GiB/s, `benches/README.md`). A whole
//! file in memory goes through [`encrypt_in_memory`](super::encrypt_in_memory)
//! or [`encrypt_in_memory_into`](super::encrypt_in_memory_into)
//! (`in_memory.rs`), which seal all chunks on all cores with the `parallel`
//! feature; the bytes are the same either way.

use std::io::Write;

use rand_core::CryptoRng;

use super::cipher::{ChunkCipher, FilePayload};
use super::key::FileKey;
use super::protocol;
use super::recipients::Recipient;
use super::resume::Sent;
use super::{CHUNK_TAG_LEN, FileError, FileOptions};

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
    /// What a resumed encryption must reproduce before it writes anything
    /// new (empty for a new file).
    sent: Sent,
    /// Set when the encryptor must not go on, to the error every later
    /// call returns: a write failed (the output is incomplete), or a resumed
    /// chunk did not reproduce what was sent.
    poisoned: Option<FileError>,
}

impl<W: Write> std::fmt::Debug for FileEncryptor<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileEncryptor")
            .field("chunk_size", &self.chunk_size)
            .field("next_index", &self.next_index)
            .finish_non_exhaustive()
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
        let mut rng = super::SystemRng::new();
        let encryptor = Self::with_options(out, key, FileOptions::default(), &mut rng)?;
        // The salt is all it drew. (The header is already written: a caller
        // that gets this error discards the output, as for any error.)
        rng.check()?;
        Ok(encryptor)
    }

    /// Starts a file under `key`, taking the salt from `rng`.
    ///
    /// # Errors
    /// [`FileError::InvalidChunkSize`], [`FileError::Io`].
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
    /// file), [`FileError::TooManyRecipients`] above
    /// [`MAX_RECIPIENTS`](super::MAX_RECIPIENTS),
    /// [`FileError::InvalidChunkSize`], [`FileError::Io`].
    pub fn to_recipients<R: CryptoRng>(
        out: W,
        recipients: &[Recipient],
        options: FileOptions,
        rng: &mut R,
    ) -> Result<(Self, FileKey), FileError> {
        let key = protocol::recipients_file_key(recipients, rng)?;
        let encryptor = Self::start(out, &key, options, recipients, rng)?;
        Ok((encryptor, key))
    }

    /// Writes the header [`protocol::seal_header`] makes, then takes the
    /// body from chunk 0.
    fn start<R: CryptoRng>(
        mut out: W,
        key: &FileKey,
        options: FileOptions,
        recipients: &[Recipient],
        rng: &mut R,
    ) -> Result<Self, FileError> {
        let (header, payload) = protocol::seal_header(key, options, recipients, rng)?;
        out.write_all(&header)?;
        Ok(Self::continue_at(out, header, payload, 0, Vec::new()))
    }

    /// Resumes an interrupted encryption at chunk `from_chunk`, refusing to
    /// seal any chunk over other plaintext than the interrupted one's
    /// (ADR 0010, `docs/format/file.md#resumption`).
    ///
    /// - `header`: the header written before ([`FileEncryptor::header`], or
    ///   the start of the partial output). It is not written again.
    /// - `from_chunk`: the first chunk to seal again; chunks before it must
    ///   already be in place at the destination. The interrupted
    ///   encryptor's [`FileEncryptor::chunks_written`] is always one.
    /// - `sent`: **every byte the interrupted encryption may have let out**
    ///   from the start of chunk `from_chunk` on (from byte
    ///   `header.len() + from_chunk * (chunk_size + 16)` of its output):
    ///   the chunks and the part of a chunk the destination holds past that
    ///   point, and anything handed to the writer that it may not have
    ///   stored. Empty when nothing past chunk `from_chunk` left. Take it
    ///   from your own record of what you wrote, or from a destination you
    ///   trust to report all it received: a destination that holds back or
    ///   alters bytes it received defeats the check.
    ///
    /// Write the plaintext from byte `from_chunk * chunk_size` on, then
    /// [`FileEncryptor::finish`]. Each chunk sealed again is compared in
    /// constant time with `sent` (a chunk of which only a part was sent,
    /// with that part) before anything of it is written; the output is
    /// the file from the start of chunk `from_chunk` on, and its first
    /// `sent.len()` bytes are `sent` again: write it at that offset, or skip
    /// what the destination already holds and append the rest. If the
    /// plaintext differs from the interrupted encryption's anywhere in
    /// `sent`, or ends before `sent` does, the write (or `finish`) fails with
    /// [`FileError::ResumeMismatch`], nothing of that chunk or after it is
    /// written, and the encryptor refuses to continue: encrypt the file
    /// again from the start, with a new encryptor (a new header and salt).
    ///
    /// The encryptor holds `sent` until it has been reproduced.
    ///
    /// # Errors
    /// [`FileError::Header`], [`FileError::HeaderAuthentication`] when the
    /// header is not this key's.
    pub fn resume(
        out: W,
        key: &FileKey,
        header: &[u8],
        from_chunk: u64,
        sent: Vec<u8>,
    ) -> Result<Self, FileError> {
        let payload = protocol::open_header_bytes(header, key)?;
        Ok(Self::continue_at(
            out,
            header.to_vec(),
            payload,
            from_chunk,
            sent,
        ))
    }

    fn continue_at(
        out: W,
        header: Vec<u8>,
        payload: FilePayload,
        next_index: u64,
        sent: Vec<u8>,
    ) -> Self {
        let chunk_size = payload.chunk_size() as usize;
        let batch_chunks = (BATCH_BYTES / chunk_size).max(1);
        Self {
            out,
            cipher: payload.into_cipher(),
            header,
            chunk_size,
            batch_chunks,
            next_index,
            buffer: Vec::with_capacity(batch_chunks * chunk_size + 1),
            sealed: Vec::new(),
            sent: Sent::new(next_index, sent, chunk_size),
            poisoned: None,
        }
    }

    /// The header bytes, to keep for [`FileEncryptor::resume`].
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// How many chunks have been sealed and written so far (from chunk 0,
    /// for a resumed encryption too). A chunk is counted only once the writer
    /// accepted all of it, so after a failed write this is a resume point;
    /// the failed write may still have let out part of what follows, which
    /// [`FileEncryptor::resume`] then needs as `sent`.
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
    /// output buffer, checks it against what was sent, and writes it.
    /// Counts the chunks only once written, so `chunks_written` is always a
    /// resume point.
    fn seal_and_write(&mut self, plaintext: &[u8]) -> Result<(), FileError> {
        let count = plaintext.len() / self.chunk_size;
        let first = self.next_index;
        let next = first
            .checked_add(count as u64)
            .ok_or(FileError::CounterExhausted)?;
        let mut sealed = std::mem::take(&mut self.sealed);
        sealed.resize(count * (self.chunk_size + CHUNK_TAG_LEN), 0);
        let result = self
            .cipher
            .seal_chunks_into(first, plaintext, self.chunk_size, &mut sealed)
            .and_then(|()| self.reproduces_sent(first, &sealed))
            .and_then(|()| self.write_out(&sealed));
        self.sealed = sealed;
        result?;
        self.next_index = next;
        Ok(())
    }

    /// Checks chunks sealed from index `first` against what the interrupted
    /// encryption sent; a difference poisons the encryptor, before anything
    /// of them is written.
    fn reproduces_sent(&mut self, first: u64, sealed: &[u8]) -> Result<(), FileError> {
        self.sent
            .check(first, sealed)
            .inspect_err(|error| self.poison(error.clone()))
    }

    fn write_out(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        if let Err(error) = self.out.write_all(bytes) {
            self.poison(FileError::Io(
                "an earlier write failed; the output is incomplete".into(),
            ));
            return Err(error.into());
        }
        Ok(())
    }

    /// From now on every call fails with `error`.
    fn poison(&mut self, error: FileError) {
        self.poisoned.get_or_insert(error);
    }

    /// Seals the rest, the final chunk with the last flag, flushes, and
    /// returns the writer. Without it the file is incomplete (and a reader
    /// reports it truncated).
    ///
    /// If `finish` fails, the chunks it sealed may have partly left: resume
    /// from the count before the call, with everything written since.
    ///
    /// # Errors
    /// [`FileError::Io`], [`FileError::EmptyResume`] when a resumed
    /// encryption received no data, [`FileError::ResumeMismatch`] when a
    /// resumed encryption's plaintext differs from what was sent or ends
    /// before it.
    pub fn finish(mut self) -> Result<W, FileError> {
        if let Some(error) = self.poisoned.take() {
            return Err(error);
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
        self.reproduces_sent(self.next_index, &last)?;
        self.sent.check_end(self.next_index, last.len())?;
        self.write_out(&last)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for FileEncryptor<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Some(error) = &self.poisoned {
            return Err(error.clone().into_io());
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
