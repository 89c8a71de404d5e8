//! Byte-level reading and writing for Sealkit's wire and storage formats.
//!
//! Every format in `docs/format/` is built from the primitives here: fixed-size
//! byte arrays, big-endian integers and length-prefixed byte strings. The
//! [`Reader`] never panics: every read that runs past the input, or a length
//! above its stated bound, is a [`DecodeError`].

use thiserror::Error;
use zeroize::Zeroizing;

/// Why bytes could not be decoded. Carries no secret material.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the structure did.
    #[error("input truncated")]
    Truncated,
    /// Bytes were left over after the structure ended.
    #[error("trailing bytes after the structure")]
    TrailingBytes,
    /// The format version is not one this build reads.
    #[error("unsupported version {0}")]
    UnsupportedVersion(u8),
    /// A length or count is above its bound.
    #[error("{what} is {got}, above the bound of {max}")]
    TooLarge {
        /// What was being read.
        what: &'static str,
        /// The value found.
        got: u64,
        /// The bound.
        max: u64,
    },
    /// A field holds a value the format does not allow.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// Reads a byte string from the front, one field at a time.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < len {
            return Err(DecodeError::Truncated);
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A `u32` length, checked against `max` before anything is taken.
    pub(crate) fn bytes(
        &mut self,
        what: &'static str,
        max: usize,
    ) -> Result<&'a [u8], DecodeError> {
        let len = self.u32()?;
        let len_usize = usize::try_from(len).map_err(|_| DecodeError::Invalid(what))?;
        if len_usize > max {
            return Err(DecodeError::TooLarge {
                what,
                got: u64::from(len),
                max: max as u64,
            });
        }
        self.take(len_usize)
    }

    /// A `u16` length-prefixed UTF-8 string of at most `max` bytes.
    pub(crate) fn string(&mut self, what: &'static str, max: usize) -> Result<String, DecodeError> {
        let len = usize::from(self.u16()?);
        if len > max {
            return Err(DecodeError::TooLarge {
                what,
                got: len as u64,
                max: max as u64,
            });
        }
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Invalid(what))
    }

    /// A `u16` count, checked against `max`.
    pub(crate) fn count(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let count = usize::from(self.u16()?);
        if count > max {
            return Err(DecodeError::TooLarge {
                what,
                got: count as u64,
                max: max as u64,
            });
        }
        Ok(count)
    }

    pub(crate) fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::Invalid(what)),
        }
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes)
        }
    }
}

/// A growable byte buffer that leaves no copy of its contents behind.
///
/// When a `Vec` outgrows its allocation it moves its bytes to a bigger one and
/// frees the old one as it is, so every record whose secret fields come before
/// its last growth would leave a copy of them in freed memory. This buffer
/// grows itself: it moves to an allocation at least twice as big and wipes the
/// old one, and it wipes its own when dropped. Every [`Writer`] writes into
/// one, and openmls's serialised group state is written into one
/// (`io::Write`).
#[derive(Default)]
pub(crate) struct SecretBuf {
    bytes: Zeroizing<Vec<u8>>,
}

impl SecretBuf {
    /// The smallest allocation it grows to, so that a run of one-byte writes
    /// does not reallocate at every byte.
    const MIN_CAPACITY: usize = 64;

    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            bytes: Zeroizing::new(Vec::with_capacity(capacity)),
        }
    }

    pub(crate) fn extend_from_slice(&mut self, more: &[u8]) {
        let needed = self.bytes.len().saturating_add(more.len());
        if needed > self.bytes.capacity() {
            let capacity = needed
                .max(self.bytes.capacity().saturating_mul(2))
                .max(Self::MIN_CAPACITY);
            let mut grown = Zeroizing::new(Vec::with_capacity(capacity));
            grown.extend_from_slice(&self.bytes);
            // `grown` now holds the old allocation, which it wipes as it drops.
            std::mem::swap(&mut self.bytes, &mut grown);
        }
        // Within capacity: `Vec` does not reallocate.
        self.bytes.extend_from_slice(more);
    }

    /// The bytes, still wiped when dropped.
    pub(crate) fn into_secret(self) -> Zeroizing<Vec<u8>> {
        self.bytes
    }

    /// The bytes, for encodings that hold nothing secret (messages, headers).
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        std::mem::take(&mut *self.bytes)
    }
}

