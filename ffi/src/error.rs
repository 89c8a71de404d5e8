//! The flat error enum of the FFI boundary and its mapping from the rich
//! errors of `sealkit` (CONVENTIONS rule 3). Apps match on the variant; the
//! `message` is the inner error's text, for logs, and never holds secrets.
//!
//! Group and media failures reuse a variant where an app would handle them
//! the same way as a session's (a replay is `Duplicate` whether it is an
//! envelope, a group message or a media frame; malformed bytes are `Decode`;
//! a media frame that does not authenticate is `Decrypt`) and have their own
//! where the app has something different to do (`UnknownGroup`,
//! `WrongEpoch`, `UnknownEpoch`, `PendingCommit`, ...).

use sealkit::file::FileError;
use sealkit::group::GroupError;
use sealkit::identity::IdentityError;
use sealkit::media::MediaError;
use sealkit::session::SessionError;

/// Why a Sealkit call failed. After any error the client's stored state is
/// as it was before the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SealkitError {
    /// An argument from the app is invalid: an empty or too long id, a
    /// storage or file key that is not 32 bytes, a bundle for another
    /// device, an oversized plaintext, a chunk size out of range, a
    /// malformed recipient or file identity, a file sealed to recipients
    /// given to the file-key decryption, a group ciphersuite this build
    /// lacks, an exporter length the hash cannot produce, a media clear
    /// header above its bound.
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
    /// The message was already decrypted (a replay), or its key was evicted.
    /// Also a replayed group message, and a replayed media frame or one
    /// behind the replay window.
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
    /// No session with the peer (and no bundle given to start one), or no
    /// identity known for it.
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
    /// Reading or writing a file failed (it cannot be opened, the disk is
    /// full, ...), or the system has no randomness.
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
}

/// The FFI variants, without their message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    InvalidInput,
    Decode,
    Decrypt,
    Duplicate,
    TooFarAhead,
    UntrustedIdentity,
    WrongRecipient,
    NoSession,
    PrekeyUnavailable,
    BadSignature,
    UnknownGroup,
    GroupExists,
    WrongEpoch,
    UnknownEpoch,
    GroupRejected,
    BadCredential,
    UnknownSender,
    NotAMember,
    PendingCommit,
    NoPendingCommit,
    BufferFull,
    Storage,
    Io,
    Protocol,
}

impl Kind {
    fn of(error: &sealkit::Error) -> Self {
        use sealkit::Error;
        match error {
            Error::InvalidInput(_) | Error::BundleAddressMismatch { .. } => Self::InvalidInput,
            Error::Decode(_) => Self::Decode,
            Error::Identity(error) => Self::of_identity(error),
            Error::Session(error) => Self::of_session(error),
            Error::Store(_) => Self::Storage,
            Error::UntrustedIdentity { .. } => Self::UntrustedIdentity,
            Error::WrongRecipient { .. } => Self::WrongRecipient,
            Error::NoSession { .. } => Self::NoSession,
            Error::PrekeyAlreadyUsed { .. } | Error::UnknownPrekey { .. } => {
                Self::PrekeyUnavailable
            }
            Error::Group(error) => Self::of_group(error),
            Error::Media(error) => Self::of_media(error),
            _ => Self::Protocol,
        }
    }

    fn of_group(error: &GroupError) -> Self {
        match error {
            GroupError::UnknownGroup { .. } => Self::UnknownGroup,
            GroupError::GroupExists { .. } => Self::GroupExists,
            GroupError::Malformed(_) => Self::Decode,
            GroupError::WrongEpoch { .. } => Self::WrongEpoch,
            GroupError::Replay => Self::Duplicate,
            GroupError::Rejected(_) => Self::GroupRejected,
            GroupError::BadCredential(_) => Self::BadCredential,
            GroupError::UnknownSender => Self::UnknownSender,
            GroupError::NotAMember { .. } => Self::NotAMember,
            GroupError::PendingCommit { .. } => Self::PendingCommit,
            GroupError::NoPendingCommit { .. } => Self::NoPendingCommit,
            GroupError::BufferFull { .. } => Self::BufferFull,
            GroupError::NotForThisDevice => Self::WrongRecipient,
            _ => Self::Protocol,
        }
    }

