//! Each error of the crate is given the kind an app should react to. The
//! tables here are the specification of `kind.rs` (they moved from the FFI,
//! which used to classify; its mapping is unchanged except for the kinds
//! ADR 0009 corrects: `Internal`, `UnknownIdentity`, `KeyEvicted`).

use super::*;
use crate::file::FileError;
use crate::store::RecordKind;

fn bob() -> DeviceAddress {
    DeviceAddress::new("bob", "laptop").unwrap()
}

fn assert_kinds<E: std::fmt::Display>(cases: Vec<(E, ErrorKind)>, kind: impl Fn(&E) -> ErrorKind) {
    for (error, expected) in cases {
        assert_eq!(kind(&error), expected, "{error}");
    }
}

#[test]
fn session_decode_and_identity_errors_are_lifted() {
    assert_eq!(
        Error::from(SessionError::Identity(IdentityError::BadSignature(
            "signed prekey"
        ))),
        Error::Identity(IdentityError::BadSignature("signed prekey"))
    );
    assert_eq!(
        Error::from(SessionError::Decode(DecodeError::Truncated)),
        Error::Decode(DecodeError::Truncated)
    );
    assert_eq!(
        Error::from(SessionError::Duplicate),
        Error::Session(SessionError::Duplicate)
    );
}

#[test]
fn each_client_error_has_the_intended_kind() {
    let cases: Vec<(Error, ErrorKind)> = vec![
        (Error::InvalidInput("empty".into()), ErrorKind::InvalidInput),
        (
            Error::BundleAddressMismatch {
                requested: bob(),
                bundle: DeviceAddress::new("eve", "x").unwrap(),
            },
            ErrorKind::InvalidInput,
        ),
        (
            Error::Identity(IdentityError::InvalidAddress("user id")),
            ErrorKind::InvalidInput,
        ),
        (
            Error::Session(SessionError::PlaintextTooLarge(1 << 30)),
            ErrorKind::InvalidInput,
        ),
        (Error::Decode(DecodeError::Truncated), ErrorKind::Decode),
        (Error::Decode(DecodeError::TrailingBytes), ErrorKind::Decode),
        (
            Error::Decode(DecodeError::UnsupportedVersion(9)),
            ErrorKind::Decode,
        ),
        (
            Error::Decode(DecodeError::TooLarge {
                what: "keys",
                got: 2,
                max: 1,
            }),
            ErrorKind::Decode,
        ),
        (
            Error::Decode(DecodeError::Invalid("flag")),
            ErrorKind::Decode,
        ),
        (
            Error::Session(SessionError::Decode(DecodeError::Truncated)),
            ErrorKind::Decode,
        ),
        (
            Error::Identity(IdentityError::Decode(DecodeError::Truncated)),
            ErrorKind::Decode,
        ),
        (Error::Session(SessionError::Decrypt), ErrorKind::Decrypt),
        (
            Error::Session(SessionError::Duplicate),
            ErrorKind::Duplicate,
        ),
        (
            Error::Session(SessionError::KeyEvicted),
            ErrorKind::KeyEvicted,
        ),
        (
            Error::Session(SessionError::TooFarAhead {
                jump: 5000,
                max: 2000,
            }),
            ErrorKind::TooFarAhead,
        ),
        (
            Error::Identity(IdentityError::BadSignature("signed prekey")),
            ErrorKind::BadSignature,
        ),
        (
            Error::Session(SessionError::Identity(IdentityError::BadSignature(
                "signed prekey",
            ))),
            ErrorKind::BadSignature,
        ),
        (
            Error::UntrustedIdentity { address: bob() },
            ErrorKind::UntrustedIdentity,
        ),
        (
            Error::WrongRecipient { recipient: bob() },
            ErrorKind::WrongRecipient,
        ),
        (Error::NoSession { address: bob() }, ErrorKind::NoSession),
        (
            Error::UnknownIdentity { address: bob() },
            ErrorKind::UnknownIdentity,
        ),
        (
            Error::PrekeyAlreadyUsed { id: 3 },
            ErrorKind::PrekeyUnavailable,
        ),
        (Error::UnknownPrekey { id: 3 }, ErrorKind::PrekeyUnavailable),
        (
            Error::Store(StoreError::Backend("disk full".into())),
            ErrorKind::Storage,
        ),
        (
            Error::Store(StoreError::WrongStorageKey),
            ErrorKind::Storage,
        ),
        (
            Error::Store(StoreError::Corrupt {
                kind: RecordKind::Session,
                key: "bob".into(),
            }),
            ErrorKind::Storage,
        ),
        (
            Error::Store(StoreError::UnsupportedSchema(9)),
            ErrorKind::Storage,
        ),
        (
            Error::Store(StoreError::Busy { waited_ms: 10_000 }),
            ErrorKind::Storage,
        ),
        (
            Error::Store(StoreError::RolledBack {
                generation: 4,
                anchor: 9,
            }),
            ErrorKind::RolledBack,
        ),
        (
            Error::Store(StoreError::RecordsRolledBack),
            ErrorKind::RolledBack,
        ),
        (Error::Closed, ErrorKind::Closed),
        (
            Error::Identity(IdentityError::InvalidKey("identity")),
            ErrorKind::Protocol,
        ),
        (Error::Session(SessionError::WeakKey), ErrorKind::Protocol),
        (
            Error::Session(SessionError::CounterExhausted),
            ErrorKind::Protocol,
        ),
        (
            Error::Session(SessionError::NoReceivingChain),
            ErrorKind::Protocol,
        ),
        (
            Error::Session(SessionError::NoSendingChain),
            ErrorKind::Protocol,
        ),
        (
            Error::Internal("no system randomness".into()),
            ErrorKind::Internal,
        ),
    ];
    assert_kinds(cases, Error::kind);
}

