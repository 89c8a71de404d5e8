//! An in-memory store: for tests, benchmarks, and as the working copy of the
//! browser store (which persists each changeset to IndexedDB).

use std::collections::BTreeMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

use super::{Change, Changeset, RecordKind, Store, StoreError};

type Records = BTreeMap<(RecordKind, String), Zeroizing<Vec<u8>>>;

/// A store that keeps records in memory. Nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<Records>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every record, for tests that compare state before and after.
    pub fn snapshot(&self) -> Vec<(RecordKind, String, Vec<u8>)> {
        self.lock()
            .map(|records| {
                records
                    .iter()
                    .map(|((kind, key), value)| (*kind, key.clone(), value.to_vec()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Records>, StoreError> {
        self.records
            .lock()
            .map_err(|_| StoreError::Backend("memory store lock poisoned".into()))
    }
}

impl Store for MemoryStore {
    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        Ok(self.lock()?.get(&(kind, key.to_owned())).cloned())
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()?
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, key)| key.clone())
            .collect())
    }

    fn commit(&self, changes: Changeset) -> Result<(), StoreError> {
        let mut records = self.lock()?;
        for change in changes.into_changes() {
            match change {
                Change::Put { kind, key, value } => {
                    records.insert((kind, key), value);
                }
                Change::Delete { kind, key } => {
                    records.remove(&(kind, key));
                }
            }
        }
        Ok(())
    }
}
