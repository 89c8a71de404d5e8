//! Sealkit MLS groups beside openmls used directly, measured in the same run.
//!
//! Groups (run one at a time with a filter, e.g. `-- group_add`):
//! - `group_add`: create a group and add N members in one commit, then merge
//!   it (Sealkit: `create_group` + `add_group_members` +
//!   `confirm_group_commit`), N = 10, 100, 1,000. The N key packages arrive
//!   as bytes from N distinct devices, generated outside the timed part.
//! - `group_join`: a newcomer processing the welcome of that commit.
//! - `group_process_commit`: a member that is not the committer processing
//!   the commit (the group had two members; the committer adds N).
//! - `group_app_message`: one 100-byte application message encrypted by one
//!   member and processed by another, in a 2-member group and in the
//!   1,002-member group the N = 1,000 fixture builds;
//!   `openmls_basic_credential_signer/2` is the 2-member case with
//!   openmls_basic_credential's `SignatureKeyPair` as the signer.
//! - `group_cores`: the N = 1,000 add on one thread (a one-thread rayon pool;
//!   openmls parallelises path encryption and path key derivation with
//!   rayon), and two independent N = 1,000 adds on two threads
//!   (throughput).
//!
//! Ids are `<side>/<N>`: `sealkit` is `sealkit::Client` on a `MemoryStore`
//! (every operation one store transaction, openmls's writes going through
//! Sealkit's storage overlay, trust checks on every member's credential);
//! `openmls` is openmls 0.9 used directly with `OpenMlsRustCrypto` (its
//! in-memory storage) and an Ed25519 signer that, like Sealkit's, holds the
//! ed25519-dalek key expanded once. Both use
//! `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`, the ratchet tree
//! extension, `PURE_CIPHERTEXT_WIRE_FORMAT_POLICY`, the same sender-ratchet
//! and past-epoch settings and leaf capabilities, credentials of the same
//! length, and both parse and validate key packages from bytes and
//! serialise what they send, as an application has to. Message sizes are
//! printed once per N.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    BasicCredential, Capabilities, Ciphersuite, CredentialWithKey, GroupId, KeyPackage,
    KeyPackageIn, MlsGroup, MlsGroupJoinConfig, MlsMessageBodyIn, MlsMessageIn, MlsMessageOut,
    PURE_CIPHERTEXT_WIRE_FORMAT_POLICY, ProcessedMessageContent, ProtocolVersion,
    SenderRatchetConfiguration, StagedWelcome,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::OpenMlsProvider;
use openmls_traits::signatures::{Signer, SignerError};
use openmls_traits::types::SignatureScheme;
use sealkit::group::{MAX_FORWARD_DISTANCE, MAX_PAST_EPOCHS, OUT_OF_ORDER_TOLERANCE};
use sealkit::store::{Changeset, MemoryStore, RecordKind, Store, Zeroizing};
use sealkit::{Client, GroupEvent};

const SIZES: [usize; 3] = [10, 100, 1_000];
const LARGEST: usize = 1_000;
const GROUP: &str = "bench-group";
const PAIR: &str = "bench-pair";
const MESSAGE: [u8; 100] = [0x42; 100];
const CIPHERSUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

fn member_name(i: usize) -> String {
    format!("member-{i:04}")
}

