//! Skipped message keys (Double Ratchet spec section 3.2, `MKSKIPPED`): keys
//! of messages not yet received, kept so that late messages still decrypt.
//! Bounded in total; the oldest key is evicted first, so a flood of skipped
//! messages never locks the session.
//!
//! An evicted key leaves a trace: the runs of consecutive indices of one
//! chain whose keys were evicted (no key material, 40 bytes a run). When a
//! message finds no key, they tell "its key was evicted"
//! ([`SessionError::KeyEvicted`](super::SessionError::KeyEvicted)) from
//! "it was already decrypted" (`Duplicate`). Keys are evicted in the order
//! they were stored, and within a chain in index order, so a flood of gaps
//! makes one run; a run breaks only where a message of the chain was
//! decrypted in between. The answer is exact while the evicted keys form at
//! most [`MAX_EVICTED_RUNS`] runs; beyond that the oldest runs are
//! forgotten, and a message of a forgotten run is reported as it was before
//! runs were kept (`Duplicate`, or `Decrypt` for a chain no longer
//! remembered).

use std::collections::VecDeque;

use crate::crypto::secret::Secret32;

/// Most runs of evicted keys remembered per session (at most 2.5 KiB of
/// stored record).
pub(crate) const MAX_EVICTED_RUNS: usize = 64;

/// A stored skipped key, by the chain's ratchet key and its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SkippedKey {
    pub(crate) ratchet_key: [u8; 32],
    pub(crate) index: u32,
    pub(crate) key: Secret32,
}

/// Indices `first..=last` of the chain of `ratchet_key`, whose skipped keys
/// were evicted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EvictedRun {
    pub(crate) ratchet_key: [u8; 32],
    pub(crate) first: u32,
    pub(crate) last: u32,
}

impl EvictedRun {
    fn contains(&self, ratchet_key: &[u8; 32], index: u32) -> bool {
        self.first <= index && index <= self.last && &self.ratchet_key == ratchet_key
    }
}

/// Skipped keys in insertion order (oldest first), at most `capacity`, and
/// the runs of keys evicted from them (oldest first, at most
/// [`MAX_EVICTED_RUNS`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SkippedKeys {
    keys: VecDeque<SkippedKey>,
    evicted: VecDeque<EvictedRun>,
}

impl SkippedKeys {
    /// The stored key of message `index` of the chain of `ratchet_key`, and
    /// its position (for [`SkippedKeys::remove`]).
    pub(crate) fn find(&self, ratchet_key: &[u8; 32], index: u32) -> Option<(usize, &SkippedKey)> {
        self.keys
            .iter()
            .enumerate()
            .find(|(_, k)| k.index == index && &k.ratchet_key == ratchet_key)
    }

    pub(crate) fn remove(&mut self, position: usize) {
        let _ = self.keys.remove(position);
    }

    /// Appends keys, evicting the oldest beyond `capacity`.
    pub(crate) fn extend(&mut self, new_keys: Vec<SkippedKey>, capacity: usize) {
        for key in new_keys {
            self.keys.push_back(key);
        }
        while self.keys.len() > capacity {
            let Some(evicted) = self.keys.pop_front() else {
                break;
            };
            self.record_eviction(&evicted);
        }
    }

    /// Drops every key of the chain of `ratchet_key` (its chain left the
    /// window of remembered receiving chains: Double Ratchet spec, section
    /// 6.4, "Deletion of skipped message keys"), leaving runs of evicted
    /// indices as for any eviction, so that its late messages are
    /// `KeyEvicted`.
    pub(crate) fn expire_chain(&mut self, ratchet_key: &[u8; 32]) {
        let (expired, kept): (VecDeque<SkippedKey>, VecDeque<SkippedKey>) =
            std::mem::take(&mut self.keys)
                .into_iter()
                .partition(|key| &key.ratchet_key == ratchet_key);
        self.keys = kept;
        for key in &expired {
            self.record_eviction(key);
        }
    }

    fn record_eviction(&mut self, key: &SkippedKey) {
        if let Some(run) = self.evicted.back_mut()
            && run.ratchet_key == key.ratchet_key
            && run.last.checked_add(1) == Some(key.index)
        {
            run.last = key.index;
            return;
        }
        self.evicted.push_back(EvictedRun {
            ratchet_key: key.ratchet_key,
            first: key.index,
            last: key.index,
        });
        if self.evicted.len() > MAX_EVICTED_RUNS {
            let _ = self.evicted.pop_front();
        }
    }

