//! Sealkit sessions beside vodozemac (Olm), measured in the same run.
//!
//! Groups (run one at a time with a filter, e.g. `-- steady_state`):
//! - `handshake`: prekey bundle → first message → accepted by the responder.
//! - `steady_state`: one 100-byte message encrypted and decrypted, same
//!   direction, on an established session.
//! - `dh_ratchet_reply`: one 100-byte message, alternating direction, so every
//!   message makes the receiver step the DH ratchet.
//! - `skipped_1000`: decrypting message 1,001 of a chain first (1,000 skipped).
//!
//! Sealkit is measured at the session level (`Session`) and through the
//! `Client` facade with a `MemoryStore` (envelope encoding, record encoding,
//! store commit), and through the facade on two `SqliteStore` files
//! (`sealkit_client_sqlite`: each message is two durable SQLite commits,
//! so the figure is the disk's `fsync` more than the cryptography; it is
//! the baseline a change to the store must hold). Sealkit randomness is seeded (ChaCha20); vodozemac draws
//! from the operating system and cannot be seeded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sealkit::identity::{IdentityKeyPair, OneTimePrekey, PqPrekey, SignedPrekey};
use sealkit::session::{Envelope, ResponderKeys, Session};
use sealkit::store::{Changeset, MemoryStore, SqliteStore, Store, Zeroizing};
use sealkit::{Client, DeviceAddress, PrekeyBundle};
use vodozemac::olm::{Account, OlmMessage, Session as OlmSession, SessionConfig};

const MESSAGE: [u8; 100] = [0x42; 100];
const SKIPPED: usize = 1_000;

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

// ---------------------------------------------------------------- Sealkit, session level

/// A responder's long-term and prekey secrets, as its device would hold them.
struct Responder {
    identity: IdentityKeyPair,
    address: DeviceAddress,
    signed: SignedPrekey,
    one_time: OneTimePrekey,
    pq_last_resort: PqPrekey,
    pq_one_time: PqPrekey,
}

impl Responder {
    fn new(rng: &mut ChaCha20Rng) -> Self {
        let identity = IdentityKeyPair::generate(rng);
        Self {
            signed: SignedPrekey::generate(rng, &identity, 1),
            one_time: OneTimePrekey::generate(rng, 1),
            pq_last_resort: PqPrekey::generate(rng, &identity, 1, true),
            pq_one_time: PqPrekey::generate(rng, &identity, 2, false),
            address: DeviceAddress::new("bob", "laptop").unwrap(),
            identity,
        }
    }

    /// The bundle one initiator gets: one one-time key of each kind.
    fn bundle(&self) -> PrekeyBundle {
        PrekeyBundle {
            address: self.address.clone(),
            identity: *self.identity.public(),
            signed_prekey: self.signed.public(),
            pq_last_resort: self.pq_last_resort.public(),
            one_time: vec![self.one_time.public()],
            pq_one_time: vec![self.pq_one_time.public()],
        }
    }

    /// Looks up the keys the initial message names, as a client would.
    fn accept(&self, envelope: &Envelope) -> Session {
        let header = envelope.prekey.as_ref().expect("initial message");
        let pq_prekey = if header.pq_prekey_id == 2 {
            &self.pq_one_time
        } else {
            &self.pq_last_resort
        };
        Session::respond(
            &ResponderKeys {
                identity: &self.identity,
                address: &self.address,
                signed_prekey: &self.signed,
                one_time_prekey: header.one_time_prekey_id.map(|_| &self.one_time),
                pq_prekey,
            },
            envelope,
        )
        .unwrap()
    }
}

struct Initiator {
    identity: IdentityKeyPair,
    address: DeviceAddress,
}

impl Initiator {
    fn new(rng: &mut ChaCha20Rng) -> Self {
        Self {
            identity: IdentityKeyPair::generate(rng),
            address: DeviceAddress::new("alice", "phone").unwrap(),
        }
    }
}

