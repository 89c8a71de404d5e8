//! No secret is left in memory the SDK frees: a session record that grows
//! with skipped message keys, group state written after a commit, and
//! prekeys generated for a bundle. The allocator keeps every block freed
//! during the step (`sealkit_freed_memory`); afterwards the secrets the step
//! wrote to the store are searched for in them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeSet;
use std::sync::Arc;

use sealkit::Client;
use sealkit::store::{MemoryStore, RecordKind};
use sealkit_freed_memory::{Freed, KeepFreed, record};

#[global_allocator]
static ALLOCATOR: KeepFreed = KeepFreed;

/// A secret to look for, and where in the store it came from.
struct Secret {
    what: String,
    bytes: Vec<u8>,
}

fn assert_none_left(freed: &Freed, secrets: &[Secret]) {
    assert!(
        freed.complete(),
        "more blocks freed than the allocator keeps"
    );
    assert!(!secrets.is_empty(), "no secret to look for");
    let left: Vec<String> = secrets
        .iter()
        .filter_map(|secret| {
            let sizes = freed.containing(&secret.bytes);
            (!sizes.is_empty())
                .then(|| format!("{} in freed blocks of {sizes:?} bytes", secret.what))
        })
        .collect();
    assert!(
        left.is_empty(),
        "{} of {} secrets are in the {} blocks freed: {left:?}",
        left.len(),
        secrets.len(),
        freed.blocks()
    );
}

/// The secret fields of a stored session record (docs/format/stored-records.md,
/// "Session"): per session the root key, the ratchet private key, the
/// sending and receiving chain keys and every skipped message key.
fn session_secrets(key: &str, record: &[u8]) -> Vec<Secret> {
    struct At<'a>(&'a [u8], usize);
    impl At<'_> {
        fn take(&mut self, n: usize) -> &[u8] {
            let bytes = &self.0[self.1..self.1 + n];
            self.1 += n;
            bytes
        }
        fn u16(&mut self) -> usize {
            usize::from(u16::from_be_bytes(self.take(2).try_into().unwrap()))
        }
        fn u32(&mut self) -> usize {
            u32::from_be_bytes(self.take(4).try_into().unwrap()) as usize
        }
        fn address(&mut self) {
            let user = self.u16();
            self.take(user);
            let device = self.u16();
            self.take(device);
        }
    }
    let mut secrets = Vec::new();
    let mut secret = |what: &str, bytes: &[u8]| {
        if bytes.iter().any(|&b| b != 0) {
            secrets.push(Secret {
                what: format!("{what} of session record {key}"),
                bytes: bytes.to_vec(),
            });
        }
    };
    let mut at = At(record, 0);
    assert_eq!(at.take(1), [1], "session record version");
    for _ in 0..at.u16() {
        assert_eq!(at.take(1), [2], "session version");
        at.take(32); // id
        at.address();
        at.address();
        at.take(64); // remote identity (X25519 and Ed25519)
        let ad = at.u32();
        at.take(ad);
        secret("root key", at.take(32));
        secret("ratchet private key", at.take(32));
        at.take(1);
        secret("sending chain key", at.take(32));
        at.take(4);
        at.take(1 + 32); // their ratchet key
        at.take(1);
        secret("receiving chain key", at.take(32));
        at.take(4 + 4);
        for _ in 0..at.u16() {
            at.take(32 + 4);
            secret("skipped message key", at.take(32));
        }
        let old = at.u16();
        at.take(32 * old);
        let runs = at.u16();
        at.take(runs * (32 + 8));
        assert_eq!(at.take(1), [0], "no pending prekey on the responder");
    }
    secrets
}

