//! Replay floors: what a [`MediaContext`](super::MediaContext) writes down
//! so that a context built again after a restart refuses frames an earlier
//! one accepted (RFC 9605 section 9.3 asks receivers to reject replays; a
//! window kept only in memory forgets them on restart).
//!
//! For every Key ID it accepts frames of, a context keeps a *reserve*: the
//! highest counter it may accept without writing. A frame above the reserve
//! is handed out only after the context has raised the Key ID's floor to
//! `counter + REPLAY_FLOOR_STEP - 1` through its [`ReplayMemory`] (durably,
//! when the memory is a store). A context built later loads the floors of
//! its epoch and refuses every counter at or below them. So no frame is
//! ever accepted twice across a restart, at the price of at most
//! [`REPLAY_FLOOR_STEP`] frames per sender refused after a restart (frames
//! the sender sent between the last one accepted and the floor), and one
//! write per `REPLAY_FLOOR_STEP` frames per sender while the call runs.

use std::collections::BTreeMap;

use super::MediaError;
use crate::codec::{DecodeError, Reader, Writer};
use crate::error::ErrorKind;

/// How far ahead of an accepted counter a context raises its Key ID's
/// floor: one write per 128 frames per sender (a sender with audio and
/// video sends ~80 frames a second through one context: a write every
/// ~1.6 s), and after a restart at most 128 frames per sender are refused.
pub const REPLAY_FLOOR_STEP: u64 = 128;

/// The most media contexts of one sender a context keeps keys and replay
/// windows for in one epoch. A newer one retires the oldest, whose frames
/// are then refused ([`MediaError::RetiredContext`]). Senders number their
/// contexts upwards (each restart reserves the next), so the retired one is
/// a process that stopped.
pub const MAX_CONTEXTS_PER_SENDER: usize = 16;

/// The most replay floors kept per epoch (one per Key ID accepted in it, by
/// this context and the ones before it): 16,384 floors are 256 KiB. Beyond,
/// frames of a new Key ID are refused with [`MediaError::ReplayMemory`]
/// until the next epoch.
pub const MAX_REPLAY_FLOORS_PER_EPOCH: usize = 1 << 14;

/// A Key ID's replay floor: every counter at or below `highest` may have been
/// accepted already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayFloor {
    /// The SFrame Key ID.
    pub key_id: u64,
    /// The highest counter a context may have accepted under it.
    pub highest: u64,
}

/// Where a media context keeps its replay floors. `Client::group_media`
/// gives its contexts one that writes to the client's store, in a record
/// per group (`docs/format/media.md`, "Replay floors").
pub trait ReplayMemory: Send + Sync {
    /// The floors recorded for `epoch`, at most
    /// [`MAX_REPLAY_FLOORS_PER_EPOCH`].
    ///
    /// # Errors
    /// [`MediaError::ReplayMemory`]; the context is then not built or not
    /// rekeyed.
    fn floors(&self, epoch: u64) -> Result<Vec<ReplayFloor>, MediaError>;

    /// Raises the floor of `floor.key_id` in `epoch` to at least
    /// `floor.highest`, durably, before it returns. Floors of epochs before
    /// `epoch - 1` may be forgotten: a context keeps no older epoch.
    ///
    /// # Errors
    /// [`MediaError::ReplayMemory`]; the frame that needed the floor is then
    /// not handed out.
    fn raise(&self, epoch: u64, floor: ReplayFloor) -> Result<(), MediaError>;
}

/// Version of the replay-floor record.
const FLOOR_RECORD_VERSION: u8 = 1;
/// Epochs a floor record keeps: a context holds the current epoch and, for
/// the overlap, the previous one.
const FLOOR_RECORD_EPOCHS: usize = 2;

/// The replay floors of one group, as `Client::group_media`'s memory stores
/// them (`RecordKind::MediaReplay`, format in `docs/format/media.md`): the
/// floors of the two newest epochs that have any.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FloorRecord {
    /// Newest epoch first; per epoch, Key ID → highest counter.
    epochs: Vec<(u64, BTreeMap<u64, u64>)>,
}

