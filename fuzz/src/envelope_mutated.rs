//! The 1:1 receive path from real messages: envelopes that seeded clients
//! really sent to Bob, edited at an offset, to Bob's `Client::decrypt`. Never
//! a panic; a failed decrypt changes no stored state and fails with a typed
//! error; only a genuine envelope decrypts, from its sender, to its
//! plaintext, and at most once; every genuine envelope not yet delivered
//! does decrypt, in whatever order they come.
//!
//! Bob's state (restored after every input that changed it): he published
//! prekeys, received Alice's initial message `0` (PQXDH, a one-time prekey)
//! and replied, which Alice received. The envelopes, none of which but `0`
//! Bob has seen:
//! * `0`: Alice's initial message (a replay now);
//! * `1`: Alice's second message, sent before the reply (still carrying the
//!   PQXDH header; on the chain Bob is on);
//! * `2`, `3`, `4`: Alice's messages after the reply (a new ratchet key: a
//!   DH ratchet step for Bob, and `1` then comes from a skipped key);
//! * `5`, `6`: Dave's initial message and his second one (both with the
//!   PQXDH header, one-time prekey), so `6` first starts the session and `5`
//!   is then out of order;
//! * `7`: Erin's initial message from a bundle without one-time prekeys
//!   (the last-resort ML-KEM prekey).
//!
//! Input: `data[0] & 3` is the shape, `(data[0] >> 2) & 3` the number `n` of
//! genuine envelopes delivered first, selected by the next `n` bytes
//! (`% 8`); then, by shape, `0`: the rest is one envelope; `1`, `2`: a real
//! envelope overwritten or inserted into at an offset, as `common::edit`
//! does; `3`: up to 16 more genuine envelopes, selected by the rest. The one
//! envelope of shapes `0` to `2` is delivered twice (the second time must
//! fail if the first succeeded). `[1, i, 0, 0]` is envelope `i` unchanged.

use std::sync::{Mutex, OnceLock};

use sealkit::store::MemoryStore;
use sealkit::{Client, DeviceAddress};

use crate::common::{Device, Edit, check_error, edit};

const MESSAGES: usize = 8;

struct Message {
    bytes: Vec<u8>,
    sender: DeviceAddress,
    plaintext: Vec<u8>,
}

struct Fixture {
    bob: Device,
    messages: Vec<Message>,
}

fn fixture() -> &'static Mutex<Fixture> {
    static FIXTURE: OnceLock<Mutex<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let open = |user, device, seed| {
            Client::open_with_seed(MemoryStore::new(), user, device, [seed; 32]).expect("open")
        };
        let alice = open("alice", "phone", 1);
        let dave = open("dave", "watch", 4);
        let erin = open("erin", "tv", 5);
        let mut bob = Device::new("bob", "laptop", 2);
        let to_bob = bob.client.address().clone();

        let mut published = bob.client.prekey_bundle(2).expect("bundle");
        let for_alice = published.take_for_session();
        let for_dave = published.take_for_session();
        let for_erin = bob
            .client
            .prekey_bundle(0)
            .expect("bundle")
            .take_for_session();
        assert!(for_erin.one_time.is_empty() && for_erin.pq_one_time.is_empty());

        let send = |from: &Client, bundle, plaintext: &[u8]| Message {
            bytes: from.encrypt(&to_bob, bundle, plaintext).expect("encrypt"),
            sender: from.address().clone(),
            plaintext: plaintext.to_vec(),
        };
        let mut messages = vec![
            send(&alice, Some(&for_alice), b"alice 0: the initial message"),
            send(&alice, None, b"alice 1: before the reply"),
        ];
        let first = bob.client.decrypt(&messages[0].bytes).expect("0");
        assert_eq!(first.plaintext, messages[0].plaintext);
        let reply = bob
            .client
            .encrypt(alice.address(), None, b"reply")
            .expect("reply");
        alice.decrypt(&reply).expect("alice reads the reply");
        messages.extend([
            send(&alice, None, b"alice 2: after the reply"),
            send(&alice, None, b"alice 3"),
            send(&alice, None, b""),
            send(&dave, Some(&for_dave), b"dave 0: the initial message"),
            send(&dave, None, b"dave 1"),
            send(&erin, Some(&for_erin), b"erin 0: last resort"),
        ]);
        assert_eq!(messages.len(), MESSAGES);
        bob.mark_baseline();

        let mut fixture = Fixture { bob, messages };
        // Every genuine envelope decrypts once, in reverse order too.
        let mut delivered = Delivered::new();
        for j in (0..MESSAGES).rev() {
            let bytes = fixture.messages[j].bytes.clone();
            deliver(&mut fixture, &mut delivered, &bytes);
        }
        assert!(delivered.0.iter().all(|d| *d));
        fixture.bob.restore();
        Mutex::new(fixture)
    })
}