    fn of_media(error: &MediaError) -> Self {
        match error {
            MediaError::UnsupportedVersion(_)
            | MediaError::Malformed(_)
            | MediaError::UnknownKeyId { .. } => Self::Decode,
            MediaError::Authentication => Self::Decrypt,
            MediaError::Replay => Self::Duplicate,
            MediaError::UnknownEpoch { .. } => Self::UnknownEpoch,
            MediaError::StaleEpoch { .. } => Self::WrongEpoch,
            MediaError::InvalidConfig(_) | MediaError::ClearHeaderTooLarge { .. } => {
                Self::InvalidInput
            }
            _ => Self::Protocol,
        }
    }

    fn of_session(error: &SessionError) -> Self {
        match error {
            SessionError::Decode(_) => Self::Decode,
            SessionError::Identity(error) => Self::of_identity(error),
            SessionError::Decrypt => Self::Decrypt,
            SessionError::Duplicate => Self::Duplicate,
            SessionError::TooFarAhead { .. } => Self::TooFarAhead,
            SessionError::PlaintextTooLarge(_) => Self::InvalidInput,
            _ => Self::Protocol,
        }
    }

    fn of_identity(error: &IdentityError) -> Self {
        match error {
            IdentityError::Decode(_) => Self::Decode,
            IdentityError::BadSignature(_) => Self::BadSignature,
            IdentityError::InvalidAddress(_) => Self::InvalidInput,
            _ => Self::Protocol,
        }
    }

    fn of_file(error: &FileError) -> Self {
        match error {
            FileError::ChunkAuthentication { .. }
            | FileError::HeaderAuthentication
            | FileError::Truncated
            | FileError::NotARecipient => Self::Decrypt,
            FileError::Header(_) | FileError::ChunkSize(_) => Self::Decode,
            FileError::NoRecipients | FileError::InvalidKey(_) | FileError::EmptyResume => {
                Self::InvalidInput
            }
            FileError::Io(_) => Self::Io,
            _ => Self::Protocol,
        }
    }

    fn with(self, message: String) -> SealkitError {
        match self {
            Self::InvalidInput => SealkitError::InvalidInput { message },
            Self::Decode => SealkitError::Decode { message },
            Self::Decrypt => SealkitError::Decrypt { message },
            Self::Duplicate => SealkitError::Duplicate { message },
            Self::TooFarAhead => SealkitError::TooFarAhead { message },
            Self::UntrustedIdentity => SealkitError::UntrustedIdentity { message },
            Self::WrongRecipient => SealkitError::WrongRecipient { message },
            Self::NoSession => SealkitError::NoSession { message },
            Self::PrekeyUnavailable => SealkitError::PrekeyUnavailable { message },
            Self::BadSignature => SealkitError::BadSignature { message },
            Self::UnknownGroup => SealkitError::UnknownGroup { message },
            Self::GroupExists => SealkitError::GroupExists { message },
            Self::WrongEpoch => SealkitError::WrongEpoch { message },
            Self::UnknownEpoch => SealkitError::UnknownEpoch { message },
            Self::GroupRejected => SealkitError::GroupRejected { message },
            Self::BadCredential => SealkitError::BadCredential { message },
            Self::UnknownSender => SealkitError::UnknownSender { message },
            Self::NotAMember => SealkitError::NotAMember { message },
            Self::PendingCommit => SealkitError::PendingCommit { message },
            Self::NoPendingCommit => SealkitError::NoPendingCommit { message },
            Self::BufferFull => SealkitError::BufferFull { message },
            Self::Storage => SealkitError::Storage { message },
            Self::Io => SealkitError::Io { message },
            Self::Protocol => SealkitError::Protocol { message },
        }
    }
}

impl From<sealkit::Error> for SealkitError {
    fn from(error: sealkit::Error) -> Self {
        Kind::of(&error).with(error.to_string())
    }
}

