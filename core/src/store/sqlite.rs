//! The SQLite store (native targets): one table of records whose values are
//! encrypted at rest with AES-256-GCM under a key derived from the app's
//! 32-byte storage key. Layout and schema history in
//! `docs/format/stored-records.md`; the design in
//! `docs/adr/0011-shared-store-and-rollback.md`.
//!
//! Schema versions (in `PRAGMA user_version`):
//! - 1: `records(kind, key, value)`.
//! - 2: adds `meta(name, value)` holding a key-check value, so that opening
//!   with the wrong storage key fails at once with
//!   [`StoreError::WrongStorageKey`] instead of at the first read.
//! - 3: every record carries the generation that wrote it, bound into its
//!   encryption, and `meta` holds the sealed *head*: the store's
//!   generation and a keyed digest of every record's (kind, key,
//!   generation), so that a record written back from an older copy is
//!   detected ([`StoreError::RecordsRolledBack`]) and an older database is
//!   refused against the app's anchor ([`StoreError::RolledBack`]).
//!
//! Several clients, in one process or several, may open the same file: an
//! operation is one `BEGIN IMMEDIATE` transaction from [`Store::begin`] to
//! [`Store::commit`], so operations take turns and each sees the latest
//! commit. Every commit is durable when it returns (WAL, `synchronous =
//! FULL`). Deleted and replaced values are overwritten (`secure_delete`)
//! and the WAL is checkpointed every [`CHECKPOINT_EVERY`] commits, after
//! which SQLite writes it again from its start, over the old frames (a
//! tail that the next cycle would not reach is truncated), and truncated
//! when the store is dropped: an old sealed value outlives its replacement
//! by at most [`OLD_VALUE_BOUND`] commits.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rand_core::TryRng;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{BUSY_TIMEOUT, Change, Changeset, Gate, RecordKind, Store, StoreError};
use crate::crypto::aead::{self, NONCE_LEN};
use crate::crypto::kdf::{HmacKey, KdfError, hkdf_sha256};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 3;
/// How many commits of this store make one WAL cycle: after that many,
/// the store checkpoints the WAL and SQLite starts writing it again from
/// its first frame, over the frames of the cycle before.
pub const CHECKPOINT_EVERY: u32 = 64;
/// How many commits of this store an old sealed value may survive in the
/// files: the cycle that wrote it and the next one, which overwrites it in
/// place or, where it writes less, truncates what it did not reach.
pub const OLD_VALUE_BOUND: u32 = 2 * CHECKPOINT_EVERY;
/// Size of the WAL file's header, and of each frame's header (SQLite's
/// file format, section "The WAL File Format").
const WAL_HEADER_LEN: u64 = 32;
const WAL_FRAME_HEADER_LEN: u64 = 24;
/// Version byte of a value sealed by schema 1 and 2 (no generation).
const VALUE_V1: u8 = 1;
/// Version byte of a value sealed by schema 3: `version || nonce ||
/// ciphertext+tag`, its AAD carrying the generation that wrote it.
const VALUE_V2: u8 = 2;
/// HKDF info for the record encryption key.
const RECORD_KEY_INFO: &[u8] = b"Sealkit store records v1";
/// HKDF info for the key of the record digest.
const DIGEST_KEY_INFO: &[u8] = b"Sealkit store digest v1";
const KEY_CHECK_NAME: &str = "key-check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"Sealkit storage key check";
const HEAD_NAME: &str = "head";
const HEAD_VERSION: u8 = 1;

const SCHEMA_V1: &str = "CREATE TABLE IF NOT EXISTS records (
    kind INTEGER NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;";
const MIGRATE_V1_TO_V2: &str =
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);";
const MIGRATE_V2_TO_V3: &str = "ALTER TABLE records ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;";

/// A SQLite-backed [`Store`] with every value encrypted at rest.
pub struct SqliteStore {
    db: Mutex<Db>,
    gate: Gate,
    cipher: RecordCipher,
}

/// The connection and what this store last knew of the database.
struct Db {
    connection: Connection,
    /// The head as this store last committed or verified it.
    head: Head,
    commits_since_checkpoint: u32,
    /// The WAL file and the size of one of its frames, to find frames left
    /// beyond what the last cycle wrote (`None` for in-memory databases).
    wal: Option<(std::path::PathBuf, u64)>,
}

