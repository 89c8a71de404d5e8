//! Streaming file encryption: the STREAM construction (Hoang, Reyhanitabar,
//! Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
//! Misuse-Resistance", 2015) over AES-256-GCM, as age uses it, with the file
//! key shared either raw (inside an encrypted chat message) or sealed to
//! recipients with HPKE (RFC 9180).
//!
//! A file is a versioned header, then the body in fixed-size chunks. The
//! payload key is HKDF-SHA256 of a random 32-byte file key and a random salt
//! from the header; each chunk's nonce is its 11-byte big-endian counter and
//! a last-chunk flag, so truncation, extension, reordering, duplication and
//! splicing between files all fail to authenticate. The header is
//! authenticated by an HMAC under the file key. Layout in
//! `docs/format/file.md`; the AEAD backend choice in
//! `docs/adr/0004-file-aead-backend.md`.
//!
//! - [`FileEncryptor`]: `impl Write`, with a mandatory [`FileEncryptor::finish`];
//!   resumable from any chunk given what the interrupted encryption sent past
//!   it, which it must reproduce ([`FileEncryptor::resume`]).
//! - [`encrypt_in_memory`] and [`encrypt_in_memory_into`]: a whole file in
//!   memory, its chunks sealed on all cores (feature `parallel`); the same
//!   bytes as the encryptor.
//! - [`FileDecryptor`]: `impl Read`, and `impl Seek` when the input seeks,
//!   decrypting only the chunks a read touches.
//! - [`FilePayload`]: chunk-level access for range requests and for callers
//!   that do the bulk AEAD elsewhere (WebCrypto).
//!
//! The code is layered as age's. `header.rs` parses and encodes the header
//! (no cryptography), `key.rs` holds the file key and its derivations,
//! `recipients.rs` seals and opens the HPKE stanzas, `cipher.rs` seals and
//! opens one chunk. `protocol.rs` is the one place where the header, the
//! keys and the recipients meet: it seals a new file's header and
//! authenticates a received one. Above it, `encryptor.rs`, `decryptor.rs`,
//! `async_encryptor.rs` and `in_memory.rs` only frame the body into chunks.
//!
//! ```
//! use std::io::{Cursor, Read, Seek, SeekFrom, Write};
//! use sealkit::file::{FileDecryptor, FileEncryptor, FileKey};
//!
//! let key = FileKey::random()?; // send key.to_bytes() inside an encrypted message
//! let mut encryptor = FileEncryptor::new(Vec::new(), &key)?;
//! encryptor.write_all(b"attachment bytes")?;
//! let sealed = encryptor.finish()?; // mandatory: seals the last chunk
//!
//! let mut reader = FileDecryptor::new(Cursor::new(sealed), &key)?;
//! reader.seek(SeekFrom::Start(11))?;
//! let mut tail = String::new();
//! reader.read_to_string(&mut tail)?;
//! assert_eq!(tail, "bytes");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "async")]
mod async_encryptor;
mod cipher;
mod decryptor;
mod encryptor;
mod header;
mod in_memory;
mod key;
mod protocol;
mod random;
mod recipients;
mod resume;

#[cfg(feature = "async")]
pub use async_encryptor::AsyncFileEncryptor;
pub use cipher::FilePayload;
pub use decryptor::{FileDecryptor, StreamDecryptor};
pub use encryptor::FileEncryptor;
pub use header::{FILE_MAGIC, FileHeader, MAX_HEADER_LEN, Stanza, StanzaKind};
pub use in_memory::{encrypt_in_memory, encrypt_in_memory_into};
pub use key::FileKey;
pub use random::SystemRng;
pub use recipients::{FileIdentity, Recipient};

use thiserror::Error;

use crate::codec::DecodeError;

/// File format version written by this build.
pub const FILE_VERSION: u8 = 1;
/// Default chunk size: 64 KiB, as age; large enough that the 16-byte tag and
/// per-chunk work are noise, small enough for seeking and streaming.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// Smallest chunk size: 1 KiB (below it the tag overhead exceeds 1.5%).
pub const MIN_CHUNK_SIZE: u32 = 1024;
/// Largest chunk size: 4 MiB, so that the encryptor's and decryptor's
/// buffers (a few chunks) stay within the 16 MiB memory budget.
pub const MAX_CHUNK_SIZE: u32 = 4 * 1024 * 1024;
/// Most recipient stanzas in one header: bounds header parsing and the
/// work of trying each stanza.
pub const MAX_RECIPIENTS: usize = 256;
/// AES-GCM tag appended to each chunk.
pub const CHUNK_TAG_LEN: usize = 16;

/// Options for a new encrypted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileOptions {
    /// Plaintext bytes per chunk, [`MIN_CHUNK_SIZE`] to [`MAX_CHUNK_SIZE`].
    pub chunk_size: u32,
}

