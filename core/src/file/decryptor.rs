//! Decryption: the header is read and authenticated by
//! [`protocol::read_header`](super::protocol::read_header) before any byte
//! of the body is read; the decryptors here only frame the body, and every
//! chunk is authenticated before its plaintext is returned.
//!
//! - [`FileDecryptor`] (`Read + Seek` inputs): random access. The first read
//!   or seek finds the file's length and authenticates the last chunk (so the
//!   length can be trusted); after that only the chunks a read touches are
//!   fetched and decrypted. Memory: one chunk.
//! - [`StreamDecryptor`] (`Read` inputs such as pipes): chunk after chunk,
//!   with one byte of read-ahead to know which chunk is last, so that a
//!   stream cut at a chunk boundary is reported as truncated. An input that
//!   is not ready (`WouldBlock`, `TimedOut`, `Interrupted`, as from a
//!   non-blocking socket while a download is in progress) only interrupts a
//!   read: the bytes already taken are kept and the next read continues.
//!   After any other error it keeps returning that error (it cannot re-read
//!   the input).

use std::io::{Read, Seek, SeekFrom};

use super::cipher::FilePayload;
use super::key::FileKey;
use super::protocol::{KeySource, read_header};
use super::recipients::FileIdentity;
use super::{CHUNK_TAG_LEN, FileError};

/// Opens one chunk, telling truncation apart from tampering: a final chunk
/// that fails as last but opens as non-last means the file was cut at a
/// chunk boundary. An empty chunk is valid only as the only chunk.
fn open_chunk(
    payload: &FilePayload,
    index: u64,
    last: bool,
    mut buffer: Vec<u8>,
) -> Result<Vec<u8>, FileError> {
    if buffer.len() < CHUNK_TAG_LEN {
        return Err(FileError::Truncated);
    }
    let retry =
        (last && buffer.len() as u64 == payload.chunk_ciphertext_len()).then(|| buffer.clone());
    match payload.cipher().open(index, last, &mut buffer) {
        Ok(()) if last && buffer.is_empty() && index > 0 => {
            Err(FileError::ChunkAuthentication { index })
        }
        Ok(()) => Ok(buffer),
        Err(error) => {
            let cut_at_boundary = retry
                .is_some_and(|mut retry| payload.cipher().open(index, false, &mut retry).is_ok());
            Err(if cut_at_boundary {
                FileError::Truncated
            } else {
                error
            })
        }
    }
}

fn read_full<R: Read + ?Sized>(input: &mut R, len: u64) -> Result<Vec<u8>, FileError> {
    let mut buffer = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    input.take(len).read_to_end(&mut buffer)?;
    Ok(buffer)
}

fn copy_out(available: &[u8], out: &mut [u8]) -> usize {
    let n = available.len().min(out.len());
    if let (Some(to), Some(from)) = (out.get_mut(..n), available.get(..n)) {
        to.copy_from_slice(from);
    }
    n
}

/// Random-access decryption of a seekable input. See the module docs.
pub struct FileDecryptor<R: Read + Seek> {
    input: R,
    payload: FilePayload,
    layout: Option<Layout>,
    /// Plaintext of chunk `chunk`.
    plaintext: Vec<u8>,
    chunk: Option<u64>,
    position: u64,
}

#[derive(Clone, Copy, Debug)]
struct Layout {
    chunks: u64,
    plaintext_len: u64,
}