fn seed(tag: u8, i: usize) -> [u8; 32] {
    let mut seed = [tag; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    seed
}

fn sizes_line(side: &str, n: usize, commit: usize, welcome: usize) {
    println!(
        "sizes: {side:7} N={n:5}: commit {commit:7} B ({:.0} B/member), welcome {welcome:7} B ({:.0} B/member)",
        commit as f64 / n as f64,
        welcome as f64 / n as f64,
    );
}

// ---------------------------------------------------------------- Sealkit

/// A new store holding a copy of every record of `records`.
fn copy_store(records: &[(RecordKind, String, Zeroizing<Vec<u8>>)]) -> MemoryStore {
    let store = MemoryStore::new();
    let mut changes = Changeset::new();
    for (kind, key, value) in records {
        changes.put(*kind, key.clone(), value.clone());
    }
    store.commit(changes).unwrap();
    store
}

/// N devices' published key packages; device 0 (the measured newcomer)
/// keeps its store so that its state can be copied.
struct SealkitDevices {
    key_packages: Vec<Vec<u8>>,
    newcomer: Vec<(RecordKind, String, Zeroizing<Vec<u8>>)>,
}

fn sealkit_devices(count: usize) -> SealkitDevices {
    let mut key_packages = Vec::with_capacity(count);
    let mut newcomer = Vec::new();
    for i in 0..count {
        let store = Arc::new(MemoryStore::new());
        let client =
            Client::open_with_seed(Arc::clone(&store), &member_name(i), "device", seed(3, i))
                .unwrap();
        key_packages.push(client.key_packages(1).unwrap().remove(0));
        if i == 0 {
            newcomer = store.snapshot();
        }
    }
    SealkitDevices {
        key_packages,
        newcomer,
    }
}

fn sealkit_newcomer(devices: &SealkitDevices) -> Client {
    Client::open_with_seed(
        copy_store(&devices.newcomer),
        &member_name(0),
        "device",
        seed(3, 0),
    )
    .unwrap()
}

fn sealkit_committer() -> Client {
    Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap()
}

/// Creates `group_id` and adds the devices in one commit, confirmed.
fn sealkit_create_and_add(
    alice: &Client,
    group_id: &str,
    key_packages: &[Vec<u8>],
) -> sealkit::GroupCommit {
    alice.create_group(group_id).unwrap();
    let commit = alice.add_group_members(group_id, key_packages).unwrap();
    alice.confirm_group_commit(group_id).unwrap();
    commit
}

/// Alice and Bob in a group, then Alice adds N devices in one commit. Bob's
/// records are kept from before he processes that commit.
struct SealkitFixture {
    alice: Client,
    bob: Client,
    bob_before_commit: Vec<(RecordKind, String, Zeroizing<Vec<u8>>)>,
    commit: Vec<u8>,
    welcome: Vec<u8>,
}

fn sealkit_bob() -> (Client, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    let bob = Client::open_with_seed(Arc::clone(&store), "bob", "laptop", [2; 32]).unwrap();
    (bob, store)
}

fn sealkit_fixture(devices: &SealkitDevices, n: usize) -> SealkitFixture {
    let alice = sealkit_committer();
    let (bob, bob_store) = sealkit_bob();
    let bob_package = bob.key_packages(1).unwrap().remove(0);
    let first = sealkit_create_and_add(&alice, GROUP, &[bob_package]);
    bob.join_group(first.welcome.as_deref().unwrap()).unwrap();
    let bob_before_commit = bob_store.snapshot();
    let commit = alice
        .add_group_members(GROUP, &devices.key_packages[..n])
        .unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    let events = bob.process_group_message(&commit.commit).unwrap();
    assert!(
        events.iter().any(
            |event| matches!(event, GroupEvent::MembersAdded { members, .. } if members.len() == n)
        ),
        "Bob sees the N members added"
    );
    let fixture = SealkitFixture {
        alice,
        bob,
        bob_before_commit,
        commit: commit.commit,
        welcome: commit.welcome.unwrap(),
    };
    let joined = sealkit_newcomer(devices)
        .join_group(&fixture.welcome)
        .unwrap();
    assert_eq!(joined.members.len(), n + 2);
    sizes_line("sealkit", n, fixture.commit.len(), fixture.welcome.len());
    fixture
}

fn sealkit_message(alice: &Client, bob: &Client, group_id: &str) -> Vec<GroupEvent> {
    let sealed = alice.encrypt_group(group_id, black_box(&MESSAGE)).unwrap();
    bob.process_group_message(&sealed).unwrap()
}

// ---------------------------------------------------------------- openmls directly

/// The peer's signer. `Expanded` signs as Sealkit's `DeviceSigner` does:
/// an ed25519-dalek key (the same crate and version) expanded once.
/// `Basic` is openmls_basic_credential's `SignatureKeyPair`, which rebuilds
/// the Ed25519 key from its seed (a SHA-512 and a base-point
/// multiplication) on every signature.
enum PeerSigner {
    Expanded(ed25519_dalek::SigningKey),
    Basic(SignatureKeyPair),
}

impl PeerSigner {
    fn public(&self) -> Vec<u8> {
        match self {
            Self::Expanded(key) => key.verifying_key().to_bytes().to_vec(),
            Self::Basic(pair) => pair.public().to_vec(),
        }
    }
}

impl Signer for PeerSigner {
    fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, SignerError> {
        match self {
            Self::Expanded(key) => Ok(ed25519_dalek::Signer::sign(key, payload)
                .to_bytes()
                .to_vec()),
            Self::Basic(pair) => pair.sign(payload),
        }
    }

    fn signature_scheme(&self) -> SignatureScheme {
        SignatureScheme::ED25519
    }
}

/// One openmls device: its provider (crypto + in-memory storage), its
/// signature key and its credential.
struct Peer {
    provider: OpenMlsRustCrypto,
    signer: PeerSigner,
    credential: CredentialWithKey,
}

/// A credential of the same layout and length as Sealkit's (version byte,
/// length-prefixed user and device ids, 64 bytes of identity key).
fn peer_credential(user: &str, device: &str, signature_key: &[u8]) -> BasicCredential {
    let mut identity = vec![1];
    for id in [user, device] {
        identity.extend_from_slice(&(id.len() as u16).to_be_bytes());
        identity.extend_from_slice(id.as_bytes());
    }
    identity.extend_from_slice(signature_key);
    identity.extend_from_slice(&[0; 32]);
    BasicCredential::new(identity)
}

impl Peer {
    /// A device whose signing key is expanded once (seeded).
    fn new(user: &str, device: &str, seed: [u8; 32]) -> Self {
        Self::with_signer(
            user,
            device,
            PeerSigner::Expanded(ed25519_dalek::SigningKey::from_bytes(&seed)),
        )
    }

    /// A device signing with openmls_basic_credential's `SignatureKeyPair`.
    fn with_basic_signer(user: &str, device: &str) -> Self {
        let pair = SignatureKeyPair::new(SignatureScheme::ED25519).unwrap();
        Self::with_signer(user, device, PeerSigner::Basic(pair))
    }

    fn with_signer(user: &str, device: &str, signer: PeerSigner) -> Self {
        let public = signer.public();
        let credential = CredentialWithKey {
            credential: peer_credential(user, device, &public).into(),
            signature_key: public.into(),
        };
        Self {
            provider: OpenMlsRustCrypto::default(),
            signer,
            credential,
        }
    }

    /// A copy of this device's storage in a new provider.
    fn copy_provider(&self) -> OpenMlsRustCrypto {
        let provider = OpenMlsRustCrypto::default();
        let values = self.provider.storage().values.read().unwrap().clone();
        *provider.storage().values.write().unwrap() = values;
        provider
    }

    fn key_package(&self) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .leaf_node_capabilities(peer_capabilities())
            .build(
                CIPHERSUITE,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .unwrap();
        MlsMessageOut::from(bundle.key_package().clone())
            .tls_serialize_detached()
            .unwrap()
    }
}

/// Sealkit's `capabilities()` (without the `pq-groups` feature): the one
/// ciphersuite in use.
fn peer_capabilities() -> Capabilities {
    Capabilities::new(None, Some(&[CIPHERSUITE]), None, None, None)
}

fn peer_ratchet() -> SenderRatchetConfiguration {
    SenderRatchetConfiguration::new(OUT_OF_ORDER_TOLERANCE, MAX_FORWARD_DISTANCE)
}

/// Sealkit's `join_config()`.
fn peer_join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .sender_ratchet_configuration(peer_ratchet())
        .wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
        .build()
}