/// The whole handshake: initiate from the bundle, encrypt, respond, decrypt.
fn sealkit_handshake(
    rng: &mut ChaCha20Rng,
    alice: &Initiator,
    bob: &Responder,
    bundle: &PrekeyBundle,
) -> (Session, Session, Vec<u8>) {
    let mut a = Session::initiate(rng, &alice.identity, &alice.address, bundle).unwrap();
    let envelope = a.encrypt(black_box(&MESSAGE)).unwrap();
    let mut b = bob.accept(&envelope);
    let plaintext = b.decrypt(rng, &envelope).unwrap();
    (a, b, plaintext)
}

/// Two sessions that have exchanged one message each way.
fn sealkit_pair(rng: &mut ChaCha20Rng) -> (Session, Session) {
    let alice = Initiator::new(rng);
    let bob = Responder::new(rng);
    let (mut a, mut b, _) = sealkit_handshake(rng, &alice, &bob, &bob.bundle());
    let reply = b.encrypt(&MESSAGE).unwrap();
    a.decrypt(rng, &reply).unwrap();
    assert!(!a.awaiting_reply());
    (a, b)
}

// ---------------------------------------------------------------- Sealkit, Client

fn clients() -> (Client, Client, PrekeyBundle) {
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let bob = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [2; 32]).unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    (alice, bob, bundle)
}

/// Two clients that have exchanged one message each way. Bob's store is
/// shared so that it can be copied.
fn client_pair() -> (Client, Client, Arc<MemoryStore>) {
    let bob_store = Arc::new(MemoryStore::new());
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let bob = Client::open_with_seed(Arc::clone(&bob_store), "bob", "laptop", [2; 32]).unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice
        .encrypt(bob.address(), Some(&bundle), &MESSAGE)
        .unwrap();
    bob.decrypt(&first).unwrap();
    let reply = bob.encrypt(alice.address(), None, &MESSAGE).unwrap();
    alice.decrypt(&reply).unwrap();
    (alice, bob, bob_store)
}

/// Two clients on SQLite files in `dir`, after one message each way.
fn sqlite_client_pair(dir: &std::path::Path) -> (Client, Client) {
    let alice_store = SqliteStore::open(dir.join("alice.db"), &[1; 32]).unwrap();
    let bob_store = SqliteStore::open(dir.join("bob.db"), &[2; 32]).unwrap();
    let alice = Client::open_with_seed(alice_store, "alice", "phone", [1; 32]).unwrap();
    let bob = Client::open_with_seed(bob_store, "bob", "laptop", [2; 32]).unwrap();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice
        .encrypt(bob.address(), Some(&bundle), &MESSAGE)
        .unwrap();
    bob.decrypt(&first).unwrap();
    let reply = bob.encrypt(alice.address(), None, &MESSAGE).unwrap();
    alice.decrypt(&reply).unwrap();
    (alice, bob)
}

/// A new store holding a copy of every record of `store`.
fn copy_store(records: &[(sealkit::store::RecordKind, String, Zeroizing<Vec<u8>>)]) -> MemoryStore {
    let store = MemoryStore::new();
    let mut changes = Changeset::new();
    for (kind, key, value) in records {
        changes.put(*kind, key.clone(), value.clone());
    }
    store.commit(changes).unwrap();
    store
}

// ---------------------------------------------------------------- vodozemac

fn olm_config() -> SessionConfig {
    SessionConfig::version_1()
}

/// Bob's account with one fresh one-time key, as published.
fn olm_responder() -> (Account, vodozemac::Curve25519PublicKey) {
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let otk = *bob.one_time_keys().values().next().unwrap();
    bob.mark_keys_as_published();
    (bob, otk)
}