impl<R: Read + Seek> std::fmt::Debug for FileDecryptor<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDecryptor")
            .field("payload", &self.payload)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl<R: Read + Seek> FileDecryptor<R> {
    /// Reads and authenticates the header with the file key. The input is
    /// read from its start.
    ///
    /// # Errors
    /// [`FileError::Header`], [`FileError::ChunkSize`],
    /// [`FileError::HeaderAuthentication`] for a wrong key or tampered
    /// header, [`FileError::Io`].
    pub fn new(mut input: R, key: &FileKey) -> Result<Self, FileError> {
        input.seek(SeekFrom::Start(0))?;
        let payload = read_header(&mut input, KeySource::Key(key))?;
        Ok(Self::from_parts(input, payload))
    }

    /// As [`FileDecryptor::new`], opening the file key with `identity`.
    ///
    /// # Errors
    /// As [`FileDecryptor::new`], and [`FileError::NotARecipient`] /
    /// [`FileError::NoRecipients`].
    pub fn with_identity(mut input: R, identity: &FileIdentity) -> Result<Self, FileError> {
        input.seek(SeekFrom::Start(0))?;
        let payload = read_header(&mut input, KeySource::Identity(identity))?;
        Ok(Self::from_parts(input, payload))
    }

    fn from_parts(input: R, payload: FilePayload) -> Self {
        Self {
            input,
            payload,
            layout: None,
            plaintext: Vec::new(),
            chunk: None,
            position: 0,
        }
    }

    /// Chunk-level access to this file (offsets, nonces, opening a chunk).
    pub fn payload(&self) -> &FilePayload {
        &self.payload
    }

    /// The plaintext length (authenticated: the last chunk is checked).
    ///
    /// # Errors
    /// [`FileError::Truncated`], [`FileError::ChunkAuthentication`], [`FileError::Io`].
    pub fn plaintext_len(&mut self) -> Result<u64, FileError> {
        Ok(self.layout()?.plaintext_len)
    }

    fn layout(&mut self) -> Result<Layout, FileError> {
        if let Some(layout) = self.layout {
            return Ok(layout);
        }
        let end = self.input.seek(SeekFrom::End(0))?;
        let body = end
            .checked_sub(self.payload.header_len())
            .ok_or(FileError::Truncated)?;
        if body == 0 {
            return Err(FileError::Truncated);
        }
        let full = self.payload.chunk_ciphertext_len();
        let chunks = body.div_ceil(full);
        let last_index = chunks - 1;
        let last_len = body - last_index * full;
        let plaintext_len = last_index * u64::from(self.payload.chunk_size())
            + last_len.saturating_sub(CHUNK_TAG_LEN as u64);
        let layout = Layout {
            chunks,
            plaintext_len,
        };
        self.load_chunk(layout, last_index)?;
        self.layout = Some(layout);
        Ok(layout)
    }

    fn load_chunk(&mut self, layout: Layout, index: u64) -> Result<(), FileError> {
        if self.chunk == Some(index) {
            return Ok(());
        }
        let offset = self
            .payload
            .chunk_offset(index)
            .ok_or(FileError::CounterExhausted)?;
        self.input.seek(SeekFrom::Start(offset))?;
        let buffer = read_full(&mut self.input, self.payload.chunk_ciphertext_len())?;
        let last = index + 1 == layout.chunks;
        self.chunk = None;
        self.plaintext = open_chunk(&self.payload, index, last, buffer)?;
        self.chunk = Some(index);
        Ok(())
    }

    fn read_at_position(&mut self, out: &mut [u8]) -> Result<usize, FileError> {
        let layout = self.layout()?;
        if self.position >= layout.plaintext_len || out.is_empty() {
            return Ok(0);
        }
        let chunk_size = u64::from(self.payload.chunk_size());
        let index = self.position / chunk_size;
        self.load_chunk(layout, index)?;
        let start = usize::try_from(self.position - index * chunk_size).unwrap_or(usize::MAX);
        let n = copy_out(self.plaintext.get(start..).unwrap_or_default(), out);
        self.position += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Read for FileDecryptor<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.read_at_position(out).map_err(FileError::into_io)
    }
}

impl<R: Read + Seek> Seek for FileDecryptor<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let layout = self.layout().map_err(FileError::into_io)?;
        let target = match to {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => layout.plaintext_len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        self.position = target;
        Ok(target)
    }
}

/// Sequential decryption of a non-seekable input. See the module docs.
pub struct StreamDecryptor<R: Read> {
    input: R,
    payload: FilePayload,
    plaintext: Vec<u8>,
    offset: usize,
    next_chunk: u64,
    lookahead: Option<u8>,
    /// Ciphertext of the chunk being assembled (the read-ahead byte first):
    /// kept across reads interrupted by an input that is not ready.
    pending: Vec<u8>,
    reached_end: bool,
    /// The first error: a stream cannot re-read what it consumed, so after
    /// any failure every later read fails the same way (never a later
    /// chunk's plaintext).
    failed: Option<FileError>,
}

