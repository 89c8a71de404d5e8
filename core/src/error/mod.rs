//! The client's error type, every failure of a [`crate::Client`] operation,
//! and [`ErrorKind`], the one flat classification of every error of the
//! crate.
//!
//! Two tiers (ADR 0009): each module keeps its own rich error enum
//! ([`SessionError`], [`GroupError`], [`crate::file::FileError`], ...) with
//! the details a Rust caller may match on, and every one of them has a
//! `kind()` giving its [`ErrorKind`]. The classification lives in one place,
//! `kind.rs`, written as exhaustive matches: a new error variant without a
//! kind does not compile. Bindings (the FFI, the web package) only convert
//! a kind to their own exported type; they never classify.

mod kind;
#[cfg(test)]
mod tests;

pub use kind::ErrorKind;

use thiserror::Error;

use crate::codec::DecodeError;
use crate::group::GroupError;
use crate::identity::{DeviceAddress, IdentityError};
use crate::media::MediaError;
use crate::session::SessionError;
use crate::store::StoreError;

/// Why a client operation failed. After any error the client's stored
/// state is as it was before the call. [`Error::kind`] tells what the app
/// should do about it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument from the app is invalid (empty id, oversized input, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Received bytes are malformed.
    #[error("malformed input: {0}")]
    Decode(#[from] DecodeError),
    /// A key, signature or bundle is invalid.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The session layer rejected the message. Malformed bytes and bad
    /// keys or signatures found by the session layer are reported as
    /// [`Error::Decode`] and [`Error::Identity`] instead.
    #[error(transparent)]
    Session(SessionError),
    /// The store failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The remote device's identity differs from the one trusted for it.
    /// Nothing was encrypted or decrypted; see `Client::trust_identity`.
    #[error("identity of {address} changed; verify it before trusting the new one")]
    UntrustedIdentity {
        /// The device whose identity changed.
        address: DeviceAddress,
    },
    /// The envelope is addressed to another device.
    #[error("envelope is for {recipient}, not this device")]
    WrongRecipient {
        /// The device the envelope names.
        recipient: DeviceAddress,
    },
    /// No session with that device, and no prekey bundle to start one.
    #[error("no session with {address}")]
    NoSession {
        /// The remote device.
        address: DeviceAddress,
    },
    /// No identity is known for that device: this device never started or
    /// accepted a session with it, nor trusted an identity for it.
    #[error("no identity known for {address}")]
    UnknownIdentity {
        /// The remote device.
        address: DeviceAddress,
    },
    /// An initial message names a one-time prekey that was already used.
    /// Nothing was decrypted.
    #[error("one-time prekey {id} was already used")]
    PrekeyAlreadyUsed {
        /// The prekey id.
        id: u32,
    },
    /// An initial message names a prekey this device does not have.
    #[error("unknown prekey {id}")]
    UnknownPrekey {
        /// The prekey id.
        id: u32,
    },
    /// A group operation failed; see [`GroupError`].
    #[error(transparent)]
    Group(#[from] GroupError),
    /// A media (SFrame) context could not be built or rekeyed.
    #[error(transparent)]
    Media(#[from] MediaError),
    /// The bundle given for a device belongs to another device.
    #[error("bundle belongs to {bundle}, not {requested}")]
    BundleAddressMismatch {
        /// The device asked for.
        requested: DeviceAddress,
        /// The device the bundle names.
        bundle: DeviceAddress,
    },
    /// A bug or a broken platform, not the input's fault: the system has no
    /// randomness, or the client's lock was poisoned by a panic in an
    /// earlier call. Nothing was changed.
    #[error("internal error: {0}")]
    Internal(String),
    /// The client was closed ([`crate::Client::close`]).
    #[error("the client is closed")]
    Closed,
}

impl From<SessionError> for Error {
    /// Lifts the session layer's decode and identity errors to the client's
    /// own variants, so that each kind of failure has one place to match.
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Decode(error) => Error::Decode(error),
            SessionError::Identity(error) => Error::Identity(error),
            other => Error::Session(other),
        }
    }
}
