//! Batches: many messages per call, for the bindings whose per-call cost
//! dwarfs the work (ADR 0018). Through the generated Python layer each call
//! into the library costs several microseconds of marshalling (a handle
//! clone, a buffer per argument, a free per result), about ten times the
//! encryption of a short message; a batch pays that once.
//!
//! Each message of a batch is exactly one call of the core operation, in
//! order, with its own durable commit: the batch adds no protocol and no
//! atomicity of its own. What it defines is what a failure in the middle
//! means, so that nothing is lost:
//!
//! - [`SealkitClient::encrypt_batch`] stops at the first failure and
//!   returns the envelopes made before it (each already committed, so each
//!   must be delivered) with the error; the plaintexts after them were not
//!   encrypted.
//! - [`SealkitClient::decrypt_batch`] goes on past a failure: every
//!   envelope gets its own outcome, as if each had been decrypted alone.

use sealkit::PrekeyBundle;

use crate::address::DeviceAddress;
use crate::client::{Decrypted, SealkitClient};
use crate::error::SealkitError;

/// Most messages in one batch call: bounds the memory one call can take
/// (a batch of maximal plaintexts is still large, so apps batch short
/// messages).
pub const MAX_BATCH: u32 = 4096;

/// What [`SealkitClient::encrypt_batch`] produced.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EncryptedBatch {
    /// The envelopes of the first `envelopes.len()` plaintexts, in order.
    /// Each is committed: deliver every one, also when `error` is set.
    pub envelopes: Vec<Vec<u8>>,
    /// Why plaintext `envelopes.len()` could not be encrypted (that one
    /// and the ones after it were not); `None` when all were.
    pub error: Option<SealkitError>,
}

/// The outcome of one envelope of [`SealkitClient::decrypt_batch`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DecryptOutcome {
    /// The envelope decrypted.
    Decrypted {
        /// The message, as [`SealkitClient::decrypt`] returns it.
        message: Decrypted,
    },
    /// The envelope did not decrypt; nothing changed for it.
    Failed {
        /// Why, as [`SealkitClient::decrypt`] would have said.
        error: SealkitError,
    },
}

fn check_batch_len(len: usize) -> Result<(), SealkitError> {
    if len > MAX_BATCH as usize {
        return Err(SealkitError::invalid_input(format!(
            "a batch holds at most {MAX_BATCH} messages, not {len}"
        )));
    }
    Ok(())
}

#[uniffi::export]
impl SealkitClient {
    /// Encrypts each of `plaintexts` for `peer`, in order, as that many
    /// [`SealkitClient::encrypt`] calls would (`bundle` starts the session
    /// when there is none; the later messages use that session).
    ///
    /// # Errors
    /// Before anything is encrypted: `InvalidInput` for an invalid `peer`
    /// or more than [`MAX_BATCH`] plaintexts, `Decode` for a malformed
    /// bundle. A failure after that is returned in
    /// [`EncryptedBatch::error`], with the envelopes made before it.
    pub fn encrypt_batch(
        &self,
        peer: DeviceAddress,
        bundle: Option<Vec<u8>>,
        plaintexts: Vec<Vec<u8>>,
    ) -> Result<EncryptedBatch, SealkitError> {
        check_batch_len(plaintexts.len())?;
        let peer = peer.to_core()?;
        let bundle = bundle
            .map(|bytes| PrekeyBundle::decode(&bytes))
            .transpose()?;
        let mut envelopes = Vec::with_capacity(plaintexts.len());
        for plaintext in &plaintexts {
            match self.core().encrypt(&peer, bundle.as_ref(), plaintext) {
                Ok(envelope) => envelopes.push(envelope),
                Err(error) => {
                    return Ok(EncryptedBatch {
                        envelopes,
                        error: Some(error.into()),
                    });
                }
            }
        }
        Ok(EncryptedBatch {
            envelopes,
            error: None,
        })
    }

    /// Decrypts each of `envelopes`, in order, as that many
    /// [`SealkitClient::decrypt`] calls would, and returns one outcome per
    /// envelope: a failing envelope (tampered, a replay, ...) does not stop
    /// or undo the others.
    ///
    /// # Errors
    /// `InvalidInput` for more than [`MAX_BATCH`] envelopes (then none was
    /// decrypted).
    pub fn decrypt_batch(
        &self,
        envelopes: Vec<Vec<u8>>,
    ) -> Result<Vec<DecryptOutcome>, SealkitError> {
        check_batch_len(envelopes.len())?;
        Ok(envelopes
            .iter()
            .map(|envelope| match self.core().decrypt(envelope) {
                Ok(decrypted) => DecryptOutcome::Decrypted {
                    message: Decrypted {
                        sender: (&decrypted.sender).into(),
                        plaintext: decrypted.plaintext,
                    },
                },
                Err(error) => DecryptOutcome::Failed {
                    error: error.into(),
                },
            })
            .collect())
    }
}

