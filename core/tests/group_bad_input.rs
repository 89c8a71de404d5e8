//! Integration tests: bad group input. Garbage, truncated, bit-flipped,
//! replayed and cross-group messages get typed errors and leave every stored
//! record as it was; afterwards the genuine message still works.
//!
//! One exception is by design: damage that makes a message claim one of the
//! next `MAX_FUTURE_EPOCHS` epochs cannot be detected before that epoch's
//! keys exist, so the message is kept (`Buffered`) and dropped when its
//! epoch comes (`BufferedDropped`). The tests check exactly that.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use proptest::prelude::*;
use sealkit::group::{GroupError, MAX_FUTURE_EPOCHS};
use sealkit::store::MemoryStore;
use sealkit::{Client, Error, GroupEvent};

struct Member {
    store: Arc<MemoryStore>,
    client: Client,
}

impl Member {
    fn new(user: &str) -> Self {
        let store = Arc::new(MemoryStore::new());
        let client = Client::open(Arc::clone(&store), user, "phone").unwrap();
        Self { store, client }
    }

    /// Asserts that processing `bytes` fails with a typed error and changes
    /// nothing stored.
    fn refuses(&self, bytes: &[u8]) -> Error {
        let before = self.store.snapshot();
        let error = self.client.process_group_message(bytes).unwrap_err();
        assert_eq!(self.store.snapshot(), before, "state changed on {error:?}");
        error
    }

    /// Damaged bytes: refused with nothing changed, or (only when the damage
    /// makes them claim a near-future epoch) kept for that epoch. Returns
    /// whether they were kept.
    fn refuses_or_keeps(&self, bytes: &[u8]) -> bool {
        let epoch = self.client.group_epoch("team").unwrap();
        let before = self.store.snapshot();
        match self.client.process_group_message(bytes) {
            Err(_) => {
                assert_eq!(self.store.snapshot(), before);
                false
            }
            Ok(events) => match events.as_slice() {
                [GroupEvent::Buffered { epoch: kept, .. }]
                    if *kept > epoch && *kept <= epoch + MAX_FUTURE_EPOCHS =>
                {
                    true
                }
                other => panic!("damaged message accepted: {other:?}"),
            },
        }
    }
}

/// Alice and Bob in "team" and in "tame" (same id length, for splicing).
fn setup() -> (Member, Member) {
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    for group in ["team", "tame"] {
        alice.client.create_group(group).unwrap();
        let package = bob.client.key_packages(1).unwrap().remove(0);
        let commit = alice.client.add_group_members(group, &[package]).unwrap();
        alice.client.confirm_group_commit(group).unwrap();
        bob.client
            .join_group(commit.welcome.as_ref().unwrap())
            .unwrap();
    }
    (alice, bob)
}

fn is_message(events: &[GroupEvent], text: &[u8]) -> bool {
    matches!(events, [GroupEvent::Message { plaintext, .. }] if plaintext == text)
}

