//! [`MediaContext`]: a member's SFrame state in one group, across epochs.

use std::fmt;

use sframe::frame::{EncryptedFrameView, MediaFrameView, MonotonicCounter};
use sframe::key::EncryptionKey;
use sframe::mls::MlsKeyId;

use super::config::{MediaConfig, Profile};
use super::epoch::{EpochKeys, EpochSecret, check_secret, sending_key};
use super::memory::{ReplayFloor, ReplayMemory};
use super::wire::{self, MAX_SFRAME_HEADER_LEN, PREFIX_LEN, SealedBuffer};
use super::{MediaCipherSuite, MediaError};

/// A frame [`MediaContext::decrypt_frame`] authenticated and decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFrame {
    /// The sender's MLS leaf index, from the frame's Key ID. SFrame keys are
    /// shared by the group, so this names a member of the group, not a
    /// proof of which member sent it (RFC 9605 section 7.2).
    pub sender_index: u32,
    /// The MLS epoch the frame was encrypted in.
    pub epoch: u64,
    /// The clear header the sender passed in, now authenticated.
    pub clear_header: Vec<u8>,
    /// The decrypted frame.
    pub frame: Vec<u8>,
}

/// One member's SFrame context for one MLS group: encrypts this member's
/// frames under the current epoch and decrypts every member's frames of the
/// current epoch and, for a short overlap after a rekey, the previous one.
///
/// Use one context per member and group for all outgoing streams (audio,
/// video, screen). Every context of a member in an epoch needs its own
/// context value ([`EpochSecret::with_context_id`]): key, salt and counter
/// are per Key ID, and the context value is part of it. `Client::group_media`
/// reserves a new value in the store for every context it builds, so
/// contexts built again after a restart, or two at once, never reuse a
/// nonce, and receivers keep a replay window per context. `Debug` shows no
/// secret; secrets are zeroized on drop.
pub struct MediaContext {
    profile: Profile,
    config: MediaConfig,
    own_index: u32,
    sending_key: EncryptionKey,
    counter: MonotonicCounter,
    current: EpochKeys,
    previous: Option<EpochKeys>,
    /// Frames encrypted or authenticated under the current epoch, which
    /// measure the overlap (saturating).
    frames_in_epoch: u64,
    /// Where replay floors are kept across restarts, if anywhere.
    memory: Option<Box<dyn ReplayMemory>>,
}

/// Which retained epoch a frame belongs to.
enum Retained {
    Current,
    Previous,
}

impl MediaContext {
    /// A context for `epoch`, this member's leaf index and base key in it.
    ///
    /// Errors: [`MediaError::InvalidConfig`] for a configuration out of
    /// bounds, [`MediaError::InvalidEpochSecret`] for a secret that is not
    /// `exporter_length(config.suite)` bytes, [`MediaError::SenderIndexTooLarge`]
    /// for a leaf index of `2^sender_index_bits` or more.
    /// [`MediaError::ContextIdTooLarge`] for a context value that does not
    /// fit the Key ID's context field.
    ///
    /// The context keeps its replay windows in memory only: built again, it
    /// accepts frames it accepted before. Give it a [`ReplayMemory`] with
    /// [`MediaContext::with_replay_memory`] (`Client::group_media` does) to
    /// refuse those too.
    pub fn new(epoch: EpochSecret, config: MediaConfig) -> Result<Self, MediaError> {
        let profile = Profile::new(&config)?;
        check_secret(&profile, &epoch)?;
        let sending_key = sending_key(&profile, &epoch)?;
        Ok(Self {
            profile,
            config,
            own_index: epoch.own_index(),
            sending_key,
            counter: MonotonicCounter::default(),
            current: EpochKeys::new(&profile, epoch, Vec::new()),
            previous: None,
            frames_in_epoch: 0,
            memory: None,
        })
    }

    /// Keeps this context's replay floors in `memory` (module
    /// [`memory`](super::ReplayMemory) explains them): loads the floors of
    /// the current epoch now and of every epoch it rekeys to, refuses
    /// counters at or below them, and raises a Key ID's floor before it
    /// hands out a frame past what it reserved. Replaces any memory the
    /// context had.
    ///
    /// Errors: [`MediaError::ReplayMemory`] when the floors cannot be read.
    pub fn with_replay_memory(self, memory: Box<dyn ReplayMemory>) -> Result<Self, MediaError> {
        let floors = memory.floors(self.current.epoch)?;
        let previous = match &self.previous {
            Some(previous) => memory.floors(previous.epoch)?,
            None => Vec::new(),
        };
        Ok(self.with_loaded_replay_memory(memory, floors, previous))
    }

    /// As [`MediaContext::with_replay_memory`], with the floors of the
    /// current and previous epoch already read (by the caller, in the same
    /// store operation that reserved the context).
    pub(crate) fn with_loaded_replay_memory(
        mut self,
        memory: Box<dyn ReplayMemory>,
        current: Vec<ReplayFloor>,
        previous: Vec<ReplayFloor>,
    ) -> Self {
        self.current.load_floors(current);
        if let Some(keys) = &mut self.previous {
            keys.load_floors(previous);
        }
        self.memory = Some(memory);
        self
    }

