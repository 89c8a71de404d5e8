//! Integration tests of 1:1 sessions through the client facade.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::Arc;

use sealkit::session::SessionRecord;
use sealkit::session::{MAX_RECEIVER_CHAINS, MAX_SKIPPED_KEYS, SessionError};
use sealkit::store::{MemoryStore, RecordKind, Store};
use sealkit::{Client, DeviceAddress, Error, ErrorKind};

fn pair() -> (Client, Client) {
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let bob = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [2; 32]).unwrap();
    (alice, bob)
}

fn start(alice: &Client, bob: &Client) -> Vec<u8> {
    let bundle = bob.prekey_bundle(5).unwrap().take_for_session();
    alice
        .encrypt(bob.address(), Some(&bundle), b"hello")
        .unwrap()
}

#[test]
fn alice_and_bob_exchange_messages_both_ways() {
    let (alice, bob) = pair();
    let first = start(&alice, &bob);
    let got = bob.decrypt(&first).unwrap();
    assert_eq!(got.plaintext, b"hello");
    assert_eq!(&got.sender, alice.address());
    for round in 0..5 {
        let to_alice = bob
            .encrypt(alice.address(), None, format!("b{round}").as_bytes())
            .unwrap();
        assert_eq!(
            alice.decrypt(&to_alice).unwrap().plaintext,
            format!("b{round}").as_bytes()
        );
        let to_bob = alice
            .encrypt(bob.address(), None, format!("a{round}").as_bytes())
            .unwrap();
        assert_eq!(
            bob.decrypt(&to_bob).unwrap().plaintext,
            format!("a{round}").as_bytes()
        );
    }
    assert_eq!(alice.sessions().unwrap(), vec![bob.address().clone()]);
}

#[test]
fn alice_and_bob_recover_after_reordering_across_dh_steps() {
    let (alice, bob) = pair();
    bob.decrypt(&start(&alice, &bob)).unwrap();
    let a1: Vec<_> = (0..3)
        .map(|i| alice.encrypt(bob.address(), None, &[i]).unwrap())
        .collect();
    let b1: Vec<_> = (0..3)
        .map(|i| bob.encrypt(alice.address(), None, &[10 + i]).unwrap())
        .collect();
    // Alice receives Bob's messages in reverse, then sends a new chain.
    for (i, m) in b1.iter().enumerate().rev() {
        assert_eq!(alice.decrypt(m).unwrap().plaintext, vec![10 + i as u8]);
    }
    let a2: Vec<_> = (0..3)
        .map(|i| alice.encrypt(bob.address(), None, &[20 + i]).unwrap())
        .collect();
    // Bob gets the second chain before the first.
    for (i, m) in a2.iter().enumerate() {
        assert_eq!(bob.decrypt(m).unwrap().plaintext, vec![20 + i as u8]);
    }
    for (i, m) in a1.iter().enumerate().rev() {
        assert_eq!(bob.decrypt(m).unwrap().plaintext, vec![i as u8]);
    }
}

#[test]
fn replayed_messages_are_rejected_as_duplicates() {
    let (alice, bob) = pair();
    let first = start(&alice, &bob);
    bob.decrypt(&first).unwrap();
    assert!(matches!(
        bob.decrypt(&first),
        Err(Error::Session(SessionError::Duplicate))
    ));
    let second = alice.encrypt(bob.address(), None, b"x").unwrap();
    bob.decrypt(&second).unwrap();
    assert!(matches!(
        bob.decrypt(&second),
        Err(Error::Session(SessionError::Duplicate))
    ));
}

#[test]
fn session_without_one_time_prekeys_uses_last_resort() {
    let (alice, bob) = pair();
    let bundle = bob.prekey_bundle(0).unwrap().take_for_session();
    assert!(bundle.one_time.is_empty());
    let first = alice
        .encrypt(bob.address(), Some(&bundle), b"no opk")
        .unwrap();
    assert_eq!(bob.decrypt(&first).unwrap().plaintext, b"no opk");
}

#[test]
fn a_consumed_one_time_prekey_cannot_start_a_second_session() {
    let (alice, bob) = pair();
    let carol = Client::open_with_seed(MemoryStore::new(), "carol", "tablet", [3; 32]).unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    bob.decrypt(&alice.encrypt(bob.address(), Some(&bundle), b"a").unwrap())
        .unwrap();
    let reused = carol.encrypt(bob.address(), Some(&bundle), b"c").unwrap();
    assert!(matches!(
        bob.decrypt(&reused),
        Err(Error::PrekeyAlreadyUsed { .. })
    ));
}