/// The store's generation and the digest of its records.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Head {
    generation: u64,
    digest: [u8; 32],
}

/// Seals and opens stored values, and tags records for the digest.
struct RecordCipher {
    key: Zeroizing<[u8; 32]>,
    digest_key: HmacKey,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore { record_key: *** }")
    }
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

/// SQLite's busy error (another connection holds the write lock for longer
/// than the busy timeout) as [`StoreError::Busy`]; anything else as a
/// backend failure.
fn busy_or_backend(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            waited_ms: u64::try_from(BUSY_TIMEOUT.as_millis()).unwrap_or(u64::MAX),
        },
        _ => backend(error),
    }
}

impl SqliteStore {
    /// Opens (creating or migrating as needed) the database at `path`.
    /// Verifies that the records add up to the committed digest.
    ///
    /// # Errors
    /// [`StoreError::WrongStorageKey`] when `storage_key` is not the key the
    /// store was created with, [`StoreError::UnsupportedSchema`] for a
    /// database from a newer build, [`StoreError::RecordsRolledBack`] when
    /// a record was written back from an older copy (or removed, or added),
    /// [`StoreError::Busy`], [`StoreError::Backend`] for SQLite errors.
    pub fn open(path: impl AsRef<Path>, storage_key: &[u8; 32]) -> Result<Self, StoreError> {
        Self::open_anchored(path, storage_key, 0)
    }

