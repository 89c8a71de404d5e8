//! Media frames ([`sealkit::media`], SFrame RFC 9605 keyed from an MLS
//! group) for the bindings: the [`MediaContext`] object, the
//! [`MediaFrame`] record, and the client methods that build and rekey a
//! context from a group.
//!
//! uniffi objects are shared (`Arc`) and may be called from any thread, so
//! the core context, which needs `&mut` to encrypt, decrypt and rekey, sits
//! behind a mutex. Frame format, keys, replay window and epoch overlap are
//! the core's (`docs/format/media.md`, `docs/adr/0006-media-sframe.md`).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sealkit::media::{MediaConfig, MediaContext as CoreContext, MediaFrame as CoreFrame};

use crate::client::SealkitClient;
use crate::error::SealkitError;

/// A frame [`MediaContext::decrypt_frame`] authenticated and decrypted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MediaFrame {
    /// The sender's leaf index (`GroupMember.leaf_index`). Media keys are
    /// shared by the group, so this names a member, it does not prove which
    /// member sent the frame (RFC 9605 section 7.2).
    pub sender_index: u32,
    /// The MLS epoch the frame was encrypted in.
    pub epoch: u64,
    /// The clear header the sender passed, now authenticated.
    pub clear_header: Vec<u8>,
    /// The decrypted frame.
    pub frame: Vec<u8>,
}

impl From<CoreFrame> for MediaFrame {
    fn from(frame: CoreFrame) -> Self {
        Self {
            sender_index: frame.sender_index,
            epoch: frame.epoch,
            clear_header: frame.clear_header,
            frame: frame.frame,
        }
    }
}

/// One member's SFrame context for one group (from
/// `SealkitClient::group_media`): encrypts this member's frames under the
/// group's current epoch, decrypts every member's frames of the current
/// epoch and, for a short overlap after a rekey, the previous one. Use one
/// context per group for all outgoing streams; after
/// `GroupEvent.EpochChanged`, call `SealkitClient::rekey_group_media`.
/// Safe to share between threads; calls are serialised. Printing it shows
/// no key.
#[derive(Debug, uniffi::Object)]
pub struct MediaContext {
    inner: Mutex<CoreContext>,
}

impl MediaContext {
    /// The context, for a call that changes it. A context whose lock was
    /// poisoned (a panic in a call, which the core does not do on any
    /// reachable path) is refused rather than used half-updated.
    fn lock(&self) -> Result<MutexGuard<'_, CoreContext>, SealkitError> {
        self.inner
            .lock()
            .map_err(|_| SealkitError::internal("media context unusable after an earlier panic"))
    }

    /// The context, for a call that cannot leave it inconsistent (a read,
    /// dropping the previous epoch), even after a panic elsewhere.
    fn lock_even_if_poisoned(&self) -> MutexGuard<'_, CoreContext> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl MediaContext {
    /// Encrypts one frame of this member under the current epoch. The
    /// `clear_header` (may be empty) travels in the clear in front of the
    /// ciphertext and is authenticated with it: for codec bytes a
    /// packetizer or SFU must read.
    ///
    /// # Errors
    /// `InvalidInput` for a clear header above the format's bound;
    /// `Protocol` once the epoch's frame counter is exhausted.
    pub fn encrypt_frame(
        &self,
        frame: Vec<u8>,
        clear_header: Vec<u8>,
    ) -> Result<Vec<u8>, SealkitError> {
        Ok(self.lock()?.encrypt_frame(&frame, &clear_header)?)
    }

    /// Authenticates and decrypts a frame of any member.
    ///
    /// # Errors
    /// `Decode` for malformed bytes, `Decrypt` when it does not
    /// authenticate (tampered, another group), `Duplicate` for a replay
    /// (also of a frame an earlier context of this device accepted before a
    /// restart), `UnknownEpoch` for an epoch this context does not have yet
    /// (hold the frame and retry after `rekey_group_media`; a removed
    /// member gets this for every later frame), `WrongEpoch` for an epoch
    /// whose keys are gone or a sender's context retired by newer ones.
    /// A frame that needs its sender's replay floor raised in the store is
    /// withheld when that fails: `Storage`, `Closed` (the client was
    /// closed), `UnknownGroup` (this device left the group). The context is
    /// unchanged after any error.
    pub fn decrypt_frame(&self, sealed: Vec<u8>) -> Result<MediaFrame, SealkitError> {
        Ok(self.lock()?.decrypt_frame(&sealed)?.into())
    }

    /// Ends the overlap now: frames of the previous epoch fail with
    /// `WrongEpoch` from here on. For apps that time the overlap with a
    /// clock of their own.
    pub fn end_overlap(&self) {
        self.lock_even_if_poisoned().end_overlap();
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.lock_even_if_poisoned().epoch()
    }

    /// The previous epoch, while its overlap lasts.
    pub fn previous_epoch(&self) -> Option<u64> {
        self.lock_even_if_poisoned().previous_epoch()
    }

    /// This member's leaf index (its `sender_index`) in the current epoch.
    pub fn own_index(&self) -> u32 {
        self.lock_even_if_poisoned().own_index()
    }

    /// Bytes a sealed frame adds to the frame and clear header at most.
    pub fn max_overhead(&self) -> u64 {
        u64::try_from(self.lock_even_if_poisoned().max_overhead()).unwrap_or(u64::MAX)
    }
}

#[uniffi::export]
impl SealkitClient {
    /// A media context for the group's current epoch, with the default
    /// SFrame profile (AES-128-GCM, 8 epoch bits, 16 sender-index bits,
    /// a replay window of 128 frames, an overlap of 1,000 frames). Each
    /// context gets its own SFrame context value, reserved in the store, so
    /// several contexts (at once, or after a restart) never share a nonce;
    /// its replay floors are kept in the store, so a context built after a
    /// restart refuses frames an earlier one accepted.
    ///
    /// # Errors
    /// `UnknownGroup`, `Protocol` when this device's leaf index does not fit
    /// the sender-index bits, `Storage`.
    pub fn group_media(&self, group_id: String) -> Result<Arc<MediaContext>, SealkitError> {
        let context = self.core().group_media(&group_id, MediaConfig::default())?;
        Ok(Arc::new(MediaContext {
            inner: Mutex::new(context),
        }))
    }

    /// Moves `media` to the group's current epoch when the group is ahead of
    /// it; the previous epoch stays readable for the overlap. Returns
    /// whether it rekeyed.
    ///
    /// # Errors
    /// As [`SealkitClient::group_media`] (`UnknownGroup` after this device
    /// was removed); `media` is unchanged.
    pub fn rekey_group_media(
        &self,
        group_id: String,
        media: Arc<MediaContext>,
    ) -> Result<bool, SealkitError> {
        let mut context = media.lock()?;
        Ok(self.core().rekey_group_media(&group_id, &mut context)?)
    }
}
