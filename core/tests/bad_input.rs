//! Integration tests: a client given bad input (tampered, truncated, replayed,
//! misaddressed, too far ahead, forged or random bytes) answers with a typed
//! error, never panics, never hands out a plaintext, and leaves its stored
//! state exactly as it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use sealkit::identity::IdentityError;
use sealkit::session::{Envelope, MAX_FORWARD_JUMP, MAX_SKIPPED_KEYS, SessionError};
use sealkit::store::MemoryStore;
use sealkit::{Client, Error, PrekeyBundle};

/// A client with a handle on its store, so tests can compare stored state.
struct Device {
    client: Client,
    store: Arc<MemoryStore>,
}

impl Device {
    fn open(user: &str, device: &str, seed: u8) -> Self {
        let store = Arc::new(MemoryStore::new());
        let client = Client::open_with_seed(Arc::clone(&store), user, device, [seed; 32]).unwrap();
        Self { client, store }
    }

    fn bundle(&self) -> PrekeyBundle {
        self.client.prekey_bundle(2).unwrap().take_for_session()
    }

    /// Encrypts to `peer`, starting the session from `peer`'s bundle if needed.
    fn send(&self, peer: &Device, plaintext: &[u8]) -> Vec<u8> {
        self.client
            .encrypt(peer.client.address(), None, plaintext)
            .unwrap()
    }

    fn send_first(&self, peer: &Device, bundle: &PrekeyBundle, plaintext: &[u8]) -> Vec<u8> {
        self.client
            .encrypt(peer.client.address(), Some(bundle), plaintext)
            .unwrap()
    }

    fn receive(&self, envelope: &[u8]) -> Vec<u8> {
        self.client.decrypt(envelope).unwrap().plaintext
    }

    /// Decrypts `envelope`, which must fail; checks that nothing stored
    /// changed and returns the error.
    fn reject(&self, envelope: &[u8]) -> Error {
        let before = self.store.snapshot();
        let error = match self.client.decrypt(envelope) {
            Ok(decrypted) => panic!("bad input decrypted to {:?}", decrypted.plaintext),
            Err(error) => error,
        };
        assert!(
            self.store.snapshot() == before,
            "stored state changed after rejecting with {error:?}"
        );
        error
    }
}

fn alice_bob() -> (Device, Device) {
    (
        Device::open("alice", "phone", 1),
        Device::open("bob", "laptop", 2),
    )
}

/// Alice starts a session from Bob's bundle; Bob receives; Bob replies;
/// Alice receives. Both sides now have sending and receiving chains.
fn established() -> (Device, Device) {
    let (alice, bob) = alice_bob();
    let first = alice.send_first(&bob, &bob.bundle(), b"hello");
    assert_eq!(bob.receive(&first), b"hello");
    let reply = bob.send(&alice, b"hi");
    assert_eq!(alice.receive(&reply), b"hi");
    (alice, bob)
}

/// Every error a receiver may give for tampered input: typed, about the
/// input, never a store failure or an invalid-argument error.
fn assert_input_rejection(error: &Error, context: &str) {
    assert!(
        matches!(
            error,
            Error::Decode(_)
                | Error::Identity(_)
                | Error::Session(_)
                | Error::WrongRecipient { .. }
                | Error::NoSession { .. }
                | Error::UnknownPrekey { .. }
                | Error::PrekeyAlreadyUsed { .. }
                | Error::UntrustedIdentity { .. }
        ),
        "{context}: unexpected error kind {error:?}"
    );
}

fn flip(bytes: &[u8], position: usize, bit: u8) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    flipped[position] ^= 1 << bit;
    flipped
}

/// Flips bits of `envelope` (the bits `bits_at(position)` names at each
/// position) and checks each copy is rejected by `receiver` without a state
/// change. Flips in the AEAD ciphertext must fail authentication; flips of
/// the version byte must be an unsupported version.
fn assert_bit_flips_are_rejected(
    receiver: &Device,
    envelope: &[u8],
    bits_at: impl Fn(usize) -> Vec<u8>,
) {
    let ciphertext_start = envelope.len() - Envelope::decode(envelope).unwrap().ciphertext.len();
    for position in 0..envelope.len() {
        for bit in bits_at(position) {
            let context = format!("bit {bit} of byte {position}");
            let error = receiver.reject(&flip(envelope, position, bit));
            assert_input_rejection(&error, &context);
            if position == 0 {
                assert!(
                    matches!(
                        error,
                        Error::Decode(sealkit::DecodeError::UnsupportedVersion(_))
                    ),
                    "{context}: {error:?}"
                );
            }
            if position >= ciphertext_start {
                assert_eq!(
                    error,
                    Error::Session(SessionError::Decrypt),
                    "{context} (ciphertext)"
                );
            }
        }
    }
}

