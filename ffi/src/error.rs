//! The flat error enum of the FFI boundary: one variant per
//! [`sealkit::ErrorKind`], carrying the inner error's text. Apps match on
//! the variant; the `message` is for logs and never holds secrets.
//!
//! This file classifies nothing: the core gives every error its kind
//! (`Error::kind`, `FileError::kind`, with exhaustive matches; ADR 0009),
//! and [`SealkitError::new`] only turns a kind and a message into the
//! exported variant. The web package does the same with the same kinds.

use sealkit::ErrorKind;
use sealkit::file::FileError;
use sealkit::identity::IdentityError;
use sealkit::media::MediaError;

/// Why a Sealkit call failed. After any error the client's stored state is
/// as it was before the call. Each variant is one kind of
/// `sealkit::ErrorKind`; `docs/adr/0009-error-kinds.md` says for each
/// whether retrying can help and what the app should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SealkitError {
    /// An argument from the app is invalid: an empty or too long id, a
    /// storage or file key that is not 32 bytes, a bundle for another
    /// device, an oversized plaintext, a chunk size out of range, a
    /// malformed recipient or file identity, a file under a raw file key
    /// given to an identity's decryption, a group ciphersuite this build
    /// lacks, an exporter length the hash cannot produce, a media clear
    /// header above its bound, more file recipients than the bound.
    #[error("{message}")]
    InvalidInput {
        /// What was wrong.
        message: String,
    },
    /// Received bytes (envelope, bundle, identity, QR payload, file header,
    /// group message, key package, welcome, media frame) are malformed.
    #[error("{message}")]
    Decode {
        /// What was malformed.
        message: String,
    },
    /// The message failed to authenticate: tampered, or not for this session.
    /// For files: a wrong file key, a tampered or truncated file, or an
    /// identity that is not a recipient (the message says which). For media:
    /// a tampered frame, or one of another group. (A group message that
    /// does not authenticate is `GroupRejected`.)
    #[error("{message}")]
    Decrypt {
        /// Details.
        message: String,
    },
    /// The message was already decrypted (a replay). Also a replayed group
    /// message, and a replayed media frame or one behind the replay window.
    /// Ignore it: its plaintext was delivered before.
    #[error("{message}")]
    Duplicate {
        /// Details.
        message: String,
    },
    /// The message is further ahead in its chain than the skipped-key bound.
    #[error("{message}")]
    TooFarAhead {
        /// The jump and the bound.
        message: String,
    },
    /// The peer's identity differs from the trusted one; verify it and call
    /// `trust_identity` before talking to it again.
    #[error("{message}")]
    UntrustedIdentity {
        /// The device whose identity changed.
        message: String,
    },
    /// The envelope is addressed to another device, or a group welcome is
    /// for none of this device's key packages.
    #[error("{message}")]
    WrongRecipient {
        /// The device the envelope names, or that the welcome is not for
        /// this device.
        message: String,
    },
    /// No session with the peer (and no bundle given to start one), or an
    /// envelope of a session this device does not have.
    #[error("{message}")]
    NoSession {
        /// The peer.
        message: String,
    },
    /// An initial message names a one-time prekey that is used up or unknown.
    #[error("{message}")]
    PrekeyUnavailable {
        /// The prekey id.
        message: String,
    },
    /// A signature in a prekey bundle does not verify.
    #[error("{message}")]
    BadSignature {
        /// Which key's signature.
        message: String,
    },
    /// No group with that id on this device (never created or joined, or
    /// this device was removed from it).
    #[error("{message}")]
    UnknownGroup {
        /// The group id.
        message: String,
    },
    /// A group with that id exists on this device already.
    #[error("{message}")]
    GroupExists {
        /// The group id.
        message: String,
    },
    /// The group message belongs to an epoch whose keys are gone (older
    /// than the kept past epochs, or before this device joined), or is too
    /// far ahead of the group's epoch to be kept. For media: a frame of an
    /// epoch whose keys are gone (the overlap after a rekey ended).
    #[error("{message}")]
    WrongEpoch {
        /// The message's epoch and the group's.
        message: String,
    },
    /// A media frame of an epoch this context does not have yet: a commit
    /// this device has not processed. Hold the frame and retry after
    /// `rekey_group_media`. A device removed from the group gets this for
    /// every frame of the epochs after its removal.
    #[error("{message}")]
    UnknownEpoch {
        /// The frame's epoch bits and the context's epoch.
        message: String,
    },
    /// The group message, welcome or key package does not authenticate
    /// (signature, membership tag or decryption failed) or breaks the MLS
    /// rules.
    #[error("{message}")]
    GroupRejected {
        /// What openmls rejected.
        message: String,
    },
    /// A group member's credential is not a Sealkit device credential, or
    /// its signature key is not the identity key it names.
    #[error("{message}")]
    BadCredential {
        /// Details.
        message: String,
    },
    /// The group message's sender is not a member of the group at the
    /// message's epoch (a removed device, for instance).
    #[error("{message}")]
    UnknownSender {
        /// Details.
        message: String,
    },
    /// The device to remove is not a member of the group.
    #[error("{message}")]
    NotAMember {
        /// The device.
        message: String,
    },
    /// This device has a commit awaiting `confirm_group_commit` or
    /// `discard_group_commit`; a new change must wait.
    #[error("{message}")]
    PendingCommit {
        /// The group id.
        message: String,
    },
    /// There is no pending commit to confirm or discard.
    #[error("{message}")]
    NoPendingCommit {
        /// The group id.
        message: String,
    },
    /// The group already keeps as many future-epoch messages as it may; the
    /// message was not kept. Deliver the missing commit first.
    #[error("{message}")]
    BufferFull {
        /// The group id.
        message: String,
    },
    /// The store failed (I/O, wrong storage key, corrupt record); nothing was
    /// changed.
    #[error("{message}")]
    Storage {
        /// Details.
        message: String,
    },
    /// The store is older than it should be: the database is older than
    /// the anchored generation (a restored backup or copy), or one of its
    /// records was written back from an older copy. Using it would reuse
    /// keys. Treat it as a security event; do not retry.
    #[error("{message}")]
    RolledBack {
        /// Which check failed.
        message: String,
    },
    /// The client was closed (`close()`); open a new one.
    #[error("{message}")]
    Closed {
        /// Details.
        message: String,
    },
    /// Reading or writing a file failed (it cannot be opened, the disk is
    /// full, ...).
    #[error("{message}")]
    Io {
        /// The file and the operating system's error.
        message: String,
    },
    /// Any other protocol failure (an invalid key, a weak Diffie-Hellman
    /// output, an exhausted counter, a failure inside openmls or the SFrame
    /// backend that is not the message's fault).
    #[error("{message}")]
    Protocol {
        /// Details.
        message: String,
    },
    /// The message was never decrypted, but its key is gone: a later
    /// message arrived first, and its skipped key was then evicted by the
    /// bound on stored skipped keys (2,000 per session). Retrying cannot
    /// help: the message is lost; tell the user, or ask the sender to send
    /// it again.
    #[error("{message}")]
    KeyEvicted {
        /// Details.
        message: String,
    },
    /// No identity is known for the device (a safety number of a device
    /// this one never had a session with, nor trusted). Start a session
    /// with it, or trust its verified identity, first.
    #[error("{message}")]
    UnknownIdentity {
        /// The device.
        message: String,
    },
    /// A bug or a broken platform, not the input's fault: the system has no
    /// randomness, or a primitive failed where it cannot. Retrying rarely
    /// helps. (A panic in a call does not break the client: the next call
    /// reloads its state from the store.)
    #[error("{message}")]
    Internal {
        /// Details.
        message: String,
    },
}

