//! Exactly-once delivery to the app: decrypting with a receipt.
//!
//! [`Client::decrypt`] commits the ratchet step and then hands out the
//! plaintext. If the app dies in between (or before it has stored the
//! message), the plaintext is gone: the message key was deleted with the
//! step, and the server's redelivery is refused as a duplicate. That is
//! *at most once*.
//!
//! [`Client::decrypt_with_receipt`] keeps the plaintext, sealed in the
//! store, in the same commit as the ratchet step, under a [`MessageId`]
//! derived from the envelope. Until the app calls
//! [`Client::acknowledge`], a redelivery of the same envelope returns the
//! same message with the same id, and [`Client::unacknowledged`] lists it
//! (for an app that restarts after a crash). An app that stores each
//! message idempotently by its id, then acknowledges it, then acknowledges
//! the envelope to its server, sees every message *exactly once*, whatever
//! moment a crash hits. After the acknowledgement a redelivery is refused
//! with [`crate::ErrorKind::Duplicate`], exactly as with `decrypt`: the
//! app has the message, so it drops the envelope and acknowledges it to
//! its server. The record layout is in `docs/format/stored-records.md`.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{Client, corrupt};
use crate::codec::{DecodeError, Reader, Writer};
use crate::error::Error;
use crate::identity::DeviceAddress;
use crate::session::MAX_PLAINTEXT_LEN;
use crate::store::RecordKind;

const RECEIVED_RECORD_VERSION: u8 = 1;
/// Domain separation of the message id hash.
const MESSAGE_ID_LABEL: &[u8] = b"Sealkit message id v1";

/// The id of a message decrypted with a receipt: SHA-256 over a label and
/// the envelope's canonical encoding, so the same envelope (however the
/// transport re-encoded it) always has the same id, and two envelopes never
/// share one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId([u8; 32]);

impl MessageId {
    /// The id's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// An id from its 32 bytes (as the app stored it).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The id as 64 lowercase hex digits (also its store key).
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            // Writing to a String cannot fail.
            let _ = write!(out, "{byte:02x}");
        }
        out
    }

    fn of_envelope(canonical: &[u8]) -> Self {
        let mut hash = Sha256::new();
        hash.update(MESSAGE_ID_LABEL);
        hash.update(canonical);
        Self(hash.finalize().into())
    }
}

impl std::fmt::Debug for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MessageId({})", self.to_hex())
    }
}

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A message decrypted with a receipt: kept by the client until the app
/// [acknowledges](Client::acknowledge) its `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The message's id: the same for every delivery of its envelope.
    pub id: MessageId,
    /// The device that sent it (authenticated by the session).
    pub sender: DeviceAddress,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}

impl Client {
    /// Decrypts an envelope as [`Client::decrypt`] does, and keeps the
    /// plaintext in the store, in the same commit as the ratchet step,
    /// until [`Client::acknowledge`] is called with its id. Delivering the
    /// same envelope again before that returns the same [`Received`]
    /// without touching the session. See the module docs for the
    /// exactly-once recipe.
    ///
    /// # Errors
    /// As [`Client::decrypt`]; in every case nothing changed. An envelope
    /// whose message was acknowledged is refused with
    /// [`crate::ErrorKind::Duplicate`].
    pub fn decrypt_with_receipt(&self, envelope: &[u8]) -> Result<Received, Error> {
        let envelope = self.decode_envelope(envelope)?;
        let id = MessageId::of_envelope(&envelope.encode());
        let key = id.to_hex();
        self.run(|inner, txn| {
            if let Some(bytes) = inner.store.get(RecordKind::Received, &key)? {
                let (_, received) =
                    decode_received(id, &bytes).map_err(|_| corrupt(RecordKind::Received, &key))?;
                return Ok(received);
            }
            let decrypted = self.decrypt_in(inner, txn, &envelope)?;
            let received = Received {
                id,
                sender: decrypted.sender,
                plaintext: decrypted.plaintext,
            };
            // The operation's starting generation orders the messages: every
            // operation starts from a later one than the one before it.
            txn.changes.put(
                RecordKind::Received,
                key,
                encode_received(inner.generation, &received),
            );
            Ok(received)
        })
    }

