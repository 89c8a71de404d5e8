//! Why a group operation failed ([`GroupError`]), and the translation of
//! openmls's errors into Sealkit's: each openmls failure becomes the
//! variant an app can act on (a replay, a wrong epoch, an unknown sender, a
//! message that does not authenticate, a failure that is not the message's
//! fault).

use openmls::framing::errors::{MessageDecryptionError, SecretTreeError};
use openmls::prelude::{MlsGroupStateError, ProcessMessageError, ValidationError};
use thiserror::Error;

use super::storage::GroupStorageError;
use crate::error::Error;
use crate::identity::DeviceAddress;
use crate::store::{RecordKind, StoreError};

/// Why a group operation failed. After any error the stored group is as it
/// was before the call.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GroupError {
    /// No group with that id on this device.
    #[error("unknown group {group_id:?}")]
    UnknownGroup {
        /// The group id.
        group_id: String,
    },
    /// A group with that id exists already.
    #[error("group {group_id:?} exists already")]
    GroupExists {
        /// The group id.
        group_id: String,
    },
    /// The bytes are not an MLS message of the expected kind.
    #[error("malformed group message: {0}")]
    Malformed(String),
    /// The message belongs to an epoch whose keys are gone (older than
    /// [`MAX_PAST_EPOCHS`](super::MAX_PAST_EPOCHS)) or a commit to an epoch other than the current.
    #[error("message of epoch {message_epoch} does not fit the group's epoch {group_epoch}")]
    WrongEpoch {
        /// The message's epoch.
        message_epoch: u64,
        /// The group's epoch.
        group_epoch: u64,
    },
    /// The message was already processed (its key is used up).
    #[error("message already processed")]
    Replay,
    /// The message does not authenticate (signature, membership tag or
    /// decryption failed) or breaks the protocol's rules.
    #[error("group message rejected: {0}")]
    Rejected(String),
    /// A member's credential is not a Sealkit device credential, or its
    /// signature key is not the identity key it names.
    #[error("bad member credential: {0}")]
    BadCredential(String),
    /// The message's sender is not a member of the group (at the message's
    /// epoch).
    #[error("the sender is not a member of the group")]
    UnknownSender,
    /// The device is not a member of the group.
    #[error("{device} is not a member of the group")]
    NotAMember {
        /// The device.
        device: DeviceAddress,
    },
    /// This device has a commit awaiting `confirm_group_commit` or
    /// `discard_group_commit`.
    #[error("group {group_id:?} has a pending commit; confirm or discard it first")]
    PendingCommit {
        /// The group id.
        group_id: String,
    },
    /// There is no pending commit to confirm or discard.
    #[error("group {group_id:?} has no pending commit")]
    NoPendingCommit {
        /// The group id.
        group_id: String,
    },
    /// The future-epoch buffer of the group is full ([`MAX_BUFFERED_MESSAGES`](super::MAX_BUFFERED_MESSAGES)
    /// or [`MAX_BUFFERED_BYTES`](super::MAX_BUFFERED_BYTES)); the message was not kept.
    #[error("the early-message buffer of group {group_id:?} is full")]
    BufferFull {
        /// The group id.
        group_id: String,
    },
    /// The welcome is for none of this device's key packages.
    #[error("the welcome is not for this device")]
    NotForThisDevice,
    /// openmls failed in a way that is not the message's fault.
    #[error("group library error: {0}")]
    Library(String),
}

/// A failure inside openmls that is not the message's fault.
pub(super) fn library(error: impl std::fmt::Display) -> Error {
    Error::Group(GroupError::Library(error.to_string()))
}

/// Bytes that are not an MLS message of the expected kind.
pub(super) fn malformed(error: impl std::fmt::Display) -> Error {
    Error::Group(GroupError::Malformed(error.to_string()))
}

/// A group message that does not authenticate or breaks the rules.
pub(super) fn rejected(reason: impl Into<String>) -> Error {
    Error::Group(GroupError::Rejected(reason.into()))
}

/// A member credential that is not a Sealkit device credential.
pub(super) fn bad_credential(error: impl std::fmt::Display) -> Error {
    Error::Group(GroupError::BadCredential(error.to_string()))
}

pub(super) fn storage_error(error: GroupStorageError) -> Error {
    match error {
        GroupStorageError::Store(error) => Error::Store(error),
        GroupStorageError::Corrupt(key) => Error::Store(StoreError::Corrupt {
            kind: RecordKind::Mls,
            key,
        }),
        GroupStorageError::Serialize => library("group state cannot be serialized"),
    }
}

pub(super) fn state_error(group_id: &str, error: MlsGroupStateError) -> Error {
    match error {
        MlsGroupStateError::PendingCommit => Error::Group(GroupError::PendingCommit {
            group_id: group_id.to_owned(),
        }),
        MlsGroupStateError::UseAfterEviction => {
            rejected("this device is no longer a member of the group")
        }
        other => library(other),
    }
}

pub(super) fn process_error(
    error: ProcessMessageError<GroupStorageError>,
    message_epoch: u64,
    group_epoch: u64,
) -> Error {
    let wrong_epoch = Error::Group(GroupError::WrongEpoch {
        message_epoch,
        group_epoch,
    });
    match error {
        ProcessMessageError::StorageError(error) => storage_error(error),
        ProcessMessageError::ValidationError(
            ValidationError::WrongEpoch | ValidationError::NoPastEpochData,
        ) => wrong_epoch,
        ProcessMessageError::ValidationError(ValidationError::UnableToDecrypt(
            MessageDecryptionError::SecretTreeError(SecretTreeError::SecretReuseError),
        )) => Error::Group(GroupError::Replay),
        // openmls reports a message from an epoch whose secrets are gone
        // (or that predates this member) as a generation too old.
        ProcessMessageError::ValidationError(ValidationError::UnableToDecrypt(
            MessageDecryptionError::SecretTreeError(SecretTreeError::TooDistantInThePast),
        )) if message_epoch < group_epoch => wrong_epoch,
        ProcessMessageError::ValidationError(ValidationError::UnknownMember) => {
            Error::Group(GroupError::UnknownSender)
        }
        ProcessMessageError::InvalidCommit(error) => rejected(format!("invalid commit: {error}")),
        ProcessMessageError::LibraryError(error) => library(error),
        other => rejected(other.to_string()),
    }
}