/// Sealkit's `create_group_with` builder.
fn peer_create(peer: &Peer, group_id: &str) -> MlsGroup {
    MlsGroup::builder()
        .with_group_id(GroupId::from_slice(group_id.as_bytes()))
        .ciphersuite(CIPHERSUITE)
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .sender_ratchet_configuration(peer_ratchet())
        .with_wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
        .with_capabilities(peer_capabilities())
        .build(&peer.provider, &peer.signer, peer.credential.clone())
        .unwrap()
}

fn peer_parse(bytes: &[u8]) -> MlsMessageBodyIn {
    MlsMessageIn::tls_deserialize_exact(bytes)
        .unwrap()
        .extract()
}

/// Parses and validates key packages received as bytes, adds them in one
/// commit, serialises commit and welcome, merges the commit.
fn peer_add(peer: &Peer, group: &mut MlsGroup, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
    let packages: Vec<KeyPackage> = key_packages
        .iter()
        .map(|bytes| {
            let MlsMessageBodyIn::KeyPackage(package) = peer_parse(bytes) else {
                panic!("not a key package");
            };
            KeyPackageIn::validate(package, peer.provider.crypto(), ProtocolVersion::Mls10).unwrap()
        })
        .collect();
    let (commit, welcome, _) = group
        .add_members(&peer.provider, &peer.signer, &packages)
        .unwrap();
    let bytes = (
        commit.tls_serialize_detached().unwrap(),
        welcome.tls_serialize_detached().unwrap(),
    );
    group.merge_pending_commit(&peer.provider).unwrap();
    bytes
}