    /// As [`SqliteStore::open`], and refuses a database older than
    /// `anchor`: the generation the app last read from
    /// [`SqliteStore::generation`] (or `Client::store_generation`) and kept
    /// outside the database, e.g. in the platform keychain. A restored
    /// backup or an older copy of the file is refused instead of reusing
    /// the keys it holds.
    ///
    /// # Errors
    /// As [`SqliteStore::open`], and [`StoreError::RolledBack`] when the
    /// database is older than `anchor`.
    pub fn open_anchored(
        path: impl AsRef<Path>,
        storage_key: &[u8; 32],
        anchor: u64,
    ) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(backend)?;
        Self::from_connection(connection, storage_key, anchor)
    }

    /// An in-memory SQLite database (for tests).
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_in_memory(storage_key: &[u8; 32]) -> Result<Self, StoreError> {
        Self::from_connection(
            Connection::open_in_memory().map_err(backend)?,
            storage_key,
            0,
        )
    }

    fn from_connection(
        mut connection: Connection,
        storage_key: &[u8; 32],
        anchor: u64,
    ) -> Result<Self, StoreError> {
        connection.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;",
            )
            .map_err(backend)?;
        let kdf = |error: KdfError| StoreError::Backend(format!("{} failed", error.what()));
        let digest_key = hkdf_sha256::<32>(&[], storage_key, DIGEST_KEY_INFO).map_err(kdf)?;
        let cipher = RecordCipher {
            key: hkdf_sha256::<32>(&[], storage_key, RECORD_KEY_INFO).map_err(kdf)?,
            digest_key: HmacKey::new(digest_key.as_ref()).map_err(kdf)?,
        };
        migrate(&mut connection, &cipher)?;
        let head = read_head(&connection, &cipher)?;
        verify(&connection, &cipher, &head)?;
        let wal = wal_file(&connection)?;
        if head.generation < anchor {
            return Err(StoreError::RolledBack {
                generation: head.generation,
                anchor,
            });
        }
        Ok(Self {
            db: Mutex::new(Db {
                connection,
                head,
                commits_since_checkpoint: 0,
                wal,
            }),
            gate: Gate::default(),
            cipher,
        })
    }

    /// The store's generation as of its last commit or check: it grows by
    /// one with every commit. Keep it outside the database to pass to
    /// [`SqliteStore::open_anchored`].
    pub fn generation(&self) -> u64 {
        self.lock().map(|db| db.head.generation).unwrap_or(0)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Db>, StoreError> {
        self.db
            .lock()
            .map_err(|_| StoreError::Backend("SQLite connection lock poisoned".into()))
    }

    /// `BEGIN IMMEDIATE`, then the head: when another client committed
    /// since this store last looked, checks that the generation only grew
    /// and that the records add up to the new digest.
    fn begin_transaction(&self) -> Result<u64, StoreError> {
        let mut db = self.lock()?;
        run_cached(&db.connection, "BEGIN IMMEDIATE").map_err(busy_or_backend)?;
        let checked = read_head(&db.connection, &self.cipher).and_then(|head| {
            if head != db.head {
                if head.generation <= db.head.generation {
                    return Err(StoreError::RolledBack {
                        generation: head.generation,
                        anchor: db.head.generation,
                    });
                }
                verify(&db.connection, &self.cipher, &head)?;
            }
            Ok(head)
        });
        match checked {
            Ok(head) => {
                db.head = head;
                Ok(head.generation)
            }
            Err(error) => {
                let _ = db.connection.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Writes every change and the new head inside the open transaction,
    /// then commits; rolls back on any error.
    fn apply(&self, changes: Changeset) -> Result<u64, StoreError> {
        let mut db = self.lock()?;
        let written = write_changes(&db.connection, &self.cipher, db.head, changes);
        let head = match written.and_then(|head| {
            run_cached(&db.connection, "COMMIT").map_err(backend)?;
            Ok(head)
        }) {
            Ok(head) => head,
            Err(error) => {
                let _ = db.connection.execute_batch("ROLLBACK");
                return Err(error);
            }
        };
        db.head = head;
        db.commits_since_checkpoint += 1;
        if db.commits_since_checkpoint >= CHECKPOINT_EVERY && checkpoint(&db) {
            db.commits_since_checkpoint = 0;
        }
        Ok(head.generation)
    }
}

/// Runs a statement that every operation runs (`BEGIN IMMEDIATE`,
/// `COMMIT`) from the statement cache rather than parsing it again.
fn run_cached(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(|_| ())
}

/// The WAL file of a database on disk and its frame size.
fn wal_file(connection: &Connection) -> Result<Option<(std::path::PathBuf, u64)>, StoreError> {
    let Some(path) = connection.path().filter(|path| !path.is_empty()) else {
        return Ok(None);
    };
    let page_size: u32 = connection
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .map_err(backend)?;
    let page_size = u64::from(page_size);
    Ok(Some((
        std::path::PathBuf::from(format!("{path}-wal")),
        page_size + WAL_FRAME_HEADER_LEN,
    )))
}

/// Ends a WAL cycle: copies the WAL into the database and makes the next
/// commit write the WAL again from its first frame (`RESTART`), so the
/// file keeps its size and each cycle overwrites the one before in place.
/// Truncating instead on every cycle would make every commit grow the file,
/// and a sync that must also write the file's new size costs about twice
/// as much (ADR 0011). Where the file holds frames past the ones this cycle
/// wrote (an earlier cycle was longer), the next cycle would not reach
/// them, so the WAL is truncated. Whether the cycle ended: another
/// connection reading an older snapshot makes the checkpoint stop short,
/// and the next commit tries again.
fn checkpoint(db: &Db) -> bool {
    let restarted = db
        .connection
        .query_row("PRAGMA wal_checkpoint(RESTART)", [], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
        });
    let Ok((0, cycle_frames)) = restarted else {
        return false;
    };
    let Some((path, frame_len)) = &db.wal else {
        return true;
    };
    let file_frames = std::fs::metadata(path)
        .map(|metadata| metadata.len().saturating_sub(WAL_HEADER_LEN) / frame_len)
        .unwrap_or(0);
    if file_frames <= u64::try_from(cycle_frames).unwrap_or(0) {
        return true;
    }
    truncate_wal(&db.connection)
}

/// Copies the WAL into the database and truncates it to zero bytes.
/// Whether it completed (as for [`checkpoint`]).
fn truncate_wal(connection: &Connection) -> bool {
    connection
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            row.get::<_, i64>(0)
        })
        .map(|busy| busy == 0)
        .unwrap_or(false)
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Ok(db) = self.db.get_mut() {
            if !db.connection.is_autocommit() {
                let _ = db.connection.execute_batch("ROLLBACK");
            }
            truncate_wal(&db.connection);
        }
    }
}

/// Associated data of a stored value: a label, the table, the generation
/// that wrote it (schema 3) and the key, so that a value cannot be moved to
/// another record or presented as written by another generation.
fn aad(label: &[u8], kind: u8, generation: Option<u64>, key: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + 9 + key.len());
    aad.extend_from_slice(label);
    aad.push(kind);
    if let Some(generation) = generation {
        aad.extend_from_slice(&generation.to_be_bytes());
    }
    aad.extend_from_slice(key.as_bytes());
    aad
}

