//! Integration tests: a `Client` is `Send + Sync`, and operations from many
//! threads on one client are serialised without losing, repeating or
//! corrupting a message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashSet;
use std::sync::Arc;
use std::thread;

use sealkit::session::{Envelope, SessionError};
use sealkit::store::MemoryStore;
use sealkit::{Client, Error};

const THREADS: usize = 4;
const MESSAGES_PER_THREAD: usize = 25;

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
};

fn alice_and_bob() -> (Arc<Client>, Arc<Client>) {
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let bob = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [2; 32]).unwrap();
    (Arc::new(alice), Arc::new(bob))
}

/// Four threads share Alice's client and each encrypts 25 messages to Bob;
/// every thread passes Bob's bundle, so whichever runs first starts the
/// session and the others must use it. Returns the envelopes per thread.
fn encrypt_from_four_threads(alice: &Arc<Client>, bob: &Client) -> Vec<Vec<(String, Vec<u8>)>> {
    let bundle = Arc::new(bob.prekey_bundle(1).unwrap().take_for_session());
    let handles: Vec<_> = (0..THREADS)
        .map(|thread| {
            let alice = Arc::clone(alice);
            let bundle = Arc::clone(&bundle);
            thread::spawn(move || {
                (0..MESSAGES_PER_THREAD)
                    .map(|i| {
                        let text = format!("thread {thread} message {i}");
                        let envelope = alice
                            .encrypt(&bundle.address, Some(&bundle), text.as_bytes())
                            .unwrap();
                        (text, envelope)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn four_threads_sharing_alices_client_send_100_messages_that_bob_opens_exactly_once() {
    let (alice, bob) = alice_and_bob();
    let per_thread = encrypt_from_four_threads(&alice, &bob);
    let sent: Vec<_> = per_thread.into_iter().flatten().collect();
    assert_eq!(sent.len(), THREADS * MESSAGES_PER_THREAD);

    // One session, and every message at its own chain position.
    let envelopes: Vec<_> = sent
        .iter()
        .map(|(_, bytes)| Envelope::decode(bytes).unwrap())
        .collect();
    let session_ids: HashSet<_> = envelopes.iter().map(|e| e.session_id).collect();
    assert_eq!(session_ids.len(), 1);
    let indices: HashSet<_> = envelopes.iter().map(|e| e.header.index).collect();
    assert_eq!(indices.len(), sent.len());
    assert_eq!(alice.sessions().unwrap(), vec![bob.address().clone()]);

    // Bob opens them thread by thread (not in chain order), each once.
    let mut received = HashSet::new();
    for (text, envelope) in &sent {
        let decrypted = bob.decrypt(envelope).unwrap();
        assert_eq!(&decrypted.sender, alice.address());
        assert_eq!(decrypted.plaintext, text.as_bytes());
        assert!(received.insert(text.clone()), "{text} opened twice");
    }
    for (_, envelope) in &sent {
        assert_eq!(
            bob.decrypt(envelope),
            Err(Error::Session(SessionError::Duplicate))
        );
    }
    assert_eq!(received.len(), THREADS * MESSAGES_PER_THREAD);
}

#[test]
fn four_threads_racing_to_open_the_same_100_envelopes_open_each_exactly_once() {
    let (alice, bob) = alice_and_bob();
    let sent: Arc<Vec<_>> = Arc::new(
        encrypt_from_four_threads(&alice, &bob)
            .into_iter()
            .flatten()
            .collect(),
    );
    // Every thread tries every envelope, each starting at a different place.
    let handles: Vec<_> = (0..THREADS)
        .map(|thread| {
            let bob = Arc::clone(&bob);
            let sent = Arc::clone(&sent);
            thread::spawn(move || {
                let mut opened = Vec::new();
                for offset in 0..sent.len() {
                    let (text, envelope) = &sent[(offset + thread * 37) % sent.len()];
                    match bob.decrypt(envelope) {
                        Ok(decrypted) => {
                            assert_eq!(decrypted.plaintext, text.as_bytes());
                            opened.push(text.clone());
                        }
                        Err(Error::Session(SessionError::Duplicate)) => {}
                        Err(other) => panic!("{text}: {other:?}"),
                    }
                }
                opened
            })
        })
        .collect();
    let opened: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let distinct: HashSet<_> = opened.iter().cloned().collect();
    assert_eq!(
        opened.len(),
        sent.len(),
        "some envelope opened twice or never"
    );
    assert_eq!(distinct.len(), sent.len());

    // And Bob can answer.
    let reply = bob.encrypt(alice.address(), None, b"got them all").unwrap();
    assert_eq!(alice.decrypt(&reply).unwrap().plaintext, b"got them all");
}