#[test]
fn each_file_error_has_the_intended_kind() {
    let cases: Vec<(FileError, ErrorKind)> = vec![
        (
            FileError::ChunkAuthentication { index: 7 },
            ErrorKind::Decrypt,
        ),
        (FileError::HeaderAuthentication, ErrorKind::Decrypt),
        (FileError::Truncated, ErrorKind::Decrypt),
        (FileError::NotARecipient, ErrorKind::Decrypt),
        (FileError::Header(DecodeError::Truncated), ErrorKind::Decode),
        (
            FileError::Header(DecodeError::UnsupportedVersion(9)),
            ErrorKind::Decode,
        ),
        (FileError::ChunkSize(100), ErrorKind::Decode),
        (FileError::NoRecipients, ErrorKind::InvalidInput),
        (FileError::InvalidKey("recipient"), ErrorKind::InvalidInput),
        (FileError::EmptyResume, ErrorKind::InvalidInput),
        (
            FileError::ResumeMismatch { index: 3 },
            ErrorKind::InvalidInput,
        ),
        (FileError::InvalidChunkSize(100), ErrorKind::InvalidInput),
        (
            FileError::TooManyRecipients {
                count: 257,
                max: 256,
            },
            ErrorKind::InvalidInput,
        ),
        (FileError::Io("disk full".into()), ErrorKind::Io),
        (FileError::CounterExhausted, ErrorKind::Protocol),
        (
            FileError::Internal("no system randomness".into()),
            ErrorKind::Internal,
        ),
    ];
    assert_kinds(cases, FileError::kind);
}

#[test]
fn each_group_error_has_the_intended_kind() {
    let group_id = || String::from("team");
    let cases: Vec<(GroupError, ErrorKind)> = vec![
        (
            GroupError::UnknownGroup {
                group_id: group_id(),
            },
            ErrorKind::UnknownGroup,
        ),
        (
            GroupError::GroupExists {
                group_id: group_id(),
            },
            ErrorKind::GroupExists,
        ),
        (
            GroupError::Malformed("end of input".into()),
            ErrorKind::Decode,
        ),
        (
            GroupError::WrongEpoch {
                message_epoch: 1,
                group_epoch: 9,
            },
            ErrorKind::WrongEpoch,
        ),
        (GroupError::Replay, ErrorKind::Duplicate),
        (
            GroupError::Rejected("membership tag".into()),
            ErrorKind::GroupRejected,
        ),
        (
            GroupError::BadCredential("not a device".into()),
            ErrorKind::BadCredential,
        ),
        (GroupError::UnknownSender, ErrorKind::UnknownSender),
        (
            GroupError::NotAMember { device: bob() },
            ErrorKind::NotAMember,
        ),
        (
            GroupError::PendingCommit {
                group_id: group_id(),
            },
            ErrorKind::PendingCommit,
        ),
        (
            GroupError::NoPendingCommit {
                group_id: group_id(),
            },
            ErrorKind::NoPendingCommit,
        ),
        (
            GroupError::BufferFull {
                group_id: group_id(),
            },
            ErrorKind::BufferFull,
        ),
        (GroupError::NotForThisDevice, ErrorKind::WrongRecipient),
        (GroupError::Library("storage".into()), ErrorKind::Protocol),
    ];
    for (error, expected) in &cases {
        assert_eq!(Error::Group(error.clone()).kind(), *expected, "{error}");
    }
    assert_kinds(cases, GroupError::kind);
}

