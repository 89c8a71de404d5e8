//! The file header: parsing and encoding only, apart from the cryptography
//! that uses it (as in age's `format.rs`; the MAC and the stanzas are made
//! and checked in `protocol.rs`). Every length and count is bounded before
//! anything is allocated, and before any MAC is checked.

use std::io::Read;

use super::{FILE_VERSION, FileError, MAX_CHUNK_SIZE, MAX_RECIPIENTS, MIN_CHUNK_SIZE};
use crate::codec::{DecodeError, Reader, Writer};

/// The magic bytes that open every Sealkit file.
pub const FILE_MAGIC: &[u8; 7] = b"SEALKIT";
/// Longest encapsulated key of any stanza kind (X-Wing: 1,120 bytes).
const MAX_ENCAPSULATED_KEY_LEN: usize = 1120;
/// A wrapped file key: 32 bytes and a 16-byte AES-GCM tag.
pub(crate) const WRAPPED_KEY_LEN: usize = 48;
/// Fixed part: magic, version, chunk size, salt, recipient count.
const FIXED_LEN: usize = 7 + 1 + 4 + 32 + 2;
/// Largest header: every stanza at its largest, plus the MAC (~300 KB).
pub const MAX_HEADER_LEN: usize =
    FIXED_LEN + MAX_RECIPIENTS * (1 + 2 + MAX_ENCAPSULATED_KEY_LEN + 2 + WRAPPED_KEY_LEN) + 32;

/// How a stanza seals the file key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StanzaKind {
    /// HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
    X25519 = 1,
    /// HPKE base mode, X-Wing (ML-KEM-768 + X25519), HKDF-SHA256, AES-256-GCM.
    XWing = 2,
}

impl StanzaKind {
    fn from_u8(value: u8) -> Result<Self, DecodeError> {
        match value {
            1 => Ok(Self::X25519),
            2 => Ok(Self::XWing),
            _ => Err(DecodeError::Invalid("stanza kind")),
        }
    }

    pub(crate) fn encapsulated_key_len(self) -> usize {
        match self {
            Self::X25519 => 32,
            Self::XWing => 1120,
        }
    }
}

/// The file key sealed to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// The HPKE suite.
    pub kind: StanzaKind,
    /// HPKE `enc`.
    pub encapsulated_key: Vec<u8>,
    /// The file key sealed with the HPKE context (32 bytes + tag).
    pub wrapped_key: Vec<u8>,
}

/// A parsed file header. The MAC is checked by the decryptors (through
/// `protocol.rs`), not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    /// Random salt of the payload and header-MAC keys.
    pub salt: [u8; 32],
    /// Recipient stanzas (empty when the file key travels separately).
    pub stanzas: Vec<Stanza>,
    /// HMAC-SHA256 of everything before it, under the header key.
    pub mac: [u8; 32],
}

impl FileHeader {
    /// The header bytes the MAC covers (everything but the MAC).
    ///
    /// # Errors
    /// As [`FileHeader::encode`].
    pub fn authenticated_bytes(&self) -> Result<Vec<u8>, FileError> {
        self.check_encodable()?;
        let mut w = Writer::with_capacity(FIXED_LEN + self.stanzas.len() * 80);
        w.raw(FILE_MAGIC)
            .u8(FILE_VERSION)
            .u32(self.chunk_size)
            .raw(&self.salt);
        w.count(self.stanzas.len());
        for stanza in &self.stanzas {
            // Lengths checked above: each fits its u16.
            w.u8(stanza.kind as u8)
                .u16(stanza.kind.encapsulated_key_len() as u16)
                .raw(&stanza.encapsulated_key)
                .u16(WRAPPED_KEY_LEN as u16)
                .raw(&stanza.wrapped_key);
        }
        Ok(w.into_bytes())
    }