impl FloorRecord {
    /// The floors of `epoch`.
    pub(crate) fn floors(&self, epoch: u64) -> Vec<ReplayFloor> {
        self.epochs
            .iter()
            .filter(|(stored, _)| *stored == epoch)
            .flat_map(|(_, floors)| floors.iter())
            .map(|(&key_id, &highest)| ReplayFloor { key_id, highest })
            .collect()
    }

    /// Raises a floor (a lower one than stored changes nothing), and
    /// forgets the epochs older than the two newest.
    ///
    /// # Errors
    /// [`MediaError::ReplayMemory`] when the epoch has
    /// [`MAX_REPLAY_FLOORS_PER_EPOCH`] floors and this is a new Key ID, or
    /// when `epoch` is older than both kept epochs (nothing changed).
    pub(crate) fn raise(&mut self, epoch: u64, floor: ReplayFloor) -> Result<(), MediaError> {
        if !self.epochs.iter().any(|(stored, _)| *stored == epoch) {
            if self.epochs.len() >= FLOOR_RECORD_EPOCHS
                && self.epochs.iter().all(|(stored, _)| *stored > epoch)
            {
                return Err(full(format!(
                    "epoch {epoch} is older than the epochs whose floors are kept"
                )));
            }
            self.epochs.push((epoch, BTreeMap::new()));
            self.epochs
                .sort_by_key(|(stored, _)| std::cmp::Reverse(*stored));
            self.epochs.truncate(FLOOR_RECORD_EPOCHS);
        }
        let floors = self
            .epochs
            .iter_mut()
            .find(|(stored, _)| *stored == epoch)
            .map(|(_, floors)| floors)
            .ok_or_else(|| full("epoch vanished".into()))?;
        if !floors.contains_key(&floor.key_id) && floors.len() >= MAX_REPLAY_FLOORS_PER_EPOCH {
            return Err(full(format!(
                "epoch {epoch} has {MAX_REPLAY_FLOORS_PER_EPOCH} replay floors"
            )));
        }
        let highest = floors.entry(floor.key_id).or_insert(floor.highest);
        *highest = (*highest).max(floor.highest);
        Ok(())
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(FLOOR_RECORD_VERSION);
        w.u8(self.epochs.len() as u8);
        for (epoch, floors) in &self.epochs {
            w.u64(*epoch).u32(floors.len() as u32);
            for (key_id, highest) in floors {
                w.u64(*key_id).u64(*highest);
            }
        }
        w.into_bytes()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != FLOOR_RECORD_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let epoch_count = usize::from(r.u8()?);
        if epoch_count > FLOOR_RECORD_EPOCHS {
            return Err(DecodeError::TooLarge {
                what: "replay floor epochs",
                got: epoch_count as u64,
                max: FLOOR_RECORD_EPOCHS as u64,
            });
        }
        let mut epochs: Vec<(u64, BTreeMap<u64, u64>)> = Vec::with_capacity(epoch_count);
        for _ in 0..epoch_count {
            let epoch = r.u64()?;
            if epochs.last().is_some_and(|(newer, _)| *newer <= epoch) {
                return Err(DecodeError::Invalid("replay floor epochs out of order"));
            }
            let count = r.u32()?;
            if count as usize > MAX_REPLAY_FLOORS_PER_EPOCH {
                return Err(DecodeError::TooLarge {
                    what: "replay floors",
                    got: u64::from(count),
                    max: MAX_REPLAY_FLOORS_PER_EPOCH as u64,
                });
            }
            let mut floors = BTreeMap::new();
            let mut previous = None;
            for _ in 0..count {
                let key_id = r.u64()?;
                if previous.is_some_and(|previous| previous >= key_id) {
                    return Err(DecodeError::Invalid("replay floor key ids out of order"));
                }
                previous = Some(key_id);
                floors.insert(key_id, r.u64()?);
            }
            epochs.push((epoch, floors));
        }
        r.finish()?;
        Ok(Self { epochs })
    }
}

