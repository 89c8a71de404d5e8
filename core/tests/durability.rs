//! Integration tests: protocol state is durable. A conversation survives both
//! devices restarting from their SQLite files after every step; a failed
//! store commit leaves the state exactly as it was and loses nothing; a
//! decrypt that fails half-way leaves every stored record unchanged; and a
//! database does not open under the wrong storage key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![cfg(feature = "sqlite")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sealkit::session::{Envelope, SessionError};
use sealkit::store::{MemoryStore, RecordKind, SqliteStore, Store, StoreError};
use sealkit::{Client, Error, PrekeyBundle};

mod common;
use common::FailingStore;

const STORAGE_KEY: [u8; 32] = [0x5E; 32];

/// A device whose state lives only in its database file: `restart` drops
/// the client (closing the database) and opens a new one from the file.
struct PersistentDevice {
    user: &'static str,
    device: &'static str,
    path: PathBuf,
    client: Option<Client>,
    opens: u32,
}

impl PersistentDevice {
    fn create(dir: &Path, user: &'static str, device: &'static str) -> Self {
        let mut this = Self {
            user,
            device,
            path: dir.join(format!("{user}.sqlite")),
            client: None,
            opens: 0,
        };
        this.restart();
        this
    }

    fn restart(&mut self) {
        drop(self.client.take());
        self.opens += 1;
        // A fresh random seed per process start, as `Client::open` would use.
        let mut seed = [0u8; 32];
        seed[..self.user.len()].copy_from_slice(self.user.as_bytes());
        seed[28..].copy_from_slice(&self.opens.to_be_bytes());
        let store = SqliteStore::open(&self.path, &STORAGE_KEY).unwrap();
        self.client = Some(Client::open_with_seed(store, self.user, self.device, seed).unwrap());
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    fn send(&self, peer: &PersistentDevice, text: &str) -> Vec<u8> {
        self.client()
            .encrypt(peer.client().address(), None, text.as_bytes())
            .unwrap()
    }

    fn receive(&self, envelope: &[u8]) -> String {
        String::from_utf8(self.client().decrypt(envelope).unwrap().plaintext).unwrap()
    }
}

fn restart_both(alice: &mut PersistentDevice, bob: &mut PersistentDevice) {
    alice.restart();
    bob.restart();
}

#[test]
fn a_conversation_continues_with_both_devices_restarting_after_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut alice = PersistentDevice::create(dir.path(), "alice", "phone");
    let mut bob = PersistentDevice::create(dir.path(), "bob", "laptop");
    let alice_identity = *alice.client().identity();
    restart_both(&mut alice, &mut bob);
    assert_eq!(alice.client().identity(), &alice_identity);

    // Bob publishes prekeys; the server hands Alice a bundle.
    let mut published = bob.client().prekey_bundle(3).unwrap();
    let bundle = published.take_for_session();
    restart_both(&mut alice, &mut bob);

    // Alice sends two initial messages, restarting after each.
    let a1 = alice
        .client()
        .encrypt(bob.client().address(), Some(&bundle), b"a1")
        .unwrap();
    restart_both(&mut alice, &mut bob);
    let a2 = alice.send(&bob, "a2");
    restart_both(&mut alice, &mut bob);

    // Bob receives them out of order: the second starts the session.
    assert_eq!(bob.receive(&a2), "a2");
    restart_both(&mut alice, &mut bob);
    assert_eq!(bob.receive(&a1), "a1");
    restart_both(&mut alice, &mut bob);

    // Bob replies three times.
    let mut replies = Vec::new();
    for text in ["b1", "b2", "b3"] {
        replies.push(bob.send(&alice, text));
        restart_both(&mut alice, &mut bob);
    }

    // Alice receives the last reply first, then the first; b2 stays in flight.
    assert_eq!(alice.receive(&replies[2]), "b3");
    restart_both(&mut alice, &mut bob);
    assert_eq!(alice.receive(&replies[0]), "b1");
    restart_both(&mut alice, &mut bob);