impl From<IdentityError> for SealkitError {
    fn from(error: IdentityError) -> Self {
        sealkit::Error::from(error).into()
    }
}

impl From<MediaError> for SealkitError {
    fn from(error: MediaError) -> Self {
        sealkit::Error::from(error).into()
    }
}

impl From<FileError> for SealkitError {
    fn from(error: FileError) -> Self {
        Kind::of_file(&error).with(error.to_string())
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

impl SealkitError {
    /// An [`SealkitError::InvalidInput`] with `message`.
    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
        }
    }

    /// An [`SealkitError::Io`] with `message`.
    pub(crate) fn io(message: impl Into<String>) -> Self {
        Self::Io {
            message: message.into(),
        }
    }

    /// An [`SealkitError::Protocol`] with `message`.
    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::Protocol {
            message: message.into(),
        }
    }

    #[cfg(test)]
    fn kind(&self) -> Kind {
        match self {
            Self::InvalidInput { .. } => Kind::InvalidInput,
            Self::Decode { .. } => Kind::Decode,
            Self::Decrypt { .. } => Kind::Decrypt,
            Self::Duplicate { .. } => Kind::Duplicate,
            Self::TooFarAhead { .. } => Kind::TooFarAhead,
            Self::UntrustedIdentity { .. } => Kind::UntrustedIdentity,
            Self::WrongRecipient { .. } => Kind::WrongRecipient,
            Self::NoSession { .. } => Kind::NoSession,
            Self::PrekeyUnavailable { .. } => Kind::PrekeyUnavailable,
            Self::BadSignature { .. } => Kind::BadSignature,
            Self::UnknownGroup { .. } => Kind::UnknownGroup,
            Self::GroupExists { .. } => Kind::GroupExists,
            Self::WrongEpoch { .. } => Kind::WrongEpoch,
            Self::UnknownEpoch { .. } => Kind::UnknownEpoch,
            Self::GroupRejected { .. } => Kind::GroupRejected,
            Self::BadCredential { .. } => Kind::BadCredential,
            Self::UnknownSender { .. } => Kind::UnknownSender,
            Self::NotAMember { .. } => Kind::NotAMember,
            Self::PendingCommit { .. } => Kind::PendingCommit,
            Self::NoPendingCommit { .. } => Kind::NoPendingCommit,
            Self::BufferFull { .. } => Kind::BufferFull,
            Self::Storage { .. } => Kind::Storage,
            Self::Io { .. } => Kind::Io,
            Self::Protocol { .. } => Kind::Protocol,
        }
    }
}

#[cfg(test)]
mod tests {
    use sealkit::store::{RecordKind, StoreError};
    use sealkit::{DecodeError, DeviceAddress, Error};

    use super::*;

    fn bob() -> DeviceAddress {
        DeviceAddress::new("bob", "laptop").unwrap()
    }

