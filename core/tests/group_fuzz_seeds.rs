//! Seeds for the `group_message` fuzz target
//! (`fuzz/fuzz_targets/group_message.rs`, whose header describes the input
//! format): real messages of a group built the way the target builds its
//! own (same group id and devices, so the seeds pass the group lookup and
//! epoch checks; MLS keys differ from run to run, so raw seeds stop at
//! decryption), plus the four-byte inputs that select the target's own real
//! messages.
//!
//! `cargo test -p sealkit --test group_fuzz_seeds -- --ignored` writes them
//! to `fuzz/corpus/group_message/` (the corpora are committed and replayed
//! in CI; see fuzz/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use sealkit::store::MemoryStore;
use sealkit::{Client, GroupEvent};

/// Input shapes of the target (its first byte).
const RAW_PROCESS: u8 = 0;
const RAW_JOIN: u8 = 1;
const OVERWRITE_REAL: u8 = 2;
const INSERT_INTO_REAL: u8 = 3;

/// The target's group and real-message indices.
const GROUP: &str = "fuzz";
const REAL_MESSAGES: [(&str, u8); 4] = [
    ("application_epoch_1", 0),
    ("commit_adding_carol", 1),
    ("application_epoch_2", 2),
    ("welcome_for_carol", 3),
];

/// Libfuzzer's default `-max_len` is 4096; larger seeds would be cut.
const MAX_SEED_LEN: usize = 4096;

fn with_shape(shape: u8, message: &[u8]) -> Vec<u8> {
    let mut seed = vec![shape];
    seed.extend_from_slice(message);
    seed
}

/// (file name, contents).
fn seeds() -> Vec<(String, Vec<u8>)> {
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let bob = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [2; 32]).unwrap();
    let carol = Client::open_with_seed(MemoryStore::new(), "carol", "tablet", [3; 32]).unwrap();

    alice.create_group(GROUP).unwrap();
    let add_bob = alice
        .add_group_members(GROUP, &[bob.key_packages(1).unwrap().remove(0)])
        .unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    bob.join_group(add_bob.welcome.as_deref().unwrap()).unwrap();
    let application_1 = alice.encrypt_group(GROUP, b"hello from epoch 1").unwrap();
    let add_carol = alice
        .add_group_members(GROUP, &[carol.key_packages(1).unwrap().remove(0)])
        .unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    let application_2 = alice.encrypt_group(GROUP, b"hello from epoch 2").unwrap();
    let welcome = add_carol.welcome.clone().unwrap();

    // The messages are what the target's member and joiner accept.
    let events = bob.process_group_message(&application_1).unwrap();
    assert!(matches!(&events[..], [GroupEvent::Message { .. }]));
    let events = bob.process_group_message(&application_2).unwrap();
    assert!(matches!(
        &events[..],
        [GroupEvent::Buffered { epoch: 2, .. }]
    ));
    let events = bob.process_group_message(&add_carol.commit).unwrap();
    assert!(
        events
            .iter()
            .any(|event| matches!(event, GroupEvent::EpochChanged { epoch: 2, .. }))
    );
    assert_eq!(carol.join_group(&welcome).unwrap().group_id, GROUP);

    let mut seeds = vec![
        (
            "raw_application_epoch_1".to_owned(),
            with_shape(RAW_PROCESS, &application_1),
        ),
        (
            "raw_commit_adding_carol".to_owned(),
            with_shape(RAW_PROCESS, &add_carol.commit),
        ),
        (
            "raw_application_epoch_2".to_owned(),
            with_shape(RAW_PROCESS, &application_2),
        ),
        (
            "raw_welcome_for_carol".to_owned(),
            with_shape(RAW_JOIN, &welcome),
        ),
    ];
    for (name, index) in REAL_MESSAGES {
        seeds.push((format!("real_{name}"), vec![OVERWRITE_REAL, index, 0, 0]));
        // One byte flipped in the middle, and one inserted.
        seeds.push((
            format!("real_{name}_byte_64_overwritten"),
            vec![OVERWRITE_REAL, index, 0, 64, 0xff],
        ));
        seeds.push((
            format!("real_{name}_byte_inserted_at_16"),
            vec![INSERT_INTO_REAL, index, 0, 16, 0],
        ));
    }
    seeds
}

#[test]
fn group_message_fuzz_seeds_are_accepted_messages_and_fit_the_fuzzer_length() {
    let seeds = seeds();
    assert_eq!(seeds.len(), 16);
    for (name, seed) in &seeds {
        assert!(
            seed.len() <= MAX_SEED_LEN,
            "{name}: {} bytes, more than libfuzzer's default -max_len",
            seed.len()
        );
    }
}

#[test]
#[ignore = "writes fuzz/corpus/group_message/; run it to (re)seed the fuzz target"]
fn write_group_message_fuzz_seeds() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/group_message");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, seed) in seeds() {
        std::fs::write(dir.join(name), seed).unwrap();
    }
}
