//! A foreign store is untrusted input: a real client's store with one record
//! replaced, edited or removed, opened with `Client::open_with_seed`, then a
//! fixed round of operations that between them read every record kind.
//! Never a panic; every failure is a typed error (not `Internal`, which bad
//! input cannot cause) and changes no stored state; whatever decrypts
//! decrypts to what was really sent.
//!
//! The store is Bob's, built once: his identity and prekey bookkeeping
//! (rotated once: two signed and two last-resort ML-KEM prekeys), one-time
//! X25519 and ML-KEM prekeys, a session with Alice (her initial message
//! decrypted with a receipt and not acknowledged, so a received-message
//! record; his reply read by her), Alice trusted, a session Frank began on
//! the last-resort ML-KEM prekey (a last-resort use record), an MLS group with Alice
//! (epoch 1) holding an application message of epoch 2 in its future-epoch
//! buffer, the replay floor of a media frame of Alice's that Bob heard in
//! epoch 1 (a media replay record), and an unused key package that a
//! welcome into Carol's group is for. The round of operations, each judged on its own (a failure does
//! not stop the round):
//!
//! `unacknowledged`, `decrypt_with_receipt` of Alice's initial message (the
//! kept record), `trusted_identity` and (when the changed record is a
//! trusted identity: it costs more than all the rest) `safety_number` of
//! Alice,
//! `sessions`, `decrypt` of Alice's next message, `encrypt` to Alice,
//! `decrypt` of Dave's initial message (old signed prekey, one-time X25519
//! and ML-KEM prekeys) and of Erin's (current signed prekey, last-resort
//! ML-KEM prekey), `prekey_bundle`, `rotate_signed_prekeys`, `groups`,
//! `group_epoch`, `group_members`, `group_media` (the media replay record)
//! and `decrypt_frame` of a frame of Alice's past its floor (which raises
//! it), `process_group_message` of Alice's
//! epoch-1 message and of the commit to epoch 2 (which releases the
//! buffered message), `encrypt_group`, `export_group_secret`,
//! `group_media_epoch` (the group record's counters), `join_group` of the
//! welcome, `open_file` of a file sealed to Bob's device, `acknowledge`.
//! On the unmodified store every one succeeds (checked at start).
//!
//! Input: `[kind, key, mode, rest @ ..]`: the record is the `key % n`-th key
//! (in order) of kind `RecordKind::ALL[kind % ALL.len()]` (so a new kind is
//! fuzzed without a change here); `mode % 5`: `0` the value becomes `rest`;
//! `1`, `2`, `3` the value overwritten, inserted into or cut at an offset
//! (`rest` is `[offset_high, offset_low, patch @ ..]`, as `common::edit`
//! takes after its index); `4` the record is deleted. `[k, i, 1, 0, 0]` is
//! the store unchanged. The `Mls` records' keys hold hashes of values that
//! openmls's HPKE draws from the system, not from the seeded generator, so
//! their order, and which record index `i` names, changes from one process
//! to the next (within one it is fixed). The session-record decoder alone has its own target
//! (`session_record`); the other record decoders are not public, so they
//! are reached here through the operations that read them.

use std::io::{Cursor, Read, Write};
use std::sync::{Arc, OnceLock};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sealkit::file::{FileEncryptor, FileOptions, MIN_CHUNK_SIZE, Recipient};
use sealkit::media::{MediaCipherSuite, MediaConfig, REPLAY_FLOOR_STEP};
use sealkit::store::{MemoryStore, RecordKind, Zeroizing};
use sealkit::{Client, DeviceAddress, GroupEvent, MessageId};

use crate::common::{Device, Edit, Snapshot, TypedError, check_error, edit, store_from};

const GROUP: &str = "fuzz";
const OTHER_GROUP: &str = "other";
const SEED: [u8; 32] = [2; 32];
/// The message Bob buffered, released by the commit.
const GROUP_EPOCH_2: &[u8] = b"group 2";

/// What the operations are given, and what they must return.
struct Fixture {
    baseline: Snapshot,
    alice: DeviceAddress,
    initial_from_alice: Vec<u8>,
    initial_id: MessageId,
    from_alice: (Vec<u8>, Vec<u8>),
    initial_from_dave: (Vec<u8>, Vec<u8>),
    initial_from_erin: (Vec<u8>, Vec<u8>),
    group_epoch_1: (Vec<u8>, Vec<u8>),
    /// A media frame of Alice's in epoch 1 past the floor Bob recorded.
    media_frame: (Vec<u8>, Vec<u8>),
    commit_to_epoch_2: Vec<u8>,
    welcome: Vec<u8>,
    file: Vec<u8>,
    file_plaintext: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        crate::common::let_the_client_catch_panics();
        let open = |user, device, seed| {
            Client::open_with_seed(MemoryStore::new(), user, device, [seed; 32]).expect("open")
        };
        let alice = open("alice", "phone", 1);
        let carol = open("carol", "tablet", 3);
        let dave = open("dave", "watch", 4);
        let erin = open("erin", "tv", 5);
        let mut bob = Device::new("bob", "laptop", SEED[0]);
        let b = &bob.client;