    #[test]
    fn each_inner_error_maps_to_the_intended_ffi_variant() {
        let cases: Vec<(Error, Kind)> = vec![
            (Error::InvalidInput("empty".into()), Kind::InvalidInput),
            (
                Error::BundleAddressMismatch {
                    requested: bob(),
                    bundle: DeviceAddress::new("eve", "x").unwrap(),
                },
                Kind::InvalidInput,
            ),
            (
                Error::Identity(IdentityError::InvalidAddress("user id")),
                Kind::InvalidInput,
            ),
            (
                Error::Session(SessionError::PlaintextTooLarge(1 << 30)),
                Kind::InvalidInput,
            ),
            (Error::Decode(DecodeError::Truncated), Kind::Decode),
            (Error::Decode(DecodeError::TrailingBytes), Kind::Decode),
            (
                Error::Decode(DecodeError::UnsupportedVersion(9)),
                Kind::Decode,
            ),
            (
                Error::Decode(DecodeError::TooLarge {
                    what: "keys",
                    got: 2,
                    max: 1,
                }),
                Kind::Decode,
            ),
            (Error::Decode(DecodeError::Invalid("flag")), Kind::Decode),
            (
                Error::Session(SessionError::Decode(DecodeError::Truncated)),
                Kind::Decode,
            ),
            (
                Error::Identity(IdentityError::Decode(DecodeError::Truncated)),
                Kind::Decode,
            ),
            (Error::Session(SessionError::Decrypt), Kind::Decrypt),
            (Error::Session(SessionError::Duplicate), Kind::Duplicate),
            (
                Error::Session(SessionError::TooFarAhead {
                    jump: 5000,
                    max: 2000,
                }),
                Kind::TooFarAhead,
            ),
            (
                Error::Identity(IdentityError::BadSignature("signed prekey")),
                Kind::BadSignature,
            ),
            (
                Error::Session(SessionError::Identity(IdentityError::BadSignature(
                    "signed prekey",
                ))),
                Kind::BadSignature,
            ),
            (
                Error::UntrustedIdentity { address: bob() },
                Kind::UntrustedIdentity,
            ),
            (
                Error::WrongRecipient { recipient: bob() },
                Kind::WrongRecipient,
            ),
            (Error::NoSession { address: bob() }, Kind::NoSession),
            (Error::PrekeyAlreadyUsed { id: 3 }, Kind::PrekeyUnavailable),
            (Error::UnknownPrekey { id: 3 }, Kind::PrekeyUnavailable),
            (
                Error::Store(StoreError::Backend("disk full".into())),
                Kind::Storage,
            ),
            (Error::Store(StoreError::WrongStorageKey), Kind::Storage),
            (
                Error::Store(StoreError::Corrupt {
                    kind: RecordKind::Session,
                    key: "bob".into(),
                }),
                Kind::Storage,
            ),
            (
                Error::Store(StoreError::UnsupportedSchema(9)),
                Kind::Storage,
            ),
            (
                Error::Identity(IdentityError::InvalidKey("identity")),
                Kind::Protocol,
            ),
            (Error::Session(SessionError::WeakKey), Kind::Protocol),
            (
                Error::Session(SessionError::CounterExhausted),
                Kind::Protocol,
            ),
            (
                Error::Session(SessionError::NoReceivingChain),
                Kind::Protocol,
            ),
        ];
        for (inner, expected) in cases {
            let text = inner.to_string();
            let mapped = SealkitError::from(inner);
            assert_eq!(mapped.kind(), expected, "{text}");
            assert_eq!(
                mapped.to_string(),
                text,
                "the message is the inner error's text"
            );
        }
    }

    #[test]
    fn each_file_error_maps_to_the_intended_ffi_variant() {
        let cases: Vec<(FileError, Kind)> = vec![
            (FileError::ChunkAuthentication { index: 7 }, Kind::Decrypt),
            (FileError::HeaderAuthentication, Kind::Decrypt),
            (FileError::Truncated, Kind::Decrypt),
            (FileError::NotARecipient, Kind::Decrypt),
            (FileError::Header(DecodeError::Truncated), Kind::Decode),
            (
                FileError::Header(DecodeError::UnsupportedVersion(9)),
                Kind::Decode,
            ),
            (FileError::ChunkSize(100), Kind::Decode),
            (FileError::NoRecipients, Kind::InvalidInput),
            (FileError::InvalidKey("recipient"), Kind::InvalidInput),
            (FileError::EmptyResume, Kind::InvalidInput),
            (FileError::Io("disk full".into()), Kind::Io),
            (FileError::CounterExhausted, Kind::Protocol),
        ];
        for (inner, expected) in cases {
            let text = inner.to_string();
            let mapped = SealkitError::from(inner);
            assert_eq!(mapped.kind(), expected, "{text}");
            assert_eq!(
                mapped.to_string(),
                text,
                "the message is the inner error's text"
            );
        }
    }