    /// Whether the key of message `index` of the chain of `ratchet_key` was
    /// stored and then evicted (within the remembered runs).
    pub(crate) fn was_evicted(&self, ratchet_key: &[u8; 32], index: u32) -> bool {
        self.evicted
            .iter()
            .any(|run| run.contains(ratchet_key, index))
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &SkippedKey> {
        self.keys.iter()
    }

    pub(crate) fn evicted_runs(&self) -> impl ExactSizeIterator<Item = &EvictedRun> {
        self.evicted.iter()
    }

    pub(crate) fn from_parts(keys: Vec<SkippedKey>, evicted: Vec<EvictedRun>) -> Self {
        Self {
            keys: keys.into(),
            evicted: evicted.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(chain: u8, index: u32) -> SkippedKey {
        SkippedKey {
            ratchet_key: [chain; 32],
            index,
            key: Secret32::new([7; 32]),
        }
    }

    fn keys(chain: u8, indices: std::ops::Range<u32>) -> Vec<SkippedKey> {
        indices.map(|index| key(chain, index)).collect()
    }

    fn runs(skipped: &SkippedKeys) -> Vec<(u8, u32, u32)> {
        skipped
            .evicted_runs()
            .map(|run| (run.ratchet_key[0], run.first, run.last))
            .collect()
    }

    #[test]
    fn an_expired_chain_loses_every_key_and_leaves_runs_of_its_gaps() {
        let mut skipped = SkippedKeys::default();
        skipped.extend(keys(1, 0..3), 20);
        skipped.extend(keys(2, 0..2), 20);
        skipped.extend(keys(1, 3..6), 20);
        // Message 2 of chain 1 was decrypted: its key is gone already.
        let (position, _) = skipped.find(&[1; 32], 2).unwrap();
        skipped.remove(position);
        skipped.expire_chain(&[1; 32]);
        assert_eq!(skipped.len(), 2);
        assert!(skipped.iter().all(|key| key.ratchet_key == [2; 32]));
        assert_eq!(runs(&skipped), vec![(1, 0, 1), (1, 3, 5)]);
        assert!(!skipped.was_evicted(&[1; 32], 2), "decrypted, not evicted");
    }

    #[test]
    fn keys_evicted_in_a_row_make_one_run_per_chain() {
        let mut skipped = SkippedKeys::default();
        skipped.extend(keys(1, 0..10), 20);
        skipped.extend(keys(2, 0..25), 20);
        // 35 stored, 15 evicted: chain 1 entirely, then chain 2's first five.
        assert_eq!(skipped.len(), 20);
        assert_eq!(runs(&skipped), vec![(1, 0, 9), (2, 0, 4)]);
        assert!(skipped.was_evicted(&[1; 32], 0) && skipped.was_evicted(&[1; 32], 9));
        assert!(skipped.was_evicted(&[2; 32], 4));
        assert!(!skipped.was_evicted(&[2; 32], 5));
        assert!(!skipped.was_evicted(&[1; 32], 10));
        assert!(!skipped.was_evicted(&[3; 32], 0));
        assert!(skipped.find(&[2; 32], 5).is_some());
    }

    #[test]
    fn a_key_used_before_its_eviction_splits_the_run_and_is_not_reported_evicted() {
        let mut skipped = SkippedKeys::default();
        skipped.extend(keys(1, 0..10), 10);
        let (position, _) = skipped.find(&[1; 32], 3).unwrap();
        skipped.remove(position);
        skipped.extend(keys(1, 20..29), 10);
        // Nine more: 0..=2 and 4..=8 evicted (eight keys), 3 was used.
        assert_eq!(runs(&skipped), vec![(1, 0, 2), (1, 4, 8)]);
        assert!(!skipped.was_evicted(&[1; 32], 3));
        assert!(skipped.find(&[1; 32], 9).is_some());
    }

    #[test]
    fn beyond_the_bound_the_oldest_runs_are_forgotten() {
        let mut skipped = SkippedKeys::default();
        for chain in 0..=u8::try_from(MAX_EVICTED_RUNS).unwrap() {
            skipped.extend(vec![key(chain, 0)], 0);
        }
        assert_eq!(skipped.evicted_runs().len(), MAX_EVICTED_RUNS);
        assert!(!skipped.was_evicted(&[0; 32], 0));
        assert!(skipped.was_evicted(&[1; 32], 0));
    }

    #[test]
    fn the_last_index_of_a_chain_ends_its_run_without_overflow() {
        let mut skipped = SkippedKeys::default();
        skipped.extend(vec![key(1, u32::MAX - 1), key(1, u32::MAX), key(1, 0)], 0);
        assert_eq!(runs(&skipped), vec![(1, u32::MAX - 1, u32::MAX), (1, 0, 0)]);
    }
}