        // Prekeys: three one-time keys of each kind, then a rotation.
        let mut published = b.prekey_bundle(3).expect("bundle");
        let for_alice = published.take_for_session();
        let for_dave = published.take_for_session();
        b.rotate_signed_prekeys().expect("rotate");
        let for_erin = b.prekey_bundle(0).expect("bundle").take_for_session();

        // A session with Alice; her first message kept with a receipt.
        let initial_from_alice = alice
            .encrypt(b.address(), Some(&for_alice), b"alice 0")
            .expect("encrypt");
        let received = b
            .decrypt_with_receipt(&initial_from_alice)
            .expect("receipt");
        let reply = b.encrypt(alice.address(), None, b"reply").expect("reply");
        alice.decrypt(&reply).expect("alice reads the reply");
        let sent = |from: &Client, bundle, plaintext: &[u8]| {
            let envelope = from
                .encrypt(b.address(), bundle, plaintext)
                .expect("encrypt");
            (envelope, plaintext.to_vec())
        };
        let from_alice = sent(&alice, None, b"alice 1");
        let initial_from_dave = sent(&dave, Some(&for_dave), b"dave 0");
        let initial_from_erin = sent(&erin, Some(&for_erin), b"erin 0");
        // Frank's session began on the last-resort prekey with no one-time
        // key: Bob keeps a record of it, so that a replay is refused.
        let frank = open("frank", "desk", 6);
        let (initial_from_frank, _) = sent(&frank, Some(&for_erin), b"frank 0");
        b.decrypt(&initial_from_frank)
            .expect("frank's first message");

        // A group at epoch 1 with a buffered message of epoch 2, and a
        // welcome into another group for Bob's second key package.
        let mut packages = b.key_packages(2).expect("key packages");
        alice.create_group(GROUP).expect("create");
        let add_bob = alice
            .add_group_members(GROUP, &[packages.remove(0)])
            .expect("add bob");
        alice.confirm_group_commit(GROUP).expect("confirm");
        b.join_group(add_bob.welcome.as_deref().expect("welcome"))
            .expect("join");
        let group_epoch_1 = alice.encrypt_group(GROUP, b"group 1").expect("encrypt");
        // Bob hears Alice's first media frame (its floor is recorded); her
        // frame just past that floor is kept for the operations.
        let mut speaking = alice
            .group_media(GROUP, MediaConfig::default())
            .expect("media");
        let mut hearing = b.group_media(GROUP, MediaConfig::default()).expect("media");
        let heard = speaking.encrypt_frame(b"media 0", b"").expect("frame");
        hearing.decrypt_frame(&heard).expect("heard");
        let mut media_frame = Vec::new();
        for _ in 0..REPLAY_FLOOR_STEP {
            media_frame = speaking.encrypt_frame(b"media past", b"").expect("frame");
        }
        drop(hearing);
        let add_carol = alice
            .add_group_members(GROUP, &[carol.key_packages(1).expect("kp").remove(0)])
            .expect("add carol");
        alice.confirm_group_commit(GROUP).expect("confirm");
        let group_epoch_2 = alice.encrypt_group(GROUP, GROUP_EPOCH_2).expect("encrypt");
        let events = b.process_group_message(&group_epoch_2).expect("buffer");
        assert!(matches!(
            &events[..],
            [GroupEvent::Buffered { epoch: 2, .. }]
        ));
        carol.create_group(OTHER_GROUP).expect("create");
        let invite = carol
            .add_group_members(OTHER_GROUP, &[packages.remove(0)])
            .expect("add bob");
        carol.confirm_group_commit(OTHER_GROUP).expect("confirm");

        // A file sealed to Bob's device.
        let file_plaintext: Vec<u8> = (0..1500).map(|i| (i % 241) as u8).collect();
        let recipient = Recipient::from_device(b.identity()).expect("recipient");
        let options = FileOptions {
            chunk_size: MIN_CHUNK_SIZE,
        };
        let mut rng = ChaCha20Rng::from_seed([0x53; 32]);
        let (mut encryptor, _) =
            FileEncryptor::to_recipients(Vec::new(), &[recipient], options, &mut rng)
                .expect("encryptor");
        encryptor.write_all(&file_plaintext).expect("write");
        let file = encryptor.finish().expect("finish");