fn peer_create_and_add(peer: &Peer, key_packages: &[Vec<u8>]) -> (MlsGroup, Vec<u8>, Vec<u8>) {
    let mut group = peer_create(peer, GROUP);
    let (commit, welcome) = peer_add(peer, &mut group, key_packages);
    (group, commit, welcome)
}

fn peer_join(provider: &OpenMlsRustCrypto, welcome: &[u8]) -> MlsGroup {
    let MlsMessageBodyIn::Welcome(welcome) = peer_parse(welcome) else {
        panic!("not a welcome");
    };
    StagedWelcome::new_from_welcome(provider, &peer_join_config(), welcome, None)
        .unwrap()
        .into_group(provider)
        .unwrap()
}

/// Processes a commit or application message; returns the plaintext of an
/// application message.
fn peer_process(
    provider: &OpenMlsRustCrypto,
    group: &mut MlsGroup,
    message: &[u8],
) -> Option<Vec<u8>> {
    let message = MlsMessageIn::tls_deserialize_exact(message)
        .unwrap()
        .try_into_protocol_message()
        .unwrap();
    let processed = group.process_message(provider, message).unwrap();
    match processed.into_content() {
        ProcessedMessageContent::ApplicationMessage(message) => Some(message.into_bytes()),
        ProcessedMessageContent::StagedCommitMessage(staged) => {
            group.merge_staged_commit(provider, *staged).unwrap();
            None
        }
        _ => panic!("unexpected message"),
    }
}

fn peer_message(alice: &Peer, alice_group: &mut MlsGroup, bob: &Peer, bob_group: &mut MlsGroup) {
    let sealed = alice_group
        .create_message(&alice.provider, &alice.signer, black_box(&MESSAGE))
        .unwrap()
        .tls_serialize_detached()
        .unwrap();
    let plaintext = peer_process(&bob.provider, bob_group, &sealed).unwrap();
    assert_eq!(plaintext.len(), MESSAGE.len());
}

/// N openmls devices' published key packages; device 0 is the newcomer.
struct PeerDevices {
    key_packages: Vec<Vec<u8>>,
    newcomer: Peer,
}

fn peer_devices(count: usize) -> PeerDevices {
    let newcomer = Peer::new(&member_name(0), "device", seed(4, 0));
    let mut key_packages = vec![newcomer.key_package()];
    for i in 1..count {
        key_packages.push(Peer::new(&member_name(i), "device", seed(4, i)).key_package());
    }
    PeerDevices {
        key_packages,
        newcomer,
    }
}

struct PeerFixture {
    alice: Peer,
    alice_group: MlsGroup,
    bob: Peer,
    bob_group: MlsGroup,
    bob_before_commit: Peer,
    commit: Vec<u8>,
    welcome: Vec<u8>,
}

fn peer_fixture(devices: &PeerDevices, n: usize) -> PeerFixture {
    let alice = Peer::new("alice", "phone", [1; 32]);
    let bob = Peer::new("bob", "laptop", [2; 32]);
    let (mut alice_group, _, welcome) = peer_create_and_add(&alice, &[bob.key_package()]);
    let mut bob_group = peer_join(&bob.provider, &welcome);
    let bob_before_commit = Peer {
        provider: bob.copy_provider(),
        signer: PeerSigner::Expanded(ed25519_dalek::SigningKey::from_bytes(&[2; 32])),
        credential: bob.credential.clone(),
    };
    let (commit, welcome) = peer_add(&alice, &mut alice_group, &devices.key_packages[..n]);
    assert!(peer_process(&bob.provider, &mut bob_group, &commit).is_none());
    assert_eq!(bob_group.members().count(), n + 2);
    let joined = peer_join(&devices.newcomer.copy_provider(), &welcome);
    assert_eq!(joined.members().count(), n + 2);
    sizes_line("openmls", n, commit.len(), welcome.len());
    PeerFixture {
        alice,
        alice_group,
        bob,
        bob_group,
        bob_before_commit,
        commit,
        welcome,
    }
}

// ---------------------------------------------------------------- benchmarks

struct Fixtures {
    sealkit_devices: SealkitDevices,
    peer_devices: PeerDevices,
    sealkit: Vec<SealkitFixture>,
    peer: Vec<PeerFixture>,
}