const ALL_BITS: [u8; 8] = [0, 1, 2, 3, 4, 5, 6, 7];

/// Byte ranges of an initial message's key material: session id (`EK_A`),
/// identity, ML-KEM ciphertext and ratchet key. The rest is structure:
/// version, kind, addresses, prekey ids and flags, counters, lengths.
fn key_material(envelope: &Envelope) -> [std::ops::Range<usize>; 4] {
    let session_id = 2 + envelope.sender.to_bytes().len() + envelope.recipient.to_bytes().len();
    let identity = session_id + 32;
    let pq_ciphertext = identity + 64 + 4 + 1 + 4 + 4;
    let ratchet_key = pq_ciphertext + envelope.prekey.as_ref().unwrap().pq_ciphertext.len();
    [
        session_id..identity,
        identity..identity + 64,
        pq_ciphertext..ratchet_key,
        ratchet_key..ratchet_key + 32,
    ]
}

#[test]
fn bit_flips_all_over_an_initial_message_are_rejected_and_bob_keeps_nothing() {
    let (alice, bob) = alice_bob();
    let first = alice.send_first(&bob, &bob.bundle(), b"hello");
    let envelope = Envelope::decode(&first).unwrap();
    let [session_id, identity, pq_ciphertext, ratchet_key] = key_material(&envelope);
    assert_eq!(&first[ratchet_key.clone()], &envelope.header.ratchet_key);
    // Every bit of the structure and the AEAD ciphertext; one bit (rotating)
    // per byte of keys; one bit of every fourth byte of the ML-KEM
    // ciphertext (decapsulation is slow in debug builds).
    assert_bit_flips_are_rejected(&bob, &first, |position| {
        let rotating = vec![(position % 8) as u8];
        if pq_ciphertext.contains(&position) {
            if position % 4 == 0 {
                rotating
            } else {
                Vec::new()
            }
        } else if session_id.contains(&position)
            || identity.contains(&position)
            || ratchet_key.contains(&position)
        {
            rotating
        } else {
            ALL_BITS.to_vec()
        }
    });
    assert!(bob.client.sessions().unwrap().is_empty());
    assert_eq!(bob.receive(&first), b"hello");
}

#[test]
fn every_bit_flip_of_a_message_in_an_established_session_is_rejected_and_changes_nothing() {
    let (alice, bob) = established();
    let earlier = alice.send(&bob, b"one");
    let message = alice.send(&bob, b"two");
    assert_eq!(bob.receive(&earlier), b"one");
    assert_bit_flips_are_rejected(&bob, &message, |_| ALL_BITS.to_vec());
    assert_eq!(bob.receive(&message), b"two");
}

#[test]
fn every_truncation_and_any_trailing_byte_is_a_decode_error() {
    let (alice, bob) = alice_bob();
    let first = alice.send_first(&bob, &bob.bundle(), b"hello");
    let second = alice.send(&bob, b"again");
    for envelope in [&first, &second] {
        for length in 0..envelope.len() {
            let error = bob.reject(&envelope[..length]);
            assert!(
                matches!(error, Error::Decode(_)),
                "truncated to {length}: {error:?}"
            );
        }
        let mut extended = envelope.clone();
        extended.push(0);
        assert!(matches!(
            bob.reject(&extended),
            Error::Decode(sealkit::DecodeError::TrailingBytes)
        ));
    }
    assert_eq!(bob.receive(&second), b"again");
    assert_eq!(bob.receive(&first), b"hello");
}