        bob.mark_baseline();
        let fixture = Fixture {
            baseline: bob.baseline.clone(),
            alice: alice.address().clone(),
            initial_from_alice,
            initial_id: received.id,
            from_alice,
            initial_from_dave,
            initial_from_erin,
            group_epoch_1: (group_epoch_1, b"group 1".to_vec()),
            media_frame: (media_frame, b"media past".to_vec()),
            commit_to_epoch_2: add_carol.commit,
            welcome: invite.welcome.expect("welcome"),
            file,
            file_plaintext,
        };
        // Every kind is there, and every operation succeeds on the real store.
        for kind in RecordKind::ALL {
            assert!(
                fixture.baseline.iter().any(|(k, _, _)| *k == kind),
                "no {kind:?} record in the fixture"
            );
        }
        operations(&fixture, &fixture.baseline, true, true);
        fixture
    })
}

/// Runs the operations on a client opened on `records`; `strict`: every
/// one must succeed. `safety_number` costs 5 ms (its iterated hash), more
/// than all the others together, and reads only the trusted identity that
/// `trusted_identity` reads before it: it runs when that record was changed.
fn operations(
    f: &Fixture,
    records: &[(RecordKind, String, Zeroizing<Vec<u8>>)],
    strict: bool,
    safety_number: bool,
) {
    let store = store_from(records);
    let client = match Client::open_with_seed(Arc::clone(&store), "bob", "laptop", SEED) {
        Ok(client) => client,
        Err(error) => {
            assert!(!strict, "open failed: {error}");
            check_error(&error, "open");
            assert!(
                store.snapshot() == records,
                "a failed open changed the store"
            );
            return;
        }
    };
    let run = Runner {
        store: &store,
        strict,
    };
    let c = &client;

    run.step("unacknowledged", || c.unacknowledged());
    run.step("decrypt_with_receipt", || {
        c.decrypt_with_receipt(&f.initial_from_alice)
    });
    run.step("trusted_identity", || c.trusted_identity(&f.alice));
    if safety_number {
        run.step("safety_number", || c.safety_number(&f.alice));
    }
    run.step("sessions", || c.sessions());
    for (name, (envelope, plaintext)) in [
        ("decrypt from alice", &f.from_alice),
        ("decrypt initial from dave", &f.initial_from_dave),
        ("decrypt initial from erin", &f.initial_from_erin),
    ] {
        if let Some(decrypted) = run.step(name, || c.decrypt(envelope)) {
            assert!(
                decrypted.plaintext == *plaintext,
                "{name}: decrypted to other bytes"
            );
        }
    }
    run.step("encrypt", || c.encrypt(&f.alice, None, b"to alice"));
    run.step("prekey_bundle", || c.prekey_bundle(1));
    run.step("rotate_signed_prekeys", || c.rotate_signed_prekeys());
    run.step("groups", || c.groups());
    run.step("group_epoch", || c.group_epoch(GROUP));
    run.step("group_members", || c.group_members(GROUP));
    if let Some(mut media) = run.step("group_media", || {
        c.group_media(GROUP, MediaConfig::default())
    }) {
        let (sealed, sent) = &f.media_frame;
        if let Some(frame) = run.step("decrypt_frame", || media.decrypt_frame(sealed)) {
            assert!(frame.frame == *sent, "a media frame decrypted to other bytes");
        }
    }
    for (name, message) in [
        ("process epoch 1 message", &f.group_epoch_1.0),
        ("process commit", &f.commit_to_epoch_2),
    ] {
        if let Some(events) = run.step(name, || c.process_group_message(message)) {
            check_group_events(f, name, &events);
        }
    }
    run.step("encrypt_group", || c.encrypt_group(GROUP, b"to the group"));
    run.step("export_group_secret", || {
        c.export_group_secret(GROUP, "fuzz", b"", 32)
    });
    run.step("group_media_epoch", || {
        c.group_media_epoch(GROUP, MediaCipherSuite::default())
    });
    run.step("join_group", || c.join_group(&f.welcome));
    if let Some(mut reader) = run.step("open_file", || c.open_file(Cursor::new(&f.file[..]))) {
        let mut plaintext = Vec::new();
        if reader.read_to_end(&mut plaintext).is_ok() {
            assert!(
                plaintext == f.file_plaintext,
                "the file decrypted to other bytes"
            );
        } else {
            assert!(!strict, "the file did not decrypt");
        }
    }
    run.step("acknowledge", || c.acknowledge(&f.initial_id));
}

