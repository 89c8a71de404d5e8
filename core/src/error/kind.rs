//! [`ErrorKind`]: what an app should do about a failure, and the one
//! classification of every error of the crate into it.
//!
//! Each `kind()` below is an exhaustive match (no wildcard arm; inside the
//! defining crate `#[non_exhaustive]` does not ask for one), so adding an
//! error variant without deciding its kind fails to compile. The FFI and
//! the web package map a kind to their own exported type and classify
//! nothing themselves.

use std::fmt;

use super::Error;
use crate::codec::DecodeError;
use crate::file::FileError;
use crate::group::GroupError;
use crate::identity::IdentityError;
use crate::media::MediaError;
use crate::session::SessionError;
use crate::store::StoreError;

/// The kind of a failure, in the manner of [`std::io::ErrorKind`]: a flat,
/// fieldless classification of every Sealkit error by what the app should
/// do about it. Get it with [`Error::kind`], [`FileError::kind`] or the
/// `kind()` of any module error; match on it instead of on the rich error
/// when only the reaction matters. New kinds may be added, so a match needs
/// a wildcard arm.
///
/// "Retrying" below means the same call with the same arguments or bytes.
/// After any error, the client's stored state is as it was before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument from the app is invalid: an empty or too long id, a key
    /// or secret of the wrong length or form, a bundle for another device,
    /// an oversized plaintext or media clear header, a media configuration
    /// out of its bounds, a file encryption with no recipients or more than
    /// the bound or with a chunk size out of range, a resumed file encryption
    /// given no data or whose plaintext is not the interrupted one's, a group
    /// ciphersuite this build lacks.
    ///
    /// Retrying cannot help. It is a bug in the app or bad user input: fix
    /// the argument. A file resume refused because the plaintext differs
    /// from what was sent (the source changed) cannot be fixed: encrypt the
    /// file again from the start with a new encryptor.
    InvalidInput,
    /// Received bytes (an envelope, a bundle, an identity, a QR payload, a
    /// file header, a group message, key package or welcome, a media frame)
    /// are malformed: truncated, of an unknown version, above a bound.
    ///
    /// Retrying cannot help: the same bytes fail again. Drop them; an
    /// unknown version may mean the sender runs a newer Sealkit.
    Decode,
    /// The message did not authenticate: tampered, truncated, or not for this
    /// session. For a file: a wrong file key, a tampered or truncated file,
    /// or an identity that is not a recipient. For a media frame: tampered,
    /// or of another group. (A group message that does not authenticate is
    /// [`ErrorKind::GroupRejected`].)
    ///
    /// Retrying cannot help. Drop the message; for a file, check the key or
    /// fetch the file again.
    Decrypt,
    /// The message was already decrypted: a replayed envelope, a group
    /// message already processed, a media frame already accepted or behind
    /// the replay window.
    ///
    /// Retrying cannot help and is not needed: the plaintext was delivered
    /// before. Ignore the message silently.
    Duplicate,
    /// The message was never decrypted, but its key is gone: it was kept as
    /// a skipped key (later messages of the session arrived first) and then
    /// evicted, oldest first, by the bound on stored skipped keys
    /// ([`crate::session::MAX_SKIPPED_KEYS`]).
    ///
    /// Retrying cannot help: the message is lost. Tell the user a message
    /// could not be decrypted, or ask the sender to send it again.
    KeyEvicted,
    /// The message is further ahead in its chain than the bound on keys
    /// skipped for one message ([`crate::session::MAX_FORWARD_JUMP`]).
    ///
    /// Retrying cannot help. Drop the message; the session still opens
    /// messages within the bound. A peer that really sent that many
    /// undelivered messages needs a new session.
    TooFarAhead,
    /// The peer's identity differs from the one trusted for it: a new
    /// device, a reinstall, or an attack.
    ///
    /// Retrying fails until the user has verified the new identity (safety
    /// number) and the app has called `trust_identity`. Show it to the user;
    /// never trust the new identity silently.
    UntrustedIdentity,
    /// The envelope is addressed to another device, or a group welcome is
    /// for none of this device's key packages.
    ///
    /// Retrying on this device cannot help. It is a routing error: deliver
    /// it to the device it names, or drop it.
    WrongRecipient,
    /// No session with the peer: an encryption without a session or a
    /// prekey bundle to start one, or an envelope of a session this device
    /// does not have (and not an initial message).
    ///
    /// To encrypt, fetch the peer's prekey bundle and retry with it. An
    /// envelope without a session cannot be decrypted: the peer must start
    /// a new session.
    NoSession,
    /// No identity is known for the device: this device never started or
    /// accepted a session with it, nor trusted an identity for it (a safety
    /// number of a device never met, for instance).
    ///
    /// Retrying cannot help until a session with the device exists or its
    /// identity was trusted. Start a session first.
    UnknownIdentity,
    /// An initial message names a one-time prekey that was already used, or
    /// a prekey this device does not have (rotated out, or never made).
    ///
    /// Retrying cannot help: the message cannot be opened. The sender must
    /// start again with a fresh bundle; keep the server's supply of
    /// one-time prekeys topped up.
    PrekeyUnavailable,
    /// A signature in a prekey bundle does not verify.
    ///
    /// Retrying with the same bundle cannot help. Fetch the bundle again; if
    /// it keeps failing, the server or the network is tampering with it.
    BadSignature,
    /// No group with that id on this device: never created or joined, or
    /// this device was removed from it.
    ///
    /// Retrying cannot help, unless the group's welcome has not been
    /// processed yet: then retry after joining. Otherwise check the id.
    UnknownGroup,
    /// A group with that id exists on this device already.
    ///
    /// Retrying cannot help. Use the existing group or another id.
    GroupExists,
    /// The group message belongs to an epoch whose keys are gone (older than
    /// the kept past epochs, or before this device joined), or is too far
    /// ahead of the group's epoch to be kept; or a media frame of an epoch
    /// whose keys are gone (the overlap after a rekey ended), or of a
    /// sender's media context retired by newer ones of the same sender.
    ///
    /// Retrying cannot help. Drop it.
    WrongEpoch,
    /// A media frame of an epoch this context does not have yet: a commit
    /// this device has not processed. A device removed from the group gets
    /// this for every frame of the epochs after its removal.
    ///
    /// Retrying can help: hold the frame, process the pending commit, rekey
    /// the media context, and decrypt it again.
    UnknownEpoch,
    /// The group message, welcome or key package does not authenticate
    /// (signature, membership tag or decryption failed) or breaks the MLS
    /// rules.
    ///
    /// Retrying cannot help. Drop it.
    GroupRejected,
    /// A group member's credential is not a Sealkit device credential, or its
    /// signature key is not the identity key it names.
    ///
    /// Retrying cannot help. Drop the key package, commit or welcome; report
    /// the member's device.
    BadCredential,
    /// The group message's sender is not a member of the group at the
    /// message's epoch (a removed device, for instance).
    ///
    /// Retrying cannot help. Drop the message.
    UnknownSender,
    /// The device to remove is not a member of the group.
    ///
    /// Retrying cannot help. Nothing to do: it is not (or no longer) in the
    /// group; refresh the member list shown.
    NotAMember,
    /// This device has a commit awaiting confirmation; a new change must
    /// wait.
    ///
    /// Retrying can help once the pending commit is confirmed (the delivery
    /// service accepted it) or discarded (it rejected it).
    PendingCommit,
    /// There is no pending commit to confirm or discard.
    ///
    /// Retrying cannot help. The app's view of the group is out of step
    /// (the commit was already confirmed or discarded).
    NoPendingCommit,
    /// The group already keeps as many future-epoch messages as it may; the
    /// message was not kept.
    ///
    /// Retrying can help: deliver the missing commit first, then this
    /// message again.
    BufferFull,
    /// The store failed: I/O, a wrong storage key, a corrupt record, a
    /// schema newer than this build, another client holding the store for
    /// longer than the store waits. Nothing was changed.
    ///
    /// A transient backend failure (a full disk, a busy database) may
    /// succeed on retry once it is fixed; a wrong key, a corrupt record or a
    /// newer schema will not. Tell the user; do not delete the store.
    Storage,
    /// The store is older than it should be: the database is older than
    /// the generation the app anchored outside it (a restored backup, an
    /// old copy of the file), or a record in it was written back from an
    /// older copy. Using it would reuse keys, so the store was not opened
    /// or the operation did not run.
    ///
    /// Retrying cannot help. Treat it as a security event: do not delete
    /// the newer anchor; restore the latest database if there is one, or
    /// start this device afresh (a new store, new sessions).
    RolledBack,
    /// The client was closed (`Client::close`); it holds no store any more.
    ///
    /// Retrying cannot help. Open a new client.
    Closed,
    /// Reading or writing a file failed: it cannot be opened, the disk is
    /// full, permission denied.
    ///
    /// Retrying can help once the cause is fixed. Show the message (it names
    /// the file and the operating system's error).
    Io,
    /// Any other protocol failure: an invalid public key, a weak
    /// Diffie-Hellman output, an exhausted counter, a session that cannot
    /// send yet, a failure inside openmls or the SFrame backend that is not
    /// the message's fault.
    ///
    /// Retrying the same call rarely helps. An exhausted counter needs a new
    /// session or a rekey; otherwise log it and drop the input.
    Protocol,
    /// A bug or a broken platform, not the input's fault: the system has no
    /// randomness, or a lock was poisoned by a panic in an earlier call.
    ///
    /// Retrying rarely helps. After a poisoned lock, open the client again
    /// (restart the app); report the bug with the message.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order: for bindings, to check that each
    /// has an exported counterpart.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidInput,
        ErrorKind::Decode,
        ErrorKind::Decrypt,
        ErrorKind::Duplicate,
        ErrorKind::KeyEvicted,
        ErrorKind::TooFarAhead,
        ErrorKind::UntrustedIdentity,
        ErrorKind::WrongRecipient,
        ErrorKind::NoSession,
        ErrorKind::UnknownIdentity,
        ErrorKind::PrekeyUnavailable,
        ErrorKind::BadSignature,
        ErrorKind::UnknownGroup,
        ErrorKind::GroupExists,
        ErrorKind::WrongEpoch,
        ErrorKind::UnknownEpoch,
        ErrorKind::GroupRejected,
        ErrorKind::BadCredential,
        ErrorKind::UnknownSender,
        ErrorKind::NotAMember,
        ErrorKind::PendingCommit,
        ErrorKind::NoPendingCommit,
        ErrorKind::BufferFull,
        ErrorKind::Storage,
        ErrorKind::RolledBack,
        ErrorKind::Closed,
        ErrorKind::Io,
        ErrorKind::Protocol,
        ErrorKind::Internal,
    ];

    /// A short, stable name (`snake_case`, e.g. `"key_evicted"`), for logs
    /// and for bindings that expose the kind as a string. Never changes for
    /// an existing kind.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Decode => "decode",
            ErrorKind::Decrypt => "decrypt",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::KeyEvicted => "key_evicted",
            ErrorKind::TooFarAhead => "too_far_ahead",
            ErrorKind::UntrustedIdentity => "untrusted_identity",
            ErrorKind::WrongRecipient => "wrong_recipient",
            ErrorKind::NoSession => "no_session",
            ErrorKind::UnknownIdentity => "unknown_identity",
            ErrorKind::PrekeyUnavailable => "prekey_unavailable",
            ErrorKind::BadSignature => "bad_signature",
            ErrorKind::UnknownGroup => "unknown_group",
            ErrorKind::GroupExists => "group_exists",
            ErrorKind::WrongEpoch => "wrong_epoch",
            ErrorKind::UnknownEpoch => "unknown_epoch",
            ErrorKind::GroupRejected => "group_rejected",
            ErrorKind::BadCredential => "bad_credential",
            ErrorKind::UnknownSender => "unknown_sender",
            ErrorKind::NotAMember => "not_a_member",
            ErrorKind::PendingCommit => "pending_commit",
            ErrorKind::NoPendingCommit => "no_pending_commit",
            ErrorKind::BufferFull => "buffer_full",
            ErrorKind::Storage => "storage",
            ErrorKind::RolledBack => "rolled_back",
            ErrorKind::Closed => "closed",
            ErrorKind::Io => "io",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Internal => "internal",
        }
    }
}