/// 32-byte stretches, every 8 bytes, of the `kinds` records in `store` whose
/// layout the test does not parse (openmls's JSON, prekey records): those
/// that look random (at least 20 distinct byte values, so no run of zeros
/// or ASCII structure) and occur in none of `public` (what the step sent:
/// key packages, commits and bundles carry the public halves).
fn stretches(store: &MemoryStore, kinds: &[RecordKind], public: &[&[u8]]) -> Vec<Secret> {
    let mut secrets = Vec::new();
    for (kind, key, value) in store.snapshot() {
        if !kinds.contains(&kind) || value.len() < 32 {
            continue;
        }
        for offset in (0..=value.len() - 32).step_by(8) {
            let stretch = &value[offset..offset + 32];
            let distinct: BTreeSet<u8> = stretch.iter().copied().collect();
            if distinct.len() < 20
                || public
                    .iter()
                    .any(|bytes| bytes.windows(32).any(|w| w == stretch))
            {
                continue;
            }
            secrets.push(Secret {
                what: format!("{kind:?} {key} at byte {offset}"),
                bytes: stretch.to_vec(),
            });
        }
    }
    secrets
}

#[test]
fn a_session_record_that_grows_with_skipped_keys_leaves_no_copy_behind() {
    let alice = Client::open(MemoryStore::new(), "alice", "phone").unwrap();
    let bob_store = Arc::new(MemoryStore::new());
    let bob = Client::open(Arc::clone(&bob_store), "bob", "laptop").unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice
        .encrypt(bob.address(), Some(&bundle), b"hello")
        .unwrap();
    bob.decrypt(&first).unwrap();
    let later: Vec<Vec<u8>> = (0..40u8)
        .map(|i| alice.encrypt(bob.address(), None, &[i]).unwrap())
        .collect();

    // Bob receives the last message first: 39 keys skipped into his record,
    // which is encoded well past the size its writer starts with.
    let (got, freed) = record(|| bob.decrypt(&later[39]).unwrap());
    assert_eq!(got.plaintext, [39]);

    let secrets: Vec<Secret> = bob_store
        .snapshot()
        .iter()
        .filter(|(kind, ..)| *kind == RecordKind::Session)
        .flat_map(|(_, key, value)| session_secrets(key, value))
        .collect();
    assert!(secrets.len() > 39, "the skipped keys are in the record");
    assert_none_left(&freed, &secrets);
}

#[test]
fn group_state_written_after_a_commit_leaves_no_copy_behind() {
    let alice_store = Arc::new(MemoryStore::new());
    let alice = Client::open(Arc::clone(&alice_store), "alice", "phone").unwrap();
    let others: Vec<Client> = ["bob", "carol", "dave"]
        .iter()
        .map(|user| Client::open(MemoryStore::new(), user, "phone").unwrap())
        .collect();
    let packages: Vec<Vec<u8>> = others
        .iter()
        .map(|other| other.key_packages(1).unwrap().remove(0))
        .collect();
    alice.create_group("team").unwrap();

    // The add and its confirmation write the ratchet tree, the epoch
    // secrets and the new leaf's private keys as JSON.
    let (commit, freed) = record(|| {
        let commit = alice.add_group_members("team", &packages).unwrap();
        alice.confirm_group_commit("team").unwrap();
        commit
    });

    let mut public: Vec<&[u8]> = packages.iter().map(Vec::as_slice).collect();
    public.push(&commit.commit);
    if let Some(welcome) = &commit.welcome {
        public.push(welcome);
    }
    assert_none_left(
        &freed,
        &stretches(&alice_store, &[RecordKind::Mls], &public),
    );
}

#[test]
fn prekeys_generated_for_a_bundle_leave_no_copy_behind() {
    let store = Arc::new(MemoryStore::new());
    let client = Client::open(Arc::clone(&store), "alice", "phone").unwrap();

    let (bundle, freed) = record(|| client.prekey_bundle(100).unwrap());

    let bundle = bundle.encode();
    let kinds = [
        RecordKind::Identity,
        RecordKind::SignedPrekey,
        RecordKind::OneTimePrekey,
        RecordKind::PqPrekey,
    ];
    assert_none_left(&freed, &stretches(&store, &kinds, &[&bundle]));
}
