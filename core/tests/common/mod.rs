//! Helpers shared by the integration tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sealkit::store::{Changeset, MemoryStore, RecordKind, Store, StoreError, Zeroizing};

/// A store that fails every commit while its switch is on (as a full disk
/// or a lost connection would), reading and writing an inner memory store.
pub(crate) struct FailingStore {
    pub(crate) inner: Arc<MemoryStore>,
    pub(crate) fail_commits: Arc<AtomicBool>,
}

impl Store for FailingStore {
    fn begin(&self) -> Result<u64, StoreError> {
        self.inner.begin()
    }

    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        self.inner.get(kind, key)
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        self.inner.keys(kind)
    }

    fn commit(&self, changes: Changeset) -> Result<u64, StoreError> {
        if self.fail_commits.load(Ordering::SeqCst) {
            // A failed commit ends the operation too.
            self.inner.rollback();
            return Err(StoreError::Backend("disk full (injected)".into()));
        }
        self.inner.commit(changes)
    }

    fn rollback(&self) {
        self.inner.rollback();
    }
}
