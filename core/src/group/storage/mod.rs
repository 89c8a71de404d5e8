//! openmls's storage interface implemented on Sealkit's [`Store`], one
//! operation at a time.
//!
//! A [`GroupStorage`] reads through to the committed store and keeps every
//! write openmls makes in memory. When the operation succeeds its writes
//! become part of the operation's [`Changeset`], committed together with
//! everything else the operation changed; when it fails they are dropped,
//! so the store still holds the group exactly as it was.
//!
//! Records live in [`RecordKind::Mls`] under the key
//! `{storage version}/{label}/{base64url(serde_json(key))}`, and their value
//! is openmls's own serde_json form of the entity (storage version
//! [`CURRENT_VERSION`]; see `docs/format/stored-records.md`).

use std::cell::RefCell;
use std::collections::BTreeMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use openmls_traits::storage::CURRENT_VERSION;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::codec::SecretBuf;
use crate::store::{Changeset, RecordKind, Store, StoreError};

mod entities;

/// Why the group storage failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GroupStorageError {
    /// The underlying store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored group record does not parse.
    #[error("stored group record {0} is corrupt")]
    Corrupt(String),
    /// openmls handed over a value serde_json cannot write.
    #[error("group state cannot be serialized")]
    Serialize,
}

/// One operation's view of the group records: the committed store plus
/// this operation's pending writes (`None` = deleted).
pub(crate) struct GroupStorage<'a> {
    store: &'a dyn Store,
    pending: RefCell<BTreeMap<String, Option<Zeroizing<Vec<u8>>>>>,
}

impl<'a> GroupStorage<'a> {
    pub(crate) fn new(store: &'a dyn Store) -> Self {
        Self {
            store,
            pending: RefCell::new(BTreeMap::new()),
        }
    }

    /// Moves this operation's writes into `changes`.
    pub(crate) fn finish(self, changes: &mut Changeset) {
        for (key, value) in self.pending.into_inner() {
            match value {
                Some(value) => changes.put(RecordKind::Mls, key, value),
                None => changes.delete(RecordKind::Mls, key),
            };
        }
    }

    fn storage_key<K: Serialize + ?Sized>(
        label: &str,
        key: &K,
    ) -> Result<String, GroupStorageError> {
        let key = serde_json::to_vec(key).map_err(|_| GroupStorageError::Serialize)?;
        Ok(format!(
            "{CURRENT_VERSION}/{label}/{}",
            Base64UrlUnpadded::encode_string(&key)
        ))
    }

    fn raw(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, GroupStorageError> {
        if let Some(value) = self.pending.borrow().get(key) {
            return Ok(value.clone());
        }
        Ok(self.store.get(RecordKind::Mls, key)?)
    }

    fn put<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &self,
        label: &str,
        key: &K,
        value: &V,
    ) -> Result<(), GroupStorageError> {
        let key = Self::storage_key(label, key)?;
        // Group state holds epoch secrets and private keys: written into a
        // buffer that wipes what it outgrows (`serde_json::to_vec` would
        // leave a copy of the prefix in freed memory at every growth).
        let mut buffer = SecretBuf::default();
        serde_json::to_writer(&mut buffer, value).map_err(|_| GroupStorageError::Serialize)?;
        self.pending
            .borrow_mut()
            .insert(key, Some(buffer.into_secret()));
        Ok(())
    }

    fn get<K: Serialize + ?Sized, V: DeserializeOwned>(
        &self,
        label: &str,
        key: &K,
    ) -> Result<Option<V>, GroupStorageError> {
        let key = Self::storage_key(label, key)?;
        match self.raw(&key)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| GroupStorageError::Corrupt(key)),
            None => Ok(None),
        }
    }

    fn remove<K: Serialize + ?Sized>(&self, label: &str, key: &K) -> Result<(), GroupStorageError> {
        let key = Self::storage_key(label, key)?;
        self.pending.borrow_mut().insert(key, None);
        Ok(())
    }

    /// A list is stored as one JSON array of its items.
    fn items<K: Serialize + ?Sized>(
        &self,
        label: &str,
        key: &K,
    ) -> Result<Vec<serde_json::Value>, GroupStorageError> {
        Ok(self.get(label, key)?.unwrap_or_default())
    }

    fn list<K: Serialize + ?Sized, V: DeserializeOwned>(
        &self,
        label: &str,
        key: &K,
    ) -> Result<Vec<V>, GroupStorageError> {
        let storage_key = Self::storage_key(label, key)?;
        self.items(label, key)?
            .into_iter()
            .map(|item| {
                serde_json::from_value(item)
                    .map_err(|_| GroupStorageError::Corrupt(storage_key.clone()))
            })
            .collect()
    }

    fn append<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &self,
        label: &str,
        key: &K,
        value: &V,
    ) -> Result<(), GroupStorageError> {
        let mut items = self.items(label, key)?;
        items.push(serde_json::to_value(value).map_err(|_| GroupStorageError::Serialize)?);
        self.put(label, key, &items)
    }

    fn remove_from_list<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &self,
        label: &str,
        key: &K,
        value: &V,
    ) -> Result<(), GroupStorageError> {
        let value = serde_json::to_value(value).map_err(|_| GroupStorageError::Serialize)?;
        let mut items = self.items(label, key)?;
        if let Some(position) = items.iter().position(|item| item == &value) {
            items.remove(position);
        }
        self.put(label, key, &items)
    }
}
