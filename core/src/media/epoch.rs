//! One MLS epoch's SFrame keys (RFC 9605 section 5.2): the exported base
//! key, this member's sending key, and the receiving keys derived per Key ID
//! on first use, with a replay window per Key ID.

use std::collections::HashMap;
use std::fmt;

use sframe::frame::validation::ReplayAttackProtectionStore;
use sframe::header::KeyId;
use sframe::key::{DecryptionKey, EncryptionKey};
use sframe::mls::{MlsExporter, MlsKeyId};
use zeroize::Zeroizing;

use super::config::Profile;
use super::{EXPORTER_LABEL, MediaError, exporter_length};

/// The SFrame base key of one MLS epoch, as the group exported it, and this
/// member's leaf index in that epoch. Zeroized on drop; its `Debug` shows
/// no secret.
pub struct EpochSecret {
    epoch: u64,
    own_index: u32,
    secret: Zeroizing<Vec<u8>>,
    /// The SFrame counters this member may use in this epoch: first and
    /// last (inclusive).
    counter_first: u64,
    counter_last: u64,
}

impl EpochSecret {
    /// `secret` is `MLS-Exporter(EXPORTER_LABEL, "", exporter_length(suite))`
    /// of epoch `epoch`; `own_index` is this member's MLS leaf index. The
    /// length is checked by [`MediaContext::new`](super::MediaContext::new)
    /// and [`MediaContext::rekey`](super::MediaContext::rekey).
    pub fn new(epoch: u64, own_index: u32, secret: Vec<u8>) -> Self {
        Self {
            epoch,
            own_index,
            secret: Zeroizing::new(secret),
            counter_first: 0,
            counter_last: u64::MAX,
        }
    }

    /// Restricts the SFrame counters a context built from this secret sends
    /// with to `first..=last`. Counter and key together make the AEAD
    /// nonce, so two contexts of the same member and epoch (after a restart,
    /// say) must get disjoint ranges; `Client::group_media` reserves one
    /// range per context in the store. Without a range a context uses all
    /// counters from 0, which is safe only for a single context per member
    /// and epoch.
    pub fn with_counter_range(mut self, first: u64, last: u64) -> Self {
        self.counter_first = first;
        self.counter_last = last;
        self
    }

    /// The first and last SFrame counter a context sends with.
    pub fn counter_range(&self) -> (u64, u64) {
        (self.counter_first, self.counter_last)
    }

    /// The MLS epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// This member's MLS leaf index.
    pub fn own_index(&self) -> u32 {
        self.own_index
    }
}

impl fmt::Debug for EpochSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EpochSecret")
            .field("epoch", &self.epoch)
            .field("own_index", &self.own_index)
            .field("counter_first", &self.counter_first)
            .field("counter_last", &self.counter_last)
            .field("secret", &"***")
            .finish()
    }
}

/// Hands the already exported base key to the `sframe` crate's MLS key
/// derivation (`derive_from_mls`), refusing any other export: if the crate
/// ever asked for another label, context or length, derivation would fail
/// instead of keying from the wrong secret.
pub(super) struct ExportedBaseKey<'a>(pub(super) &'a [u8]);

#[derive(Debug, thiserror::Error)]
#[error("the SFrame key derivation asked for an export other than the epoch's base key")]
pub(super) struct UnexpectedExport;

impl<'a> MlsExporter for ExportedBaseKey<'a> {
    type BaseKey = &'a [u8];
    type Error = UnexpectedExport;

    fn export_secret(
        &self,
        label: &str,
        context: &[u8],
        key_length: usize,
    ) -> Result<Self::BaseKey, Self::Error> {
        if label == EXPORTER_LABEL && context.is_empty() && key_length == self.0.len() {
            Ok(self.0)
        } else {
            Err(UnexpectedExport)
        }
    }
}

/// This member's sending key for one epoch. The counter lives in the
/// context: a new key starts a new counter.
pub(super) fn sending_key(
    profile: &Profile,
    secret: &EpochSecret,
) -> Result<EncryptionKey, MediaError> {
    let key_id = key_id(profile, secret.epoch, secret.own_index)?;
    EncryptionKey::derive_from_mls(
        profile.suite.sframe(),
        &ExportedBaseKey(&secret.secret),
        key_id,
    )
    .map_err(|_| MediaError::Backend("sending key derivation"))
}