fn fixtures() -> Fixtures {
    let sealkit_devices = sealkit_devices(LARGEST);
    let peer_devices = peer_devices(LARGEST);
    assert_eq!(
        sealkit_devices.key_packages[0].len(),
        peer_devices.key_packages[0].len(),
        "key packages of the same size on both sides"
    );
    let sealkit = SIZES
        .iter()
        .map(|&n| sealkit_fixture(&sealkit_devices, n))
        .collect();
    let peer = SIZES
        .iter()
        .map(|&n| peer_fixture(&peer_devices, n))
        .collect();
    Fixtures {
        sealkit_devices,
        peer_devices,
        sealkit,
        peer,
    }
}

/// Slow groups: ten samples of one iteration each at N = 1,000.
fn slow(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
}

fn group_add(c: &mut Criterion, f: &Fixtures) {
    let mut group = c.benchmark_group("group_add");
    slow(&mut group);
    for &n in &SIZES {
        let sealkit_packages = &f.sealkit_devices.key_packages[..n];
        group.bench_function(BenchmarkId::new("sealkit", n), |b| {
            b.iter_batched(
                sealkit_committer,
                |alice| {
                    let commit = sealkit_create_and_add(&alice, GROUP, sealkit_packages);
                    (alice, commit)
                },
                BatchSize::PerIteration,
            );
        });
        let peer_packages = &f.peer_devices.key_packages[..n];
        group.bench_function(BenchmarkId::new("openmls", n), |b| {
            b.iter_batched(
                || Peer::new("alice", "phone", [1; 32]),
                |alice| {
                    let added = peer_create_and_add(&alice, peer_packages);
                    (alice, added)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

fn group_join(c: &mut Criterion, f: &Fixtures) {
    let mut group = c.benchmark_group("group_join");
    slow(&mut group);
    for (i, &n) in SIZES.iter().enumerate() {
        let welcome = &f.sealkit[i].welcome;
        group.bench_function(BenchmarkId::new("sealkit", n), |b| {
            b.iter_batched(
                || sealkit_newcomer(&f.sealkit_devices),
                |newcomer| {
                    let joined = newcomer.join_group(welcome).unwrap();
                    (newcomer, joined)
                },
                BatchSize::PerIteration,
            );
        });
        let welcome = &f.peer[i].welcome;
        group.bench_function(BenchmarkId::new("openmls", n), |b| {
            b.iter_batched(
                || f.peer_devices.newcomer.copy_provider(),
                |provider| {
                    let group = peer_join(&provider, welcome);
                    (provider, group)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

fn group_process_commit(c: &mut Criterion, f: &Fixtures) {
    let mut group = c.benchmark_group("group_process_commit");
    slow(&mut group);
    let group_id = GroupId::from_slice(GROUP.as_bytes());
    for (i, &n) in SIZES.iter().enumerate() {
        let fixture = &f.sealkit[i];
        group.bench_function(BenchmarkId::new("sealkit", n), |b| {
            b.iter_batched(
                || {
                    let bob = Client::open_with_seed(
                        copy_store(&fixture.bob_before_commit),
                        "bob",
                        "laptop",
                        [2; 32],
                    )
                    .unwrap();
                    // Loads the group into the client's cache, as it is
                    // after any earlier operation.
                    bob.group_epoch(GROUP).unwrap();
                    bob
                },
                |bob| {
                    let events = bob.process_group_message(&fixture.commit).unwrap();
                    (bob, events)
                },
                BatchSize::PerIteration,
            );
        });
        let fixture = &f.peer[i];
        group.bench_function(BenchmarkId::new("openmls", n), |b| {
            b.iter_batched(
                || {
                    let provider = fixture.bob_before_commit.copy_provider();
                    let group = MlsGroup::load(provider.storage(), &group_id)
                        .unwrap()
                        .unwrap();
                    (provider, group)
                },
                |(provider, mut group)| {
                    peer_process(&provider, &mut group, &fixture.commit);
                    (provider, group)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

fn group_app_message(c: &mut Criterion, f: &mut Fixtures) {
    let mut group = c.benchmark_group("group_app_message");
    group.throughput(Throughput::Bytes(MESSAGE.len() as u64));

    let alice = sealkit_committer();
    let (bob, _) = sealkit_bob();
    let bob_package = bob.key_packages(1).unwrap().remove(0);
    let commit = sealkit_create_and_add(&alice, PAIR, &[bob_package]);
    bob.join_group(commit.welcome.as_deref().unwrap()).unwrap();
    group.bench_function(BenchmarkId::new("sealkit", 2), |b| {
        b.iter(|| sealkit_message(&alice, &bob, PAIR));
    });
    let large = f.sealkit.last().unwrap();
    group.bench_function(BenchmarkId::new("sealkit", LARGEST + 2), |b| {
        b.iter(|| sealkit_message(&large.alice, &large.bob, GROUP));
    });

    let alice = Peer::new("alice", "phone", [1; 32]);
    let bob = Peer::new("bob", "laptop", [2; 32]);
    let (mut alice_group, _, welcome) = peer_create_and_add(&alice, &[bob.key_package()]);
    let mut bob_group = peer_join(&bob.provider, &welcome);
    group.bench_function(BenchmarkId::new("openmls", 2), |b| {
        b.iter(|| peer_message(&alice, &mut alice_group, &bob, &mut bob_group));
    });
    let alice = Peer::with_basic_signer("alice", "phone");
    let bob = Peer::with_basic_signer("bob", "laptop");
    let (mut alice_group, _, welcome) = peer_create_and_add(&alice, &[bob.key_package()]);
    let mut bob_group = peer_join(&bob.provider, &welcome);
    group.bench_function(
        BenchmarkId::new("openmls_basic_credential_signer", 2),
        |b| {
            b.iter(|| peer_message(&alice, &mut alice_group, &bob, &mut bob_group));
        },
    );
    let large = f.peer.last_mut().unwrap();
    group.bench_function(BenchmarkId::new("openmls", LARGEST + 2), |b| {
        b.iter(|| {
            peer_message(
                &large.alice,
                &mut large.alice_group,
                &large.bob,
                &mut large.bob_group,
            );
        });
    });
    group.finish();
}

fn group_cores(c: &mut Criterion, f: &Fixtures) {
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let sealkit_packages = &f.sealkit_devices.key_packages[..LARGEST];
    let peer_packages = &f.peer_devices.key_packages[..LARGEST];

    let mut group = c.benchmark_group("group_cores");
    slow(&mut group);
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("sealkit_one_thread", LARGEST), |b| {
        one_thread.install(|| {
            b.iter_batched(
                sealkit_committer,
                |alice| {
                    let commit = sealkit_create_and_add(&alice, GROUP, sealkit_packages);
                    (alice, commit)
                },
                BatchSize::PerIteration,
            );
        });
    });
    group.bench_function(BenchmarkId::new("openmls_one_thread", LARGEST), |b| {
        one_thread.install(|| {
            b.iter_batched(
                || Peer::new("alice", "phone", [1; 32]),
                |alice| {
                    let added = peer_create_and_add(&alice, peer_packages);
                    (alice, added)
                },
                BatchSize::PerIteration,
            );
        });
    });

    // Two committers, each with its own group, on two threads at once.
    group.throughput(Throughput::Elements(2));
    group.bench_function(
        BenchmarkId::new("sealkit_two_groups_two_threads", LARGEST),
        |b| {
            b.iter_batched(
                || [sealkit_committer(), sealkit_committer()],
                |committers| {
                    std::thread::scope(|scope| {
                        for alice in &committers {
                            scope.spawn(|| sealkit_create_and_add(alice, GROUP, sealkit_packages));
                        }
                    });
                    committers
                },
                BatchSize::PerIteration,
            );
        },
    );
    group.bench_function(
        BenchmarkId::new("openmls_two_groups_two_threads", LARGEST),
        |b| {
            b.iter_batched(
                || {
                    [
                        Peer::new("alice", "phone", [1; 32]),
                        Peer::new("alice", "phone", [1; 32]),
                    ]
                },
                |committers| {
                    let groups = std::thread::scope(|scope| {
                        let handles = committers
                            .each_ref()
                            .map(|alice| scope.spawn(|| peer_create_and_add(alice, peer_packages)));
                        handles.map(|handle| handle.join().unwrap())
                    });
                    (committers, groups)
                },
                BatchSize::PerIteration,
            );
        },
    );
    group.finish();
}

fn benches(c: &mut Criterion) {
    let mut f = fixtures();
    group_add(c, &f);
    group_join(c, &f);
    group_process_commit(c, &f);
    group_app_message(c, &mut f);
    group_cores(c, &f);
}

criterion_group! {
    name = groups;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(groups);