#[test]
fn each_media_error_has_the_intended_kind() {
    let cases: Vec<(MediaError, ErrorKind)> = vec![
        (MediaError::UnsupportedVersion(9), ErrorKind::Decode),
        (MediaError::Malformed("SFrame header"), ErrorKind::Decode),
        (
            MediaError::UnknownKeyId { key_id: 1 << 40 },
            ErrorKind::Decode,
        ),
        (MediaError::Authentication, ErrorKind::Decrypt),
        (MediaError::Replay, ErrorKind::Duplicate),
        (
            MediaError::UnknownEpoch {
                epoch_low_bits: 3,
                current: 2,
            },
            ErrorKind::UnknownEpoch,
        ),
        (
            MediaError::StaleEpoch {
                epoch: 1,
                current: 3,
            },
            ErrorKind::WrongEpoch,
        ),
        (
            MediaError::InvalidConfig("epoch_bits"),
            ErrorKind::InvalidInput,
        ),
        (
            MediaError::ClearHeaderTooLarge {
                len: 70_000,
                max: 1,
            },
            ErrorKind::InvalidInput,
        ),
        (
            MediaError::InvalidEpochSecret {
                expected: 16,
                got: 3,
            },
            ErrorKind::Protocol,
        ),
        (
            MediaError::SenderIndexTooLarge { index: 9, bits: 1 },
            ErrorKind::Protocol,
        ),
        (
            MediaError::EpochNotNewer {
                current: 3,
                offered: 3,
            },
            ErrorKind::Protocol,
        ),
        (MediaError::CounterExhausted, ErrorKind::Protocol),
        (
            MediaError::ContextIdTooLarge {
                context: 1 << 40,
                bits: 40,
            },
            ErrorKind::Protocol,
        ),
        (
            MediaError::RetiredContext {
                sender_index: 1,
                context: 0,
            },
            ErrorKind::WrongEpoch,
        ),
        (
            MediaError::ReplayMemory {
                kind: ErrorKind::Closed,
                reason: "the client is closed".into(),
            },
            ErrorKind::Closed,
        ),
        (MediaError::Backend("encryption"), ErrorKind::Protocol),
    ];
    for (error, expected) in &cases {
        assert_eq!(Error::Media(error.clone()).kind(), *expected, "{error}");
    }
    assert_kinds(cases, MediaError::kind);
}

/// The position of each kind in [`ErrorKind::ALL`]. A new kind does not
/// compile here until it is given one, and then fails the test below until
/// `ALL` lists it there.
fn position_in_all(kind: ErrorKind) -> usize {
    match kind {
        ErrorKind::InvalidInput => 0,
        ErrorKind::Decode => 1,
        ErrorKind::Decrypt => 2,
        ErrorKind::Duplicate => 3,
        ErrorKind::KeyEvicted => 4,
        ErrorKind::TooFarAhead => 5,
        ErrorKind::UntrustedIdentity => 6,
        ErrorKind::WrongRecipient => 7,
        ErrorKind::NoSession => 8,
        ErrorKind::UnknownIdentity => 9,
        ErrorKind::PrekeyUnavailable => 10,
        ErrorKind::BadSignature => 11,
        ErrorKind::UnknownGroup => 12,
        ErrorKind::GroupExists => 13,
        ErrorKind::WrongEpoch => 14,
        ErrorKind::UnknownEpoch => 15,
        ErrorKind::GroupRejected => 16,
        ErrorKind::BadCredential => 17,
        ErrorKind::UnknownSender => 18,
        ErrorKind::NotAMember => 19,
        ErrorKind::PendingCommit => 20,
        ErrorKind::NoPendingCommit => 21,
        ErrorKind::BufferFull => 22,
        ErrorKind::Storage => 23,
        ErrorKind::RolledBack => 24,
        ErrorKind::Closed => 25,
        ErrorKind::Io => 26,
        ErrorKind::Protocol => 27,
        ErrorKind::Internal => 28,
    }
}

#[test]
fn all_lists_every_kind_once_in_declaration_order() {
    assert_eq!(ErrorKind::ALL.len(), 29);
    for (position, kind) in ErrorKind::ALL.iter().enumerate() {
        assert_eq!(position_in_all(*kind), position, "{kind:?}");
    }
}

#[test]
fn each_kind_has_its_own_snake_case_name_and_displays_it() {
    let mut names = std::collections::HashSet::new();
    for kind in ErrorKind::ALL {
        let name = kind.as_str();
        assert!(names.insert(name), "{name} is used twice");
        assert_eq!(kind.to_string(), name);
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name}"
        );
    }
    assert_eq!(ErrorKind::KeyEvicted.as_str(), "key_evicted");
}