impl RecordCipher {
    fn seal(&self, version: u8, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::SysRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| StoreError::Backend("no system randomness".into()))?;
        let ciphertext = aead::seal(&self.key, &nonce, aad, plaintext)
            .map_err(|_| StoreError::Backend("record too large to encrypt".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(version);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    fn open_value(&self, version: u8, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (found, rest) = sealed.split_first()?;
        if *found != version || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        aead::open(&self.key, &nonce, aad, ciphertext)
            .ok()
            .map(Zeroizing::new)
    }

    /// A record's contribution to the digest: HMAC-SHA256 under the digest
    /// key of `kind || generation (8 bytes, big-endian) || key`.
    fn tag(&self, kind: u8, generation: u64, key: &str) -> Zeroizing<[u8; 32]> {
        self.digest_key.mac(&aad(&[], kind, Some(generation), key))
    }
}

/// A generation as SQLite stores it (a signed 64-bit integer; a negative
/// one was not written by this store).
fn from_sql_generation(generation: i64) -> Result<u64, StoreError> {
    u64::try_from(generation).map_err(|_| StoreError::RecordsRolledBack)
}

fn xor_into(digest: &mut [u8; 32], tag: &[u8; 32]) {
    for (d, t) in digest.iter_mut().zip(tag) {
        *d ^= t;
    }
}

/// Reads and opens the sealed head: `u8 version = 1 || u64 generation ||
/// [u8; 32] digest`.
fn read_head(connection: &Connection, cipher: &RecordCipher) -> Result<Head, StoreError> {
    let sealed: Option<Vec<u8>> = connection
        .prepare_cached("SELECT value FROM meta WHERE name = ?1")
        .and_then(|mut statement| {
            statement
                .query_row(params![HEAD_NAME], |row| row.get(0))
                .optional()
        })
        .map_err(backend)?;
    let opened = sealed
        .and_then(|sealed| cipher.open_value(VALUE_V2, &aad(b"meta", 0, None, HEAD_NAME), &sealed))
        .ok_or(StoreError::RecordsRolledBack)?;
    let (version, rest) = opened.split_first().ok_or(StoreError::RecordsRolledBack)?;
    let (generation, digest) = rest
        .split_first_chunk::<8>()
        .ok_or(StoreError::RecordsRolledBack)?;
    let digest: [u8; 32] = digest
        .try_into()
        .map_err(|_| StoreError::RecordsRolledBack)?;
    if *version != HEAD_VERSION {
        return Err(StoreError::RecordsRolledBack);
    }
    Ok(Head {
        generation: u64::from_be_bytes(*generation),
        digest,
    })
}

fn write_head(
    connection: &Connection,
    cipher: &RecordCipher,
    head: &Head,
) -> Result<(), StoreError> {
    let mut plain = Zeroizing::new(Vec::with_capacity(41));
    plain.push(HEAD_VERSION);
    plain.extend_from_slice(&head.generation.to_be_bytes());
    plain.extend_from_slice(&head.digest);
    let sealed = cipher.seal(VALUE_V2, &aad(b"meta", 0, None, HEAD_NAME), &plain)?;
    // An UPDATE rewrites the row in place, so a commit changes one page
    // of `meta`; INSERT OR REPLACE would delete and reinsert it under a
    // new rowid and rewrite the page of the name index too (a third WAL
    // frame on every commit).
    let updated = connection
        .prepare_cached("UPDATE meta SET value = ?2 WHERE name = ?1")
        .and_then(|mut statement| statement.execute(params![HEAD_NAME, sealed]))
        .map_err(backend)?;
    if updated == 0 {
        connection
            .execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)",
                params![HEAD_NAME, sealed],
            )
            .map_err(backend)?;
    }
    Ok(())
}