impl std::fmt::Debug for SecretBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBuf({} bytes)", self.bytes.len())
    }
}

impl std::io::Write for SecretBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends fields to a byte buffer in the same layout [`Reader`] reads. It
/// grows without leaving copies behind ([`SecretBuf`]), so it may write
/// secrets; [`Writer::into_secret`] keeps them wiped on drop.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: SecretBuf,
}

impl Writer {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: SecretBuf::with_capacity(capacity),
        }
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }

    pub(crate) fn u8(&mut self, value: u8) -> &mut Self {
        self.raw(&[value])
    }

    pub(crate) fn u16(&mut self, value: u16) -> &mut Self {
        self.raw(&value.to_be_bytes())
    }

    pub(crate) fn u32(&mut self, value: u32) -> &mut Self {
        self.raw(&value.to_be_bytes())
    }

    pub(crate) fn u64(&mut self, value: u64) -> &mut Self {
        self.raw(&value.to_be_bytes())
    }

    pub(crate) fn bool(&mut self, value: bool) -> &mut Self {
        self.u8(u8::from(value))
    }

    /// Length-prefixed (`u32`). Callers keep `bytes` under the reader's bound.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.u32(len).raw(bytes)
    }

    /// Length-prefixed (`u16`). Callers keep strings under the reader's bound.
    pub(crate) fn string(&mut self, value: &str) -> &mut Self {
        let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
        self.u16(len).raw(value.as_bytes())
    }

    pub(crate) fn count(&mut self, count: usize) -> &mut Self {
        self.u16(u16::try_from(count).unwrap_or(u16::MAX))
    }

    /// The encoding, for formats that hold nothing secret.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out.into_vec()
    }

    /// The encoding of a record that holds secrets, wiped when dropped.
    pub(crate) fn into_secret(self) -> Zeroizing<Vec<u8>> {
        self.out.into_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fields_round_trip() {
        let mut w = Writer::default();
        w.u8(7).u16(300).u32(70_000).bool(true);
        w.bytes(b"abc").string("alice");
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u16().unwrap(), 300);
        assert_eq!(r.u32().unwrap(), 70_000);
        assert!(r.bool("flag").unwrap());
        assert_eq!(r.bytes("blob", 3).unwrap(), b"abc");
        assert_eq!(r.string("name", 5).unwrap(), "alice");
        r.finish().unwrap();
    }

    #[test]
    fn a_writer_that_grows_many_times_keeps_every_byte_in_order() {
        let mut w = Writer::with_capacity(1);
        let mut expected = Vec::new();
        for i in 0..1000u32 {
            w.u32(i).raw(&[i as u8; 3]);
            expected.extend_from_slice(&i.to_be_bytes());
            expected.extend_from_slice(&[i as u8; 3]);
        }
        assert_eq!(*w.into_secret(), expected);
    }

    #[test]
    fn length_above_bound_is_rejected_before_reading() {
        let mut w = Writer::default();
        w.bytes(&[0u8; 10]);
        let bytes = w.into_bytes();
        assert!(matches!(
            Reader::new(&bytes).bytes("blob", 9),
            Err(DecodeError::TooLarge {
                got: 10,
                max: 9,
                ..
            })
        ));
        assert!(Reader::new(&bytes).bytes("blob", 10).is_ok());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut r = Reader::new(&bytes);
            let _ = r.u16();
            let _ = r.string("s", 16);
            let _ = r.bytes("b", 16);
            let _ = r.bool("f");
            let _ = r.finish();
        }
    }
}