    /// Moves to a newer epoch: frames are encrypted under it from now on,
    /// with a fresh counter. The epoch that was current is kept for
    /// [`MediaConfig::previous_epoch_overlap_frames`] frames of the new one
    /// (not at all if that is 0, or if its Key ID epoch bits equal the new
    /// epoch's, as RFC 9605 section 5.2 requires); any older epoch is
    /// dropped at once.
    ///
    /// Errors (and the context unchanged): [`MediaError::EpochNotNewer`],
    /// [`MediaError::InvalidEpochSecret`], [`MediaError::SenderIndexTooLarge`],
    /// [`MediaError::ContextIdTooLarge`], [`MediaError::ReplayMemory`].
    pub fn rekey(&mut self, epoch: EpochSecret) -> Result<(), MediaError> {
        let sending_key = self.prepare_rekey(&epoch)?;
        let floors = match &self.memory {
            Some(memory) => memory.floors(epoch.epoch())?,
            None => Vec::new(),
        };
        self.apply_rekey(epoch, floors, sending_key);
        Ok(())
    }

    /// Checks that [`MediaContext::rekey`] would take `epoch` (the replay
    /// memory aside), changing nothing, and derives its sending key.
    pub(crate) fn prepare_rekey(&self, epoch: &EpochSecret) -> Result<EncryptionKey, MediaError> {
        if epoch.epoch() <= self.current.epoch {
            return Err(MediaError::EpochNotNewer {
                current: self.current.epoch,
                offered: epoch.epoch(),
            });
        }
        check_secret(&self.profile, epoch)?;
        sending_key(&self.profile, epoch)
    }

    /// The rekey itself, with what [`MediaContext::prepare_rekey`] derived
    /// from `epoch` (on this context, unchanged since) and the new epoch's
    /// floors.
    pub(crate) fn apply_rekey(
        &mut self,
        epoch: EpochSecret,
        floors: Vec<ReplayFloor>,
        sending_key: EncryptionKey,
    ) {
        let own_index = epoch.own_index();
        let old = std::mem::replace(
            &mut self.current,
            EpochKeys::new(&self.profile, epoch, floors),
        );
        let keep_old = self.profile.overlap_frames > 0
            && self.profile.epoch_low_bits(old.epoch)
                != self.profile.epoch_low_bits(self.current.epoch);
        self.previous = keep_old.then_some(old);
        self.own_index = own_index;
        self.sending_key = sending_key;
        self.counter = MonotonicCounter::default();
        self.frames_in_epoch = 0;
    }

    /// Encrypts one frame of this member under the current epoch. The clear
    /// header (may be empty) travels in the clear in front of the SFrame
    /// ciphertext and is authenticated with it (SFrame metadata, RFC 9605
    /// section 9.4): for codec bytes a packetizer or SFU must read.
    ///
    /// Errors: [`MediaError::ClearHeaderTooLarge`] above
    /// [`MAX_CLEAR_HEADER_LEN`](super::MAX_CLEAR_HEADER_LEN),
    /// [`MediaError::CounterExhausted`] after 2^64 frames in one epoch.
    /// Every context counts from 0 under its own Key ID.
    pub fn encrypt_frame(
        &mut self,
        frame: &[u8],
        clear_header: &[u8],
    ) -> Result<Vec<u8>, MediaError> {
        let prefix = wire::prefix(clear_header.len())?;
        let media = MediaFrameView::try_with_meta_data(&mut self.counter, frame, clear_header)
            .map_err(|_| MediaError::CounterExhausted)?;
        let capacity = PREFIX_LEN
            .saturating_add(clear_header.len())
            .saturating_add(MAX_SFRAME_HEADER_LEN)
            .saturating_add(frame.len())
            .saturating_add(self.profile.suite.tag_len());
        let mut sealed = SealedBuffer::new(prefix, capacity);
        media
            .encrypt_into(&self.sending_key, &mut sealed)
            .map_err(|_| MediaError::Backend("encryption"))?;
        self.count_frame_in_epoch();
        Ok(sealed.into_bytes())
    }