impl SealkitError {
    /// The exported variant of `kind`, with `message` (the inner error's
    /// text). Every conversion from a core error goes through here.
    pub(crate) fn new(kind: ErrorKind, message: String) -> Self {
        match kind {
            ErrorKind::InvalidInput => Self::InvalidInput { message },
            ErrorKind::Decode => Self::Decode { message },
            ErrorKind::Decrypt => Self::Decrypt { message },
            ErrorKind::Duplicate => Self::Duplicate { message },
            ErrorKind::KeyEvicted => Self::KeyEvicted { message },
            ErrorKind::TooFarAhead => Self::TooFarAhead { message },
            ErrorKind::UntrustedIdentity => Self::UntrustedIdentity { message },
            ErrorKind::WrongRecipient => Self::WrongRecipient { message },
            ErrorKind::NoSession => Self::NoSession { message },
            ErrorKind::UnknownIdentity => Self::UnknownIdentity { message },
            ErrorKind::PrekeyUnavailable => Self::PrekeyUnavailable { message },
            ErrorKind::BadSignature => Self::BadSignature { message },
            ErrorKind::UnknownGroup => Self::UnknownGroup { message },
            ErrorKind::GroupExists => Self::GroupExists { message },
            ErrorKind::WrongEpoch => Self::WrongEpoch { message },
            ErrorKind::UnknownEpoch => Self::UnknownEpoch { message },
            ErrorKind::GroupRejected => Self::GroupRejected { message },
            ErrorKind::BadCredential => Self::BadCredential { message },
            ErrorKind::UnknownSender => Self::UnknownSender { message },
            ErrorKind::NotAMember => Self::NotAMember { message },
            ErrorKind::PendingCommit => Self::PendingCommit { message },
            ErrorKind::NoPendingCommit => Self::NoPendingCommit { message },
            ErrorKind::BufferFull => Self::BufferFull { message },
            ErrorKind::Storage => Self::Storage { message },
            ErrorKind::RolledBack => Self::RolledBack { message },
            ErrorKind::Closed => Self::Closed { message },
            ErrorKind::Io => Self::Io { message },
            ErrorKind::Protocol => Self::Protocol { message },
            ErrorKind::Internal => Self::Internal { message },
            // `ErrorKind` is non-exhaustive: a kind newer than this match.
            // `every_kind_has_its_own_variant` fails until it gets one.
            _ => Self::Protocol { message },
        }
    }