#[test]
fn a_message_exactly_max_forward_jump_ahead_decrypts_and_one_further_is_too_far_ahead() {
    let (alice, bob) = alice_bob();
    bob.receive(&alice.send_first(&bob, &bob.bundle(), b"index 0"));
    // Bob's chain now expects index 1. Alice sends indices 1 ..= MAX + 2.
    let count = MAX_FORWARD_JUMP as usize + 2;
    let mut last_two = Vec::new();
    for index in 1..=count {
        let envelope = alice.send(&bob, format!("index {index}").as_bytes());
        if index + 2 > count {
            last_two.push(envelope);
        }
    }
    let (at_bound, past_bound) = (&last_two[0], &last_two[1]);
    assert_eq!(
        bob.reject(past_bound),
        Error::Session(SessionError::TooFarAhead {
            jump: u64::from(MAX_FORWARD_JUMP) + 1,
            max: MAX_FORWARD_JUMP,
        })
    );
    // Skipping exactly MAX_FORWARD_JUMP keys is allowed...
    assert_eq!(
        bob.receive(at_bound),
        format!("index {}", count - 1).as_bytes()
    );
    // ...and from there the refused message is one step ahead.
    assert_eq!(bob.receive(past_bound), format!("index {count}").as_bytes());
}

#[test]
fn forged_headers_claiming_huge_jumps_on_a_new_chain_are_too_far_ahead() {
    let (alice, bob) = established();
    let message = Envelope::decode(&alice.send(&bob, b"real")).unwrap();
    let forge = |ratchet_key: [u8; 32], previous_chain_length: u32, index: u32| {
        let mut forged = message.clone();
        forged.header.ratchet_key = ratchet_key;
        forged.header.previous_chain_length = previous_chain_length;
        forged.header.index = index;
        forged.encode()
    };
    let new_key = [9; 32];
    let too_far = |jump: u64| {
        Error::Session(SessionError::TooFarAhead {
            jump,
            max: MAX_FORWARD_JUMP,
        })
    };
    // A new chain starting beyond the bound.
    assert_eq!(
        bob.reject(&forge(new_key, 0, MAX_FORWARD_JUMP + 1)),
        too_far(u64::from(MAX_FORWARD_JUMP) + 1)
    );
    assert_eq!(
        bob.reject(&forge(new_key, 0, u32::MAX)),
        too_far(u64::from(u32::MAX))
    );
    // The old chain claimed to be far longer than Bob has seen (Bob's chain
    // expects index 1).
    assert_eq!(
        bob.reject(&forge(new_key, MAX_FORWARD_JUMP + 2, 0)),
        too_far(u64::from(MAX_FORWARD_JUMP) + 1)
    );
    // At the bound the work is done, and authentication fails.
    assert_eq!(
        bob.reject(&forge(new_key, 1, MAX_FORWARD_JUMP)),
        Error::Session(SessionError::Decrypt)
    );
    assert_eq!(bob.receive(&message.encode()), b"real");
}

#[test]
fn initial_messages_delivered_in_reverse_all_decrypt_into_one_session() {
    let (alice, bob) = alice_bob();
    let bundle = bob.bundle();
    let mut sent = vec![alice.send_first(&bob, &bundle, b"m0")];
    for i in 1..40 {
        sent.push(alice.send(&bob, format!("m{i}").as_bytes()));
    }
    for (i, envelope) in sent.iter().enumerate().rev() {
        assert_eq!(bob.receive(envelope), format!("m{i}").as_bytes());
    }
    assert_eq!(
        bob.client.sessions().unwrap(),
        vec![alice.client.address().clone()]
    );
    // Every one was consumed exactly once.
    for envelope in &sent {
        assert_eq!(
            bob.reject(envelope),
            Error::Session(SessionError::Duplicate)
        );
    }
    assert_eq!(alice.receive(&bob.send(&alice, b"all here")), b"all here");
}

#[test]
fn replays_of_initial_and_normal_messages_are_duplicates_and_change_nothing() {
    let (alice, bob) = alice_bob();
    let first = alice.send_first(&bob, &bob.bundle(), b"first");
    let skipped = alice.send(&bob, b"skipped");
    let normal = alice.send(&bob, b"normal");
    bob.receive(&first);
    bob.receive(&normal);
    bob.receive(&skipped);
    let duplicate = Error::Session(SessionError::Duplicate);
    for replay in [&first, &skipped, &normal] {
        assert_eq!(bob.reject(replay), duplicate);
    }
    // Still duplicates after both sides ratchet forward a few times (within
    // the remembered receiving chains).
    for round in 0..3 {
        alice.receive(&bob.send(&alice, b"ping"));
        bob.receive(&alice.send(&bob, format!("pong {round}").as_bytes()));
        for replay in [&first, &skipped, &normal] {
            assert_eq!(bob.reject(replay), duplicate, "round {round}");
        }
    }
}