/// The digest of every record as stored, and the highest generation seen.
fn digest_of_records(
    connection: &Connection,
    cipher: &RecordCipher,
) -> Result<([u8; 32], u64), StoreError> {
    let mut statement = connection
        .prepare_cached("SELECT kind, key, gen FROM records")
        .map_err(backend)?;
    let mut rows = statement.query([]).map_err(backend)?;
    let mut digest = [0u8; 32];
    let mut highest = 0u64;
    while let Some(row) = rows.next().map_err(backend)? {
        let kind: u8 = row.get(0).map_err(backend)?;
        let key: String = row.get(1).map_err(backend)?;
        let generation = from_sql_generation(row.get(2).map_err(backend)?)?;
        xor_into(&mut digest, &cipher.tag(kind, generation, &key));
        highest = highest.max(generation);
    }
    Ok((digest, highest))
}

/// Checks that the records are exactly the ones `head` committed.
fn verify(connection: &Connection, cipher: &RecordCipher, head: &Head) -> Result<(), StoreError> {
    let (digest, highest) = digest_of_records(connection, cipher)?;
    if highest > head.generation || !bool::from(digest.ct_eq(&head.digest)) {
        return Err(StoreError::RecordsRolledBack);
    }
    Ok(())
}

/// Applies `changes` in the open transaction: the last change of each
/// record wins (so no value is sealed twice under one generation), each
/// old record's tag leaves the digest, each new one's joins it, and the
/// new head is written. Returns the new head.
fn write_changes(
    connection: &Connection,
    cipher: &RecordCipher,
    head: Head,
    changes: Changeset,
) -> Result<Head, StoreError> {
    let generation = head
        .generation
        .checked_add(1)
        .ok_or_else(|| StoreError::Backend("store generation exhausted".into()))?;
    let mut last = std::collections::BTreeMap::new();
    for change in changes.into_changes() {
        let (kind, key) = match &change {
            Change::Put { kind, key, .. } | Change::Delete { kind, key } => {
                (*kind as u8, key.clone())
            }
        };
        last.insert((kind, key), change);
    }
    let sql_generation = i64::try_from(generation)
        .map_err(|_| StoreError::Backend("store generation exhausted".into()))?;
    let mut digest = head.digest;
    for ((kind, key), change) in last {
        let old: Option<i64> = connection
            .prepare_cached("SELECT gen FROM records WHERE kind = ?1 AND key = ?2")
            .and_then(|mut statement| {
                statement
                    .query_row(params![kind, key], |row| row.get(0))
                    .optional()
            })
            .map_err(backend)?;
        let old = old.map(from_sql_generation).transpose()?;
        if let Some(old) = old {
            xor_into(&mut digest, &cipher.tag(kind, old, &key));
        }
        match change {
            Change::Put { value, .. } => {
                let sealed = cipher.seal(
                    VALUE_V2,
                    &aad(b"record", kind, Some(generation), &key),
                    &value,
                )?;
                connection
                    .prepare_cached(
                        "INSERT OR REPLACE INTO records (kind, key, gen, value) \
                         VALUES (?1, ?2, ?3, ?4)",
                    )
                    .and_then(|mut statement| {
                        statement.execute(params![kind, key, sql_generation, sealed])
                    })
                    .map_err(backend)?;
                xor_into(&mut digest, &cipher.tag(kind, generation, &key));
            }
            Change::Delete { .. } => {
                if old.is_some() {
                    connection
                        .prepare_cached("DELETE FROM records WHERE kind = ?1 AND key = ?2")
                        .and_then(|mut statement| statement.execute(params![kind, key]))
                        .map_err(backend)?;
                }
            }
        }
    }
    let head = Head { generation, digest };
    write_head(connection, cipher, &head)?;
    Ok(head)
}

fn migrate(connection: &mut Connection, cipher: &RecordCipher) -> Result<(), StoreError> {
    let version: u32 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::UnsupportedSchema(version));
    }
    if version == SCHEMA_VERSION {
        return check_key(connection, cipher);
    }
    let tx = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(busy_or_backend)?;
    // Another process may have migrated while this one waited for the lock.
    let version: u32 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(backend)?;
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
                .open_value(VALUE_V1, &aad(b"record", kind, None, &key), &value)
                .is_none()
        {
            return Err(StoreError::WrongStorageKey);
        }
        tx.execute_batch(MIGRATE_V1_TO_V2).map_err(backend)?;
        let check = cipher.seal(
            VALUE_V1,
            &aad(b"meta", 0, None, KEY_CHECK_NAME),
            KEY_CHECK_PLAINTEXT,
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)",
            params![KEY_CHECK_NAME, check],
        )
        .map_err(backend)?;
    }
    if version < SCHEMA_VERSION {
        check_key(&tx, cipher)?;
    }
    if version < 3 {
        migrate_to_generations(&tx, cipher)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
        .map_err(backend)?;
    tx.commit().map_err(backend)
}