    // Alice answers on a new chain; Bob receives it in reverse.
    let a3 = alice.send(&bob, "a3");
    restart_both(&mut alice, &mut bob);
    let a4 = alice.send(&bob, "a4");
    restart_both(&mut alice, &mut bob);
    assert_eq!(bob.receive(&a4), "a4");
    restart_both(&mut alice, &mut bob);
    assert_eq!(bob.receive(&a3), "a3");
    restart_both(&mut alice, &mut bob);

    // The late reply from Bob's previous chain still opens.
    assert_eq!(alice.receive(&replies[1]), "b2");
    restart_both(&mut alice, &mut bob);

    // Replay protection survived the restarts.
    let duplicate = Err(Error::Session(SessionError::Duplicate));
    for envelope in [&a1, &a2, &a3, &a4] {
        assert_eq!(bob.client().decrypt(envelope), duplicate);
    }
    for envelope in &replies {
        assert_eq!(alice.client().decrypt(envelope), duplicate);
    }

    // The consumed one-time prekeys stay consumed.
    let carol = Client::open_with_seed(MemoryStore::new(), "carol", "tablet", [3; 32]).unwrap();
    let reused = carol
        .encrypt(bob.client().address(), Some(&bundle), b"c")
        .unwrap();
    assert_eq!(
        bob.client().decrypt(&reused),
        Err(Error::PrekeyAlreadyUsed {
            id: bundle.one_time[0].id
        })
    );
    // The rest of the published bundle still works after all the restarts
    // (for a newcomer: Carol's client keeps its session on the used keys).
    let dave = Client::open_with_seed(MemoryStore::new(), "dave", "watch", [4; 32]).unwrap();
    let fresh = published.take_for_session();
    let from_dave = dave
        .encrypt(bob.client().address(), Some(&fresh), b"hi bob")
        .unwrap();
    assert_eq!(bob.receive(&from_dave), "hi bob");
    restart_both(&mut alice, &mut bob);

    // Both directions still work, and the devices agree on who they talk to.
    assert_eq!(bob.receive(&alice.send(&bob, "a5")), "a5");
    restart_both(&mut alice, &mut bob);
    assert_eq!(alice.receive(&bob.send(&alice, "b4")), "b4");
    assert_eq!(
        alice.client().sessions().unwrap(),
        vec![bob.client().address().clone()]
    );
    assert_eq!(
        alice
            .client()
            .safety_number(bob.client().address())
            .unwrap()
            .digits(),
        bob.client()
            .safety_number(alice.client().address())
            .unwrap()
            .digits()
    );
}

/// A client over a [`FailingStore`], with handles on its records and switch.
struct FlakyDevice {
    client: Client,
    records: Arc<MemoryStore>,
    fail_commits: Arc<AtomicBool>,
}

impl FlakyDevice {
    fn open(user: &str, device: &str, seed: u8) -> Self {
        let records = Arc::new(MemoryStore::new());
        let fail_commits = Arc::new(AtomicBool::new(false));
        let store = FailingStore {
            inner: Arc::clone(&records),
            fail_commits: Arc::clone(&fail_commits),
        };
        let client = Client::open_with_seed(store, user, device, [seed; 32]).unwrap();
        Self {
            client,
            records,
            fail_commits,
        }
    }

    /// Runs `operation` while every commit fails; checks that it returned
    /// the store's error and that no record changed.
    fn while_commits_fail<T: std::fmt::Debug>(
        &self,
        operation: impl FnOnce(&Client) -> Result<T, Error>,
    ) {
        let before = self.records.snapshot();
        self.fail_commits.store(true, Ordering::SeqCst);
        let result = operation(&self.client);
        self.fail_commits.store(false, Ordering::SeqCst);
        match result {
            Err(Error::Store(StoreError::Backend(_))) => {}
            other => panic!("expected the injected store error, got {other:?}"),
        }
        assert!(
            self.records.snapshot() == before,
            "a failed commit changed stored state"
        );
    }
}

fn flaky_pair() -> (FlakyDevice, FlakyDevice) {
    (
        FlakyDevice::open("alice", "phone", 1),
        FlakyDevice::open("bob", "laptop", 2),
    )
}

fn bundle_of(device: &FlakyDevice) -> PrekeyBundle {
    device.client.prekey_bundle(2).unwrap().take_for_session()
}