/// The Key ID of a member in an epoch, context 0.
pub(super) fn key_id(profile: &Profile, epoch: u64, index: u32) -> Result<MlsKeyId, MediaError> {
    if !profile.fits_sender_index(index) {
        return Err(MediaError::SenderIndexTooLarge {
            index,
            bits: profile.sender_index_bits,
        });
    }
    MlsKeyId::try_new(0u64, epoch, index, profile.bit_range).map_err(|_| {
        MediaError::SenderIndexTooLarge {
            index,
            bits: profile.sender_index_bits,
        }
    })
}

/// Checks an epoch secret against the profile before anything is derived.
pub(super) fn check_secret(profile: &Profile, secret: &EpochSecret) -> Result<(), MediaError> {
    let expected = exporter_length(profile.suite);
    if secret.secret.len() != expected {
        return Err(MediaError::InvalidEpochSecret {
            expected,
            got: secret.secret.len(),
        });
    }
    if !profile.fits_sender_index(secret.own_index) {
        return Err(MediaError::SenderIndexTooLarge {
            index: secret.own_index,
            bits: profile.sender_index_bits,
        });
    }
    Ok(())
}

/// The receiving side of one epoch.
pub(super) struct EpochKeys {
    pub(super) epoch: u64,
    base_key: Zeroizing<Vec<u8>>,
    /// Keys of senders whose frames authenticated, by Key ID. At most
    /// `2^S` entries: only Key IDs with context 0 reach here, and a key is
    /// stored only after a frame under it authenticated.
    receive_keys: HashMap<KeyId, DecryptionKey>,
    /// One replay window per Key ID, recorded only for authenticated frames.
    replay: ReplayAttackProtectionStore,
}

impl EpochKeys {
    pub(super) fn new(profile: &Profile, secret: EpochSecret) -> Self {
        Self {
            epoch: secret.epoch,
            base_key: secret.secret,
            receive_keys: HashMap::new(),
            replay: ReplayAttackProtectionStore::new(profile.tolerance),
        }
    }

    /// How many senders' keys this epoch holds.
    pub(super) fn known_senders(&self) -> usize {
        self.receive_keys.len()
    }

    /// Authenticates and decrypts a parsed frame of this epoch into
    /// `buffer` (clear header, then plaintext). The `sframe` crate screens the
    /// counter against the replay window, decrypts, and records the counter
    /// only if the frame authenticated; a key derived here is kept only then
    /// too. On error nothing has changed.
    pub(super) fn open(
        &mut self,
        profile: &Profile,
        frame: &sframe::frame::EncryptedFrameView<'_>,
        key_id: MlsKeyId,
        buffer: &mut Vec<u8>,
    ) -> Result<(), MediaError> {
        let raw_key_id = KeyId::from(key_id);
        let mut derived = None;
        let key = match self.receive_keys.get(&raw_key_id) {
            Some(key) => key,
            None => derived.insert(
                DecryptionKey::derive_from_mls(
                    profile.suite.sframe(),
                    &ExportedBaseKey(&self.base_key),
                    key_id,
                )
                .map_err(|_| MediaError::Backend("receiving key derivation"))?,
            ),
        };
        frame
            .validated_decrypt_into(key, buffer, &mut self.replay)
            .map_err(decryption_error)?;
        if let Some(key) = derived {
            self.receive_keys.insert(raw_key_id, key);
        }
        Ok(())
    }
}

fn decryption_error(error: sframe::error::SframeError) -> MediaError {
    use sframe::error::SframeError;
    match error {
        SframeError::DecryptionFailure => MediaError::Authentication,
        SframeError::FrameValidationFailed(_) => MediaError::Replay,
        SframeError::InvalidBuffer(_) => MediaError::Malformed("SFrame ciphertext"),
        _ => MediaError::Backend("decryption"),
    }
}
