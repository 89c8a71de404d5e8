//! Prekey rotation and consumption, and identity changes, through the client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use sealkit::store::{MemoryStore, RecordKind};
use sealkit::{Client, Error, ErrorKind, RETAINED_SIGNED_PREKEYS};

fn client(user: &str, seed: u8) -> Client {
    Client::open_with_seed(MemoryStore::new(), user, "phone", [seed; 32]).unwrap()
}

#[test]
fn an_initial_message_from_a_bundle_fetched_before_rotation_still_opens() {
    let alice = client("alice", 1);
    let bob = client("bob", 2);
    let old_bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    bob.rotate_signed_prekeys().unwrap();
    let new_bundle = bob.prekey_bundle(0).unwrap();
    assert_ne!(old_bundle.signed_prekey.id, new_bundle.signed_prekey.id);
    assert_ne!(old_bundle.pq_last_resort.id, new_bundle.pq_last_resort.id);
    let first = alice
        .encrypt(bob.address(), Some(&old_bundle), b"late")
        .unwrap();
    assert_eq!(bob.decrypt(&first).unwrap().plaintext, b"late");
}

#[test]
fn signed_prekeys_older_than_the_retention_bound_are_deleted() {
    let alice = client("alice", 1);
    let bob = client("bob", 2);
    let old_bundle = bob.prekey_bundle(0).unwrap();
    for _ in 0..RETAINED_SIGNED_PREKEYS {
        bob.rotate_signed_prekeys().unwrap();
    }
    let first = alice
        .encrypt(bob.address(), Some(&old_bundle), b"too late")
        .unwrap();
    assert!(matches!(
        bob.decrypt(&first),
        Err(Error::UnknownPrekey { .. })
    ));
    // At the bound (one rotation fewer) it still opens.
    let bob = client("bob", 3);
    let carol = client("carol", 4);
    let old_bundle = bob.prekey_bundle(0).unwrap();
    for _ in 0..RETAINED_SIGNED_PREKEYS - 1 {
        bob.rotate_signed_prekeys().unwrap();
    }
    let first = carol
        .encrypt(bob.address(), Some(&old_bundle), b"just in time")
        .unwrap();
    assert_eq!(bob.decrypt(&first).unwrap().plaintext, b"just in time");
}

#[test]
fn each_one_time_prekey_pair_is_consumed_exactly_once() {
    let bob_store = Arc::new(MemoryStore::new());
    let bob = Client::open_with_seed(Arc::clone(&bob_store), "bob", "phone", [2; 32]).unwrap();
    let mut published = bob.prekey_bundle(2).unwrap();
    let count_one_time = || {
        bob_store
            .snapshot()
            .iter()
            .filter(|(kind, _, _)| *kind == RecordKind::OneTimePrekey)
            .count()
    };
    assert_eq!(count_one_time(), 2);
    let handed_out = published.take_for_session();
    let alice = client("alice", 1);
    bob.decrypt(
        &alice
            .encrypt(bob.address(), Some(&handed_out), b"a")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(count_one_time(), 1);
    // A misbehaving server hands the same one-time keys to a second
    // initiator: refused, nothing decrypted, nothing changed.
    let carol = client("carol", 3);
    let reuse = carol
        .encrypt(bob.address(), Some(&handed_out), b"c")
        .unwrap();
    let before = bob_store.snapshot();
    match bob.decrypt(&reuse) {
        Err(Error::PrekeyAlreadyUsed { .. }) => {}
        other => panic!("expected PrekeyAlreadyUsed, got {other:?}"),
    }
    assert_eq!(before, bob_store.snapshot());
    // A prekey id that was never issued is unknown.
    let mut forged = published.take_for_session();
    forged.one_time[0].id = 9_999;
    let dave = client("dave", 4);
    let unknown = dave.encrypt(bob.address(), Some(&forged), b"d").unwrap();
    assert!(matches!(
        bob.decrypt(&unknown),
        Err(Error::UnknownPrekey { id: 9_999 })
    ));
}

#[test]
fn a_known_device_arriving_with_a_new_identity_is_reported_on_receive() {
    let alice = client("alice", 1);
    let bob = client("bob", 2);
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    bob.decrypt(&alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap())
        .unwrap();
    // Alice's device is reinstalled: same address, new identity.
    let alice_again = client("alice", 9);
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice_again
        .encrypt(bob.address(), Some(&bundle), b"it's me")
        .unwrap();
    match bob.decrypt(&first) {
        Err(Error::UntrustedIdentity { address }) => assert_eq!(&address, alice.address()),
        other => panic!("expected UntrustedIdentity, got {other:?}"),
    }
    // After the user verifies the new safety number, Bob trusts it and the
    // same message opens.
    bob.trust_identity(alice.address(), alice_again.identity())
        .unwrap();
    assert_eq!(bob.decrypt(&first).unwrap().plaintext, b"it's me");
}

#[test]
fn safety_numbers_match_and_change_with_the_identity() {
    let alice = client("alice", 1);
    let bob = client("bob", 2);
    let bundle = bob.prekey_bundle(0).unwrap();
    bob.decrypt(&alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap())
        .unwrap();
    let from_alice = alice.safety_number(bob.address()).unwrap();
    let from_bob = bob.safety_number(alice.address()).unwrap();
    assert_eq!(from_alice.digits(), from_bob.digits());
    assert!(
        from_alice
            .verify_qr_payload(&from_bob.qr_payload())
            .unwrap()
    );
    let alice_again = client("alice", 9);
    bob.trust_identity(alice.address(), alice_again.identity())
        .unwrap();
    assert_ne!(
        bob.safety_number(alice.address()).unwrap().digits(),
        from_bob.digits()
    );
    assert!(
        !from_alice
            .verify_qr_payload(&bob.safety_number(alice.address()).unwrap().qr_payload())
            .unwrap()
    );
}

#[test]
fn a_safety_number_needs_a_known_identity_and_a_trusted_one_is_enough() {
    let alice = client("alice", 1);
    let bob = client("bob", 2);
    let error = alice.safety_number(bob.address()).unwrap_err();
    assert_eq!(
        error,
        Error::UnknownIdentity {
            address: bob.address().clone()
        }
    );
    assert_eq!(error.kind(), ErrorKind::UnknownIdentity);
    // Identities trusted out of band are enough: no session is needed.
    alice.trust_identity(bob.address(), bob.identity()).unwrap();
    bob.trust_identity(alice.address(), alice.identity())
        .unwrap();
    assert_eq!(
        alice.safety_number(bob.address()).unwrap().digits(),
        bob.safety_number(alice.address()).unwrap().digits()
    );
}
