//! 1:1 sessions: the PQXDH handshake (Signal's PQXDH specification, revision
//! 3) followed by the Double Ratchet (Signal's Double Ratchet specification,
//! revision 4), with AES-256-GCM message encryption.
//!
//! [`Session`] is one conversation with one remote device; the client keeps a
//! [`SessionRecord`] per remote device holding the current session and a few
//! previous ones (for messages in flight when a new session replaced them).

mod chain;
mod message;
mod pqxdh;
mod ratchet;
mod record;
mod skipped;

#[cfg(test)]
mod tests;

pub use message::{
    ENVELOPE_VERSION, Envelope, EnvelopeKind, MAX_PLAINTEXT_LEN, PrekeyHeader, RatchetHeader,
};
pub use ratchet::{MAX_FORWARD_JUMP, MAX_RECEIVER_CHAINS, MAX_SKIPPED_KEYS};
pub use record::{MAX_PREVIOUS_SESSIONS, ResponderKeys, Session, SessionRecord};

use thiserror::Error;

use crate::codec::DecodeError;
use crate::identity::IdentityError;

/// Errors of session set-up, encryption and decryption. None of them leaves
/// the session changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The message bytes are malformed.
    #[error("malformed message: {0}")]
    Decode(#[from] DecodeError),
    /// A key or bundle failed validation.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Authentication failed: tampered, truncated, or not for this session.
    #[error("message failed to authenticate")]
    Decrypt,
    /// This message was already decrypted (a replay).
    #[error("duplicate message (already decrypted)")]
    Duplicate,
    /// The message was not decrypted before, but its key is gone: it was
    /// stored as a skipped key (a later message arrived first) and then
    /// evicted, oldest first, to keep the session within
    /// [`MAX_SKIPPED_KEYS`]. The message can no longer be decrypted.
    ///
    /// The session remembers which keys it evicted as runs of consecutive
    /// messages of a chain, at most 64 runs: a flood of gaps makes one run,
    /// and a run breaks only where a message of its chain was decrypted in
    /// between. Within that bound the answer is exact; a message of an
    /// older, forgotten run is reported as [`SessionError::Duplicate`] (or
    /// [`SessionError::Decrypt`] for a chain no longer remembered).
    #[error("the message's key was evicted by the bound of {MAX_SKIPPED_KEYS} skipped keys")]
    KeyEvicted,
    /// The message is further ahead in its chain than [`MAX_FORWARD_JUMP`].
    #[error("message is {jump} messages ahead, above the bound of {max}")]
    TooFarAhead {
        /// How many keys would have to be skipped.
        jump: u64,
        /// The bound.
        max: u32,
    },
    /// A Diffie-Hellman output was all zeros (a low-order public key).
    #[error("non-contributory Diffie-Hellman key")]
    WeakKey,
    /// The plaintext is larger than [`MAX_PLAINTEXT_LEN`].
    #[error("plaintext of {0} bytes is above the bound")]
    PlaintextTooLarge(usize),
    /// A chain counter would overflow.
    #[error("message counter exhausted")]
    CounterExhausted,
    /// A primitive failed where it cannot (a bug, not bad input): the
    /// operation stopped rather than go on with a key of zeros.
    #[error("internal error: {0} failed")]
    Internal(&'static str),
    /// The session cannot receive yet (no receiving chain) for this message.
    #[error("no receiving chain for this message")]
    NoReceivingChain,
    /// The responder cannot send before it has received a first message.
    #[error("cannot send before the first message from the initiator")]
    NoSendingChain,
}
