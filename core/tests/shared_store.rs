//! Integration tests: several clients on one store. An app and its
//! notification extension open the same SQLite file, in one process or in
//! two: they take turns, each starts from the latest committed state, and
//! no `(ratchet key, index)` is ever used for two messages, so AES-GCM never
//! sees one key and nonce twice. A client that is closed lets go of its
//! store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![cfg(feature = "sqlite")]

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::thread;

use sealkit::session::Envelope;
use sealkit::store::{MemoryStore, SqliteStore};
use sealkit::{Client, DeviceAddress, Error, ErrorKind};

const STORAGE_KEY: [u8; 32] = [0x5E; 32];

/// The key and nonce of a message: its sender's ratchet key and index.
fn message_key_id(envelope: &[u8]) -> ([u8; 32], u32) {
    let envelope = Envelope::decode(envelope).unwrap();
    (envelope.header.ratchet_key, envelope.header.index)
}

/// Asserts that no two envelopes used the same `(ratchet key, index)`.
fn assert_no_message_key_reused(envelopes: &[Vec<u8>]) {
    let mut seen = HashSet::new();
    for envelope in envelopes {
        let id = message_key_id(envelope);
        assert!(seen.insert(id), "(ratchet key, index {}) used twice", id.1);
    }
}

fn bob() -> Client {
    Client::open(MemoryStore::new(), "bob", "laptop").unwrap()
}

fn alice_on(path: &Path) -> Client {
    Client::open(
        SqliteStore::open(path, &STORAGE_KEY).unwrap(),
        "alice",
        "phone",
    )
    .unwrap()
}

/// Alice (on `path`) and Bob after one message each way.
fn conversation_on(path: &Path) -> Client {
    let bob = bob();
    let alice = alice_on(path);
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap();
    bob.decrypt(&first).unwrap();
    alice
        .decrypt(&bob.encrypt(alice.address(), None, b"hello").unwrap())
        .unwrap();
    alice.close().unwrap();
    bob
}

#[test]
fn two_clients_taking_turns_on_one_store_continue_one_ratchet() {
    let store = Arc::new(MemoryStore::new());
    let app = Client::open(Arc::clone(&store), "alice", "phone").unwrap();
    let extension = Client::open(Arc::clone(&store), "alice", "phone").unwrap();
    let bob = bob();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();

    let mut envelopes = vec![app.encrypt(bob.address(), Some(&bundle), &[0]).unwrap()];
    for i in 1..20u8 {
        let client = if i % 2 == 0 { &app } else { &extension };
        envelopes.push(client.encrypt(bob.address(), None, &[i]).unwrap());
    }
    assert_no_message_key_reused(&envelopes);
    for (i, envelope) in envelopes.iter().enumerate() {
        assert_eq!(bob.decrypt(envelope).unwrap().plaintext, [i as u8]);
    }

    // Bob's replies, decrypted by whichever of the two is running: each
    // exactly once, the other sees it as already decrypted.
    for i in 0..10u8 {
        let reply = bob.encrypt(app.address(), None, &[i]).unwrap();
        let (first, second) = if i % 2 == 0 {
            (&app, &extension)
        } else {
            (&extension, &app)
        };
        assert_eq!(first.decrypt(&reply).unwrap().plaintext, [i]);
        assert_eq!(
            second.decrypt(&reply).unwrap_err().kind(),
            ErrorKind::Duplicate
        );
    }
}

#[test]
fn two_connections_to_one_sqlite_file_taking_turns_never_reuse_a_message_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.db");
    let bob = conversation_on(&path);
    let app = alice_on(&path);
    let extension = alice_on(&path);
    let mut envelopes = Vec::new();
    for i in 0..20u8 {
        let client = if i % 3 == 0 { &extension } else { &app };
        envelopes.push(client.encrypt(bob.address(), None, &[i]).unwrap());
    }
    assert_no_message_key_reused(&envelopes);
    for (i, envelope) in envelopes.iter().enumerate() {
        assert_eq!(bob.decrypt(envelope).unwrap().plaintext, [i as u8]);
    }
}