/// The kind's [`ErrorKind::as_str`] name.
impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// What kind of failure this is; see [`ErrorKind`].
    ///
    /// ```
    /// use sealkit::{Client, ErrorKind, store::MemoryStore};
    ///
    /// let alice = Client::open(MemoryStore::new(), "alice", "phone")?;
    /// let bob = Client::open(MemoryStore::new(), "bob", "laptop")?;
    /// // Alice has never met Bob: there is no identity to compare.
    /// let error = alice.safety_number(bob.address()).unwrap_err();
    /// match error.kind() {
    ///     ErrorKind::UnknownIdentity => { /* fetch Bob's bundle first */ }
    ///     other => panic!("unexpected {other}: {error}"),
    /// }
    /// # Ok::<(), sealkit::Error>(())
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput(_) | Error::BundleAddressMismatch { .. } => ErrorKind::InvalidInput,
            Error::Decode(error) => error.kind(),
            Error::Identity(error) => error.kind(),
            Error::Session(error) => error.kind(),
            Error::Store(error) => error.kind(),
            Error::UntrustedIdentity { .. } => ErrorKind::UntrustedIdentity,
            Error::WrongRecipient { .. } => ErrorKind::WrongRecipient,
            Error::NoSession { .. } => ErrorKind::NoSession,
            Error::UnknownIdentity { .. } => ErrorKind::UnknownIdentity,
            Error::PrekeyAlreadyUsed { .. } | Error::UnknownPrekey { .. } => {
                ErrorKind::PrekeyUnavailable
            }
            Error::Group(error) => error.kind(),
            Error::Media(error) => error.kind(),
            Error::Internal(_) => ErrorKind::Internal,
            Error::Closed => ErrorKind::Closed,
        }
    }
}