fn olm_handshake(
    alice: &Account,
    bob: &mut Account,
    otk: vodozemac::Curve25519PublicKey,
) -> (OlmSession, OlmSession, Vec<u8>) {
    let mut a = alice
        .create_outbound_session(olm_config(), bob.curve25519_key(), otk)
        .unwrap();
    let OlmMessage::PreKey(message) = a.encrypt(black_box(MESSAGE)).unwrap() else {
        panic!("expected a pre-key message");
    };
    let result = bob
        .create_inbound_session(olm_config(), alice.curve25519_key(), &message)
        .unwrap();
    (a, result.session, result.plaintext)
}

fn olm_pair() -> (OlmSession, OlmSession) {
    let alice = Account::new();
    let (mut bob, otk) = olm_responder();
    let (mut a, mut b, _) = olm_handshake(&alice, &mut bob, otk);
    let reply = b.encrypt(MESSAGE).unwrap();
    a.decrypt(&reply).unwrap();
    (a, b)
}

// ---------------------------------------------------------------- groups

fn handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake");

    let mut r = rng(10);
    let alice = Initiator::new(&mut r);
    let bob = Responder::new(&mut r);
    let bundle = bob.bundle();
    group.bench_function("sealkit_session", |b| {
        b.iter_batched(
            || bundle.clone(),
            |bundle| sealkit_handshake(&mut r, &alice, &bob, &bundle),
            BatchSize::SmallInput,
        );
    });

    group.bench_function("sealkit_client", |b| {
        b.iter_batched(
            clients,
            |(alice, bob, bundle)| {
                let envelope = alice
                    .encrypt(bob.address(), Some(&bundle), black_box(&MESSAGE))
                    .unwrap();
                let received = bob.decrypt(&envelope).unwrap();
                (alice, bob, received)
            },
            BatchSize::SmallInput,
        );
    });

    let olm_alice = Account::new();
    group.bench_function("vodozemac", |b| {
        b.iter_batched(
            olm_responder,
            |(mut bob, otk)| {
                let out = olm_handshake(&olm_alice, &mut bob, otk);
                (bob, out)
            },
            BatchSize::SmallInput,
        );
    });

    // As Matrix clients do: check the one-time key's Ed25519 signature first
    // (Sealkit's initiate verifies two prekey signatures).
    group.bench_function("vodozemac_signed_otk", |b| {
        b.iter_batched(
            || {
                let (bob, otk) = olm_responder();
                let signature = bob.sign(otk.as_bytes());
                (bob, otk, signature)
            },
            |(mut bob, otk, signature)| {
                bob.ed25519_key()
                    .verify(otk.as_bytes(), &signature)
                    .unwrap();
                let out = olm_handshake(&olm_alice, &mut bob, otk);
                (bob, out)
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn steady_state(c: &mut Criterion) {
    let mut group = c.benchmark_group("steady_state");

    let mut r = rng(20);
    let (mut a, mut b) = sealkit_pair(&mut r);
    group.bench_function("sealkit_session", |bench| {
        bench.iter(|| {
            let envelope = a.encrypt(black_box(&MESSAGE)).unwrap();
            b.decrypt(&mut r, &envelope).unwrap()
        });
    });

    let (alice, bob, _) = client_pair();
    group.bench_function("sealkit_client", |bench| {
        bench.iter(|| {
            let envelope = alice
                .encrypt(bob.address(), None, black_box(&MESSAGE))
                .unwrap();
            bob.decrypt(&envelope).unwrap()
        });
    });

    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = sqlite_client_pair(dir.path());
    group.bench_function("sealkit_client_sqlite", |bench| {
        bench.iter(|| {
            let envelope = alice
                .encrypt(bob.address(), None, black_box(&MESSAGE))
                .unwrap();
            bob.decrypt(&envelope).unwrap()
        });
    });

    let (mut a, mut b) = olm_pair();
    group.bench_function("vodozemac", |bench| {
        bench.iter(|| {
            let message = a.encrypt(black_box(MESSAGE)).unwrap();
            b.decrypt(&message).unwrap()
        });
    });
    group.finish();
}

fn dh_ratchet_reply(c: &mut Criterion) {
    let mut group = c.benchmark_group("dh_ratchet_reply");

    // The last message of each pair went Bob → Alice, so Alice's next message
    // makes Bob step the DH ratchet, and so on: one message per iteration.
    let mut r = rng(30);
    let (mut a, mut b) = sealkit_pair(&mut r);
    let mut alice_turn = false;
    group.bench_function("sealkit_session", |bench| {
        bench.iter(|| {
            alice_turn = !alice_turn;
            let (from, to) = if alice_turn {
                (&mut a, &mut b)
            } else {
                (&mut b, &mut a)
            };
            let envelope = from.encrypt(black_box(&MESSAGE)).unwrap();
            to.decrypt(&mut r, &envelope).unwrap()
        });
    });

    let (alice, bob, _) = client_pair();
    let mut alice_turn = false;
    group.bench_function("sealkit_client", |bench| {
        bench.iter(|| {
            alice_turn = !alice_turn;
            let (from, to) = if alice_turn {
                (&alice, &bob)
            } else {
                (&bob, &alice)
            };
            let envelope = from
                .encrypt(to.address(), None, black_box(&MESSAGE))
                .unwrap();
            to.decrypt(&envelope).unwrap()
        });
    });

    let (mut a, mut b) = olm_pair();
    let mut alice_turn = false;
    group.bench_function("vodozemac", |bench| {
        bench.iter(|| {
            alice_turn = !alice_turn;
            let (from, to) = if alice_turn {
                (&mut a, &mut b)
            } else {
                (&mut b, &mut a)
            };
            let message = from.encrypt(black_box(MESSAGE)).unwrap();
            to.decrypt(&message).unwrap()
        });
    });
    group.finish();
}

fn skipped_1000(c: &mut Criterion) {
    let mut group = c.benchmark_group("skipped_1000");

    let mut r = rng(40);
    let (mut a, b) = sealkit_pair(&mut r);
    let mut last = None;
    for _ in 0..=SKIPPED {
        last = Some(a.encrypt(&MESSAGE).unwrap());
    }
    let last = last.unwrap();
    group.bench_function("sealkit_session", |bench| {
        bench.iter_batched(
            || b.clone(),
            |mut b| {
                let plaintext = b.decrypt(&mut r, &last).unwrap();
                assert_eq!(b.skipped_keys(), SKIPPED);
                (b, plaintext)
            },
            BatchSize::SmallInput,
        );
    });

    // Bob's state is copied into a fresh store and client per iteration
    // (setup); the timed decrypt therefore also reads and decodes Bob's
    // session record from the store once.
    let (alice, bob, bob_store) = client_pair();
    let mut last = None;
    for _ in 0..=SKIPPED {
        last = Some(alice.encrypt(bob.address(), None, &MESSAGE).unwrap());
    }
    let last = last.unwrap();
    let records = bob_store.snapshot();
    group.bench_function("sealkit_client", |bench| {
        bench.iter_batched(
            || Client::open_with_seed(copy_store(&records), "bob", "laptop", [2; 32]).unwrap(),
            |bob| {
                let received = bob.decrypt(&last).unwrap();
                (bob, received)
            },
            BatchSize::SmallInput,
        );
    });

    let (mut a, b) = olm_pair();
    let mut last = None;
    for _ in 0..=SKIPPED {
        last = Some(a.encrypt(MESSAGE).unwrap());
    }
    let last = last.unwrap();
    group.bench_function("vodozemac", |bench| {
        bench.iter_batched(
            || OlmSession::from_pickle(b.pickle()),
            |mut b| {
                let plaintext = b.decrypt(&last).unwrap();
                (b, plaintext)
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = handshake, steady_state, dh_ratchet_reply, skipped_1000
}
criterion_main!(benches);