    #[test]
    fn each_group_error_maps_to_the_intended_ffi_variant() {
        let group_id = || String::from("team");
        let cases: Vec<(GroupError, Kind)> = vec![
            (
                GroupError::UnknownGroup {
                    group_id: group_id(),
                },
                Kind::UnknownGroup,
            ),
            (
                GroupError::GroupExists {
                    group_id: group_id(),
                },
                Kind::GroupExists,
            ),
            (GroupError::Malformed("end of input".into()), Kind::Decode),
            (
                GroupError::WrongEpoch {
                    message_epoch: 1,
                    group_epoch: 9,
                },
                Kind::WrongEpoch,
            ),
            (GroupError::Replay, Kind::Duplicate),
            (
                GroupError::Rejected("membership tag".into()),
                Kind::GroupRejected,
            ),
            (
                GroupError::BadCredential("not a device".into()),
                Kind::BadCredential,
            ),
            (GroupError::UnknownSender, Kind::UnknownSender),
            (GroupError::NotAMember { device: bob() }, Kind::NotAMember),
            (
                GroupError::PendingCommit {
                    group_id: group_id(),
                },
                Kind::PendingCommit,
            ),
            (
                GroupError::NoPendingCommit {
                    group_id: group_id(),
                },
                Kind::NoPendingCommit,
            ),
            (
                GroupError::BufferFull {
                    group_id: group_id(),
                },
                Kind::BufferFull,
            ),
            (GroupError::NotForThisDevice, Kind::WrongRecipient),
            (GroupError::Library("storage".into()), Kind::Protocol),
        ];
        for (inner, expected) in cases {
            let text = inner.to_string();
            let mapped = SealkitError::from(Error::Group(inner));
            assert_eq!(mapped.kind(), expected, "{text}");
            assert_eq!(
                mapped.to_string(),
                text,
                "the message is the inner error's text"
            );
        }
    }

    #[test]
    fn each_media_error_maps_to_the_intended_ffi_variant() {
        let cases: Vec<(MediaError, Kind)> = vec![
            (MediaError::UnsupportedVersion(9), Kind::Decode),
            (MediaError::Malformed("SFrame header"), Kind::Decode),
            (MediaError::UnknownKeyId { key_id: 1 << 40 }, Kind::Decode),
            (MediaError::Authentication, Kind::Decrypt),
            (MediaError::Replay, Kind::Duplicate),
            (
                MediaError::UnknownEpoch {
                    epoch_low_bits: 3,
                    current: 2,
                },
                Kind::UnknownEpoch,
            ),
            (
                MediaError::StaleEpoch {
                    epoch: 1,
                    current: 3,
                },
                Kind::WrongEpoch,
            ),
            (MediaError::InvalidConfig("epoch_bits"), Kind::InvalidInput),
            (
                MediaError::ClearHeaderTooLarge {
                    len: 70_000,
                    max: 1,
                },
                Kind::InvalidInput,
            ),
            (
                MediaError::InvalidEpochSecret {
                    expected: 16,
                    got: 3,
                },
                Kind::Protocol,
            ),
            (
                MediaError::SenderIndexTooLarge { index: 9, bits: 1 },
                Kind::Protocol,
            ),
            (
                MediaError::EpochNotNewer {
                    current: 3,
                    offered: 3,
                },
                Kind::Protocol,
            ),
            (MediaError::CounterExhausted, Kind::Protocol),
            (MediaError::Backend("encryption"), Kind::Protocol),
        ];
        for (inner, expected) in cases {
            let text = inner.to_string();
            let mapped = SealkitError::from(Error::Media(inner));
            assert_eq!(mapped.kind(), expected, "{text}");
            assert_eq!(
                mapped.to_string(),
                text,
                "the message is the inner error's text"
            );
        }
    }

    #[test]
    fn a_file_error_inside_an_io_error_maps_as_the_file_error() {
        let wrapped = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            FileError::ChunkAuthentication { index: 2 },
        );
        let mapped = SealkitError::from(wrapped);
        assert_eq!(mapped.kind(), Kind::Decrypt);
        assert_eq!(mapped.to_string(), "chunk 2 failed to authenticate");

        let plain = std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left");
        assert_eq!(SealkitError::from(plain).kind(), Kind::Io);
    }

    #[test]
    fn identity_errors_from_argument_conversion_map_like_client_errors() {
        let error = SealkitError::from(IdentityError::InvalidAddress("device id"));
        assert_eq!(error.kind(), Kind::InvalidInput);
    }
}