/// Which genuine envelopes Bob has decrypted (`0` before the input).
struct Delivered([bool; MESSAGES], bool);

impl Delivered {
    fn new() -> Self {
        let mut delivered = [false; MESSAGES];
        delivered[0] = true;
        Self(delivered, false)
    }
}

/// Bob decrypts `bytes`, which the model judges.
fn deliver(f: &mut Fixture, delivered: &mut Delivered, bytes: &[u8]) {
    let genuine = f.messages.iter().position(|m| m.bytes == bytes);
    let before = f.bob.store.snapshot();
    match f.bob.client.decrypt(bytes) {
        Ok(decrypted) => {
            let j = genuine.expect("only a genuine envelope decrypts");
            assert!(!delivered.0[j], "envelope {j} decrypted twice");
            assert_eq!(decrypted.sender, f.messages[j].sender, "wrong sender");
            assert!(
                decrypted.plaintext == f.messages[j].plaintext,
                "envelope {j} decrypted to other bytes"
            );
            delivered.0[j] = true;
            delivered.1 = true;
        }
        Err(error) => {
            check_error(&error, "decrypt");
            assert!(
                before == f.bob.store.snapshot(),
                "a failed decrypt changed state"
            );
            if let Some(j) = genuine {
                assert!(
                    delivered.0[j],
                    "genuine envelope {j}, not delivered yet, was refused: {error}"
                );
            }
        }
    }
}

/// One input.
pub fn run(data: &[u8]) {
    let mut guard = fixture()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let f = &mut *guard;
    let (&shape, rest) = data.split_first().unwrap_or((&0, &[]));
    let prefix = usize::from((shape >> 2) & 3).min(rest.len());
    let (first, rest) = rest.split_at(prefix);
    let mut delivered = Delivered::new();
    for selector in first {
        let bytes = f.messages[usize::from(*selector) % MESSAGES].bytes.clone();
        deliver(f, &mut delivered, &bytes);
    }
    let envelope = match shape & 3 {
        0 => Some(rest.to_vec()),
        1 => Some(edit(&messages_of(f), rest, Edit::Overwrite).1),
        2 => Some(edit(&messages_of(f), rest, Edit::Insert).1),
        _ => {
            for selector in rest.iter().take(16) {
                let bytes = f.messages[usize::from(*selector) % MESSAGES].bytes.clone();
                deliver(f, &mut delivered, &bytes);
            }
            None
        }
    };
    if let Some(envelope) = envelope {
        deliver(f, &mut delivered, &envelope);
        deliver(f, &mut delivered, &envelope);
    }
    if delivered.1 {
        f.bob.restore();
    }
}

fn messages_of(f: &Fixture) -> Vec<&[u8]> {
    f.messages.iter().map(|m| &m.bytes[..]).collect()
}

/// Seeds: every envelope unchanged, with one byte changed in its
/// ciphertext's tag and in its header, and with a byte inserted; every
/// envelope after the others; the whole set in reverse; and each as raw
/// bytes.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let guard = fixture()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut seeds = Vec::new();
    for (i, message) in guard.messages.iter().enumerate() {
        let i8 = i as u8;
        let tag = (message.bytes.len() as u16 - 1).to_be_bytes();
        seeds.push((format!("real_envelope_{i}"), vec![1, i8, 0, 0]));
        seeds.push((
            format!("real_envelope_{i}_last_byte"),
            vec![1, i8, tag[0], tag[1], 0x5a],
        ));
        seeds.push((
            format!("real_envelope_{i}_byte_40"),
            vec![1, i8, 0, 40, 0x5a],
        ));
        seeds.push((
            format!("real_envelope_{i}_inserted_at_20"),
            vec![2, i8, 0, 20, 0],
        ));
        // Three others first (shape 1, three genuine envelopes delivered).
        seeds.push((
            format!("real_envelope_{i}_after_three"),
            vec![1 | 3 << 2, i8 + 1, i8 + 3, i8 + 5, i8, 0, 0],
        ));
        let mut raw = vec![0];
        raw.extend_from_slice(&message.bytes);
        seeds.push((format!("raw_envelope_{i}"), raw));
    }
    seeds.push(("all_in_order".into(), vec![3, 0, 1, 2, 3, 4, 5, 6, 7]));
    seeds.push(("all_reversed".into(), vec![3, 7, 6, 5, 4, 3, 2, 1, 0]));
    seeds.push(("all_twice".into(), vec![3, 4, 4, 2, 2, 6, 6, 5, 5, 1, 1]));
    seeds
}

/// The genuine envelopes, for other targets' seeds.
pub(crate) fn real_envelopes() -> Vec<Vec<u8>> {
    let guard = fixture()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard.messages.iter().map(|m| m.bytes.clone()).collect()
}