#[test]
fn a_decrypt_whose_commit_fails_changes_nothing_and_the_same_envelope_opens_afterwards() {
    let (alice, bob) = flaky_pair();
    let to_bob = |text: &str| {
        alice
            .client
            .encrypt(bob.client.address(), None, text.as_bytes())
    };
    let bob_opens = |envelope: &[u8], text: &str| {
        bob.while_commits_fail(|bob| bob.decrypt(envelope));
        assert_eq!(
            bob.client.decrypt(envelope).unwrap().plaintext,
            text.as_bytes()
        );
    };

    // The initial message: session set-up and one-time prekey deletion.
    let first = alice
        .client
        .encrypt(bob.client.address(), Some(&bundle_of(&bob)), b"first")
        .unwrap();
    let skipped = to_bob("skipped").unwrap();
    let third = to_bob("third").unwrap();
    bob_opens(&first, "first");
    assert_eq!(bob.client.sessions().unwrap().len(), 1);
    // A message ahead in the chain (stores a skipped key)...
    bob_opens(&third, "third");
    // ...and the late one, from the skipped key.
    bob_opens(&skipped, "skipped");
    // A message on a new DH chain.
    let reply = bob
        .client
        .encrypt(alice.client.address(), None, b"reply")
        .unwrap();
    alice.client.decrypt(&reply).unwrap();
    bob_opens(&to_bob("new chain").unwrap(), "new chain");
}

#[test]
fn an_encrypt_whose_commit_fails_returns_no_ciphertext_and_the_next_one_reaches_the_peer() {
    let (alice, bob) = flaky_pair();
    let bundle = bundle_of(&bob);
    let bob_address = bob.client.address().clone();

    // Starting the session fails: no session, no trusted identity stored.
    alice.while_commits_fail(|alice| alice.encrypt(&bob_address, Some(&bundle), b"lost"));
    assert!(alice.client.sessions().unwrap().is_empty());
    assert_eq!(alice.client.trusted_identity(&bob_address).unwrap(), None);

    let first = alice
        .client
        .encrypt(&bob_address, Some(&bundle), b"first")
        .unwrap();
    assert_eq!(bob.client.decrypt(&first).unwrap().plaintext, b"first");

    // Mid-conversation, in both directions.
    alice.while_commits_fail(|alice| alice.encrypt(&bob_address, None, b"lost"));
    let second = alice.client.encrypt(&bob_address, None, b"second").unwrap();
    assert_eq!(bob.client.decrypt(&second).unwrap().plaintext, b"second");

    bob.while_commits_fail(|bob| bob.encrypt(alice.client.address(), None, b"lost"));
    let reply = bob
        .client
        .encrypt(alice.client.address(), None, b"reply")
        .unwrap();
    assert_eq!(alice.client.decrypt(&reply).unwrap().plaintext, b"reply");
    let third = alice.client.encrypt(&bob_address, None, b"third").unwrap();
    assert_eq!(bob.client.decrypt(&third).unwrap().plaintext, b"third");
}

#[test]
fn failed_prekey_publication_rotation_and_trust_commits_change_nothing() {
    let (alice, bob) = flaky_pair();
    bob.while_commits_fail(|bob| bob.prekey_bundle(5));
    bob.while_commits_fail(Client::rotate_signed_prekeys);
    // The next bundle is complete and works.
    let bundle = bundle_of(&bob);
    let first = alice
        .client
        .encrypt(bob.client.address(), Some(&bundle), b"hello")
        .unwrap();
    assert_eq!(bob.client.decrypt(&first).unwrap().plaintext, b"hello");

    // Replacing a trusted identity (which deletes the session) fails whole.
    let stranger = Client::open_with_seed(MemoryStore::new(), "eve", "pc", [6; 32]).unwrap();
    bob.while_commits_fail(|bob| bob.trust_identity(alice.client.address(), stranger.identity()));
    assert_eq!(
        bob.client.trusted_identity(alice.client.address()).unwrap(),
        Some(*alice.client.identity())
    );
    let next = alice
        .client
        .encrypt(bob.client.address(), None, b"still here")
        .unwrap();
    assert_eq!(bob.client.decrypt(&next).unwrap().plaintext, b"still here");
}