#[test]
fn a_changed_identity_is_reported_not_accepted() {
    let (alice, bob) = pair();
    bob.decrypt(&start(&alice, &bob)).unwrap();
    // Bob reinstalls: same address, new identity.
    let bob2 = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [9; 32]).unwrap();
    let bundle = bob2.prekey_bundle(1).unwrap().take_for_session();
    alice.trust_identity(bob.address(), bob.identity()).unwrap();
    // The old session exists, so a fresh bundle is not even used...
    // ...until the app asks to start over: a new client with no session.
    let alice_fresh_store =
        Client::open_with_seed(MemoryStore::new(), "alice", "tablet", [4; 32]).unwrap();
    alice_fresh_store
        .trust_identity(bob.address(), bob.identity())
        .unwrap();
    assert!(matches!(
        alice_fresh_store.encrypt(bob.address(), Some(&bundle), b"x"),
        Err(Error::UntrustedIdentity { .. })
    ));
    let address = DeviceAddress::new("bob", "laptop").unwrap();
    assert_eq!(
        alice_fresh_store
            .trusted_identity(&address)
            .unwrap()
            .as_ref(),
        Some(bob.identity())
    );
}

#[test]
fn a_message_whose_key_was_evicted_is_key_evicted_and_a_replay_is_a_duplicate() {
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let bob_store = Arc::new(MemoryStore::new());
    let bob = Client::open_with_seed(Arc::clone(&bob_store), "bob", "laptop", [2; 32]).unwrap();
    bob.decrypt(&start(&alice, &bob)).unwrap();
    // The network holds back MAX_SKIPPED_KEYS + 1 of Alice's messages and
    // delivers the one after them: Bob derives a key for each held-back
    // message but keeps only MAX_SKIPPED_KEYS, evicting the oldest.
    let held_back: Vec<_> = (0..=MAX_SKIPPED_KEYS)
        .map(|i| {
            alice
                .encrypt(bob.address(), None, format!("held back {i}").as_bytes())
                .unwrap()
        })
        .collect();
    let overtaking = alice.encrypt(bob.address(), None, b"overtaking").unwrap();
    assert_eq!(bob.decrypt(&overtaking).unwrap().plaintext, b"overtaking");

    let evicted = Error::Session(SessionError::KeyEvicted);
    let duplicate = Error::Session(SessionError::Duplicate);
    assert_eq!(bob.decrypt(&held_back[0]), Err(evicted.clone()));
    assert_eq!(evicted.kind(), ErrorKind::KeyEvicted);
    // It never decrypted, so asking again gives the same answer.
    assert_eq!(bob.decrypt(&held_back[0]), Err(evicted.clone()));
    // The next one kept its key: it opens once, then it is a replay.
    assert_eq!(
        bob.decrypt(&held_back[1]).unwrap().plaintext,
        b"held back 1"
    );
    assert_eq!(bob.decrypt(&held_back[1]), Err(duplicate.clone()));
    assert_eq!(bob.decrypt(&overtaking), Err(duplicate.clone()));
    assert_eq!(duplicate.kind(), ErrorKind::Duplicate);

    // The same answers once the chain is an old one (after a round trip)...
    alice
        .decrypt(&bob.encrypt(alice.address(), None, b"turn").unwrap())
        .unwrap();
    let next_chain = alice.encrypt(bob.address(), None, b"next chain").unwrap();
    assert_eq!(bob.decrypt(&next_chain).unwrap().plaintext, b"next chain");
    assert_eq!(bob.decrypt(&held_back[0]), Err(evicted.clone()));
    assert_eq!(bob.decrypt(&held_back[1]), Err(duplicate.clone()));

    // ...and after Bob's client is reopened from its store.
    drop(bob);
    let bob = Client::open_with_seed(bob_store, "bob", "laptop", [3; 32]).unwrap();
    assert_eq!(bob.decrypt(&held_back[0]), Err(evicted));
    assert_eq!(bob.decrypt(&next_chain), Err(duplicate));
    assert_eq!(
        bob.decrypt(&held_back[2]).unwrap().plaintext,
        b"held back 2"
    );
}