    /// Tells the client that the app has stored the message `id`: its
    /// kept plaintext is deleted (securely, where the store does that).
    /// Returns whether the message was still kept; acknowledging again
    /// does nothing.
    ///
    /// # Errors
    /// [`Error::Store`], [`Error::Closed`].
    pub fn acknowledge(&self, id: &MessageId) -> Result<bool, Error> {
        let key = id.to_hex();
        self.run(|inner, txn| {
            let kept = inner.store.get(RecordKind::Received, &key)?.is_some();
            if kept {
                txn.changes.delete(RecordKind::Received, key.clone());
            }
            Ok(kept)
        })
    }

    /// Every message decrypted with a receipt and not yet acknowledged, in
    /// the order they were decrypted: what an app that restarts after a
    /// crash stores (idempotently, by id) and acknowledges first.
    ///
    /// # Errors
    /// [`Error::Store`] (a record that does not decode is
    /// [`crate::store::StoreError::Corrupt`]), [`Error::Closed`].
    pub fn unacknowledged(&self) -> Result<Vec<Received>, Error> {
        self.run(|inner, _| {
            let mut kept = Vec::new();
            for key in inner.store.keys(RecordKind::Received)? {
                let Some(bytes) = inner.store.get(RecordKind::Received, &key)? else {
                    continue;
                };
                let id = parse_hex_id(&key).ok_or_else(|| corrupt(RecordKind::Received, &key))?;
                kept.push(
                    decode_received(id, &bytes).map_err(|_| corrupt(RecordKind::Received, &key))?,
                );
            }
            kept.sort_by_key(|(sequence, received)| (*sequence, received.id));
            Ok(kept.into_iter().map(|(_, received)| received).collect())
        })
    }
}

/// `u8 version = 1 ‖ u64 sequence ‖ DeviceAddress sender ‖ u32-length
/// plaintext`.
fn encode_received(sequence: u64, received: &Received) -> Zeroizing<Vec<u8>> {
    let mut w = Writer::with_capacity(32 + received.plaintext.len());
    w.u8(RECEIVED_RECORD_VERSION);
    w.u64(sequence);
    received.sender.write(&mut w);
    w.bytes(&received.plaintext);
    w.into_secret()
}

fn decode_received(id: MessageId, bytes: &[u8]) -> Result<(u64, Received), DecodeError> {
    let mut r = Reader::new(bytes);
    let version = r.u8()?;
    if version != RECEIVED_RECORD_VERSION {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let sequence = r.u64()?;
    let sender = DeviceAddress::read(&mut r)?;
    let plaintext = r.bytes("plaintext", MAX_PLAINTEXT_LEN)?.to_vec();
    r.finish()?;
    Ok((
        sequence,
        Received {
            id,
            sender,
            plaintext,
        },
    ))
}

fn parse_hex_id(key: &str) -> Option<MessageId> {
    let digits = key.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let nibble = |digit: u8| match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let [high, low] = pair else { return None };
        *byte = (nibble(*high)? << 4) | nibble(*low)?;
    }
    Some(MessageId(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_id_round_trips_through_its_hex_store_key() {
        let id = MessageId::of_envelope(b"an envelope");
        assert_eq!(parse_hex_id(&id.to_hex()), Some(id));
        assert_eq!(id.to_hex().len(), 64);
        assert_eq!(parse_hex_id(&id.to_hex().to_uppercase()), None);
        assert_eq!(parse_hex_id("00"), None);
    }

    #[test]
    fn a_received_record_round_trips_and_refuses_other_versions() {
        let received = Received {
            id: MessageId::of_envelope(b"x"),
            sender: DeviceAddress::new("alice", "phone").unwrap(),
            plaintext: b"hello".to_vec(),
        };
        let bytes = encode_received(7, &received);
        assert_eq!(
            decode_received(received.id, &bytes).unwrap(),
            (7, received.clone())
        );
        let mut other = bytes.to_vec();
        other[0] = 2;
        assert!(decode_received(received.id, &other).is_err());
        assert!(decode_received(received.id, &bytes[..bytes.len() - 1]).is_err());
    }
}