/// The most messages [`SealkitClient::encrypt_batch`] and
/// [`SealkitClient::decrypt_batch`] take in one call.
#[uniffi::export]
pub fn max_batch() -> u32 {
    MAX_BATCH
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::take_bundle_for_session;

    fn pair() -> (SealkitClient, SealkitClient) {
        let alice = SealkitClient::open_in_memory("alice".into(), "phone".into()).unwrap();
        let bob = SealkitClient::open_in_memory("bob".into(), "laptop".into()).unwrap();
        (alice, bob)
    }

    fn texts(n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| format!("message {i}").into_bytes())
            .collect()
    }

    fn plaintext(outcome: &DecryptOutcome) -> &[u8] {
        match outcome {
            DecryptOutcome::Decrypted { message } => &message.plaintext,
            DecryptOutcome::Failed { error } => panic!("expected a message, got {error:?}"),
        }
    }

    #[test]
    fn a_batch_starts_the_session_and_every_message_arrives_in_order() {
        let (alice, bob) = pair();
        let bundle = take_bundle_for_session(bob.prekey_bundle(2).unwrap()).unwrap();
        let sent = alice
            .encrypt_batch(bob.address(), Some(bundle.for_session), texts(50))
            .unwrap();
        assert_eq!(sent.error, None);
        assert_eq!(sent.envelopes.len(), 50);

        let outcomes = bob.decrypt_batch(sent.envelopes).unwrap();
        let received: Vec<&[u8]> = outcomes.iter().map(plaintext).collect();
        assert_eq!(
            received,
            texts(50).iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        assert!(outcomes.iter().all(|outcome| matches!(
            outcome,
            DecryptOutcome::Decrypted { message } if message.sender == alice.address()
        )));
    }

    #[test]
    fn a_tampered_and_a_replayed_envelope_fail_alone() {
        let (alice, bob) = pair();
        let bundle = take_bundle_for_session(bob.prekey_bundle(2).unwrap()).unwrap();
        let sent = alice
            .encrypt_batch(bob.address(), Some(bundle.for_session), texts(4))
            .unwrap();
        let mut tampered = sent.envelopes[1].clone();
        *tampered.last_mut().unwrap() ^= 0x01;
        let batch = vec![
            sent.envelopes[0].clone(),
            tampered,
            sent.envelopes[0].clone(),
            sent.envelopes[2].clone(),
            b"not an envelope".to_vec(),
            sent.envelopes[1].clone(),
            sent.envelopes[3].clone(),
        ];

        let outcomes = bob.decrypt_batch(batch).unwrap();
        assert_eq!(plaintext(&outcomes[0]), b"message 0");
        assert!(matches!(
            &outcomes[1],
            DecryptOutcome::Failed {
                error: SealkitError::Decrypt { .. }
            }
        ));
        assert!(matches!(
            &outcomes[2],
            DecryptOutcome::Failed {
                error: SealkitError::Duplicate { .. }
            }
        ));
        assert_eq!(plaintext(&outcomes[3]), b"message 2");
        assert!(matches!(
            &outcomes[4],
            DecryptOutcome::Failed {
                error: SealkitError::Decode { .. }
            }
        ));
        // The genuine message 1 still decrypts after its tampered copy failed.
        assert_eq!(plaintext(&outcomes[5]), b"message 1");
        assert_eq!(plaintext(&outcomes[6]), b"message 3");
    }

    #[test]
    fn an_encrypt_batch_stops_at_the_first_failure_and_keeps_what_it_made() {
        let (alice, bob) = pair();
        let bundle = take_bundle_for_session(bob.prekey_bundle(2).unwrap()).unwrap();
        let oversized = vec![0u8; sealkit::session::MAX_PLAINTEXT_LEN + 1];
        let plaintexts = vec![
            b"one".to_vec(),
            b"two".to_vec(),
            oversized,
            b"four".to_vec(),
        ];

        let sent = alice
            .encrypt_batch(bob.address(), Some(bundle.for_session), plaintexts)
            .unwrap();
        assert_eq!(sent.envelopes.len(), 2);
        assert!(matches!(
            sent.error,
            Some(SealkitError::InvalidInput { .. })
        ));
        // The two made before the failure are real messages of the session,
        // and the session goes on after it.
        let outcomes = bob.decrypt_batch(sent.envelopes).unwrap();
        assert_eq!(plaintext(&outcomes[0]), b"one");
        assert_eq!(plaintext(&outcomes[1]), b"two");
        let next = alice
            .encrypt(bob.address(), None, b"four".to_vec())
            .unwrap();
        assert_eq!(bob.decrypt(next).unwrap().plaintext, b"four");
    }

    #[test]
    fn a_batch_without_a_session_fails_at_its_first_message() {
        let (alice, bob) = pair();
        let sent = alice.encrypt_batch(bob.address(), None, texts(3)).unwrap();
        assert!(sent.envelopes.is_empty());
        assert!(matches!(sent.error, Some(SealkitError::NoSession { .. })));
    }

    #[test]
    fn an_oversized_batch_is_refused_before_anything_happens() {
        let (alice, bob) = pair();
        let bundle = take_bundle_for_session(bob.prekey_bundle(2).unwrap()).unwrap();
        let too_many = texts(MAX_BATCH as usize + 1);
        assert!(matches!(
            alice.encrypt_batch(bob.address(), Some(bundle.for_session.clone()), too_many),
            Err(SealkitError::InvalidInput { .. })
        ));
        // No session was started by the refused call.
        assert!(alice.sessions().unwrap().is_empty());
        assert!(matches!(
            bob.decrypt_batch(texts(MAX_BATCH as usize + 1)),
            Err(SealkitError::InvalidInput { .. })
        ));
        assert_eq!(max_batch(), MAX_BATCH);
    }
}