#[test]
fn every_truncation_and_bit_flip_is_refused_and_changes_nothing() {
    let (alice, bob) = setup();
    let sealed = alice.client.encrypt_group("team", b"the real one").unwrap();
    for len in 0..sealed.len() {
        bob.refuses(&sealed[..len]);
    }
    let mut kept = 0;
    let mut extended = sealed.clone();
    extended.push(0);
    assert!(matches!(
        bob.refuses(&extended),
        Error::Group(GroupError::Malformed(_))
    ));
    for position in 0..sealed.len() {
        for bit in [0x01u8, 0x80] {
            let mut flipped = sealed.clone();
            flipped[position] ^= bit;
            kept += usize::from(bob.refuses_or_keeps(&flipped));
        }
    }
    let events = bob.client.process_group_message(&sealed).unwrap();
    assert!(is_message(&events, b"the real one"));
    // The kept ones are dropped, not delivered, once their epoch comes.
    let mut dropped = 0;
    for _ in 0..MAX_FUTURE_EPOCHS {
        let update = alice.client.update_group("team").unwrap();
        alice.client.confirm_group_commit("team").unwrap();
        for event in bob.client.process_group_message(&update.commit).unwrap() {
            match event {
                GroupEvent::BufferedDropped { .. } => dropped += 1,
                GroupEvent::EpochChanged { .. } => {}
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(dropped, kept);
}

#[test]
fn commits_with_flipped_bits_are_refused() {
    let (alice, bob) = setup();
    let update = alice.client.update_group("team").unwrap();
    alice.client.confirm_group_commit("team").unwrap();
    let commit = &update.commit;
    // Every fourth byte keeps the test quick; commits are a few hundred bytes.
    for position in (0..commit.len()).step_by(4) {
        let mut flipped = commit.clone();
        flipped[position] ^= 0x10;
        bob.refuses_or_keeps(&flipped);
    }
    let events = bob.client.process_group_message(commit).unwrap();
    assert!(events.contains(&GroupEvent::EpochChanged {
        group_id: "team".into(),
        epoch: 2
    }));
    assert_eq!(bob.client.group_epoch("team").unwrap(), 2);
}

#[test]
fn replays_are_refused() {
    let (alice, bob) = setup();
    let sealed = alice.client.encrypt_group("team", b"once").unwrap();
    assert!(is_message(
        &bob.client.process_group_message(&sealed).unwrap(),
        b"once"
    ));
    assert_eq!(bob.refuses(&sealed), Error::Group(GroupError::Replay));

    let update = alice.client.update_group("team").unwrap();
    alice.client.confirm_group_commit("team").unwrap();
    bob.client.process_group_message(&update.commit).unwrap();
    assert!(matches!(
        bob.refuses(&update.commit),
        Error::Group(GroupError::WrongEpoch { .. })
    ));
    // A message of the previous epoch, already read, is still a replay.
    assert_eq!(bob.refuses(&sealed), Error::Group(GroupError::Replay));
}

#[test]
fn cross_group_messages_are_refused() {
    let (alice, bob) = setup();
    let carol = Member::new("carol");
    let sealed = alice.client.encrypt_group("tame", b"for tame").unwrap();
    // Carol is in no group.
    assert!(matches!(
        carol.refuses(&sealed),
        Error::Group(GroupError::UnknownGroup { .. })
    ));
    // The same bytes with the group id swapped for another group of Bob's.
    let position = sealed
        .windows(4)
        .position(|window| window == b"tame")
        .unwrap();
    let mut spliced = sealed.clone();
    spliced[position..position + 4].copy_from_slice(b"team");
    bob.refuses(&spliced);
    assert!(is_message(
        &bob.client.process_group_message(&sealed).unwrap(),
        b"for tame"
    ));
}

#[test]
fn wrong_kinds_of_message_are_typed_errors() {
    let (alice, bob) = setup();
    let carol = Member::new("carol");
    let package = carol.client.key_packages(1).unwrap().remove(0);
    let commit = alice
        .client
        .add_group_members("team", std::slice::from_ref(&package))
        .unwrap();
    let welcome = commit.welcome.unwrap();
    // A welcome or a key package is not a group message.
    assert!(matches!(
        bob.refuses(&welcome),
        Error::Group(GroupError::Malformed(_))
    ));
    assert!(matches!(
        bob.refuses(&package),
        Error::Group(GroupError::Malformed(_))
    ));
    // A group message is not a welcome, and a welcome for another device
    // is not for this one.
    let sealed = alice.client.encrypt_group("team", b"x").unwrap();
    assert!(matches!(
        bob.client.join_group(&sealed),
        Err(Error::Group(GroupError::Malformed(_)))
    ));
    let before = bob.store.snapshot();
    assert!(matches!(
        bob.client.join_group(&welcome),
        Err(Error::Group(GroupError::NotForThisDevice))
    ));
    assert_eq!(bob.store.snapshot(), before);
    // Truncated welcomes.
    let before = carol.store.snapshot();
    for len in (0..welcome.len()).step_by(7) {
        assert!(carol.client.join_group(&welcome[..len]).is_err());
    }
    assert_eq!(carol.store.snapshot(), before);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_nor_change_state(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (_, bob) = SHARED.with(|shared| (0, Arc::clone(shared)));
        let before = bob.store.snapshot();
        prop_assert!(bob.client.process_group_message(&bytes).is_err());
        prop_assert!(bob.client.join_group(&bytes).is_err());
        prop_assert_eq!(bob.store.snapshot(), before);
    }

    #[test]
    fn arbitrary_key_package_bytes_never_panic_nor_change_state(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (alice, _) = PAIR.with(|pair| (Arc::clone(&pair.0), Arc::clone(&pair.1)));
        let before = alice.store.snapshot();
        prop_assert!(alice.client.add_group_members("team", &[bytes]).is_err());
        prop_assert_eq!(alice.store.snapshot(), before);
    }

    #[test]
    fn a_real_message_with_random_damage_is_refused(position in any::<prop::sample::Index>(), value in any::<u8>()) {
        let (alice, bob) = PAIR.with(|pair| (Arc::clone(&pair.0), Arc::clone(&pair.1)));
        let sealed = alice.client.encrypt_group("team", b"damaged").unwrap();
        let mut damaged = sealed.clone();
        let at = position.index(damaged.len());
        prop_assume!(damaged[at] != value);
        damaged[at] = value;
        bob.refuses_or_keeps(&damaged);
        prop_assert!(is_message(&bob.client.process_group_message(&sealed).unwrap(), b"damaged"));
    }
}

thread_local! {
    static SHARED: Arc<Member> = Arc::new(setup().1);
    static PAIR: (Arc<Member>, Arc<Member>) = {
        let (alice, bob) = setup();
        (Arc::new(alice), Arc::new(bob))
    };
}

#[test]
fn the_early_message_buffer_is_bounded_and_loses_nothing_it_accepted() {
    use sealkit::group::MAX_BUFFERED_MESSAGES;
    let (alice, bob) = setup();
    let update = alice.client.update_group("team").unwrap();
    alice.client.confirm_group_commit("team").unwrap();
    for i in 0..MAX_BUFFERED_MESSAGES {
        let early = alice
            .client
            .encrypt_group("team", format!("early {i}").as_bytes())
            .unwrap();
        assert!(matches!(
            bob.client.process_group_message(&early).unwrap().as_slice(),
            [GroupEvent::Buffered { epoch: 2, .. }]
        ));
    }
    let one_more = alice.client.encrypt_group("team", b"one more").unwrap();
    assert!(matches!(
        bob.refuses(&one_more),
        Error::Group(GroupError::BufferFull { .. })
    ));
    let events = bob.client.process_group_message(&update.commit).unwrap();
    let delivered = events
        .iter()
        .filter(|event| matches!(event, GroupEvent::Message { .. }))
        .count();
    assert_eq!(delivered, MAX_BUFFERED_MESSAGES);
    // The refused one is not lost for good: delivered again, it decrypts now.
    assert!(is_message(
        &bob.client.process_group_message(&one_more).unwrap(),
        b"one more"
    ));
}