#[test]
fn a_skipped_key_is_deleted_with_its_chain_after_max_receiver_chains_ratchet_steps() {
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let bob_store = Arc::new(MemoryStore::new());
    let bob = Client::open_with_seed(Arc::clone(&bob_store), "bob", "laptop", [2; 32]).unwrap();
    bob.decrypt(&start(&alice, &bob)).unwrap();
    // Alice's chain after the first reply: the network holds back its first
    // two messages and delivers the third, so Bob keeps two skipped keys.
    alice
        .decrypt(&bob.encrypt(alice.address(), None, b"reply").unwrap())
        .unwrap();
    let held_back: Vec<_> = (0..2)
        .map(|i| alice.encrypt(bob.address(), None, &[i]).unwrap())
        .collect();
    bob.decrypt(&alice.encrypt(bob.address(), None, b"third").unwrap())
        .unwrap();
    // Bob's stored session with Alice, his only one.
    let skipped = |store: &MemoryStore| {
        let keys = store.keys(RecordKind::Session).unwrap();
        assert_eq!(keys.len(), 1, "{keys:?}");
        let bytes = store.get(RecordKind::Session, &keys[0]).unwrap().unwrap();
        let record = SessionRecord::decode(&bytes).unwrap();
        record.current().unwrap().skipped_keys()
    };
    assert_eq!(skipped(&bob_store), 2);
    // After MAX_RECEIVER_CHAINS DH ratchet steps Alice's held-back chain is
    // the oldest Bob remembers: one of its messages still decrypts.
    let round_trip = |round: usize| {
        alice
            .decrypt(&bob.encrypt(alice.address(), None, b"ping").unwrap())
            .unwrap();
        let pong = alice
            .encrypt(bob.address(), None, format!("pong {round}").as_bytes())
            .unwrap();
        bob.decrypt(&pong).unwrap();
    };
    for round in 0..MAX_RECEIVER_CHAINS {
        round_trip(round);
    }
    assert_eq!(bob.decrypt(&held_back[0]).unwrap().plaintext, [0]);
    assert_eq!(skipped(&bob_store), 1);
    // The next step moves the chain out of the window: its last skipped key
    // is deleted with it, and its message is refused.
    round_trip(MAX_RECEIVER_CHAINS);
    assert_eq!(skipped(&bob_store), 0);
    assert_eq!(
        bob.decrypt(&held_back[1]),
        Err(Error::Session(SessionError::KeyEvicted))
    );
    // The same after Bob's client is reopened from its store.
    drop(bob);
    let bob = Client::open_with_seed(bob_store, "bob", "laptop", [3; 32]).unwrap();
    assert_eq!(
        bob.decrypt(&held_back[1]),
        Err(Error::Session(SessionError::KeyEvicted))
    );
}

/// A client opened on a copy of `backup` (a store snapshot), drawing fresh
/// randomness: the same device restored from a backup.
fn restored(
    backup: &[(RecordKind, String, sealkit::store::Zeroizing<Vec<u8>>)],
    user: &str,
    device: &str,
) -> Client {
    let store = MemoryStore::new();
    let mut changes = sealkit::store::Changeset::new();
    for (kind, key, value) in backup {
        changes.put(*kind, key.clone(), value.clone());
    }
    store.commit(changes).unwrap();
    Client::open(store, user, device).unwrap()
}

#[test]
fn a_replayed_initial_message_on_the_last_resort_prekey_is_refused_once_its_session_is_gone() {
    let alice_store = Arc::new(MemoryStore::new());
    let alice = Client::open(Arc::clone(&alice_store), "alice", "phone").unwrap();
    let backup = alice_store.snapshot();
    let bob_store = Arc::new(MemoryStore::new());
    let bob = Client::open(Arc::clone(&bob_store), "bob", "laptop").unwrap();
    // Bob's one-time prekeys have run out: the bundle has only the signed
    // and last-resort prekeys, which an initial message does not consume.
    let bundle = bob.prekey_bundle(0).unwrap().take_for_session();
    let first = alice
        .encrypt(bob.address(), Some(&bundle), b"first")
        .unwrap();
    assert_eq!(bob.decrypt(&first).unwrap().plaintext, b"first");

    // Alice restores her backup again and again, each time starting a new
    // session on the same bundle, until Bob's record has let the first go.
    for round in 0..=sealkit::session::MAX_PREVIOUS_SESSIONS {
        let again = restored(&backup, "alice", "phone");
        let text = format!("restored {round}");
        let initial = again
            .encrypt(bob.address(), Some(&bundle), text.as_bytes())
            .unwrap();
        assert_eq!(bob.decrypt(&initial).unwrap().plaintext, text.as_bytes());
    }
    // The first initial message, replayed, is refused and changes nothing.
    let before = bob_store.snapshot();
    assert!(matches!(
        bob.decrypt(&first),
        Err(Error::Session(SessionError::Duplicate))
    ));
    assert!(before == bob_store.snapshot());
    // The current session still works.
    let reply = bob.encrypt(alice.address(), None, b"still here").unwrap();
    assert!(
        alice.decrypt(&reply).is_err(),
        "the reply is for the newest Alice"
    );

    // Use records go with their last-resort prekey.
    assert_eq!(
        bob_store.keys(RecordKind::LastResortUse).unwrap().len(),
        sealkit::session::MAX_PREVIOUS_SESSIONS + 2
    );
    for _ in 0..=sealkit::RETAINED_SIGNED_PREKEYS {
        bob.rotate_signed_prekeys().unwrap();
    }
    assert!(
        bob_store
            .keys(RecordKind::LastResortUse)
            .unwrap()
            .is_empty()
    );
}
