//! Media-frame encryption: SFrame (RFC 9605) keyed from an MLS group, as
//! RFC 9605 section 5.2 describes.
//!
//! Every MLS epoch yields one SFrame base key,
//! `base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)` (the group
//! module exports it and hands it over as an [`EpochSecret`]). Each member
//! encrypts under its own Key ID, `KID = (context << (S + E)) | (leaf_index << E) |
//! (epoch mod 2^E)`, and the SFrame key and salt of a KID are derived from the
//! base key with the KID in the HKDF labels (RFC 9605 section 4.4.2), so every
//! member has its own key and nonce space without any further coordination.
//! The context field (RFC 9605 section 5.2: "a context value chosen by the
//! sender … to allow a single sender to send multiple, uncoordinated
//! outbound media streams") keeps several contexts of one member in one
//! epoch apart: each has its own Key ID, so its own key, counter and replay
//! window. `Client::group_media` reserves a new context value for every
//! context it builds.
//! The frame format, key derivation, AEAD and the replay window are the
//! [`sframe`] crate's; this module chooses the profile (cipher suite, KID
//! layout), keeps the keys of the current and the previous epoch, and wraps
//! the SFrame ciphertext with an optional clear header for codecs that need
//! one. Layout and rules: `docs/format/media.md`; decisions:
//! `docs/adr/0006-media-sframe.md`.
//!
//! - [`MediaContext`]: one per member and group. [`MediaContext::encrypt_frame`]
//!   seals this member's frames, [`MediaContext::decrypt_frame`] opens any
//!   member's, [`MediaContext::rekey`] moves to the next epoch.
//! - Receivers derive a sender's key the first time an authentic frame of
//!   that sender arrives, and keep the previous epoch's keys for a short
//!   overlap ([`PREVIOUS_EPOCH_OVERLAP_FRAMES`]) so that frames in flight
//!   across a commit still decrypt.
//! - A failed decryption changes nothing: no key is kept, the replay window
//!   does not move, the overlap does not advance.
//! - A context given a [`ReplayMemory`] (as `Client::group_media` does)
//!   writes down, before it hands out a frame, up to which counter it may
//!   have accepted each Key ID, and a context built again after a restart
//!   refuses those counters: a replay window that lived only in memory would
//!   accept every frame again after a restart.
//!
//! ```
//! use sealkit::media::{exporter_length, EpochSecret, MediaConfig, MediaContext};
//!
//! let config = MediaConfig::default();
//! // In a real call this is MLS-Exporter(EXPORTER_LABEL, "", exporter_length(suite)).
//! let epoch_7 = vec![0x2a; exporter_length(config.suite)];
//!
//! let mut alice = MediaContext::new(EpochSecret::new(7, 0, epoch_7.clone()), config)?;
//! let mut bob = MediaContext::new(EpochSecret::new(7, 1, epoch_7), config)?;
//!
//! let sealed = alice.encrypt_frame(b"an encoded video frame", b"codec header")?;
//! let opened = bob.decrypt_frame(&sealed)?;
//! assert_eq!(opened.frame, b"an encoded video frame");
//! assert_eq!(opened.clear_header, b"codec header");
//! assert_eq!((opened.sender_index, opened.epoch), (0, 7));
//! # Ok::<(), sealkit::media::MediaError>(())
//! ```

mod config;
mod context;
mod epoch;
mod memory;
#[cfg(test)]
mod tests;
mod wire;

pub use config::{MediaCipherSuite, MediaConfig, exporter_length};
pub use context::{MediaContext, MediaFrame};
pub use epoch::EpochSecret;
pub(crate) use memory::FloorRecord;
pub use memory::{
    MAX_CONTEXTS_PER_SENDER, MAX_REPLAY_FLOORS_PER_EPOCH, REPLAY_FLOOR_STEP, ReplayFloor,
    ReplayMemory,
};
pub use wire::{MAX_CLEAR_HEADER_LEN, MEDIA_FRAME_VERSION};

use thiserror::Error;

use crate::error::ErrorKind;

/// The MLS exporter label of the SFrame base key (RFC 9605 section 5.2):
/// `base_key = MLS-Exporter(EXPORTER_LABEL, "", exporter_length(suite))`,
/// with an empty context.
pub const EXPORTER_LABEL: &str = "SFrame 1.0 Base Key";

