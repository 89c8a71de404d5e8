//! One MLS epoch's SFrame keys (RFC 9605 section 5.2): the exported base
//! key, this member's sending key, and the receiving keys derived per Key ID
//! on first use, with a replay window and a replay floor per Key ID.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use sframe::frame::EncryptedFrameView;
use sframe::frame::validation::{FrameValidation, ReplayAttackProtectionStore, UnvalidatedFrame};
use sframe::header::KeyId;
use sframe::key::{DecryptionKey, EncryptionKey};
use sframe::mls::{MlsExporter, MlsKeyId};
use zeroize::Zeroizing;

use super::config::Profile;
use super::memory::{MAX_CONTEXTS_PER_SENDER, REPLAY_FLOOR_STEP, ReplayFloor, ReplayMemory};
use super::{EXPORTER_LABEL, MediaError, exporter_length};

/// The SFrame base key of one MLS epoch, as the group exported it, this
/// member's leaf index in that epoch, and the context value its frames
/// carry in their Key ID. Zeroized on drop; its `Debug` shows no secret.
pub struct EpochSecret {
    epoch: u64,
    own_index: u32,
    secret: Zeroizing<Vec<u8>>,
    /// The Key ID's context field for this member's frames.
    context_id: u64,
}

impl EpochSecret {
    /// `secret` is `MLS-Exporter(EXPORTER_LABEL, "", exporter_length(suite))`
    /// of epoch `epoch`; `own_index` is this member's MLS leaf index. The
    /// length is checked by [`MediaContext::new`](super::MediaContext::new)
    /// and [`MediaContext::rekey`](super::MediaContext::rekey). The context
    /// value is 0.
    pub fn new(epoch: u64, own_index: u32, secret: Vec<u8>) -> Self {
        Self {
            epoch,
            own_index,
            secret: Zeroizing::new(secret),
            context_id: 0,
        }
    }

    /// Sets the context value this member's frames carry in their Key ID
    /// (RFC 9605 section 5.2: "a context value chosen by the sender"). Key
    /// ID, and so key and salt, differ per context, and each context counts
    /// its SFrame counter from 0, so two contexts of the same member and
    /// epoch (after a restart, or two at once) must have different values:
    /// `Client::group_media` reserves a new one per context in the store.
    /// A context value must fit in `64 - sender_index_bits - epoch_bits`
    /// bits ([`MediaError::ContextIdTooLarge`]).
    pub fn with_context_id(mut self, context_id: u64) -> Self {
        self.context_id = context_id;
        self
    }