/// The key-check row must open to its plaintext.
fn check_key(connection: &Connection, cipher: &RecordCipher) -> Result<(), StoreError> {
    let check: Option<Vec<u8>> = connection
        .query_row(
            "SELECT value FROM meta WHERE name = ?1",
            params![KEY_CHECK_NAME],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend)?;
    let opened = check.and_then(|check| {
        cipher.open_value(VALUE_V1, &aad(b"meta", 0, None, KEY_CHECK_NAME), &check)
    });
    if opened.as_deref().map(Vec::as_slice) != Some(KEY_CHECK_PLAINTEXT) {
        return Err(StoreError::WrongStorageKey);
    }
    Ok(())
}

/// Schema 2 to 3: every record is re-sealed as written by generation 0
/// (value version 2), and the head is written with their digest.
fn migrate_to_generations(
    connection: &Connection,
    cipher: &RecordCipher,
) -> Result<(), StoreError> {
    connection
        .execute_batch(MIGRATE_V2_TO_V3)
        .map_err(backend)?;
    let rows: Vec<(u8, String, Vec<u8>)> = connection
        .prepare("SELECT kind, key, value FROM records")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect()
        })
        .map_err(backend)?;
    let mut digest = [0u8; 32];
    for (kind, key, sealed) in rows {
        let value = cipher
            .open_value(VALUE_V1, &aad(b"record", kind, None, &key), &sealed)
            .ok_or_else(|| StoreError::Corrupt {
                kind: RecordKind::from_u8(kind).unwrap_or(RecordKind::Meta),
                key: key.clone(),
            })?;
        let resealed = cipher.seal(VALUE_V2, &aad(b"record", kind, Some(0), &key), &value)?;
        connection
            .execute(
                "UPDATE records SET gen = 0, value = ?3 WHERE kind = ?1 AND key = ?2",
                params![kind, key, resealed],
            )
            .map_err(backend)?;
        xor_into(&mut digest, &cipher.tag(kind, 0, &key));
    }
    write_head(
        connection,
        cipher,
        &Head {
            generation: 0,
            digest,
        },
    )
}