/// Default bits of the MLS epoch in a Key ID (RFC 9605's `E`): 256 epochs
/// apart can be told apart, so a frame from an old epoch is reported as
/// [`MediaError::StaleEpoch`] rather than failing to authenticate, at one
/// byte of Key ID.
pub const DEFAULT_EPOCH_BITS: u8 = 8;
/// Fewest epoch bits: with one bit the previous epoch and the one before it
/// would share a Key ID.
pub const MIN_EPOCH_BITS: u8 = 2;
/// Most epoch bits: with [`MAX_SENDER_INDEX_BITS`] this leaves one bit of
/// the 64-bit Key ID for its context field, as the `sframe` crate requires.
pub const MAX_EPOCH_BITS: u8 = 31;

/// Default bits of the sender's MLS leaf index in a Key ID (RFC 9605's `S`):
/// 65,536 leaves. A group of 10,000 members needs at most 16,384 leaves
/// (the tree is a power of two), and removals leave blank leaves behind, so
/// 16 bits leave room; epoch and index together fill three Key ID bytes.
pub const DEFAULT_SENDER_INDEX_BITS: u8 = 16;
/// Fewest sender-index bits (a group of two).
pub const MIN_SENDER_INDEX_BITS: u8 = 1;
/// Most sender-index bits: MLS leaf indices are `u32`.
pub const MAX_SENDER_INDEX_BITS: u8 = 32;

/// Default replay window, in frames per sender and epoch: how far behind the
/// newest frame a counter may arrive. A sender's counter counts frames (not
/// packets), so 128 covers several seconds of reordering at video rates.
pub const DEFAULT_REPLAY_WINDOW: u32 = 128;
/// Largest replay window: 65,536 frames (8 KiB of bitmap per sender and
/// epoch), far beyond any reordering a real-time transport produces.
pub const MAX_REPLAY_WINDOW: u32 = 1 << 16;

/// How long a receiver keeps accepting frames of the previous epoch after a
/// rekey, counted in frames this context encrypts or authenticates under the
/// new epoch. Frames rather than seconds because the core has no clock (and
/// wasm has no `std` clock); media flows continuously, so frames measure
/// time: a 1:1 call with audio and video moves ~160 frames per second
/// through a context (1,000 frames ≈ 6 s), a ten-person call ~800 (≈ 1.3 s).
/// Long enough for frames in flight and for members still processing the
/// commit; short, because a removed member still holds the previous epoch's
/// base key. Only authenticated frames of the new epoch count, so nobody
/// without the new epoch's key can stretch it; a second rekey, or
/// [`MediaContext::end_overlap`], ends it at once. Configurable through
/// [`MediaConfig::previous_epoch_overlap_frames`].
pub const PREVIOUS_EPOCH_OVERLAP_FRAMES: u32 = 1_000;