impl DecodeError {
    /// [`ErrorKind::Decode`], whatever the detail.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DecodeError::Truncated
            | DecodeError::TrailingBytes
            | DecodeError::UnsupportedVersion(_)
            | DecodeError::TooLarge { .. }
            | DecodeError::Invalid(_) => ErrorKind::Decode,
        }
    }
}

impl IdentityError {
    /// What kind of failure this is; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            IdentityError::Decode(error) => error.kind(),
            IdentityError::BadSignature(_) => ErrorKind::BadSignature,
            IdentityError::InvalidKey(_) => ErrorKind::Protocol,
            IdentityError::InvalidAddress(_) => ErrorKind::InvalidInput,
        }
    }
}

impl SessionError {
    /// What kind of failure this is; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            SessionError::Decode(error) => error.kind(),
            SessionError::Identity(error) => error.kind(),
            SessionError::Decrypt => ErrorKind::Decrypt,
            SessionError::Duplicate => ErrorKind::Duplicate,
            SessionError::KeyEvicted => ErrorKind::KeyEvicted,
            SessionError::TooFarAhead { .. } => ErrorKind::TooFarAhead,
            SessionError::PlaintextTooLarge(_) => ErrorKind::InvalidInput,
            SessionError::Internal(_) => ErrorKind::Internal,
            SessionError::WeakKey
            | SessionError::CounterExhausted
            | SessionError::NoReceivingChain
            | SessionError::NoSendingChain => ErrorKind::Protocol,
        }
    }
}