    /// An [`SealkitError::InvalidInput`] with `message`.
    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message.into())
    }

    /// An [`SealkitError::Io`] with `message`.
    pub(crate) fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message.into())
    }

    /// An [`SealkitError::Internal`] with `message`.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message.into())
    }

    /// The kind of this variant: the inverse of [`SealkitError::new`].
    #[cfg(test)]
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput { .. } => ErrorKind::InvalidInput,
            Self::Decode { .. } => ErrorKind::Decode,
            Self::Decrypt { .. } => ErrorKind::Decrypt,
            Self::Duplicate { .. } => ErrorKind::Duplicate,
            Self::KeyEvicted { .. } => ErrorKind::KeyEvicted,
            Self::TooFarAhead { .. } => ErrorKind::TooFarAhead,
            Self::UntrustedIdentity { .. } => ErrorKind::UntrustedIdentity,
            Self::WrongRecipient { .. } => ErrorKind::WrongRecipient,
            Self::NoSession { .. } => ErrorKind::NoSession,
            Self::UnknownIdentity { .. } => ErrorKind::UnknownIdentity,
            Self::PrekeyUnavailable { .. } => ErrorKind::PrekeyUnavailable,
            Self::BadSignature { .. } => ErrorKind::BadSignature,
            Self::UnknownGroup { .. } => ErrorKind::UnknownGroup,
            Self::GroupExists { .. } => ErrorKind::GroupExists,
            Self::WrongEpoch { .. } => ErrorKind::WrongEpoch,
            Self::UnknownEpoch { .. } => ErrorKind::UnknownEpoch,
            Self::GroupRejected { .. } => ErrorKind::GroupRejected,
            Self::BadCredential { .. } => ErrorKind::BadCredential,
            Self::UnknownSender { .. } => ErrorKind::UnknownSender,
            Self::NotAMember { .. } => ErrorKind::NotAMember,
            Self::PendingCommit { .. } => ErrorKind::PendingCommit,
            Self::NoPendingCommit { .. } => ErrorKind::NoPendingCommit,
            Self::BufferFull { .. } => ErrorKind::BufferFull,
            Self::Storage { .. } => ErrorKind::Storage,
            Self::RolledBack { .. } => ErrorKind::RolledBack,
            Self::Closed { .. } => ErrorKind::Closed,
            Self::Io { .. } => ErrorKind::Io,
            Self::Protocol { .. } => ErrorKind::Protocol,
            Self::Internal { .. } => ErrorKind::Internal,
        }
    }
}

impl From<sealkit::Error> for SealkitError {
    fn from(error: sealkit::Error) -> Self {
        Self::new(error.kind(), error.to_string())
    }
}