/// Why a media frame could not be encrypted or decrypted, or a context not
/// be built. Carries no secret; decryption errors never panic and leave the
/// context as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The configuration is outside its bounds (see the `MIN_*` / `MAX_*`
    /// constants); names the field.
    #[error("invalid media configuration: {0}")]
    InvalidConfig(&'static str),
    /// The epoch secret is not `exporter_length(suite)` bytes long.
    #[error("epoch secret is {got} bytes, the cipher suite needs {expected}")]
    InvalidEpochSecret {
        /// `exporter_length(suite)`.
        expected: usize,
        /// The length handed in.
        got: usize,
    },
    /// This member's leaf index does not fit the configured sender-index bits.
    #[error("leaf index {index} does not fit in {bits} sender-index bits")]
    SenderIndexTooLarge {
        /// The leaf index.
        index: u32,
        /// [`MediaConfig::sender_index_bits`].
        bits: u8,
    },
    /// A rekey to an epoch that is not newer than the current one.
    #[error("epoch {offered} is not newer than the current epoch {current}")]
    EpochNotNewer {
        /// The context's epoch.
        current: u64,
        /// The epoch of the rejected secret.
        offered: u64,
    },
    /// The clear header is longer than [`MAX_CLEAR_HEADER_LEN`].
    #[error("clear header of {len} bytes exceeds {max}")]
    ClearHeaderTooLarge {
        /// Its length.
        len: usize,
        /// [`MAX_CLEAR_HEADER_LEN`].
        max: usize,
    },
    /// This context has used every SFrame counter of its Key ID (2^64
    /// frames); rekey to continue.
    #[error("frame counter exhausted; rekey")]
    CounterExhausted,
    /// The context value does not fit the Key ID's context field (`64 - S -
    /// E` bits, 40 with the default profile): this member built more media
    /// contexts in the epoch than the profile leaves room for. Rekey (a new
    /// epoch starts again at context 0).
    #[error("media context {context} does not fit in {bits} context bits; rekey")]
    ContextIdTooLarge {
        /// The context value.
        context: u64,
        /// `64 - sender_index_bits - epoch_bits`.
        bits: u8,
    },
    /// The sealed frame is of a media-frame version this build does not know.
    #[error("unsupported media frame version {0}")]
    UnsupportedVersion(u8),
    /// The sealed frame cannot be parsed (too short, a clear-header length
    /// past the end, a bad SFrame header, a ciphertext shorter than the tag).
    #[error("malformed media frame: {0}")]
    Malformed(&'static str),
    /// The Key ID is not one of this profile's. Receivers accept every
    /// context value since media contexts got their own (group record
    /// version 3), so no decryption returns this today; it stays so that
    /// code matching on it keeps compiling.
    #[error("unknown SFrame key id {key_id:#x}")]
    UnknownKeyId {
        /// The (unauthenticated) Key ID from the header.
        key_id: u64,
    },
    /// The frame's epoch is neither the current one nor the retained previous
    /// one, and not recognisably older: typically a newer epoch whose commit
    /// this member has not processed yet. The caller may hold the frame and
    /// retry after [`MediaContext::rekey`] (RFC 9605 section 4.4.4).
    #[error("frame from unknown epoch (low bits {epoch_low_bits:#x}); current epoch {current}")]
    UnknownEpoch {
        /// The epoch bits of the (unauthenticated) Key ID.
        epoch_low_bits: u64,
        /// The context's epoch.
        current: u64,
    },
    /// The frame's epoch is older than the current one and its keys are gone:
    /// the overlap after the rekey ended, or it is older than the previous
    /// epoch.
    #[error("frame from epoch {epoch}, older than the retained epochs (current {current})")]
    StaleEpoch {
        /// The epoch the Key ID points at (reconstructed from its low bits).
        epoch: u64,
        /// The context's epoch.
        current: u64,
    },
    /// The frame does not authenticate under the key of its Key ID: tampered,
    /// truncated, from another group, or from a sender index nobody uses.
    #[error("media frame failed to authenticate")]
    Authentication,
    /// The frame's counter was already accepted from this sender in this
    /// epoch, or lies behind the replay window, or (for a context with a
    /// [`ReplayMemory`]) at or below the counter an earlier context of this
    /// device may have accepted.
    #[error("replayed or too old media frame")]
    Replay,
    /// The frame is of a sender's media context older than the
    /// [`MAX_CONTEXTS_PER_SENDER`] newest ones this context has seen from
    /// that sender in the epoch: its replay window was dropped, so its
    /// frames are refused. Senders number their contexts upwards, so an
    /// older context is a process that has since restarted.
    #[error("media context {context} of sender {sender_index} was retired")]
    RetiredContext {
        /// The sender's leaf index.
        sender_index: u32,
        /// The (unauthenticated) context value of the frame's Key ID.
        context: u64,
    },
    /// The context's [`ReplayMemory`] could not record or read a replay
    /// floor (the store failed, the client is closed, the epoch's bound of
    /// [`MAX_REPLAY_FLOORS_PER_EPOCH`] is reached). The frame was not handed
    /// out and the context is unchanged.
    #[error("media replay memory: {reason}")]
    ReplayMemory {
        /// What the failure was, as the client reports it.
        kind: ErrorKind,
        /// Why, for logs.
        reason: String,
    },
    /// The SFrame backend failed where it cannot (key derivation, an encrypt
    /// with a valid key); names the operation.
    #[error("SFrame backend failure: {0}")]
    Backend(&'static str),
}
