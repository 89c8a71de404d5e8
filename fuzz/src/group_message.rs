//! The incoming group message path: arbitrary bytes to
//! `Client::process_group_message` of a member of a live group (epoch 1,
//! two members) and to `Client::join_group` of a device with a key package
//! that a real welcome is addressed to. Never a panic; a failed call leaves
//! the store as it was; an application message only ever decrypts to what
//! the member really sent; a join only ever succeeds into the real group.
//!
//! Input: the first byte picks the shape, so that most runs get past the
//! MLS decoder:
//! * `0`: the rest to the member's `process_group_message`;
//! * `1`: the rest to the joiner's `join_group`;
//! * `2`: a real message (`rest[0] % 4`: the application message of epoch 1,
//!   the commit that adds the joiner, an application message of epoch 2
//!   that the member buffers, the welcome) with `rest[3..]` written over it
//!   at offset `u16::from_be_bytes(rest[1..3])` (extending it if needed);
//! * `3`: the same, with `rest[3..]` inserted at that offset;
//! * `4`: the rest as a key package to the member's `add_group_members`
//!   (key packages come from the server, untrusted);
//!
//! the welcome goes to `join_group`, the rest to `process_group_message`.
//! `[2, i, 0, 0]` is real message `i` unchanged. The group is built when the
//! target starts (MLS randomness is not seeded, so keys differ from run to
//! run); after a call that succeeds the device is restored to its state
//! after setup. Seeds: `fuzz/corpus/group_message/` (see fuzz/README.md).

use std::sync::{Mutex, OnceLock};

use sealkit::store::MemoryStore;
use sealkit::{Client, GroupEvent};

use crate::common::{Device, Edit, edit};

const GROUP: &str = "fuzz";
const PLAINTEXT_EPOCH_1: &[u8] = b"hello from epoch 1";
const PLAINTEXT_EPOCH_2: &[u8] = b"hello from epoch 2";
const WELCOME: usize = 3;

struct Fixture {
    /// Member of `GROUP` at epoch 1, with Alice.
    bob: Device,
    /// Holds the key package the welcome is addressed to.
    carol: Device,
    /// Application (epoch 1), commit adding Carol (epoch 1), application
    /// (epoch 2), welcome for Carol.
    messages: [Vec<u8>; 4],
}

fn fixture() -> &'static Mutex<Fixture> {
    static FIXTURE: OnceLock<Mutex<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        crate::common::let_the_client_catch_panics();
        let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32])
            .expect("open alice");
        let mut bob = Device::new("bob", "laptop", 2);
        let mut carol = Device::new("carol", "tablet", 3);

        alice.create_group(GROUP).expect("create group");
        let bob_package = bob.client.key_packages(1).expect("key package").remove(0);
        let add_bob = alice
            .add_group_members(GROUP, &[bob_package])
            .expect("add bob");
        alice.confirm_group_commit(GROUP).expect("confirm");
        bob.client
            .join_group(add_bob.welcome.as_deref().expect("welcome"))
            .expect("bob joins");
        let application_1 = alice
            .encrypt_group(GROUP, PLAINTEXT_EPOCH_1)
            .expect("encrypt");

        let carol_package = carol.client.key_packages(1).expect("key package").remove(0);
        let add_carol = alice
            .add_group_members(GROUP, &[carol_package])
            .expect("add carol");
        alice.confirm_group_commit(GROUP).expect("confirm");
        let application_2 = alice
            .encrypt_group(GROUP, PLAINTEXT_EPOCH_2)
            .expect("encrypt");

        bob.mark_baseline();
        carol.mark_baseline();
        Mutex::new(Fixture {
            bob,
            carol,
            messages: [
                application_1,
                add_carol.commit,
                application_2,
                add_carol.welcome.expect("welcome"),
            ],
        })
    })
}

/// Bob got a message: no state change on failure, and only what Alice sent
/// decrypts.
fn process(bob: &mut Device, message: &[u8]) {
    let before = bob.store.snapshot();
    match bob.client.process_group_message(message) {
        Err(_) => assert!(
            before == bob.store.snapshot(),
            "a failed process_group_message changed state"
        ),
        Ok(events) => {
            for event in &events {
                if let GroupEvent::Message {
                    group_id,
                    sender,
                    epoch,
                    plaintext,
                } = event
                {
                    assert_eq!(group_id, GROUP);
                    assert_eq!(sender.user_id(), "alice");
                    let sent = match epoch {
                        1 => PLAINTEXT_EPOCH_1,
                        2 => PLAINTEXT_EPOCH_2,
                        _ => panic!("a message of epoch {epoch} decrypted"),
                    };
                    assert!(plaintext == sent, "a message decrypted to other bytes");
                }
            }
            bob.restore();
        }
    }
}

/// Carol got a welcome: no state change on failure, and a join only into
/// the real group.
fn join(carol: &mut Device, welcome: &[u8]) {
    let before = carol.store.snapshot();
    match carol.client.join_group(welcome) {
        Err(_) => assert!(
            before == carol.store.snapshot(),
            "a failed join_group changed state"
        ),
        Ok(joined) => {
            assert_eq!(joined.group_id, GROUP);
            assert_eq!(joined.epoch, 2);
            assert_eq!(joined.members.len(), 3);
            carol.restore();
        }
    }
}

/// Bob adds a device from untrusted key package bytes: no state change on
/// failure.
fn add(bob: &mut Device, key_package: &[u8]) {
    let before = bob.store.snapshot();
    match bob.client.add_group_members(GROUP, &[key_package.to_vec()]) {
        Err(_) => assert!(
            before == bob.store.snapshot(),
            "a failed add_group_members changed state"
        ),
        Ok(_) => bob.restore(),
    }
}

/// One input.
pub fn run(data: &[u8]) {
    let mut guard = fixture()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let fixture = &mut *guard;
    let (&shape, rest) = data.split_first().unwrap_or((&0, &[]));
    match shape % 5 {
        0 => process(&mut fixture.bob, rest),
        1 => join(&mut fixture.carol, rest),
        4 => add(&mut fixture.bob, rest),
        shape => {
            let how = if shape == 3 {
                Edit::Insert
            } else {
                Edit::Overwrite
            };
            let (index, message) = edit(&fixture.messages, rest, how);
            if index == WELCOME {
                join(&mut fixture.carol, &message);
            } else {
                process(&mut fixture.bob, &message);
            }
        }
    }
}

/// Seeds: the inputs that select the four real messages, unchanged, with a
/// byte overwritten at 64, and with one inserted at 16 (the same as
/// `core/tests/group_fuzz_seeds.rs` writes, beside raw copies of messages of
/// its own group).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let names = [
        "application_epoch_1",
        "commit_adding_carol",
        "application_epoch_2",
        "welcome_for_carol",
    ];
    let mut seeds = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let index = index as u8;
        seeds.push((format!("real_{name}"), vec![2, index, 0, 0]));
        seeds.push((
            format!("real_{name}_byte_64_overwritten"),
            vec![2, index, 0, 64, 0xff],
        ));
        seeds.push((
            format!("real_{name}_byte_inserted_at_16"),
            vec![3, index, 0, 16, 0],
        ));
    }
    seeds
}