    /// Authenticates and decrypts a frame of any member, of the current
    /// epoch or, during the overlap, the previous one. The sender's key is
    /// derived from its Key ID the first time one of its frames
    /// authenticates.
    ///
    /// Errors, after which the context is exactly as before:
    /// [`MediaError::UnsupportedVersion`], [`MediaError::Malformed`],
    /// [`MediaError::UnknownEpoch`] (a newer epoch: retry after the rekey),
    /// [`MediaError::StaleEpoch`], [`MediaError::RetiredContext`],
    /// [`MediaError::Authentication`], [`MediaError::Replay`],
    /// [`MediaError::ReplayMemory`] (with a replay memory: the floor could
    /// not be raised, so the frame is withheld).
    pub fn decrypt_frame(&mut self, sealed: &[u8]) -> Result<MediaFrame, MediaError> {
        let (clear_header, sframe_ciphertext) = wire::split(sealed)?;
        let frame = EncryptedFrameView::try_with_meta_data(sframe_ciphertext, clear_header)
            .map_err(|_| MediaError::Malformed("SFrame header"))?;
        if frame.cipher_text().len() < self.profile.suite.tag_len() {
            return Err(MediaError::Malformed(
                "ciphertext shorter than the authentication tag",
            ));
        }
        let raw_key_id = frame.header().key_id();
        let key_id = MlsKeyId::from_key_id(raw_key_id, self.profile.bit_range);
        let sender_index = u32::try_from(key_id.member_index())
            .map_err(|_| MediaError::UnknownKeyId { key_id: raw_key_id })?;

        let retained = self.retained_epoch(key_id.epoch_lsb())?;
        let keys = match retained {
            Retained::Current => &mut self.current,
            Retained::Previous => self
                .previous
                .as_mut()
                .ok_or(MediaError::Backend("previous epoch vanished"))?,
        };
        let mut buffer = Vec::new();
        keys.open(
            &self.profile,
            &frame,
            key_id,
            sender_index,
            self.memory.as_deref(),
            &mut buffer,
        )?;
        let epoch = keys.epoch;

        // The crate leaves `clear header | frame` in the buffer.
        if buffer.len() < clear_header.len() {
            return Err(MediaError::Backend(
                "decrypted frame shorter than its header",
            ));
        }
        buffer.drain(..clear_header.len());
        if matches!(retained, Retained::Current) {
            self.count_frame_in_epoch();
        }
        Ok(MediaFrame {
            sender_index,
            epoch,
            clear_header: clear_header.to_vec(),
            frame: buffer,
        })
    }

    /// Ends the overlap now: the previous epoch's keys are dropped and its
    /// frames fail with [`MediaError::StaleEpoch`]. For apps that time the
    /// overlap with a clock of their own.
    pub fn end_overlap(&mut self) {
        self.previous = None;
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.current.epoch
    }

    /// The previous epoch, while its overlap lasts.
    pub fn previous_epoch(&self) -> Option<u64> {
        self.previous.as_ref().map(|keys| keys.epoch)
    }

    /// This member's leaf index in the current epoch.
    pub fn own_index(&self) -> u32 {
        self.own_index
    }

    /// The configuration the context was built with.
    pub fn config(&self) -> &MediaConfig {
        &self.config
    }

    /// Bytes a sealed frame adds to the frame and clear header at most:
    /// version and length (3), SFrame header (at most 17), tag.
    pub fn max_overhead(&self) -> usize {
        PREFIX_LEN + MAX_SFRAME_HEADER_LEN + self.profile.suite.tag_len()
    }

    fn suite(&self) -> MediaCipherSuite {
        self.profile.suite
    }

    /// Which retained epoch the Key ID's epoch bits name, or why none.
    fn retained_epoch(&self, epoch_low_bits: u64) -> Result<Retained, MediaError> {
        let current = self.current.epoch;
        if epoch_low_bits == self.profile.epoch_low_bits(current) {
            return Ok(Retained::Current);
        }
        if let Some(previous) = &self.previous
            && epoch_low_bits == self.profile.epoch_low_bits(previous.epoch)
        {
            return Ok(Retained::Previous);
        }
        // How far behind the current epoch the bits point; the nearer half
        // of the epoch space counts as older, the other half as newer.
        let mask = self.profile.epoch_mask();
        let behind = self
            .profile
            .epoch_low_bits(current)
            .wrapping_sub(epoch_low_bits)
            & mask;
        match current.checked_sub(behind) {
            Some(epoch) if behind <= mask / 2 + 1 => Err(MediaError::StaleEpoch { epoch, current }),
            _ => Err(MediaError::UnknownEpoch {
                epoch_low_bits,
                current,
            }),
        }
    }

    #[cfg(test)]
    pub(super) fn retained_epoch_for_tests(&self, epoch_low_bits: u64) -> Result<(), MediaError> {
        self.retained_epoch(epoch_low_bits).map(|_| ())
    }

    /// One more frame under the current epoch; ends the overlap when it is
    /// used up.
    fn count_frame_in_epoch(&mut self) {
        self.frames_in_epoch = self.frames_in_epoch.saturating_add(1);
        if self.frames_in_epoch >= self.profile.overlap_frames {
            self.previous = None;
        }
    }
}

impl fmt::Debug for MediaContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaContext")
            .field("suite", &self.suite())
            .field("epoch", &self.current.epoch)
            .field("own_index", &self.own_index)
            .field("previous_epoch", &self.previous_epoch())
            .field("known_senders", &self.current.known_senders())
            .field("frames_in_epoch", &self.frames_in_epoch)
            .field("replay_memory", &self.memory.is_some())
            .field("keys", &"***")
            .finish()
    }
}