impl Default for FileOptions {
    fn default() -> Self {
        Self {
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }
}

/// Why a file could not be encrypted or decrypted. Carries no secret.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FileError {
    /// The header is malformed, of an unknown version, or above a bound.
    #[error("malformed file header: {0}")]
    Header(#[from] DecodeError),
    /// A received header's chunk size is outside
    /// [`MIN_CHUNK_SIZE`]..=[`MAX_CHUNK_SIZE`].
    #[error("chunk size {0} is outside the allowed range")]
    ChunkSize(u32),
    /// The header's MAC does not verify: wrong file key, or a tampered header.
    #[error("header authentication failed (wrong key or tampered header)")]
    HeaderAuthentication,
    /// No recipient stanza in the header opens with this identity.
    #[error("this identity is not a recipient of the file")]
    NotARecipient,
    /// The file has no recipient stanzas (it needs the raw file key), or
    /// an encryption to recipients was given none.
    #[error(
        "no recipients (a raw-key file needs its file key; an encryption needs at least one recipient)"
    )]
    NoRecipients,
    /// A chunk failed to authenticate: tampered, reordered, duplicated, from
    /// another file, or cut short inside the chunk.
    #[error("chunk {index} failed to authenticate")]
    ChunkAuthentication {
        /// Zero-based chunk index.
        index: u64,
    },
    /// The body is cut short: it ends at a chunk boundary before the last
    /// chunk, or its final piece is shorter than a tag (16 bytes). A file cut
    /// inside a chunk with more left is reported as `ChunkAuthentication`;
    /// bytes appended after the last chunk also surface as one of the two.
    #[error("file is truncated")]
    Truncated,
    /// A recipient or identity string is malformed.
    #[error("invalid {0}")]
    InvalidKey(&'static str),
    /// Resuming an encryption needs the rest of the plaintext; none came.
    #[error("a resumed encryption ended without data")]
    EmptyResume,
    /// A resumed encryption ([`FileEncryptor::resume`]) did not reproduce
    /// the bytes the interrupted one sent: chunk `index`, sealed again, differs
    /// from what was sent of it, or the plaintext ended before what was sent
    /// (`index` is then the first chunk left out). The plaintext is not the
    /// interrupted encryption's (the source changed, or the wrong offset was
    /// written), or `sent` is not what was sent. Nothing of that chunk or
    /// after it was written, and the encryptor refuses every later call:
    /// sealing other plaintext under a chunk's nonce would reveal the XOR of
    /// the two plaintexts and GCM's authentication key. Encrypt the file
    /// again from the start with a new encryptor (a new header).
    #[error("resumed encryption differs from the interrupted one at chunk {index}")]
    ResumeMismatch {
        /// Zero-based index of the first chunk that was not reproduced.
        index: u64,
    },
    /// The chunk counter would overflow.
    #[error("chunk counter exhausted")]
    CounterExhausted,
    /// The underlying reader or writer failed.
    #[error("I/O error: {0}")]
    Io(String),
    /// An encryption was given more recipients than one header holds
    /// ([`MAX_RECIPIENTS`]). The caller's argument is wrong, not a header: a
    /// received header with too many stanzas is [`FileError::Header`]. Send
    /// the file to fewer recipients at once, or share its file key another way.
    #[error("{count} recipients given, a file can be sealed to at most {max}")]
    TooManyRecipients {
        /// How many recipients were given.
        count: usize,
        /// The most a header holds ([`MAX_RECIPIENTS`]).
        max: usize,
    },
    /// A bug or a broken platform, not the input's fault: the system has no
    /// randomness, or a lock was poisoned by a panic in an earlier call.
    #[error("internal error: {0}")]
    Internal(String),
    /// The chunk size asked for in [`FileOptions`] is outside
    /// [`MIN_CHUNK_SIZE`]..=[`MAX_CHUNK_SIZE`]: the caller's argument is
    /// wrong (a received header's is [`FileError::ChunkSize`]).
    #[error("chunk size {0} is outside {MIN_CHUNK_SIZE}..={MAX_CHUNK_SIZE}")]
    InvalidChunkSize(u32),
}

impl FileError {
    /// The `FileError` inside an `io::Error` returned by the `Read`, `Write`
    /// or `Seek` implementations, if it is one.
    pub fn from_io(error: &std::io::Error) -> Option<&FileError> {
        error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<FileError>())
    }

    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, self)
    }
}

impl From<std::io::Error> for FileError {
    fn from(error: std::io::Error) -> Self {
        match FileError::from_io(&error) {
            Some(inner) => inner.clone(),
            None => FileError::Io(error.to_string()),
        }
    }
}
