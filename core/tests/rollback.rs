//! Integration tests: a SQLite store that was rolled back is refused. An
//! older copy of the whole database (a restored backup, a sync service) is
//! refused against the generation the app anchored outside it; one record
//! written back from an older copy, or a consumed one-time prekey brought
//! back, is refused at open whatever the anchor. Either way no client runs
//! on it, so no ratchet position, prekey or media counter is used twice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![cfg(feature = "sqlite")]

use std::path::Path;

use rusqlite::{Connection, params};
use sealkit::store::{RecordKind, SqliteStore, StoreError};
use sealkit::{Client, ErrorKind};

const STORAGE_KEY: [u8; 32] = [0x5E; 32];

fn open(path: &Path, anchor: u64) -> Result<Client, sealkit::Error> {
    let store = SqliteStore::open_anchored(path, &STORAGE_KEY, anchor)?;
    Client::open(store, "alice", "phone")
}

/// Copies the database file (the client that wrote it is closed, so the
/// WAL is checkpointed into it).
fn backup(path: &Path, to: &Path) {
    std::fs::copy(path, to).unwrap();
}

fn restore(from: &Path, path: &Path) {
    let _ = std::fs::remove_file(path.with_extension("db-wal"));
    let _ = std::fs::remove_file(path.with_extension("db-shm"));
    std::fs::copy(from, path).unwrap();
}

/// Alice on `path` with a session to Bob; returns Bob.
fn start(path: &Path) -> Client {
    let bob = Client::open(sealkit::store::MemoryStore::new(), "bob", "laptop").unwrap();
    let alice = open(path, 0).unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    bob.decrypt(&alice.encrypt(bob.address(), Some(&bundle), b"1").unwrap())
        .unwrap();
    bob
}

#[test]
fn an_older_copy_of_the_database_is_refused_against_the_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.db");
    let bob = start(&path);
    backup(&path, &dir.path().join("backup.db"));

    let alice = open(&path, 0).unwrap();
    for i in 0..3u8 {
        bob.decrypt(&alice.encrypt(bob.address(), None, &[i]).unwrap())
            .unwrap();
    }
    // The app keeps the generation outside the database (the keychain).
    let anchor = alice.store_generation().unwrap();
    alice.close().unwrap();
    assert!(open(&path, anchor).is_ok(), "the current database opens");

    restore(&dir.path().join("backup.db"), &path);
    let refused = open(&path, anchor).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::RolledBack);
    assert!(matches!(
        refused,
        sealkit::Error::Store(StoreError::RolledBack { anchor: a, generation })
            if a == anchor && generation < anchor
    ));
}

/// Writes `row` of `kind` from the database at `from` over (or into) the
/// database at `path`, as an attacker with the files but not the key can.
fn write_back_row(from: &Path, path: &Path, kind: RecordKind, key: &str) {
    let old = Connection::open(from).unwrap();
    let (generation, value): (i64, Vec<u8>) = old
        .query_row(
            "SELECT gen, value FROM records WHERE kind = ?1 AND key = ?2",
            params![kind as u8, key],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    Connection::open(path)
        .unwrap()
        .execute(
            "INSERT OR REPLACE INTO records (kind, key, gen, value) VALUES (?1, ?2, ?3, ?4)",
            params![kind as u8, key, generation, value],
        )
        .unwrap();
}

#[test]
fn one_session_record_written_back_from_an_older_copy_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.db");
    let bob = start(&path);
    backup(&path, &dir.path().join("backup.db"));
    let alice = open(&path, 0).unwrap();
    bob.decrypt(&alice.encrypt(bob.address(), None, b"2").unwrap())
        .unwrap();
    alice.close().unwrap();

    // The older ratchet position would encrypt the next message under the
    // key and nonce of "2".
    write_back_row(
        &dir.path().join("backup.db"),
        &path,
        RecordKind::Session,
        // The session's key: the peer address as the format gives it.
        "3:boblaptop",
    );
    let refused = open(&path, 0).unwrap_err();
    assert_eq!(
        refused,
        sealkit::Error::Store(StoreError::RecordsRolledBack)
    );
    assert_eq!(refused.kind(), ErrorKind::RolledBack);
}

#[test]
fn a_consumed_one_time_prekey_brought_back_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bob.db");
    let bob_store = SqliteStore::open(&path, &STORAGE_KEY).unwrap();
    let bob = Client::open(bob_store, "bob", "laptop").unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let prekey_id = bundle.one_time[0].id;
    bob.close().unwrap();
    backup(&path, &dir.path().join("backup.db"));

    let alice = Client::open(sealkit::store::MemoryStore::new(), "alice", "phone").unwrap();
    let bob = Client::open(
        SqliteStore::open(&path, &STORAGE_KEY).unwrap(),
        "bob",
        "laptop",
    )
    .unwrap();
    bob.decrypt(&alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap())
        .unwrap();
    bob.close().unwrap();

    write_back_row(
        &dir.path().join("backup.db"),
        &path,
        RecordKind::OneTimePrekey,
        &prekey_id.to_string(),
    );
    assert_eq!(
        SqliteStore::open(&path, &STORAGE_KEY).err(),
        Some(StoreError::RecordsRolledBack)
    );
}