#[test]
fn a_replay_from_a_chain_older_than_the_remembered_ones_is_still_rejected() {
    let (alice, bob) = alice_bob();
    let first = alice.send_first(&bob, &bob.bundle(), b"first");
    bob.receive(&first);
    for round in 0..(sealkit::session::MAX_RECEIVER_CHAINS + 3) {
        alice.receive(&bob.send(&alice, b"ping"));
        bob.receive(&alice.send(&bob, format!("pong {round}").as_bytes()));
    }
    // Bob no longer remembers the first chain's ratchet key, so the replay
    // is tried as a new chain and fails to authenticate; either way nothing
    // is decrypted and nothing changes.
    let error = bob.reject(&first);
    assert!(
        matches!(
            error,
            Error::Session(SessionError::Duplicate | SessionError::Decrypt)
        ),
        "{error:?}"
    );
    assert_eq!(bob.receive(&alice.send(&bob, b"still fine")), b"still fine");
}

#[test]
fn an_envelope_for_bob_given_to_carol_is_wrong_recipient_and_bob_can_still_open_it() {
    let (alice, bob) = alice_bob();
    let carol = Device::open("carol", "tablet", 3);
    let first = alice.send_first(&bob, &bob.bundle(), b"for bob");
    let second = alice.send(&bob, b"also for bob");
    for envelope in [&first, &second] {
        assert_eq!(
            carol.reject(envelope),
            Error::WrongRecipient {
                recipient: bob.client.address().clone()
            }
        );
    }
    assert!(carol.client.sessions().unwrap().is_empty());
    assert_eq!(bob.receive(&first), b"for bob");
    assert_eq!(bob.receive(&second), b"also for bob");
}

/// Alice tries to start a session from a forged bundle; returns the error
/// after checking she stored nothing and trusted no one.
fn encrypt_with_forged_bundle(forge: impl FnOnce(&mut PrekeyBundle)) -> Error {
    let (alice, bob) = alice_bob();
    let mut bundle = bob.bundle();
    forge(&mut bundle);
    let before = alice.store.snapshot();
    let error = match alice
        .client
        .encrypt(bob.client.address(), Some(&bundle), b"x")
    {
        Ok(_) => panic!("encrypted to a forged bundle"),
        Err(error) => error,
    };
    assert!(alice.store.snapshot() == before, "alice stored something");
    assert!(alice.client.sessions().unwrap().is_empty());
    assert_eq!(
        alice.client.trusted_identity(bob.client.address()).unwrap(),
        None
    );
    error
}

/// The signature failure, whichever layer reports it.
fn bad_signature_in(error: &Error) -> Option<&'static str> {
    match error {
        Error::Identity(IdentityError::BadSignature(what))
        | Error::Session(SessionError::Identity(IdentityError::BadSignature(what))) => Some(what),
        _ => None,
    }
}