impl From<FileError> for SealkitError {
    fn from(error: FileError) -> Self {
        Self::new(error.kind(), error.to_string())
    }
}

impl From<IdentityError> for SealkitError {
    fn from(error: IdentityError) -> Self {
        Self::new(error.kind(), error.to_string())
    }
}

impl From<MediaError> for SealkitError {
    fn from(error: MediaError) -> Self {
        Self::new(error.kind(), error.to_string())
    }
}

/// An I/O error from the `Read`/`Write` of a file encryptor or decryptor
/// carries a [`FileError`] (authentication, truncation); it maps as that
/// error. Any other is `Io`.
impl From<std::io::Error> for SealkitError {
    fn from(error: std::io::Error) -> Self {
        FileError::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use sealkit::group::GroupError;
    use sealkit::session::SessionError;
    use sealkit::store::StoreError;
    use sealkit::{DecodeError, DeviceAddress, Error};

    use super::*;

    fn bob() -> DeviceAddress {
        DeviceAddress::new("bob", "laptop").unwrap()
    }

    #[test]
    fn every_kind_has_its_own_variant() {
        for &kind in ErrorKind::ALL {
            let error = SealkitError::new(kind, format!("a {kind} failure"));
            assert_eq!(error.kind(), kind, "{kind} falls into another variant");
            assert_eq!(error.to_string(), format!("a {kind} failure"));
        }
    }

    /// The classification itself is tested in core (`error/tests.rs`);
    /// here, that each conversion keeps the core's kind and the inner
    /// error's text.
    #[test]
    fn each_conversion_keeps_the_kind_and_the_message_of_the_inner_error() {
        let client_errors = vec![
            Error::InvalidInput("empty".into()),
            Error::Decode(DecodeError::Truncated),
            Error::Session(SessionError::Duplicate),
            Error::Session(SessionError::KeyEvicted),
            Error::Session(SessionError::TooFarAhead {
                jump: 5000,
                max: 2000,
            }),
            Error::UnknownIdentity { address: bob() },
            Error::NoSession { address: bob() },
            Error::Store(StoreError::WrongStorageKey),
            Error::Group(GroupError::Replay),
            Error::Media(MediaError::UnknownEpoch {
                epoch_low_bits: 3,
                current: 2,
            }),
            Error::Internal("no system randomness".into()),
        ];
        for inner in client_errors {
            let (kind, text) = (inner.kind(), inner.to_string());
            let mapped = SealkitError::from(inner);
            assert_eq!(mapped.kind(), kind, "{text}");
            assert_eq!(
                mapped.to_string(),
                text,
                "the message is the inner error's text"
            );
        }
        for inner in [
            FileError::ChunkAuthentication { index: 7 },
            FileError::NoRecipients,
            FileError::Io("disk full".into()),
            FileError::Internal("no system randomness".into()),
        ] {
            let (kind, text) = (inner.kind(), inner.to_string());
            let mapped = SealkitError::from(inner);
            assert_eq!(mapped.kind(), kind, "{text}");
            assert_eq!(
                mapped.to_string(),
                text,
                "the message is the inner error's text"
            );
        }
        let media = MediaError::Replay;
        assert_eq!(
            SealkitError::from(media.clone()).kind(),
            ErrorKind::Duplicate
        );
        assert_eq!(
            SealkitError::from(media.clone()).to_string(),
            media.to_string()
        );
    }

    #[test]
    fn a_file_error_inside_an_io_error_maps_as_the_file_error() {
        let wrapped = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            FileError::ChunkAuthentication { index: 2 },
        );
        let mapped = SealkitError::from(wrapped);
        assert_eq!(mapped.kind(), ErrorKind::Decrypt);
        assert_eq!(mapped.to_string(), "chunk 2 failed to authenticate");

        let plain = std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left");
        assert_eq!(SealkitError::from(plain).kind(), ErrorKind::Io);
    }

    #[test]
    fn identity_errors_from_argument_conversion_map_like_client_errors() {
        let error = SealkitError::from(IdentityError::InvalidAddress("device id"));
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            error,
            SealkitError::from(Error::Identity(IdentityError::InvalidAddress("device id")))
        );
    }
}