fn full(reason: String) -> MediaError {
    MediaError::ReplayMemory {
        kind: ErrorKind::Protocol,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn floor(key_id: u64, highest: u64) -> ReplayFloor {
        ReplayFloor { key_id, highest }
    }

    #[test]
    fn floors_only_rise_and_only_the_two_newest_epochs_are_kept() {
        let mut record = FloorRecord::default();
        record.raise(5, floor(0x105, 127)).unwrap();
        record.raise(5, floor(0x105, 50)).unwrap();
        record.raise(5, floor(0x205, 255)).unwrap();
        assert_eq!(record.floors(5), [floor(0x105, 127), floor(0x205, 255)]);
        record.raise(6, floor(0x106, 127)).unwrap();
        record.raise(7, floor(0x107, 127)).unwrap();
        assert!(record.floors(5).is_empty(), "epoch 5 is forgotten");
        assert_eq!(record.floors(6), [floor(0x106, 127)]);
        // An epoch older than both kept ones cannot be recorded any more.
        let error = record.raise(5, floor(0x105, 300)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Protocol);
        assert_eq!(FloorRecord::decode(&record.encode()).unwrap(), record);
    }

    #[test]
    fn an_epoch_holds_a_bounded_number_of_floors() {
        let mut record = FloorRecord::default();
        for key_id in 0..MAX_REPLAY_FLOORS_PER_EPOCH as u64 {
            record.raise(1, floor(key_id, 1)).unwrap();
        }
        assert!(record.raise(1, floor(u64::MAX, 1)).is_err());
        // A floor already there still rises.
        record.raise(1, floor(0, 9)).unwrap();
        let encoded = record.encode();
        assert_eq!(encoded.len(), 2 + 12 + 16 * MAX_REPLAY_FLOORS_PER_EPOCH);
        assert_eq!(FloorRecord::decode(&encoded).unwrap(), record);
    }

    #[test]
    fn malformed_floor_records_are_refused() {
        let mut record = FloorRecord::default();
        record.raise(3, floor(1, 1)).unwrap();
        record.raise(4, floor(1, 1)).unwrap();
        let good = record.encode();
        assert_eq!(
            FloorRecord::decode(&[2, 0]),
            Err(DecodeError::UnsupportedVersion(2))
        );
        assert!(FloorRecord::decode(&[1, 3]).is_err(), "three epochs");
        assert!(FloorRecord::decode(&good[..good.len() - 1]).is_err());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(FloorRecord::decode(&trailing).is_err());
        // Epochs oldest first, or a repeated Key ID: not what raise writes.
        let mut swapped = vec![1, 2];
        for epoch in [3u64, 4] {
            swapped.extend_from_slice(&epoch.to_be_bytes());
            swapped.extend_from_slice(&0u32.to_be_bytes());
        }
        assert!(FloorRecord::decode(&swapped).is_err());
        let mut repeated = vec![1, 1];
        repeated.extend_from_slice(&3u64.to_be_bytes());
        repeated.extend_from_slice(&2u32.to_be_bytes());
        for _ in 0..2 {
            repeated.extend_from_slice(&1u64.to_be_bytes());
            repeated.extend_from_slice(&1u64.to_be_bytes());
        }
        assert!(FloorRecord::decode(&repeated).is_err());
        let mut huge = vec![1, 1];
        huge.extend_from_slice(&3u64.to_be_bytes());
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(FloorRecord::decode(&huge).is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_what_decodes_encodes_back(
            bytes in proptest::collection::vec(any::<u8>(), 0..96),
            prefix in prop_oneof![Just(vec![]), Just(vec![1u8, 1]), Just(vec![1u8, 2])],
        ) {
            let mut input = prefix;
            input.extend_from_slice(&bytes);
            if let Ok(record) = FloorRecord::decode(&input) {
                prop_assert_eq!(record.encode(), input);
            }
        }
    }
}