/// Every record of every kind, decrypted: equal dumps mean equal state.
fn all_records(store: &dyn Store) -> Vec<(RecordKind, String, Vec<u8>)> {
    let mut records = Vec::new();
    for kind in RecordKind::ALL {
        for key in store.keys(kind).unwrap() {
            let value = store.get(kind, &key).unwrap().unwrap();
            records.push((kind, key, value.to_vec()));
        }
    }
    records
}

#[test]
fn a_message_failing_after_its_dh_step_leaves_every_sqlite_record_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bob.sqlite");
    let store = Arc::new(SqliteStore::open(&path, &STORAGE_KEY).unwrap());
    let bob = Client::open_with_seed(Arc::clone(&store), "bob", "laptop", [2; 32]).unwrap();
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();

    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    bob.decrypt(&alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap())
        .unwrap();
    alice
        .decrypt(&bob.encrypt(alice.address(), None, b"hello").unwrap())
        .unwrap();
    // Alice's next message opens a new DH chain for Bob.
    let new_chain = alice.encrypt(bob.address(), None, b"new chain").unwrap();
    let envelope = Envelope::decode(&new_chain).unwrap();

    let before = all_records(store.as_ref());
    let mut tampered_ciphertext = envelope.clone();
    *tampered_ciphertext.ciphertext.last_mut().unwrap() ^= 1;
    let mut tampered_counter = envelope.clone();
    tampered_counter.header.index += 3;
    let mut tampered_previous_length = envelope.clone();
    tampered_previous_length.header.previous_chain_length += 2;
    for tampered in [
        tampered_ciphertext,
        tampered_counter,
        tampered_previous_length,
    ] {
        assert_eq!(
            bob.decrypt(&tampered.encode()),
            Err(Error::Session(SessionError::Decrypt))
        );
        assert!(all_records(store.as_ref()) == before, "records changed");
    }

    // What is on disk is unchanged too, and the real message still opens
    // after a restart.
    drop(bob);
    drop(store);
    let store = Arc::new(SqliteStore::open(&path, &STORAGE_KEY).unwrap());
    assert!(
        all_records(store.as_ref()) == before,
        "records on disk changed"
    );
    let bob = Client::open_with_seed(Arc::clone(&store), "bob", "laptop", [3; 32]).unwrap();
    assert_eq!(bob.decrypt(&new_chain).unwrap().plaintext, b"new chain");
    assert!(all_records(store.as_ref()) != before);
}

#[test]
fn a_database_reopened_with_the_wrong_storage_key_is_refused_and_the_right_key_still_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bob.sqlite");
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let (bob_identity, first) = {
        let store = SqliteStore::open(&path, &STORAGE_KEY).unwrap();
        let bob = Client::open_with_seed(store, "bob", "laptop", [2; 32]).unwrap();
        let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
        let first = alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap();
        (*bob.identity(), first)
    };

    let mut wrong_key = STORAGE_KEY;
    wrong_key[31] ^= 1;
    assert!(matches!(
        SqliteStore::open(&path, &wrong_key),
        Err(StoreError::WrongStorageKey)
    ));

    let store = SqliteStore::open(&path, &STORAGE_KEY).unwrap();
    let bob = Client::open_with_seed(store, "bob", "laptop", [3; 32]).unwrap();
    assert_eq!(bob.identity(), &bob_identity);
    assert_eq!(bob.decrypt(&first).unwrap().plaintext, b"hi");
}

#[test]
fn a_database_belongs_to_one_device() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bob.sqlite");
    drop(
        Client::open_with_seed(
            SqliteStore::open(&path, &STORAGE_KEY).unwrap(),
            "bob",
            "laptop",
            [2; 32],
        )
        .unwrap(),
    );
    let store = SqliteStore::open(&path, &STORAGE_KEY).unwrap();
    assert!(matches!(
        Client::open_with_seed(store, "bob", "phone", [2; 32]),
        Err(Error::InvalidInput(_))
    ));
}