/// The only application messages are the two Alice sent.
fn check_group_events(f: &Fixture, name: &str, events: &[GroupEvent]) {
    for event in events {
        if let GroupEvent::Message {
            group_id,
            sender,
            epoch,
            plaintext,
        } = event
        {
            assert_eq!(group_id, GROUP, "{name}: a message of another group");
            assert_eq!(sender, &f.alice, "{name}: a message from another sender");
            let sent: &[u8] = match epoch {
                1 => &f.group_epoch_1.1,
                2 => GROUP_EPOCH_2,
                _ => panic!("{name}: a message of epoch {epoch} decrypted"),
            };
            assert!(
                plaintext == sent,
                "{name}: a message decrypted to other bytes"
            );
        }
    }
}

struct Runner<'a> {
    store: &'a MemoryStore,
    strict: bool,
}

impl Runner<'_> {
    /// One operation: on failure, a typed error and no state change.
    fn step<T, E: TypedError>(
        &self,
        name: &str,
        operation: impl FnOnce() -> Result<T, E>,
    ) -> Option<T> {
        let before = self.store.snapshot();
        match operation() {
            Ok(value) => Some(value),
            Err(error) => {
                assert!(!self.strict, "{name} failed on the real store: {error}");
                check_error(&error, name);
                assert!(
                    before == self.store.snapshot(),
                    "a failed {name} changed the store"
                );
                None
            }
        }
    }
}

/// One input.
pub fn run(data: &[u8]) {
    let f = fixture();
    let (kind, key, mode, rest) = match data {
        [kind, key, mode, rest @ ..] => (*kind, *key, *mode, rest),
        _ => return,
    };
    let kind = RecordKind::ALL[usize::from(kind) % RecordKind::ALL.len()];
    let positions: Vec<usize> = f
        .baseline
        .iter()
        .enumerate()
        .filter(|(_, (k, _, _))| *k == kind)
        .map(|(i, _)| i)
        .collect();
    let mut records = f.baseline.clone();
    if let Some(&position) = positions.get(usize::from(key) % positions.len().max(1)) {
        let value = &records[position].2;
        let edit_at = |how| {
            let mut selector = vec![0];
            selector.extend_from_slice(rest);
            edit(&[&value[..]], &selector, how).1
        };
        let edited = match mode % 5 {
            0 => Some(rest.to_vec()),
            1 => Some(edit_at(Edit::Overwrite)),
            2 => Some(edit_at(Edit::Insert)),
            3 => Some(edit_at(Edit::Truncate)),
            _ => None,
        };
        match edited {
            Some(value) => records[position].2 = Zeroizing::new(value),
            None => {
                records.remove(position);
            }
        }
    }
    operations(f, &records, false, kind == RecordKind::TrustedIdentity);
}

/// Seeds: for every kind and each of its first records, the store
/// unchanged (once per kind), the record's first byte changed, the record
/// cut to one byte and cut in the middle, a byte inserted at its start, and
/// the record deleted; the record's value replaced by nothing.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let f = fixture();
    let mut seeds = Vec::new();
    for (k, kind) in RecordKind::ALL.iter().enumerate() {
        let k8 = k as u8;
        let records: Vec<_> = f.baseline.iter().filter(|(x, _, _)| x == kind).collect();
        seeds.push((format!("{kind:?}_unchanged"), vec![k8, 0, 1, 0, 0]));
        for (i, (_, _, value)) in records.iter().enumerate().take(24) {
            let i8 = i as u8;
            let middle = (value.len() as u16 / 2).to_be_bytes();
            let name = format!("{kind:?}_{i}");
            seeds.push((format!("{name}_first_byte"), vec![k8, i8, 1, 0, 0, 0xfe]));
            seeds.push((format!("{name}_cut_to_1"), vec![k8, i8, 3, 0, 1]));
            seeds.push((
                format!("{name}_cut_in_half"),
                vec![k8, i8, 3, middle[0], middle[1]],
            ));
            seeds.push((format!("{name}_inserted"), vec![k8, i8, 2, 0, 0, 0]));
            seeds.push((format!("{name}_deleted"), vec![k8, i8, 4]));
            seeds.push((format!("{name}_emptied"), vec![k8, i8, 0]));
        }
    }
    seeds
}

/// The values of every `kind` record of the store, for other targets' seeds.
pub(crate) fn real_records(kind: RecordKind) -> Vec<Vec<u8>> {
    fixture()
        .baseline
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, _, value)| value.to_vec())
        .collect()
}