/// Why the next chunk is not available yet, or never will be.
enum ChunkError {
    /// The input is not ready; nothing was lost, read again later.
    NotReady(std::io::Error),
    Failed(FileError),
}

impl From<std::io::Error> for ChunkError {
    fn from(error: std::io::Error) -> Self {
        use std::io::ErrorKind::{Interrupted, TimedOut, WouldBlock};
        if matches!(error.kind(), WouldBlock | TimedOut | Interrupted)
            && FileError::from_io(&error).is_none()
        {
            Self::NotReady(error)
        } else {
            Self::Failed(error.into())
        }
    }
}

impl From<FileError> for ChunkError {
    fn from(error: FileError) -> Self {
        Self::Failed(error)
    }
}

impl<R: Read> std::fmt::Debug for StreamDecryptor<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDecryptor")
            .field("payload", &self.payload)
            .field("next_chunk", &self.next_chunk)
            .finish_non_exhaustive()
    }
}

impl<R: Read> StreamDecryptor<R> {
    /// Reads and authenticates the header with the file key.
    ///
    /// # Errors
    /// As [`FileDecryptor::new`].
    pub fn new(mut input: R, key: &FileKey) -> Result<Self, FileError> {
        let payload = read_header(&mut input, KeySource::Key(key))?;
        Ok(Self::from_parts(input, payload))
    }

    /// As [`StreamDecryptor::new`], opening the file key with `identity`.
    ///
    /// # Errors
    /// As [`FileDecryptor::with_identity`].
    pub fn with_identity(mut input: R, identity: &FileIdentity) -> Result<Self, FileError> {
        let payload = read_header(&mut input, KeySource::Identity(identity))?;
        Ok(Self::from_parts(input, payload))
    }

    fn from_parts(input: R, payload: FilePayload) -> Self {
        Self {
            input,
            payload,
            plaintext: Vec::new(),
            offset: 0,
            next_chunk: 0,
            lookahead: None,
            pending: Vec::new(),
            reached_end: false,
            failed: None,
        }
    }

    /// Assembles, authenticates and opens the next chunk. Whatever was read
    /// stays in `pending` when the input is not ready, so a later call picks
    /// up where this one stopped.
    fn next_chunk(&mut self) -> Result<(), ChunkError> {
        let full = usize::try_from(self.payload.chunk_ciphertext_len())
            .map_err(|_| FileError::Io("chunk larger than memory".into()))?;
        if let Some(byte) = self.lookahead.take() {
            self.pending.push(byte);
        }
        let missing = full.saturating_sub(self.pending.len()) as u64;
        // `read_to_end` keeps what it read before an error in `pending`.
        (&mut self.input)
            .take(missing)
            .read_to_end(&mut self.pending)?;
        let last = if self.pending.len() < full {
            true
        } else {
            let mut ahead = [0u8; 1];
            let n = loop {
                match self.input.read(&mut ahead) {
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            self.lookahead = (n == 1).then_some(ahead[0]);
            self.lookahead.is_none()
        };
        let index = self.next_chunk;
        let sealed = std::mem::take(&mut self.pending);
        self.plaintext = open_chunk(&self.payload, index, last, sealed)?;
        self.offset = 0;
        self.next_chunk = index.checked_add(1).ok_or(FileError::CounterExhausted)?;
        self.reached_end = last;
        Ok(())
    }
}

impl<R: Read> Read for StreamDecryptor<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let available = self.plaintext.get(self.offset..).unwrap_or_default();
            if !available.is_empty() || out.is_empty() {
                let n = copy_out(available, out);
                self.offset += n;
                return Ok(n);
            }
            if self.reached_end {
                return Ok(0);
            }
            if let Some(error) = &self.failed {
                return Err(error.clone().into_io());
            }
            match self.next_chunk() {
                Ok(()) => {}
                Err(ChunkError::NotReady(error)) => return Err(error),
                Err(ChunkError::Failed(error)) => {
                    self.plaintext.clear();
                    self.pending.clear();
                    self.failed = Some(error.clone());
                    return Err(error.into_io());
                }
            }
        }
    }
}
