//! The SQLite store (native targets): one table of records whose values are
//! encrypted at rest with AES-256-GCM under a key derived from the app's
//! 32-byte storage key. Layout and schema history in
//! `docs/format/stored-records.md`.
//!
//! Schema versions (in `PRAGMA user_version`):
//! - 1: `records(kind, key, value)`.
//! - 2: adds `meta(name, value)` holding a key-check value, so that opening
//!   with the wrong storage key fails at once with
//!   [`StoreError::WrongStorageKey`] instead of at the first read.
//!
//! Every commit is one SQLite transaction in WAL mode with
//! `synchronous = FULL`: durable when `commit` returns.

use std::path::Path;
use std::sync::Mutex;

use rand_core::TryRng;
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use super::{Change, Changeset, RecordKind, Store, StoreError};
use crate::crypto::aead::{self, NONCE_LEN};
use crate::crypto::kdf::hkdf_sha256;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 2;
/// Version byte of an encrypted value: `version || nonce || ciphertext+tag`.
const VALUE_VERSION: u8 = 1;
/// HKDF info for the record encryption key.
const RECORD_KEY_INFO: &[u8] = b"Sealkit store records v1";
const KEY_CHECK_NAME: &str = "key-check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"Sealkit storage key check";

const SCHEMA_V1: &str = "CREATE TABLE IF NOT EXISTS records (
    kind INTEGER NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;";
const MIGRATE_V1_TO_V2: &str =
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);";

/// A SQLite-backed [`Store`] with every value encrypted at rest.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    cipher: RecordCipher,
}

/// Seals and opens stored values under the record key.
struct RecordCipher {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore { record_key: *** }")
    }
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

impl SqliteStore {
    /// Opens (creating or migrating as needed) the database at `path`.
    ///
    /// # Errors
    /// [`StoreError::WrongStorageKey`] when `storage_key` is not the key the
    /// store was created with, [`StoreError::UnsupportedSchema`] for a
    /// database from a newer build, [`StoreError::Backend`] for SQLite errors.
    pub fn open(path: impl AsRef<Path>, storage_key: &[u8; 32]) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(backend)?;
        Self::from_connection(connection, storage_key)
    }

    /// An in-memory SQLite database (for tests).
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_in_memory(storage_key: &[u8; 32]) -> Result<Self, StoreError> {
        Self::from_connection(Connection::open_in_memory().map_err(backend)?, storage_key)
    }

    fn from_connection(
        mut connection: Connection,
        storage_key: &[u8; 32],
    ) -> Result<Self, StoreError> {
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(backend)?;
        let cipher = RecordCipher {
            key: hkdf_sha256::<32>(&[], storage_key, RECORD_KEY_INFO),
        };
        migrate(&mut connection, &cipher)?;
        Ok(Self {
            connection: Mutex::new(connection),
            cipher,
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.connection
            .lock()
            .map_err(|_| StoreError::Backend("SQLite connection lock poisoned".into()))
    }
}

/// Associated data of a stored value: a label, the table and the key, so a
/// value cannot be moved to another record.
fn aad(label: &[u8], kind: u8, key: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + 1 + key.len());
    aad.extend_from_slice(label);
    aad.push(kind);
    aad.extend_from_slice(key.as_bytes());
    aad
}

impl RecordCipher {
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::SysRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| StoreError::Backend("no system randomness".into()))?;
        let ciphertext = aead::seal(&self.key, &nonce, aad, plaintext)
            .map_err(|_| StoreError::Backend("record too large to encrypt".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VALUE_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    fn open_value(&self, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (version, rest) = sealed.split_first()?;
        if *version != VALUE_VERSION || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        aead::open(&self.key, &nonce, aad, ciphertext)
            .ok()
            .map(Zeroizing::new)
    }
}

fn migrate(connection: &mut Connection, cipher: &RecordCipher) -> Result<(), StoreError> {
    let version: u32 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::UnsupportedSchema(version));
    }
    let tx = connection.transaction().map_err(backend)?;
    if version < 1 {
        tx.execute_batch(SCHEMA_V1).map_err(backend)?;
    }
    if version < 2 {
        // A version-1 store has no key check: prove the key on an existing
        // record (if any) before writing one.
        let sample: Option<(u8, String, Vec<u8>)> = tx
            .query_row("SELECT kind, key, value FROM records LIMIT 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()
            .map_err(backend)?;
        if let Some((kind, key, value)) = sample
            && cipher
                .open_value(&aad(b"record", kind, &key), &value)
                .is_none()
        {
            return Err(StoreError::WrongStorageKey);
        }
        tx.execute_batch(MIGRATE_V1_TO_V2).map_err(backend)?;
        let check = cipher.seal(&aad(b"meta", 0, KEY_CHECK_NAME), KEY_CHECK_PLAINTEXT)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)",
            params![KEY_CHECK_NAME, check],
        )
        .map_err(backend)?;
    }
    let check: Option<Vec<u8>> = tx
        .query_row(
            "SELECT value FROM meta WHERE name = ?1",
            params![KEY_CHECK_NAME],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend)?;
    let opened =
        check.and_then(|check| cipher.open_value(&aad(b"meta", 0, KEY_CHECK_NAME), &check));
    if opened.as_deref().map(Vec::as_slice) != Some(KEY_CHECK_PLAINTEXT) {
        return Err(StoreError::WrongStorageKey);
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
        .map_err(backend)?;
    tx.commit().map_err(backend)
}