#[test]
fn two_connections_encrypting_at_once_take_turns() {
    const PER_THREAD: u8 = 25;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.db");
    let bob = conversation_on(&path);
    let bob_address = bob.address().clone();
    let start = Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = (0..2u8)
        .map(|thread| {
            let client = alice_on(&path);
            let bob_address = bob_address.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                (0..PER_THREAD)
                    .map(|i| {
                        thread::sleep(std::time::Duration::from_millis(10));
                        client.encrypt(&bob_address, None, &[thread, i]).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let envelopes: Vec<Vec<u8>> = handles
        .into_iter()
        .flat_map(|handle| handle.join().unwrap())
        .collect();
    assert_no_message_key_reused(&envelopes);
    let mut received = HashSet::new();
    for envelope in &envelopes {
        assert!(received.insert(bob.decrypt(envelope).unwrap().plaintext));
    }
    assert_eq!(received.len(), 2 * usize::from(PER_THREAD));
}

#[test]
fn a_closed_client_refuses_every_call_and_lets_go_of_its_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.db");
    let bob = conversation_on(&path);
    let alice = alice_on(&path);
    alice.close().unwrap();
    alice.close().unwrap();
    let refused = alice.encrypt(bob.address(), None, b"x").unwrap_err();
    assert_eq!(refused, Error::Closed);
    assert_eq!(refused.kind(), ErrorKind::Closed);
    assert_eq!(alice.sessions().unwrap_err(), Error::Closed);
    // The session goes on from the file, in a new client.
    let reopened = alice_on(&path);
    let envelope = reopened.encrypt(bob.address(), None, b"again").unwrap();
    assert_eq!(bob.decrypt(&envelope).unwrap().plaintext, b"again");
}

// ------------------------------------------------------------ two processes

/// The child process's side: `SEALKIT_CHILD` names the database, what to do
/// and how many messages; it prints one hex line per result. Run by the
/// tests below as a separate process (`--ignored --exact`).
#[test]
#[ignore = "a child process of the two-process tests, run by them"]
fn child_process() {
    let Ok(job) = std::env::var("SEALKIT_CHILD") else {
        return;
    };
    let mut parts = job.split('|');
    let (path, action, argument) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let alice = alice_on(Path::new(path));
    let bob = DeviceAddress::new("bob", "laptop").unwrap();
    // Start together with the other child (when there is one): wait, for
    // at most ten seconds, until the parent creates the start file.
    if let Ok(start) = std::env::var("SEALKIT_CHILD_START") {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !Path::new(&start).exists() && std::time::Instant::now() < deadline {
            thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    // A pause between calls, so that two children interleave.
    let pause = || thread::sleep(std::time::Duration::from_millis(20));
    match action {
        "encrypt" => {
            let (tag, count) = argument.split_once(',').unwrap();
            for i in 0..count.parse::<u32>().unwrap() {
                pause();
                let plaintext = format!("{tag}-{i}");
                let envelope = alice.encrypt(&bob, None, plaintext.as_bytes()).unwrap();
                println!("envelope {}", hex(&envelope));
            }
        }
        "decrypt" => {
            for line in std::fs::read_to_string(argument).unwrap().lines() {
                pause();
                match alice.decrypt(&unhex(line)) {
                    Ok(decrypted) => println!("plaintext {}", hex(&decrypted.plaintext)),
                    Err(error) if error.kind() == ErrorKind::Duplicate => println!("duplicate"),
                    Err(error) => panic!("{error}"),
                }
            }
        }
        other => panic!("unknown action {other}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Starts the child with `job`; returns it running.
fn spawn_child(job: String) -> std::process::Child {
    child_command(job).spawn().unwrap()
}

fn child_command(job: String) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--ignored", "--exact", "child_process", "--nocapture", "-q"])
        .env("SEALKIT_CHILD", job)
        .stdout(std::process::Stdio::piped());
    command
}

/// Starts two children with `jobs`, which begin their calls together when
/// both have opened the database.
fn spawn_two_at_once(dir: &Path, jobs: [String; 2]) -> [std::process::Child; 2] {
    let start = dir.join("start");
    let _ = std::fs::remove_file(&start);
    let children = jobs.map(|job| {
        child_command(job)
            .env("SEALKIT_CHILD_START", &start)
            .spawn()
            .unwrap()
    });
    // Both have had time to open the database (a late one only starts
    // later; the test still holds, it just interleaves less).
    thread::sleep(std::time::Duration::from_millis(300));
    std::fs::write(&start, b"go").unwrap();
    children
}

/// Waits for the child and returns the payloads of its lines that start
/// with `prefix`.
fn results(child: std::process::Child, prefix: &str) -> Vec<String> {
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "child failed: {output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix(prefix).map(str::to_owned))
        .collect()
}

fn encrypt_job(path: &Path, tag: &str, count: u32) -> String {
    format!("{}|encrypt|{tag},{count}", path.display())
}

#[test]
fn two_processes_on_one_sqlite_file_alternating_and_at_once_never_reuse_a_message_key() {
    const COUNT: u32 = 15;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.db");
    let bob = conversation_on(&path);

    // Taking turns: the app, then the extension, then the app again.
    let mut envelopes = Vec::new();
    for tag in ["app-1", "extension", "app-2"] {
        envelopes.extend(results(
            spawn_child(encrypt_job(&path, tag, COUNT)),
            "envelope ",
        ));
    }
    // At the same moment.
    let both = spawn_two_at_once(
        dir.path(),
        [
            encrypt_job(&path, "left", COUNT),
            encrypt_job(&path, "right", COUNT),
        ],
    );
    for child in both {
        envelopes.extend(results(child, "envelope "));
    }

    let envelopes: Vec<Vec<u8>> = envelopes.iter().map(|line| unhex(line)).collect();
    assert_eq!(envelopes.len(), 5 * COUNT as usize);
    assert_no_message_key_reused(&envelopes);
    let mut received = HashSet::new();
    for envelope in &envelopes {
        let plaintext = bob.decrypt(envelope).unwrap().plaintext;
        assert!(received.insert(String::from_utf8(plaintext).unwrap()));
    }
    for tag in ["app-1", "extension", "app-2", "left", "right"] {
        for i in 0..COUNT {
            assert!(received.contains(&format!("{tag}-{i}")), "{tag}-{i} lost");
        }
    }
}

#[test]
fn two_processes_decrypting_one_queue_at_once_deliver_each_message_once() {
    const COUNT: u8 = 30;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.db");
    let bob = conversation_on(&path);
    let alice = DeviceAddress::new("alice", "phone").unwrap();
    let queue: Vec<String> = (0..COUNT)
        .map(|i| hex(&bob.encrypt(&alice, None, &[i]).unwrap()))
        .collect();
    let queue_path = dir.path().join("queue");
    std::fs::write(&queue_path, queue.join("\n")).unwrap();

    let job = format!("{}|decrypt|{}", path.display(), queue_path.display());
    let both = spawn_two_at_once(dir.path(), [job.clone(), job]);
    let mut delivered: Vec<Vec<u8>> = Vec::new();
    for child in both {
        delivered.extend(results(child, "plaintext ").iter().map(|line| unhex(line)));
    }
    delivered.sort();
    let expected: Vec<Vec<u8>> = (0..COUNT).map(|i| vec![i]).collect();
    assert_eq!(delivered, expected, "every message exactly once");
}
