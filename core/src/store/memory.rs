//! An in-memory store: for tests, benchmarks, and as the working copy of the
//! browser store (which persists each changeset to IndexedDB).

use std::collections::BTreeMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

use super::{BUSY_TIMEOUT, Change, Changeset, Gate, RecordKind, Store, StoreError};

type Records = BTreeMap<(RecordKind, String), Zeroizing<Vec<u8>>>;

#[derive(Debug, Default)]
struct State {
    records: Records,
    generation: u64,
}

/// A store that keeps records in memory. Nothing survives the process.
/// Several clients may share one (through an `Arc`): their operations take
/// turns, as on a shared database.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    gate: Gate,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every record, for tests that compare state before and after.
    /// Record values hold secrets: each copy is wiped when dropped.
    pub fn snapshot(&self) -> Vec<(RecordKind, String, Zeroizing<Vec<u8>>)> {
        self.lock()
            .map(|state| {
                state
                    .records
                    .iter()
                    .map(|((kind, key), value)| (*kind, key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::Backend("memory store lock poisoned".into()))
    }
}

impl Store for MemoryStore {
    fn begin(&self) -> Result<u64, StoreError> {
        self.gate.enter(BUSY_TIMEOUT)?;
        match self.lock() {
            Ok(state) => Ok(state.generation),
            Err(error) => {
                self.gate.leave();
                Err(error)
            }
        }
    }

    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        Ok(self.lock()?.records.get(&(kind, key.to_owned())).cloned())
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()?
            .records
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, key)| key.clone())
            .collect())
    }

    /// Applies the changes; called outside an operation, it takes its own
    /// turn (waits as `begin` does).
    fn commit(&self, changes: Changeset) -> Result<u64, StoreError> {
        if !self.gate.is_mine() {
            self.gate.enter(BUSY_TIMEOUT)?;
        }
        if changes.is_empty() {
            self.gate.leave();
            return self.lock().map(|state| state.generation);
        }
        let result = self.lock().map(|mut state| {
            for change in changes.into_changes() {
                match change {
                    Change::Put { kind, key, value } => {
                        state.records.insert((kind, key), value);
                    }
                    Change::Delete { kind, key } => {
                        state.records.remove(&(kind, key));
                    }
                }
            }
            state.generation = state.generation.wrapping_add(1);
            state.generation
        });
        self.gate.leave();
        result
    }

    fn rollback(&self) {
        self.gate.leave();
    }
}