impl Store for SqliteStore {
    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let connection = self.lock()?;
        let sealed: Option<Vec<u8>> = connection
            .query_row(
                "SELECT value FROM records WHERE kind = ?1 AND key = ?2",
                params![kind as u8, key],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend)?;
        match sealed {
            None => Ok(None),
            Some(sealed) => self
                .cipher
                .open_value(&aad(b"record", kind as u8, key), &sealed)
                .map(Some)
                .ok_or_else(|| StoreError::Corrupt {
                    kind,
                    key: key.to_owned(),
                }),
        }
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare_cached("SELECT key FROM records WHERE kind = ?1 ORDER BY key")
            .map_err(backend)?;
        let rows = statement
            .query_map(params![kind as u8], |row| row.get::<_, String>(0))
            .map_err(backend)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(backend)
    }

    fn commit(&self, changes: Changeset) -> Result<(), StoreError> {
        let mut connection = self.lock()?;
        let tx = connection.transaction().map_err(backend)?;
        for change in changes.changes() {
            match change {
                Change::Put { kind, key, value } => {
                    let sealed = self.cipher.seal(&aad(b"record", *kind as u8, key), value)?;
                    tx.execute(
                        "INSERT OR REPLACE INTO records (kind, key, value) VALUES (?1, ?2, ?3)",
                        params![*kind as u8, key, sealed],
                    )
                    .map_err(backend)?;
                }
                Change::Delete { kind, key } => {
                    tx.execute(
                        "DELETE FROM records WHERE kind = ?1 AND key = ?2",
                        params![*kind as u8, key],
                    )
                    .map_err(backend)?;
                }
            }
        }
        // Dropping `tx` without commit (on any `?` above) rolls back.
        tx.commit().map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(store: &SqliteStore, key: &str, value: &[u8]) {
        let mut changes = Changeset::new();
        changes.put(RecordKind::Session, key, Zeroizing::new(value.to_vec()));
        store.commit(changes).unwrap();
    }

    #[test]
    fn values_are_encrypted_at_rest_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = SqliteStore::open(&path, &[7; 32]).unwrap();
        put(&store, "bob", b"very secret session state");
        assert_eq!(
            store
                .get(RecordKind::Session, "bob")
                .unwrap()
                .unwrap()
                .as_slice(),
            b"very secret session state"
        );
        drop(store);
        let raw = std::fs::read(&path).unwrap();
        let wal = std::fs::read(dir.path().join("s.db-wal")).unwrap_or_default();
        let needle = b"very secret";
        assert!(!raw.windows(needle.len()).any(|w| w == needle));
        assert!(!wal.windows(needle.len()).any(|w| w == needle));
    }

    #[test]
    fn wrong_storage_key_is_detected_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        put(&SqliteStore::open(&path, &[7; 32]).unwrap(), "bob", b"x");
        assert_eq!(
            SqliteStore::open(&path, &[8; 32]).err(),
            Some(StoreError::WrongStorageKey)
        );
        assert!(SqliteStore::open(&path, &[7; 32]).is_ok());
    }

    #[test]
    fn a_version_1_database_migrates_and_keeps_its_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let key = [5u8; 32];
        // Write a database exactly as schema version 1 did: the records table,
        // user_version 1, no meta table.
        let helper = SqliteStore::open_in_memory(&key).unwrap();
        let sealed = helper
            .cipher
            .seal(
                &aad(b"record", RecordKind::Session as u8, "bob"),
                b"v1 state",
            )
            .unwrap();
        {
            let connection = Connection::open(&path).unwrap();
            connection.execute_batch(SCHEMA_V1).unwrap();
            connection
                .execute(
                    "INSERT INTO records (kind, key, value) VALUES (?1, ?2, ?3)",
                    params![RecordKind::Session as u8, "bob", sealed],
                )
                .unwrap();
            connection.execute_batch("PRAGMA user_version = 1").unwrap();
        }
        assert_eq!(
            SqliteStore::open(&path, &[6; 32]).err(),
            Some(StoreError::WrongStorageKey)
        );
        let store = SqliteStore::open(&path, &key).unwrap();
        assert_eq!(
            store
                .get(RecordKind::Session, "bob")
                .unwrap()
                .unwrap()
                .as_slice(),
            b"v1 state"
        );
        let version: u32 = store
            .lock()
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        assert_eq!(
            SqliteStore::open(&path, &[1; 32]).err(),
            Some(StoreError::UnsupportedSchema(99))
        );
    }

    #[test]
    fn a_tampered_value_is_reported_corrupt() {
        let store = SqliteStore::open_in_memory(&[7; 32]).unwrap();
        put(&store, "bob", b"state");
        store
            .lock()
            .unwrap()
            .execute(
                "UPDATE records SET value = X'01000000000000000000000000DEADBEEF'",
                [],
            )
            .unwrap();
        assert!(matches!(
            store.get(RecordKind::Session, "bob"),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_value_moved_to_another_key_does_not_open() {
        let store = SqliteStore::open_in_memory(&[7; 32]).unwrap();
        put(&store, "bob", b"state");
        store
            .lock()
            .unwrap()
            .execute("UPDATE records SET key = 'carol'", [])
            .unwrap();
        assert!(matches!(
            store.get(RecordKind::Session, "carol"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