    /// The full header: authenticated bytes, then the MAC.
    ///
    /// # Errors
    /// Only for a header [`FileHeader::decode`] would refuse, so that no
    /// length is ever written saturated: more than [`MAX_RECIPIENTS`]
    /// stanzas ([`FileError::TooManyRecipients`]), a stanza whose
    /// encapsulated key is not its kind's length or whose wrapped key is
    /// not 48 bytes ([`FileError::InvalidKey`]), a chunk size out of range
    /// ([`FileError::InvalidChunkSize`]).
    pub fn encode(&self) -> Result<Vec<u8>, FileError> {
        let mut bytes = self.authenticated_bytes()?;
        bytes.extend_from_slice(&self.mac);
        Ok(bytes)
    }

    /// Whether the header is one [`FileHeader::decode`] accepts.
    fn check_encodable(&self) -> Result<(), FileError> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return Err(FileError::InvalidChunkSize(self.chunk_size));
        }
        if self.stanzas.len() > MAX_RECIPIENTS {
            return Err(FileError::TooManyRecipients {
                count: self.stanzas.len(),
                max: MAX_RECIPIENTS,
            });
        }
        for stanza in &self.stanzas {
            if stanza.encapsulated_key.len() != stanza.kind.encapsulated_key_len() {
                return Err(FileError::InvalidKey("stanza encapsulated key length"));
            }
            if stanza.wrapped_key.len() != WRAPPED_KEY_LEN {
                return Err(FileError::InvalidKey("stanza wrapped key length"));
            }
        }
        Ok(())
    }

    /// Parses a header from the start of `bytes`, returning it and its length.
    ///
    /// # Errors
    /// [`FileError::Header`] when malformed or above a bound,
    /// [`FileError::ChunkSize`] for a chunk size out of range.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), FileError> {
        let mut r = Reader::new(bytes);
        let header = Self::read_fields(&mut r)?;
        let len = header.encoded_len();
        Ok((header, len))
    }

    /// Reads a header from a stream, taking exactly its bytes.
    ///
    /// # Errors
    /// As [`FileHeader::decode`], and [`FileError::Io`].
    pub fn read_from<R: Read + ?Sized>(input: &mut R) -> Result<(Self, usize), FileError> {
        let mut bytes = vec![0u8; FIXED_LEN];
        read_exact_or_truncated(input, &mut bytes)?;
        let mut r = Reader::new(&bytes);
        check_prefix(&mut r)?;
        let count = r.count("recipients", MAX_RECIPIENTS)?;
        for _ in 0..count {
            let start = bytes.len();
            bytes.resize(start + 3, 0);
            read_exact_or_truncated(input, bytes.get_mut(start..).unwrap_or_default())?;
            let encapsulated_len = stanza_len(
                bytes.get(start + 1..start + 3),
                MAX_ENCAPSULATED_KEY_LEN,
                "encapsulated key",
            )?;
            let at = bytes.len();
            bytes.resize(at + encapsulated_len + 2, 0);
            read_exact_or_truncated(input, bytes.get_mut(at..).unwrap_or_default())?;
            let wrapped_len =
                stanza_len(bytes.get(bytes.len() - 2..), WRAPPED_KEY_LEN, "wrapped key")?;
            let at = bytes.len();
            bytes.resize(at + wrapped_len, 0);
            read_exact_or_truncated(input, bytes.get_mut(at..).unwrap_or_default())?;
        }
        let at = bytes.len();
        bytes.resize(at + 32, 0);
        read_exact_or_truncated(input, bytes.get_mut(at..).unwrap_or_default())?;
        Self::decode(&bytes)
    }

    fn read_fields(r: &mut Reader<'_>) -> Result<Self, FileError> {
        let (chunk_size, salt) = check_prefix(r)?;
        let count = r.count("recipients", MAX_RECIPIENTS)?;
        let mut stanzas = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = StanzaKind::from_u8(r.u8()?)?;
            let len = usize::from(r.u16()?);
            if len != kind.encapsulated_key_len() {
                return Err(DecodeError::Invalid("encapsulated key length").into());
            }
            let encapsulated_key = r.take(len)?.to_vec();
            let len = usize::from(r.u16()?);
            if len != WRAPPED_KEY_LEN {
                return Err(DecodeError::Invalid("wrapped key length").into());
            }
            let wrapped_key = r.take(len)?.to_vec();
            stanzas.push(Stanza {
                kind,
                encapsulated_key,
                wrapped_key,
            });
        }
        let mac = r.array()?;
        Ok(Self {
            chunk_size,
            salt,
            stanzas,
            mac,
        })
    }

    /// Length of the encoded header.
    pub fn encoded_len(&self) -> usize {
        FIXED_LEN
            + self
                .stanzas
                .iter()
                .map(|s| 5 + s.encapsulated_key.len() + s.wrapped_key.len())
                .sum::<usize>()
            + 32
    }
}