/// A named way to forge a bundle.
type Forgery = (&'static str, fn(&mut PrekeyBundle));

#[test]
fn alice_stores_nothing_when_a_bundle_signature_does_not_verify() {
    let forgeries: [Forgery; 4] = [
        ("signed prekey key", |b| b.signed_prekey.key[0] ^= 1),
        ("signed prekey signature", |b| {
            b.signed_prekey.signature[5] ^= 1
        }),
        ("one-time ML-KEM key", |b| b.pq_one_time[0].key[0] ^= 1),
        ("last-resort ML-KEM key", |b| {
            b.pq_one_time.clear();
            b.pq_last_resort.key[100] ^= 1;
        }),
    ];
    for (what, forge) in forgeries {
        let error = encrypt_with_forged_bundle(forge);
        assert!(bad_signature_in(&error).is_some(), "{what}: {error:?}");
    }
}

#[test]
fn a_bundle_with_a_forged_signed_prekey_or_pq_prekey_is_an_identity_bad_signature() {
    let signed = encrypt_with_forged_bundle(|b| b.signed_prekey.key[0] ^= 1);
    assert_eq!(
        signed,
        Error::Identity(IdentityError::BadSignature("signed prekey"))
    );
    let pq = encrypt_with_forged_bundle(|b| b.pq_one_time[0].key[0] ^= 1);
    assert_eq!(
        pq,
        Error::Identity(IdentityError::BadSignature("post-quantum prekey"))
    );
}

#[test]
fn an_initial_message_naming_prekeys_bob_never_made_is_unknown_prekey() {
    let (alice, bob) = alice_bob();
    let first = alice.send_first(&bob, &bob.bundle(), b"hello");
    let envelope = Envelope::decode(&first).unwrap();
    let with_ids = |edit: fn(&mut sealkit::session::PrekeyHeader)| {
        let mut forged = envelope.clone();
        edit(forged.prekey.as_mut().unwrap());
        forged.encode()
    };
    assert_eq!(
        bob.reject(&with_ids(|h| h.signed_prekey_id = 77)),
        Error::UnknownPrekey { id: 77 }
    );
    assert_eq!(
        bob.reject(&with_ids(|h| h.one_time_prekey_id = Some(999))),
        Error::UnknownPrekey { id: 999 }
    );
    assert_eq!(
        bob.reject(&with_ids(|h| h.pq_prekey_id = 999)),
        Error::UnknownPrekey { id: 999 }
    );
    assert!(bob.client.sessions().unwrap().is_empty());
    assert_eq!(bob.receive(&first), b"hello");
}

#[test]
fn initial_messages_reusing_consumed_one_time_prekeys_are_refused_and_change_nothing() {
    let (alice, bob) = alice_bob();
    let carol = Device::open("carol", "tablet", 3);
    let bundle = bob.bundle();
    bob.receive(&alice.send_first(&bob, &bundle, b"from alice"));
    let x25519_id = bundle.one_time[0].id;
    let pq_id = bundle.pq_one_time[0].id;

    // Both one-time keys reused: the X25519 one is looked up first.
    let reused = carol.send_first(&bob, &bundle, b"from carol");
    assert_eq!(
        bob.reject(&reused),
        Error::PrekeyAlreadyUsed { id: x25519_id }
    );
    // Only the ML-KEM one-time key reused.
    let dave = Device::open("dave", "watch", 4);
    let mut pq_only = bundle.clone();
    pq_only.one_time.clear();
    let reused = dave.send_first(&bob, &pq_only, b"from dave");
    assert_eq!(bob.reject(&reused), Error::PrekeyAlreadyUsed { id: pq_id });

    for stranger in [&carol, &dave] {
        assert_eq!(
            bob.client
                .trusted_identity(stranger.client.address())
                .unwrap(),
            None
        );
    }
    assert_eq!(
        bob.client.sessions().unwrap(),
        vec![alice.client.address().clone()]
    );
}

#[test]
fn an_initial_message_on_a_retired_signed_prekey_is_unknown_and_the_oldest_retained_still_opens() {
    let (alice, bob) = alice_bob();
    let carol = Device::open("carol", "tablet", 3);
    let mut published = bob.client.prekey_bundle(2).unwrap();
    let for_alice = published.take_for_session();
    let for_carol = published.take_for_session();
    let original_id = for_alice.signed_prekey.id;
    // RETAINED_SIGNED_PREKEYS - 1 rotations: the original is the oldest kept.
    for _ in 1..sealkit::RETAINED_SIGNED_PREKEYS {
        bob.client.rotate_signed_prekeys().unwrap();
    }
    assert_eq!(
        bob.receive(&alice.send_first(&bob, &for_alice, b"just in time")),
        b"just in time"
    );
    // One more rotation retires it.
    bob.client.rotate_signed_prekeys().unwrap();
    let late = carol.send_first(&bob, &for_carol, b"too late");
    assert_eq!(bob.reject(&late), Error::UnknownPrekey { id: original_id });
}

/// Alice sends `skipped + 1` messages after the first; Bob receives only the
/// last, storing `skipped` keys. Returns the skipped envelopes, oldest first.
fn skip(alice: &Device, bob: &Device, skipped: usize, label: &str) -> Vec<Vec<u8>> {
    let envelopes: Vec<_> = (0..skipped)
        .map(|i| alice.send(bob, format!("{label} {i}").as_bytes()))
        .collect();
    let last = alice.send(bob, format!("{label} last").as_bytes());
    assert_eq!(bob.receive(&last), format!("{label} last").as_bytes());
    envelopes
}

#[test]
fn exactly_max_skipped_keys_are_kept_and_one_more_evicts_the_oldest() {
    let evicted = Error::Session(SessionError::KeyEvicted);
    // At the cap: the oldest skipped message still opens.
    let (alice, bob) = established();
    let skipped = skip(&alice, &bob, MAX_SKIPPED_KEYS, "at cap");
    assert_eq!(bob.receive(&skipped[0]), b"at cap 0");
    // One past the cap: the oldest was evicted, the next one opens.
    let (alice, bob) = established();
    let skipped = skip(&alice, &bob, MAX_SKIPPED_KEYS + 1, "past cap");
    assert_eq!(bob.reject(&skipped[0]), evicted);
    assert_eq!(bob.receive(&skipped[1]), b"past cap 1");
    assert_eq!(
        bob.receive(skipped.last().unwrap()),
        format!("past cap {MAX_SKIPPED_KEYS}").as_bytes()
    );
}

#[test]
fn skipped_keys_across_two_chains_evict_the_oldest_and_the_session_keeps_working() {
    let (alice, bob) = established();
    let first_chain = skip(&alice, &bob, 1_500, "chain one");
    // A round trip: Alice's next messages use a new ratchet key.
    alice.receive(&bob.send(&alice, b"turn"));
    let second_chain = skip(&alice, &bob, 1_000, "chain two");
    // 2,500 skipped in all: the 500 oldest, all from the first chain, are gone.
    let evicted = 1_500 + 1_000 - MAX_SKIPPED_KEYS;
    let key_evicted = Error::Session(SessionError::KeyEvicted);
    assert_eq!(bob.reject(&first_chain[0]), key_evicted);
    assert_eq!(bob.reject(&first_chain[evicted - 1]), key_evicted);
    assert_eq!(
        bob.receive(&first_chain[evicted]),
        format!("chain one {evicted}").as_bytes()
    );
    assert_eq!(bob.receive(&first_chain[1_499]), b"chain one 1499");
    assert_eq!(bob.receive(&second_chain[0]), b"chain two 0");
    assert_eq!(bob.receive(&second_chain[999]), b"chain two 999");
    // The session carries on both ways.
    assert_eq!(alice.receive(&bob.send(&alice, b"onwards")), b"onwards");
    assert_eq!(
        bob.receive(&alice.send(&bob, b"onwards too")),
        b"onwards too"
    );
}

/// Runs `cases` random inputs from `strategy` through Bob's `decrypt` (in a
/// session with Alice, one of her envelopes still undelivered); each must be
/// rejected without a state change, and the pending envelope still opens.
fn assert_random_inputs_are_rejected<S>(
    cases: u32,
    strategy: S,
    mutate: fn(&[u8], S::Value) -> Vec<u8>,
) where
    S: Strategy,
{
    let (alice, bob) = established();
    let pending = alice.send(&bob, b"pending");
    let mut runner = TestRunner::new(ProptestConfig::with_cases(cases));
    runner
        .run(&strategy, |value| {
            let input = mutate(&pending, value);
            prop_assume!(input != pending);
            let error = bob.reject(&input);
            assert_input_rejection(&error, "random input");
            Ok(())
        })
        .unwrap();
    assert_eq!(bob.receive(&pending), b"pending");
}

#[test]
fn arbitrary_bytes_never_panic_never_decrypt_and_change_nothing() {
    assert_random_inputs_are_rejected(
        256,
        proptest::collection::vec(any::<u8>(), 0..1_500),
        |_, bytes| bytes,
    );
}

#[test]
fn a_real_envelope_with_random_bytes_spliced_in_is_rejected_and_changes_nothing() {
    assert_random_inputs_are_rejected(
        256,
        (
            0usize..200,
            0usize..64,
            proptest::collection::vec(any::<u8>(), 0..64),
        ),
        |pending, (start, removed, replacement)| {
            let start = start % pending.len();
            let end = (start + removed).min(pending.len());
            let mut mutated = pending.to_vec();
            mutated.splice(start..end, replacement);
            mutated
        },
    );
}
