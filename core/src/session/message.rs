//! The envelope: the wire format of every 1:1 message (layout and field
//! meanings in `docs/format/envelope.md`).
//!
//! An envelope names its sender and recipient devices and the session it
//! belongs to, carries the Double Ratchet header (section 3.5 of the Double
//! Ratchet spec) and, until the initiator has heard back, the PQXDH initial
//! message fields (PQXDH section 3.3). Everything before the ciphertext's length
//! prefix is authenticated as associated data of the AEAD; the prefix itself
//! must equal the remaining length exactly, or decoding fails.

use crate::codec::{DecodeError, Reader, Writer};
use crate::identity::{DeviceAddress, IdentityKey};

/// Envelope format version written by this build.
pub const ENVELOPE_VERSION: u8 = 1;
/// Largest plaintext one message may carry: 1 MiB. Chat text and small media
/// fit; larger content goes through the file encryption module.
pub const MAX_PLAINTEXT_LEN: usize = 1 << 20;
/// AES-256-GCM tag length.
const TAG_LEN: usize = crate::crypto::aead::TAG_LEN;
/// ML-KEM-768 ciphertext length (FIPS 203, table 3).
pub(crate) const MLKEM768_CIPHERTEXT_LEN: usize = 1088;

/// The kind of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// Carries the PQXDH initial-message fields: may start a session.
    Prekey = 1,
    /// A message in an established session.
    Message = 2,
}

/// The PQXDH fields of an initial message (PQXDH section 3.3): the
/// initiator's identity, which of the responder's prekeys were used, and the
/// ML-KEM ciphertext. The initiator's ephemeral key `EK_A` is the envelope's
/// session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrekeyHeader {
    /// The initiator's identity `IK_A`.
    pub identity: IdentityKey,
    /// Id of the responder's signed prekey used.
    pub signed_prekey_id: u32,
    /// Id of the responder's one-time prekey used, if any.
    pub one_time_prekey_id: Option<u32>,
    /// Id of the responder's ML-KEM prekey used (one-time or last resort).
    pub pq_prekey_id: u32,
    /// ML-KEM-768 ciphertext `CT`.
    pub pq_ciphertext: Vec<u8>,
}

impl PrekeyHeader {
    pub(crate) fn write(&self, w: &mut Writer) {
        w.raw(&self.identity.to_bytes())
            .u32(self.signed_prekey_id)
            .bool(self.one_time_prekey_id.is_some())
            .u32(self.one_time_prekey_id.unwrap_or(0))
            .u32(self.pq_prekey_id)
            .raw(&self.pq_ciphertext);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let identity = IdentityKey::read(r)?;
        let signed_prekey_id = r.u32()?;
        let has_one_time = r.bool("one-time prekey flag")?;
        let one_time_id = r.u32()?;
        if !has_one_time && one_time_id != 0 {
            return Err(DecodeError::Invalid("absent one-time prekey id"));
        }
        let pq_prekey_id = r.u32()?;
        let pq_ciphertext = r.take(MLKEM768_CIPHERTEXT_LEN)?.to_vec();
        Ok(Self {
            identity,
            signed_prekey_id,
            one_time_prekey_id: has_one_time.then_some(one_time_id),
            pq_prekey_id,
            pq_ciphertext,
        })
    }
}

/// The Double Ratchet header (section 2.6 / 3.5): sender's current ratchet
/// public key, previous sending chain length `PN`, message number `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatchetHeader {
    /// Sender's ratchet public key `DHs`.
    pub ratchet_key: [u8; 32],
    /// Number of messages in the sender's previous sending chain.
    pub previous_chain_length: u32,
    /// Message number in the current sending chain.
    pub index: u32,
}