fn check_prefix(r: &mut Reader<'_>) -> Result<(u32, [u8; 32]), FileError> {
    let magic = r.array::<7>()?;
    if &magic != FILE_MAGIC {
        return Err(DecodeError::Invalid("magic (not a Sealkit file)").into());
    }
    let version = r.u8()?;
    if version != FILE_VERSION {
        return Err(DecodeError::UnsupportedVersion(version).into());
    }
    let chunk_size = r.u32()?;
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        return Err(FileError::ChunkSize(chunk_size));
    }
    Ok((chunk_size, r.array()?))
}

fn stanza_len(bytes: Option<&[u8]>, max: usize, what: &'static str) -> Result<usize, FileError> {
    let bytes: [u8; 2] = bytes
        .and_then(|b| b.try_into().ok())
        .ok_or(FileError::Header(DecodeError::Truncated))?;
    let len = usize::from(u16::from_be_bytes(bytes));
    if len > max {
        return Err(DecodeError::TooLarge {
            what,
            got: len as u64,
            max: max as u64,
        }
        .into());
    }
    Ok(len)
}

fn read_exact_or_truncated<R: Read + ?Sized>(
    input: &mut R,
    buf: &mut [u8],
) -> Result<(), FileError> {
    input.read_exact(buf).map_err(|error| match error.kind() {
        std::io::ErrorKind::UnexpectedEof => FileError::Header(DecodeError::Truncated),
        _ => FileError::from(error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(stanzas: Vec<Stanza>) -> FileHeader {
        FileHeader {
            chunk_size: MIN_CHUNK_SIZE,
            salt: [7; 32],
            stanzas,
            mac: [9; 32],
        }
    }

    fn stanza(encapsulated: usize, wrapped: usize) -> Stanza {
        Stanza {
            kind: StanzaKind::X25519,
            encapsulated_key: vec![1; encapsulated],
            wrapped_key: vec![2; wrapped],
        }
    }

    #[test]
    fn a_header_encodes_only_when_it_would_decode_to_itself() {
        let good = header(vec![stanza(32, WRAPPED_KEY_LEN); 2]);
        let bytes = good.encode().unwrap();
        assert_eq!(FileHeader::decode(&bytes).unwrap(), (good, bytes.len()));

        // A length that its u16 cannot hold used to be written as 65,535.
        for (stanza, what) in [
            (
                stanza(70_000, WRAPPED_KEY_LEN),
                "stanza encapsulated key length",
            ),
            (
                stanza(33, WRAPPED_KEY_LEN),
                "stanza encapsulated key length",
            ),
            (stanza(32, 70_000), "stanza wrapped key length"),
        ] {
            assert_eq!(
                header(vec![stanza]).encode(),
                Err(FileError::InvalidKey(what))
            );
        }
        let many = header(vec![stanza(32, WRAPPED_KEY_LEN); MAX_RECIPIENTS + 1]);
        assert_eq!(
            many.authenticated_bytes(),
            Err(FileError::TooManyRecipients {
                count: MAX_RECIPIENTS + 1,
                max: MAX_RECIPIENTS
            })
        );
        let mut odd_chunks = header(Vec::new());
        odd_chunks.chunk_size = MAX_CHUNK_SIZE + 1;
        assert_eq!(
            odd_chunks.encode(),
            Err(FileError::InvalidChunkSize(MAX_CHUNK_SIZE + 1))
        );
    }
}
