//! The flat error enum of the FFI boundary and its mapping from the rich
//! errors of `sealkit` (CONVENTIONS rule 3). Apps match on the variant; the
//! `message` is the inner error's text, for logs, and never holds secrets.

use sealkit::file::FileError;
use sealkit::identity::IdentityError;
use sealkit::session::SessionError;

/// Why a Sealkit call failed. After any error the client's stored state is
/// as it was before the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SealkitError {
    /// An argument from the app is invalid: an empty or too long id, a
    /// storage or file key that is not 32 bytes, a bundle for another
    /// device, an oversized plaintext, a chunk size out of range, a
    /// malformed recipient or file identity, a file sealed to recipients
    /// given to the file-key decryption.
    #[error("{message}")]
    InvalidInput {
        /// What was wrong.
        message: String,
    },
    /// Received bytes (envelope, bundle, identity, QR payload, file header)
    /// are malformed.
    #[error("{message}")]
    Decode {
        /// What was malformed.
        message: String,
    },
    /// The message failed to authenticate: tampered, or not for this session.
    /// For files: a wrong file key, a tampered or truncated file, or an
    /// identity that is not a recipient (the message says which).
    #[error("{message}")]
    Decrypt {
        /// Details.
        message: String,
    },
    /// The message was already decrypted (a replay), or its key was evicted.
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
    /// The envelope is addressed to another device.
    #[error("{message}")]
    WrongRecipient {
        /// The device the envelope names.
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
    /// output, an exhausted counter).
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
