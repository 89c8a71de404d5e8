//! The file protocol: the one place where the header, the keys and the
//! recipients meet, as in age's `protocol.rs`. [`seal_header`] turns a file
//! key, the options and the recipients into a new file's header bytes and
//! the payload of its body; [`open_header`] authenticates a received header
//! under the file key (opened first from a stanza when an identity is
//! given) and gives the payload. Every writer (the streaming, async and
//! in-memory encryptors, a resumed encryption) and every reader (both
//! decryptors, [`FilePayload::new`]) goes through them, so the key schedule,
//! the stanza sealing and the constant-time MAC check are written once.
//!
//! Around it: `header.rs` only parses and encodes, `recipients.rs` only
//! seals and opens stanzas, `key.rs` only derives keys, `cipher.rs` seals
//! and opens chunks; the encryptors and decryptors only frame chunks.

use std::io::Read;

use rand_core::CryptoRng;

use super::cipher::{ChunkCipher, FilePayload};
use super::header::FileHeader;
use super::key::FileKey;
use super::recipients::{FileIdentity, Recipient};
use super::{FileError, FileOptions, MAX_CHUNK_SIZE, MAX_RECIPIENTS, MIN_CHUNK_SIZE};
use crate::codec::DecodeError;

/// How a reader gets the file key.
#[derive(Clone, Copy)]
pub(crate) enum KeySource<'a> {
    /// The raw file key, which travelled separately (in a chat message).
    Key(&'a FileKey),
    /// An identity that one of the header's stanzas is sealed to.
    Identity(&'a FileIdentity),
}

/// A new file key for a file sealed to `recipients`, drawn from `rng`.
///
/// # Errors
/// [`FileError::NoRecipients`] for an empty list: nobody could open the file.
pub(crate) fn recipients_file_key<R: CryptoRng>(
    recipients: &[Recipient],
    rng: &mut R,
) -> Result<FileKey, FileError> {
    if recipients.is_empty() {
        return Err(FileError::NoRecipients);
    }
    Ok(FileKey::generate(rng))
}

/// The header of a new file under `key`, and the payload its chunks are
/// sealed with. The salt and then each stanza's encapsulation are drawn
/// from `rng`, in that order (the same order on every path, so every path
/// writes the same bytes for the same random source). `recipients` is empty
/// when the file key travels separately.
///
/// # Errors
/// [`FileError::InvalidChunkSize`] for a chunk size out of range,
/// [`FileError::TooManyRecipients`] above [`MAX_RECIPIENTS`],
/// [`FileError::InvalidKey`] when HPKE refuses a recipient.
pub(crate) fn seal_header<R: CryptoRng>(
    key: &FileKey,
    options: FileOptions,
    recipients: &[Recipient],
    rng: &mut R,
) -> Result<(Vec<u8>, FilePayload), FileError> {
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&options.chunk_size) {
        return Err(FileError::InvalidChunkSize(options.chunk_size));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(FileError::TooManyRecipients {
            count: recipients.len(),
            max: MAX_RECIPIENTS,
        });
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
    header.mac = key.header_mac(&salt, &header.authenticated_bytes()?)?;
    let payload = payload(&header, key)?;
    Ok((header.encode()?, payload))
}

/// The payload of a received header: its MAC checked in constant time
/// under the file key, which an identity first opens from its stanza.
///
/// # Errors
/// [`FileError::HeaderAuthentication`] for a wrong key or a tampered
/// header; with an identity, first [`FileError::NoRecipients`] (a raw-key
/// file) or [`FileError::NotARecipient`].
pub(crate) fn open_header(
    header: &FileHeader,
    key: KeySource<'_>,
) -> Result<FilePayload, FileError> {
    match key {
        KeySource::Key(key) => authenticated_payload(header, key),
        KeySource::Identity(identity) => {
            let key = identity.unwrap(&header.stanzas, &header.salt)?;
            authenticated_payload(header, &key)
        }
    }
}

/// Reads a header from a stream, taking exactly its bytes, and opens it
/// ([`open_header`]); the stream is left at the first chunk.
///
/// # Errors
/// As [`FileHeader::read_from`] and [`open_header`].
pub(crate) fn read_header<R: Read + ?Sized>(
    input: &mut R,
    key: KeySource<'_>,
) -> Result<FilePayload, FileError> {
    let (header, _) = FileHeader::read_from(input)?;
    open_header(&header, key)
}

/// Opens `bytes`, which must be exactly one header (a file's first bytes,
/// kept to resume its encryption), under the file key.
///
/// # Errors
/// As [`FileHeader::decode`], `Header(TrailingBytes)` when more follows,
/// and as [`open_header`].
pub(crate) fn open_header_bytes(bytes: &[u8], key: &FileKey) -> Result<FilePayload, FileError> {
    let (header, len) = FileHeader::decode(bytes)?;
    if len != bytes.len() {
        return Err(FileError::Header(DecodeError::TrailingBytes));
    }
    open_header(&header, KeySource::Key(key))
}

/// The payload after checking the header's MAC in constant time.
fn authenticated_payload(header: &FileHeader, key: &FileKey) -> Result<FilePayload, FileError> {
    use subtle::ConstantTimeEq;
    let expected = key.header_mac(&header.salt, &header.authenticated_bytes()?)?;
    if !bool::from(expected.ct_eq(&header.mac)) {
        return Err(FileError::HeaderAuthentication);
    }
    payload(header, key)
}

/// The payload of a header whose MAC is known good (or was just computed):
/// the chunk cipher under `HKDF(salt, file key)`, and the layout.
fn payload(header: &FileHeader, key: &FileKey) -> Result<FilePayload, FileError> {
    let cipher = ChunkCipher::new(&key.payload_key(&header.salt)?)?;
    Ok(FilePayload::from_parts(
        cipher,
        header.chunk_size,
        header.encoded_len() as u64,
    ))
}
