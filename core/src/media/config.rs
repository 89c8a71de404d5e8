//! The SFrame profile: cipher suite, Key ID layout (RFC 9605 section 5.2),
//! replay window and epoch overlap, checked once into a [`Profile`].

use sframe::CipherSuite;
use sframe::frame::validation::Tolerance;
use sframe::mls::MlsKeyIdBitRange;

use super::{
    DEFAULT_EPOCH_BITS, DEFAULT_REPLAY_WINDOW, DEFAULT_SENDER_INDEX_BITS, MAX_EPOCH_BITS,
    MAX_REPLAY_WINDOW, MAX_SENDER_INDEX_BITS, MIN_EPOCH_BITS, MIN_SENDER_INDEX_BITS, MediaError,
    PREVIOUS_EPOCH_OVERLAP_FRAMES,
};

/// SFrame cipher suite (RFC 9605 section 4.5). Only the AES-GCM suites with
/// full 16-byte tags: the `ring` backend has no AES-CTR, and the short-tag
/// AES-CTR-HMAC suites need the extra defences of RFC 9605 section 7.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MediaCipherSuite {
    /// `AES_128_GCM_SHA256_128` (0x0004): the default, matching the default
    /// MLS ciphersuite (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519).
    #[default]
    Aes128GcmSha256,
    /// `AES_256_GCM_SHA512_128` (0x0005).
    Aes256GcmSha512,
}

impl MediaCipherSuite {
    /// The suite's IANA identifier ("SFrame Cipher Suites" registry).
    pub const fn id(self) -> u16 {
        match self {
            Self::Aes128GcmSha256 => 0x0004,
            Self::Aes256GcmSha512 => 0x0005,
        }
    }

    /// AEAD.Nk: key length in bytes.
    pub const fn key_len(self) -> usize {
        self.sframe().key_len()
    }

    /// AEAD.Nn: nonce length in bytes.
    pub const fn nonce_len(self) -> usize {
        self.sframe().nonce_len()
    }

    /// AEAD.Nt: tag length in bytes.
    pub const fn tag_len(self) -> usize {
        self.sframe().auth_tag_len()
    }

    /// Hash.Nh: output length of the suite's hash in bytes.
    pub const fn hash_len(self) -> usize {
        self.sframe().hash_len()
    }

    pub(super) const fn sframe(self) -> CipherSuite {
        match self {
            Self::Aes128GcmSha256 => CipherSuite::AesGcm128Sha256,
            Self::Aes256GcmSha512 => CipherSuite::AesGcm256Sha512,
        }
    }
}

/// Length of the MLS export for the suite: AEAD.Nk, as RFC 9605 section 5.2
/// specifies (`MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)`): 16 bytes
/// for AES-128-GCM, 32 for AES-256-GCM.
pub fn exporter_length(suite: MediaCipherSuite) -> usize {
    suite.key_len()
}

/// How a group uses SFrame. All members of a call must use the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaConfig {
    /// The cipher suite.
    pub suite: MediaCipherSuite,
    /// Bits of the epoch in a Key ID (`E`), [`MIN_EPOCH_BITS`](super::MIN_EPOCH_BITS)
    /// to [`MAX_EPOCH_BITS`](super::MAX_EPOCH_BITS).
    pub epoch_bits: u8,
    /// Bits of the sender's leaf index in a Key ID (`S`),
    /// [`MIN_SENDER_INDEX_BITS`](super::MIN_SENDER_INDEX_BITS) to
    /// [`MAX_SENDER_INDEX_BITS`](super::MAX_SENDER_INDEX_BITS); every leaf
    /// index in the group must be below `2^S`.
    pub sender_index_bits: u8,
    /// Replay window in frames per sender and epoch, 1 to
    /// [`MAX_REPLAY_WINDOW`](super::MAX_REPLAY_WINDOW).
    pub replay_window: u32,
    /// The overlap after a rekey during which the previous epoch's frames
    /// still decrypt, in frames of the new epoch (see
    /// [`PREVIOUS_EPOCH_OVERLAP_FRAMES`](super::PREVIOUS_EPOCH_OVERLAP_FRAMES));
    /// 0 drops the previous epoch at the rekey.
    pub previous_epoch_overlap_frames: u32,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            suite: MediaCipherSuite::default(),
            epoch_bits: DEFAULT_EPOCH_BITS,
            sender_index_bits: DEFAULT_SENDER_INDEX_BITS,
            replay_window: DEFAULT_REPLAY_WINDOW,
            previous_epoch_overlap_frames: PREVIOUS_EPOCH_OVERLAP_FRAMES,
        }
    }
}

/// A [`MediaConfig`] that passed its checks, in the forms the `sframe`
/// crate takes.
#[derive(Clone, Copy)]
pub(super) struct Profile {
    pub(super) suite: MediaCipherSuite,
    pub(super) bit_range: MlsKeyIdBitRange,
    pub(super) epoch_bits: u8,
    pub(super) sender_index_bits: u8,
    pub(super) tolerance: Tolerance,
    pub(super) overlap_frames: u64,
}

impl Profile {
    pub(super) fn new(config: &MediaConfig) -> Result<Self, MediaError> {
        if !(MIN_EPOCH_BITS..=MAX_EPOCH_BITS).contains(&config.epoch_bits) {
            return Err(MediaError::InvalidConfig("epoch_bits"));
        }
        if !(MIN_SENDER_INDEX_BITS..=MAX_SENDER_INDEX_BITS).contains(&config.sender_index_bits) {
            return Err(MediaError::InvalidConfig("sender_index_bits"));
        }
        if !(1..=MAX_REPLAY_WINDOW).contains(&config.replay_window) {
            return Err(MediaError::InvalidConfig("replay_window"));
        }
        let bit_range = MlsKeyIdBitRange::try_new(config.epoch_bits, config.sender_index_bits)
            .map_err(|_| MediaError::InvalidConfig("epoch_bits + sender_index_bits"))?;
        let window = usize::try_from(config.replay_window)
            .map_err(|_| MediaError::InvalidConfig("replay_window"))?;
        let tolerance =
            Tolerance::try_new(window).map_err(|_| MediaError::InvalidConfig("replay_window"))?;
        Ok(Self {
            suite: config.suite,
            bit_range,
            epoch_bits: config.epoch_bits,
            sender_index_bits: config.sender_index_bits,
            tolerance,
            overlap_frames: u64::from(config.previous_epoch_overlap_frames),
        })
    }

    /// The epoch's bits as they appear in a Key ID.
    pub(super) fn epoch_low_bits(&self, epoch: u64) -> u64 {
        epoch & self.epoch_mask()
    }

    pub(super) fn epoch_mask(&self) -> u64 {
        // epoch_bits is 2..=31, so the shift cannot overflow.
        (1u64 << self.epoch_bits) - 1
    }

    /// Whether a leaf index fits the sender-index bits.
    pub(super) fn fits_sender_index(&self, index: u32) -> bool {
        u64::from(index) >> self.sender_index_bits == 0
    }

    /// Bits of the Key ID's context field: `64 - S - E`, 1 to 62.
    pub(super) fn context_bits(&self) -> u8 {
        64 - self.sender_index_bits - self.epoch_bits
    }

    pub(super) fn fits_context(&self, context: u64) -> bool {
        // context_bits is 1..=62, so the shift cannot overflow.
        context >> self.context_bits() == 0
    }
}