impl Store for SqliteStore {
    fn begin(&self) -> Result<u64, StoreError> {
        self.gate.enter(BUSY_TIMEOUT)?;
        self.begin_transaction().inspect_err(|_| self.gate.leave())
    }

    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let db = self.lock()?;
        let row: Option<(i64, Vec<u8>)> = db
            .connection
            .prepare_cached("SELECT gen, value FROM records WHERE kind = ?1 AND key = ?2")
            .and_then(|mut statement| {
                statement
                    .query_row(params![kind as u8, key], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })
                    .optional()
            })
            .map_err(backend)?;
        match row {
            None => Ok(None),
            Some((generation, sealed)) => u64::try_from(generation)
                .ok()
                .and_then(|generation| {
                    self.cipher.open_value(
                        VALUE_V2,
                        &aad(b"record", kind as u8, Some(generation), key),
                        &sealed,
                    )
                })
                .map(Some)
                .ok_or_else(|| StoreError::Corrupt {
                    kind,
                    key: key.to_owned(),
                }),
        }
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        let db = self.lock()?;
        let mut statement = db
            .connection
            .prepare_cached("SELECT key FROM records WHERE kind = ?1 ORDER BY key")
            .map_err(backend)?;
        let rows = statement
            .query_map(params![kind as u8], |row| row.get::<_, String>(0))
            .map_err(backend)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(backend)
    }

    /// Applies the changes; called outside an operation, it takes its own
    /// turn (begins, as [`Store::begin`] does).
    fn commit(&self, changes: Changeset) -> Result<u64, StoreError> {
        if !self.gate.is_mine() {
            self.begin()?;
        }
        let result = self.apply(changes);
        self.gate.leave();
        result
    }

    fn rollback(&self) {
        if self.gate.is_mine() {
            if let Ok(db) = self.lock()
                && !db.connection.is_autocommit()
            {
                let _ = db.connection.execute_batch("ROLLBACK");
            }
            self.gate.leave();
        }
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
                VALUE_V1,
                &aad(b"record", RecordKind::Session as u8, None, "bob"),
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
            .connection
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
            .connection
            .execute(
                "UPDATE records SET value = X'02000000000000000000000000DEADBEEF'",
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
            .connection
            .execute("UPDATE records SET key = 'carol'", [])
            .unwrap();
        assert!(matches!(
            store.get(RecordKind::Session, "carol"),
            Err(StoreError::Corrupt { .. })
        ));
    }

    /// The sealed value of a record exactly as it sits in the table.
    fn raw_value(store: &SqliteStore, key: &str) -> Vec<u8> {
        store
            .lock()
            .unwrap()
            .connection
            .query_row(
                "SELECT value FROM records WHERE kind = ?1 AND key = ?2",
                params![RecordKind::Session as u8, key],
                |row| row.get(0),
            )
            .unwrap()
    }

    /// Whether the database or its WAL file holds any part of `sealed`:
    /// its first, middle or last 29 bytes (enough to be unique), so that a
    /// value spread over several pages is found from any of them.
    fn on_disk(dir: &Path, sealed: &[u8]) -> bool {
        let middle = (sealed.len() / 2).min(sealed.len() - 29);
        let needles = [
            &sealed[..29],
            &sealed[middle..middle + 29],
            &sealed[sealed.len() - 29..],
        ];
        ["s.db", "s.db-wal"].iter().any(|name| {
            let bytes = std::fs::read(dir.join(name)).unwrap_or_default();
            needles
                .iter()
                .any(|needle| bytes.windows(needle.len()).any(|window| window == *needle))
        })
    }

    fn wal_len(dir: &Path) -> u64 {
        std::fs::metadata(dir.join("s.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    #[test]
    fn a_replaced_and_deleted_value_leaves_the_files_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db"), &[7; 32]).unwrap();
        put(&store, "bob", b"ratchet state 1");
        let first = raw_value(&store, "bob");
        put(&store, "bob", b"ratchet state 2");
        let second = raw_value(&store, "bob");
        let mut delete = Changeset::new();
        delete.delete(RecordKind::Session, "bob");
        store.commit(delete).unwrap();
        assert!(
            on_disk(dir.path(), &first) && on_disk(dir.path(), &second),
            "right after the delete the WAL still holds both: the check can see them"
        );
        for i in 3..OLD_VALUE_BOUND {
            put(&store, "carol", format!("other state {i}").as_bytes());
        }
        assert!(!on_disk(dir.path(), &first), "the replaced value survived");
        assert!(!on_disk(dir.path(), &second), "the deleted value survived");
    }

    #[test]
    fn frames_past_a_shorter_cycle_are_truncated_not_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db"), &[7; 32]).unwrap();
        // One cycle with a large value (many overflow pages, a long WAL)...
        put(&store, "bob", &vec![0x55; 200_000]);
        let large = raw_value(&store, "bob");
        let mut delete = Changeset::new();
        delete.delete(RecordKind::Session, "bob");
        store.commit(delete).unwrap();
        for i in 2..CHECKPOINT_EVERY {
            put(&store, "carol", format!("other state {i}").as_bytes());
        }
        let long_wal = wal_len(dir.path());
        assert!(long_wal > 200_000, "the first cycle's WAL holds the value");
        // ...then cycles of small commits, which never reach the WAL's tail.
        for i in 0..CHECKPOINT_EVERY {
            put(&store, "carol", format!("small state {i}").as_bytes());
        }
        assert!(!on_disk(dir.path(), &large), "the large value survived");
        assert!(wal_len(dir.path()) < long_wal / 4);
    }

    #[test]
    fn a_commit_that_changes_one_record_writes_two_wal_frames() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db"), &[7; 32]).unwrap();
        put(&store, "bob", b"state 0");
        let frame_len = store.lock().unwrap().wal.as_ref().unwrap().1;
        let before = wal_len(dir.path());
        // Within the first cycle the WAL only grows, one frame per page.
        for i in 1..=10 {
            put(&store, "bob", format!("state {i}").as_bytes());
        }
        let frames = (wal_len(dir.path()) - before) / frame_len;
        // The `records` page and the `meta` page with the head; rewriting
        // the head by delete and insert would touch its index page too.
        assert_eq!(frames, 20);
    }

    #[test]
    fn in_steady_state_the_wal_is_overwritten_in_place_not_regrown() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db"), &[7; 32]).unwrap();
        let mut sizes = Vec::new();
        for cycle in 0..8 {
            for i in 0..CHECKPOINT_EVERY {
                put(&store, "bob", format!("state {cycle} {i}").as_bytes());
            }
            // At the end of each cycle, after its checkpoint.
            sizes.push(wal_len(dir.path()));
        }
        // The first cycle also holds the store's creation, so the second is
        // shorter and truncates its tail; from the third on, every cycle
        // writes the same frames over the last. Truncating every time would
        // leave 0 here, and each commit of the next cycle would grow the
        // file (a costlier sync).
        assert!(sizes[2] > 0, "{sizes:?}");
        assert!(
            sizes[2..].windows(2).all(|pair| pair[0] == pair[1]),
            "{sizes:?}"
        );
    }

    #[test]
    fn a_replaced_and_deleted_value_leaves_the_files_when_the_store_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db"), &[7; 32]).unwrap();
        put(&store, "bob", b"ratchet state 1");
        let first = raw_value(&store, "bob");
        put(&store, "bob", b"ratchet state 2");
        let second = raw_value(&store, "bob");
        let mut delete = Changeset::new();
        delete.delete(RecordKind::Session, "bob");
        store.commit(delete).unwrap();
        assert!(
            on_disk(dir.path(), &first) || on_disk(dir.path(), &second),
            "before the checkpoint the WAL still holds an old page: the check can see it"
        );
        drop(store);
        assert!(!on_disk(dir.path(), &first));
        assert!(!on_disk(dir.path(), &second));
    }

    #[test]
    fn a_version_2_database_migrates_and_keeps_its_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        let key = [5u8; 32];
        // Exactly as schema version 2 wrote it: records without generations,
        // value version 1 under the AAD without one, the key check.
        let helper = SqliteStore::open_in_memory(&key).unwrap();
        let seal_v1 = |aad: &[u8], value: &[u8]| helper.cipher.seal(VALUE_V1, aad, value).unwrap();
        {
            let connection = Connection::open(&path).unwrap();
            connection.execute_batch(SCHEMA_V1).unwrap();
            connection.execute_batch(MIGRATE_V1_TO_V2).unwrap();
            for (name, value) in [("bob", &b"bob state"[..]), ("carol", b"carol state")] {
                connection
                    .execute(
                        "INSERT INTO records (kind, key, value) VALUES (?1, ?2, ?3)",
                        params![
                            RecordKind::Session as u8,
                            name,
                            seal_v1(
                                &aad(b"record", RecordKind::Session as u8, None, name),
                                value
                            )
                        ],
                    )
                    .unwrap();
            }
            connection
                .execute(
                    "INSERT INTO meta (name, value) VALUES (?1, ?2)",
                    params![
                        KEY_CHECK_NAME,
                        seal_v1(&aad(b"meta", 0, None, KEY_CHECK_NAME), KEY_CHECK_PLAINTEXT)
                    ],
                )
                .unwrap();
            connection.execute_batch("PRAGMA user_version = 2").unwrap();
        }
        let store = SqliteStore::open(&path, &key).unwrap();
        for (name, value) in [("bob", &b"bob state"[..]), ("carol", b"carol state")] {
            assert_eq!(
                store
                    .get(RecordKind::Session, name)
                    .unwrap()
                    .unwrap()
                    .as_slice(),
                value
            );
        }
        assert_eq!(store.generation(), 0);
        put(&store, "bob", b"newer");
        assert_eq!(store.generation(), 1);
        drop(store);
        let store = SqliteStore::open(&path, &key).unwrap();
        assert_eq!(
            store
                .get(RecordKind::Session, "bob")
                .unwrap()
                .unwrap()
                .as_slice(),
            b"newer"
        );
    }

    #[test]
    fn a_value_relabelled_with_another_generation_does_not_open() {
        let store = SqliteStore::open_in_memory(&[7; 32]).unwrap();
        put(&store, "bob", b"state");
        store
            .lock()
            .unwrap()
            .connection
            .execute("UPDATE records SET gen = gen + 1", [])
            .unwrap();
        assert!(matches!(
            store.get(RecordKind::Session, "bob"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