/// A 1:1 message on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The sending device.
    pub sender: DeviceAddress,
    /// The device this message is for.
    pub recipient: DeviceAddress,
    /// The session: the initiator's PQXDH ephemeral public key `EK_A`.
    pub session_id: [u8; 32],
    /// PQXDH fields, present until the initiator has received a reply.
    pub prekey: Option<PrekeyHeader>,
    /// Double Ratchet header.
    pub header: RatchetHeader,
    /// AES-256-GCM ciphertext with its 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl Envelope {
    /// The kind of this envelope.
    pub fn kind(&self) -> EnvelopeKind {
        if self.prekey.is_some() {
            EnvelopeKind::Prekey
        } else {
            EnvelopeKind::Message
        }
    }

    /// Everything but the ciphertext: the associated data suffix.
    pub(crate) fn header_bytes(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(if self.prekey.is_some() { 1300 } else { 180 });
        self.write_header(&mut w);
        w.into_bytes()
    }

    fn write_header(&self, w: &mut Writer) {
        w.u8(ENVELOPE_VERSION).u8(self.kind() as u8);
        self.sender.write(w);
        self.recipient.write(w);
        w.raw(&self.session_id);
        if let Some(prekey) = &self.prekey {
            prekey.write(w);
        }
        w.raw(&self.header.ratchet_key)
            .u32(self.header.previous_chain_length)
            .u32(self.header.index);
    }

    /// Encodes the envelope.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(1400 + self.ciphertext.len());
        self.write_header(&mut w);
        w.bytes(&self.ciphertext);
        w.into_bytes()
    }

    /// Parses an envelope. Parsing only; authenticity is checked on decrypt.
    ///
    /// # Errors
    /// [`DecodeError`] for any malformed input, unknown version or kind, or a
    /// ciphertext above [`MAX_PLAINTEXT_LEN`] plus the tag.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != ENVELOPE_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let kind = match r.u8()? {
            1 => EnvelopeKind::Prekey,
            2 => EnvelopeKind::Message,
            _ => return Err(DecodeError::Invalid("envelope kind")),
        };
        let sender = DeviceAddress::read(&mut r)?;
        let recipient = DeviceAddress::read(&mut r)?;
        let session_id = r.array()?;
        let prekey = match kind {
            EnvelopeKind::Message => None,
            EnvelopeKind::Prekey => Some(PrekeyHeader::read(&mut r)?),
        };
        let header = RatchetHeader {
            ratchet_key: r.array()?,
            previous_chain_length: r.u32()?,
            index: r.u32()?,
        };
        let ciphertext = r.bytes("ciphertext", MAX_PLAINTEXT_LEN + TAG_LEN)?;
        if ciphertext.len() < TAG_LEN {
            return Err(DecodeError::Truncated);
        }
        let ciphertext = ciphertext.to_vec();
        r.finish()?;
        Ok(Self {
            sender,
            recipient,
            session_id,
            prekey,
            header,
            ciphertext,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::IdentityKeyPair;
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn sample(prekey: bool) -> Envelope {
        let mut rng = ChaCha20Rng::from_seed([5; 32]);
        let identity = IdentityKeyPair::generate(&mut rng);
        Envelope {
            sender: DeviceAddress::new("alice", "phone").unwrap(),
            recipient: DeviceAddress::new("bob", "laptop").unwrap(),
            session_id: [3; 32],
            prekey: prekey.then(|| PrekeyHeader {
                identity: *identity.public(),
                signed_prekey_id: 1,
                one_time_prekey_id: Some(9),
                pq_prekey_id: 4,
                pq_ciphertext: vec![7; MLKEM768_CIPHERTEXT_LEN],
            }),
            header: RatchetHeader {
                ratchet_key: [4; 32],
                previous_chain_length: 2,
                index: 5,
            },
            ciphertext: vec![1; 40],
        }
    }

    #[test]
    fn envelopes_round_trip() {
        for prekey in [false, true] {
            let envelope = sample(prekey);
            let bytes = envelope.encode();
            assert_eq!(Envelope::decode(&bytes).unwrap(), envelope);
            assert!(bytes.starts_with(&envelope.header_bytes()));
        }
    }

    #[test]
    fn unknown_version_and_kind_are_rejected() {
        let mut bytes = sample(false).encode();
        bytes[0] = 2;
        assert_eq!(
            Envelope::decode(&bytes),
            Err(DecodeError::UnsupportedVersion(2))
        );
        let mut bytes = sample(false).encode();
        bytes[1] = 3;
        assert_eq!(
            Envelope::decode(&bytes),
            Err(DecodeError::Invalid("envelope kind"))
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1600)) {
            let _ = Envelope::decode(&bytes);
        }

        #[test]
        fn every_truncation_is_rejected(prekey: bool, cut in 0usize..1500) {
            let bytes = sample(prekey).encode();
            let cut = cut % bytes.len();
            prop_assert!(Envelope::decode(&bytes[..cut]).is_err());
        }

        #[test]
        fn mutated_envelopes_never_panic(prekey: bool, position in 0usize..1500, bit in 0u8..8) {
            let mut bytes = sample(prekey).encode();
            let position = position % bytes.len();
            bytes[position] ^= 1 << bit;
            let _ = Envelope::decode(&bytes);
        }
    }
}