    /// The context value of this member's Key ID.
    pub fn context_id(&self) -> u64 {
        self.context_id
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
            .field("context_id", &self.context_id)
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

/// This member's sending key for one epoch and context. The counter lives
/// in the context: a new key starts a new counter.
pub(super) fn sending_key(
    profile: &Profile,
    secret: &EpochSecret,
) -> Result<EncryptionKey, MediaError> {
    let key_id = key_id(profile, secret.epoch, secret.own_index, secret.context_id)?;
    EncryptionKey::derive_from_mls(
        profile.suite.sframe(),
        &ExportedBaseKey(&secret.secret),
        key_id,
    )
    .map_err(|_| MediaError::Backend("sending key derivation"))
}

/// The Key ID of a member's context in an epoch.
pub(super) fn key_id(
    profile: &Profile,
    epoch: u64,
    index: u32,
    context: u64,
) -> Result<MlsKeyId, MediaError> {
    if !profile.fits_sender_index(index) {
        return Err(MediaError::SenderIndexTooLarge {
            index,
            bits: profile.sender_index_bits,
        });
    }
    if !profile.fits_context(context) {
        return Err(MediaError::ContextIdTooLarge {
            context,
            bits: profile.context_bits(),
        });
    }
    MlsKeyId::try_new(context, epoch, index, profile.bit_range)
        .map_err(|_| MediaError::Backend("Key ID layout"))
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
    key_id(profile, secret.epoch, secret.own_index, secret.context_id).map(|_| ())
}

/// The context values of one sender that have keys in an epoch.
#[derive(Default)]
struct SenderContexts {
    /// Context value → Key ID, at most [`MAX_CONTEXTS_PER_SENDER`].
    live: BTreeMap<u64, KeyId>,
    /// Context values below this one were retired: their frames are refused.
    retired_below: u64,
}

/// The receiving side of one epoch.
pub(super) struct EpochKeys {
    pub(super) epoch: u64,
    base_key: Zeroizing<Vec<u8>>,
    /// Keys of Key IDs whose frames authenticated, by Key ID: at most
    /// [`MAX_CONTEXTS_PER_SENDER`] per sender, and a key is stored only after
    /// a frame under it authenticated.
    receive_keys: HashMap<KeyId, DecryptionKey>,
    /// One replay window per Key ID, recorded only for authenticated frames.
    replay: ReplayAttackProtectionStore,
    /// Per sender index, its contexts with a key here.
    senders: HashMap<u32, SenderContexts>,
    /// The floors the replay memory had when the epoch was keyed: counters
    /// at or below them are refused.
    floors: HashMap<KeyId, u64>,
    /// Per Key ID, the highest counter this context may accept before it
    /// must raise the floor in its replay memory (none yet: it must).
    reserved: HashMap<KeyId, u64>,
}

impl EpochKeys {
    pub(super) fn new(profile: &Profile, secret: EpochSecret, floors: Vec<ReplayFloor>) -> Self {
        let mut keys = Self {
            epoch: secret.epoch,
            base_key: secret.secret,
            receive_keys: HashMap::new(),
            replay: ReplayAttackProtectionStore::new(profile.tolerance),
            senders: HashMap::new(),
            floors: HashMap::new(),
            reserved: HashMap::new(),
        };
        keys.load_floors(floors);
        keys
    }

    /// Refuses, from now on, the counters at or below `floors`.
    pub(super) fn load_floors(&mut self, floors: Vec<ReplayFloor>) {
        for floor in floors {
            let entry = self.floors.entry(floor.key_id).or_insert(floor.highest);
            *entry = (*entry).max(floor.highest);
        }
    }

    /// How many Key IDs (sender contexts) this epoch holds keys for.
    pub(super) fn known_senders(&self) -> usize {
        self.receive_keys.len()
    }

    /// Authenticates and decrypts a parsed frame of this epoch into
    /// `buffer` (clear header, then plaintext). Screens the frame (retired
    /// context, replay floor, replay window), decrypts it, raises its Key
    /// ID's floor in `memory` if the counter is past what was reserved, and
    /// only then records the counter and keeps a newly derived key. On error
    /// nothing has changed.
    pub(super) fn open(
        &mut self,
        profile: &Profile,
        frame: &EncryptedFrameView<'_>,
        key_id: MlsKeyId,
        sender_index: u32,
        memory: Option<&dyn ReplayMemory>,
        buffer: &mut Vec<u8>,
    ) -> Result<(), MediaError> {
        let raw_key_id = KeyId::from(key_id);
        let context = key_id.context_id();
        let counter = frame.header().counter();
        let retired = MediaError::RetiredContext {
            sender_index,
            context,
        };
        let sender = self.senders.get(&sender_index);
        if sender.is_some_and(|sender| context < sender.retired_below) {
            return Err(retired);
        }
        if self
            .floors
            .get(&raw_key_id)
            .is_some_and(|floor| counter <= *floor)
        {
            return Err(MediaError::Replay);
        }
        let token = self
            .replay
            .screen(UnvalidatedFrame::from(frame))
            .map_err(|_| MediaError::Replay)?;

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
        frame.decrypt_into(key, buffer).map_err(decryption_error)?;

        // A new context of this sender: it retires the oldest one when the
        // sender has its fill; one older than all of them is refused.
        let mut retire = None;
        if derived.is_some()
            && let Some(sender) = sender
            && sender.live.len() >= MAX_CONTEXTS_PER_SENDER
            && let Some((&oldest, &oldest_key_id)) = sender.live.first_key_value()
        {
            if context < oldest {
                return Err(retired);
            }
            retire = Some((oldest, oldest_key_id));
        }

        let raise = match (memory, self.reserved.get(&raw_key_id)) {
            (Some(_), Some(reserved)) if counter <= *reserved => None,
            (Some(memory), _) => {
                let highest = counter.saturating_add(REPLAY_FLOOR_STEP - 1);
                memory.raise(
                    self.epoch,
                    ReplayFloor {
                        key_id: raw_key_id,
                        highest,
                    },
                )?;
                Some(highest)
            }
            (None, _) => None,
        };

        // Authenticated, and recorded where it must be: keep it.
        if let Some(highest) = raise {
            self.reserved.insert(raw_key_id, highest);
        }
        self.replay.record(token);
        if let Some(key) = derived {
            self.receive_keys.insert(raw_key_id, key);
            let sender = self.senders.entry(sender_index).or_default();
            sender.live.insert(context, raw_key_id);
            if let Some((oldest, oldest_key_id)) = retire {
                sender.live.remove(&oldest);
                sender.retired_below = oldest.saturating_add(1);
                self.receive_keys.remove(&oldest_key_id);
                self.replay.remove(oldest_key_id);
                self.reserved.remove(&oldest_key_id);
            }
        }
        Ok(())
    }
}

fn decryption_error(error: sframe::error::SframeError) -> MediaError {
    use sframe::error::SframeError;
    match error {
        SframeError::DecryptionFailure => MediaError::Authentication,
        SframeError::InvalidBuffer(_) => MediaError::Malformed("SFrame ciphertext"),
        _ => MediaError::Backend("decryption"),
    }
}
