//! Integration tests: exactly-once delivery to the app. A plaintext that
//! was committed but never reached the app (it crashed in between) is lost
//! with `decrypt`; with `decrypt_with_receipt` it is kept until the app
//! acknowledges it, a redelivery returns the same message with the same
//! id, and an app that restarts finds it in `unacknowledged()`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use sealkit::store::{MemoryStore, RecordKind, Store};
use sealkit::{Client, ErrorKind, MessageId};

/// Alice and Bob (Bob on `bob_store`) after one message each way, so that
/// both have a session.
fn conversation(bob_store: Arc<MemoryStore>) -> (Client, Client) {
    let alice = Client::open(MemoryStore::new(), "alice", "phone").unwrap();
    let bob = Client::open(bob_store, "bob", "laptop").unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap();
    bob.decrypt(&first).unwrap();
    alice
        .decrypt(&bob.encrypt(alice.address(), None, b"hello").unwrap())
        .unwrap();
    (alice, bob)
}

/// Bob's client after a crash: the same store, a new process.
fn restart_bob(store: &Arc<MemoryStore>) -> Client {
    Client::open(Arc::clone(store), "bob", "laptop").unwrap()
}

#[test]
fn a_plaintext_lost_in_a_crash_after_a_plain_decrypt_cannot_be_had_again() {
    // The at-most-once mode, as documented: the reason for receipts.
    let store = Arc::new(MemoryStore::new());
    let (alice, bob) = conversation(Arc::clone(&store));
    let envelope = alice.encrypt(bob.address(), None, b"lost").unwrap();
    drop(bob.decrypt(&envelope).unwrap()); // the app crashes before storing it
    drop(bob);
    let bob = restart_bob(&store);
    assert_eq!(
        bob.decrypt(&envelope).unwrap_err().kind(),
        ErrorKind::Duplicate
    );
}

#[test]
fn a_plaintext_lost_in_a_crash_is_delivered_again_until_acknowledged() {
    let store = Arc::new(MemoryStore::new());
    let (alice, bob) = conversation(Arc::clone(&store));
    let envelope = alice.encrypt(bob.address(), None, b"kept").unwrap();
    let first = bob.decrypt_with_receipt(&envelope).unwrap();
    assert_eq!(first.plaintext, b"kept");
    assert_eq!(&first.sender, alice.address());
    drop(first); // the app crashes before storing it
    drop(bob);

    let bob = restart_bob(&store);
    let listed = bob.unacknowledged().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].plaintext, b"kept");
    // The server redelivers: the same message, the same id, no ratchet step.
    let again = bob.decrypt_with_receipt(&envelope).unwrap();
    assert_eq!(again, listed[0]);
    let generation = bob.store_generation().unwrap();
    assert_eq!(bob.decrypt_with_receipt(&envelope).unwrap(), again);
    assert_eq!(bob.store_generation().unwrap(), generation);

    // The app stored it and acknowledges: the kept copy is gone and a
    // further redelivery is a duplicate, which the app drops.
    assert!(bob.acknowledge(&again.id).unwrap());
    assert!(!bob.acknowledge(&again.id).unwrap());
    assert!(bob.unacknowledged().unwrap().is_empty());
    assert!(store.keys(RecordKind::Received).unwrap().is_empty());
    assert_eq!(
        bob.decrypt_with_receipt(&envelope).unwrap_err().kind(),
        ErrorKind::Duplicate
    );
}

#[test]
fn unacknowledged_messages_are_listed_in_the_order_they_were_decrypted() {
    let store = Arc::new(MemoryStore::new());
    let (alice, bob) = conversation(Arc::clone(&store));
    let envelopes: Vec<_> = (0..6u8)
        .map(|i| alice.encrypt(bob.address(), None, &[i]).unwrap())
        .collect();
    // Delivered out of order, one of them twice.
    for i in [3, 0, 5, 1, 0, 4, 2] {
        bob.decrypt_with_receipt(&envelopes[i]).unwrap();
    }
    let listed: Vec<u8> = bob
        .unacknowledged()
        .unwrap()
        .iter()
        .map(|received| received.plaintext[0])
        .collect();
    assert_eq!(listed, [3, 0, 5, 1, 4, 2]);
    let ids: std::collections::HashSet<MessageId> = bob
        .unacknowledged()
        .unwrap()
        .iter()
        .map(|received| received.id)
        .collect();
    assert_eq!(ids.len(), 6, "six messages, six ids");
}

#[test]
fn a_message_id_survives_the_round_trip_an_app_gives_it() {
    let store = Arc::new(MemoryStore::new());
    let (alice, bob) = conversation(Arc::clone(&store));
    let envelope = alice.encrypt(bob.address(), None, b"x").unwrap();
    let received = bob.decrypt_with_receipt(&envelope).unwrap();
    // The app keeps the id as bytes next to the message, and acknowledges
    // later from those bytes.
    let kept = *received.id.as_bytes();
    assert!(bob.acknowledge(&MessageId::from_bytes(kept)).unwrap());
    assert_eq!(received.id.to_string().len(), 64);
}

#[test]
fn a_failed_decrypt_with_receipt_keeps_nothing_and_changes_nothing() {
    let store = Arc::new(MemoryStore::new());
    let (alice, bob) = conversation(Arc::clone(&store));
    let envelope = alice.encrypt(bob.address(), None, b"real").unwrap();
    let mut tampered = envelope.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let generation = bob.store_generation().unwrap();
    assert_eq!(
        bob.decrypt_with_receipt(&tampered).unwrap_err().kind(),
        ErrorKind::Decrypt
    );
    assert_eq!(bob.store_generation().unwrap(), generation);
    assert!(bob.unacknowledged().unwrap().is_empty());
    // The real envelope still decrypts.
    assert_eq!(
        bob.decrypt_with_receipt(&envelope).unwrap().plaintext,
        b"real"
    );
}

#[test]
fn an_initial_message_decrypted_with_a_receipt_is_kept_like_any_other() {
    let bob_store = Arc::new(MemoryStore::new());
    let alice = Client::open(MemoryStore::new(), "alice", "phone").unwrap();
    let bob = Client::open(Arc::clone(&bob_store), "bob", "laptop").unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap();
    let received = bob.decrypt_with_receipt(&first).unwrap();
    drop(bob);
    // After the crash the one-time prekey is consumed, but the message is
    // not lost: the redelivery returns it.
    let bob = restart_bob(&bob_store);
    assert_eq!(bob.decrypt_with_receipt(&first).unwrap(), received);
    assert_eq!(bob.sessions().unwrap(), [alice.address().clone()]);
}

#[test]
fn two_clients_on_one_store_see_the_same_kept_messages() {
    // An app and its notification extension: the extension decrypts with a
    // receipt, the app lists and acknowledges.
    let store = Arc::new(MemoryStore::new());
    let (alice, extension) = conversation(Arc::clone(&store));
    let app = restart_bob(&store);
    let envelope = alice.encrypt(app.address(), None, b"ping").unwrap();
    let received = extension.decrypt_with_receipt(&envelope).unwrap();
    assert_eq!(
        app.unacknowledged().unwrap(),
        std::slice::from_ref(&received)
    );
    assert_eq!(app.decrypt_with_receipt(&envelope).unwrap(), received);
    assert!(app.acknowledge(&received.id).unwrap());
    assert!(extension.unacknowledged().unwrap().is_empty());
}
