//! Skipped message keys (Double Ratchet spec section 3.2, `MKSKIPPED`): keys
//! of messages not yet received, kept so that late messages still decrypt.
//! Bounded in total; the oldest key is evicted first, so a flood of skipped
//! messages never locks the session.

use std::collections::VecDeque;

use crate::crypto::secret::Secret32;

/// A stored skipped key, by the chain's ratchet key and its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SkippedKey {
    pub(crate) ratchet_key: [u8; 32],
    pub(crate) index: u32,
    pub(crate) key: Secret32,
}

/// Skipped keys in insertion order (oldest first), at most `capacity`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SkippedKeys {
    keys: VecDeque<SkippedKey>,
}

impl SkippedKeys {
    pub(crate) fn position(&self, ratchet_key: &[u8; 32], index: u32) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.index == index && &k.ratchet_key == ratchet_key)
    }

    pub(crate) fn get(&self, position: usize) -> Option<&SkippedKey> {
        self.keys.get(position)
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
            let _ = self.keys.pop_front();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &SkippedKey> {
        self.keys.iter()
    }

    pub(crate) fn from_keys(keys: Vec<SkippedKey>) -> Self {
        Self { keys: keys.into() }
    }
}