impl StoreError {
    /// [`ErrorKind::Storage`], whatever the detail.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Backend(_)
            | StoreError::WrongStorageKey
            | StoreError::Corrupt { .. }
            | StoreError::UnsupportedSchema(_)
            | StoreError::Busy { .. } => ErrorKind::Storage,
            StoreError::RolledBack { .. } | StoreError::RecordsRolledBack => ErrorKind::RolledBack,
        }
    }
}

impl GroupError {
    /// What kind of failure this is; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            GroupError::UnknownGroup { .. } => ErrorKind::UnknownGroup,
            GroupError::GroupExists { .. } => ErrorKind::GroupExists,
            GroupError::Malformed(_) => ErrorKind::Decode,
            GroupError::WrongEpoch { .. } => ErrorKind::WrongEpoch,
            GroupError::Replay => ErrorKind::Duplicate,
            GroupError::Rejected(_) => ErrorKind::GroupRejected,
            GroupError::BadCredential(_) => ErrorKind::BadCredential,
            GroupError::UnknownSender => ErrorKind::UnknownSender,
            GroupError::NotAMember { .. } => ErrorKind::NotAMember,
            GroupError::PendingCommit { .. } => ErrorKind::PendingCommit,
            GroupError::NoPendingCommit { .. } => ErrorKind::NoPendingCommit,
            GroupError::BufferFull { .. } => ErrorKind::BufferFull,
            GroupError::NotForThisDevice => ErrorKind::WrongRecipient,
            GroupError::Library(_) => ErrorKind::Protocol,
        }
    }
}

impl MediaError {
    /// What kind of failure this is; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            MediaError::InvalidConfig(_) | MediaError::ClearHeaderTooLarge { .. } => {
                ErrorKind::InvalidInput
            }
            MediaError::UnsupportedVersion(_)
            | MediaError::Malformed(_)
            | MediaError::UnknownKeyId { .. } => ErrorKind::Decode,
            MediaError::Authentication => ErrorKind::Decrypt,
            MediaError::Replay => ErrorKind::Duplicate,
            MediaError::UnknownEpoch { .. } => ErrorKind::UnknownEpoch,
            MediaError::StaleEpoch { .. } | MediaError::RetiredContext { .. } => {
                ErrorKind::WrongEpoch
            }
            MediaError::ReplayMemory { kind, .. } => *kind,
            MediaError::InvalidEpochSecret { .. }
            | MediaError::SenderIndexTooLarge { .. }
            | MediaError::EpochNotNewer { .. }
            | MediaError::CounterExhausted
            | MediaError::ContextIdTooLarge { .. }
            | MediaError::Backend(_) => ErrorKind::Protocol,
        }
    }
}

impl FileError {
    /// What kind of failure this is; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            FileError::ChunkAuthentication { .. }
            | FileError::HeaderAuthentication
            | FileError::Truncated
            | FileError::NotARecipient => ErrorKind::Decrypt,
            FileError::Header(error) => error.kind(),
            FileError::ChunkSize(_) => ErrorKind::Decode,
            FileError::NoRecipients
            | FileError::InvalidKey(_)
            | FileError::EmptyResume
            | FileError::ResumeMismatch { .. }
            | FileError::TooManyRecipients { .. }
            | FileError::InvalidChunkSize(_) => ErrorKind::InvalidInput,
            FileError::Io(_) => ErrorKind::Io,
            FileError::CounterExhausted => ErrorKind::Protocol,
            FileError::Internal(_) => ErrorKind::Internal,
        }
    }
}
