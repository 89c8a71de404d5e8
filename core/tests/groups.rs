//! Integration tests: MLS groups through the client. Devices form a group,
//! exchange messages, are removed and added, restart from their SQLite files
//! between steps; late and early messages; leaving; concurrent commits;
//! identity checks; and a store that fails mid-commit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[cfg(feature = "sqlite")]
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sealkit::group::{GroupError, MAX_PAST_EPOCHS, ProposalKind};
#[cfg(feature = "sqlite")]
use sealkit::store::SqliteStore;
use sealkit::store::{MemoryStore, StoreError};
use sealkit::{Client, DeviceAddress, Error, GroupEvent, MemberTrust};

mod common;
use common::FailingStore;

#[cfg(feature = "sqlite")]
const STORAGE_KEY: [u8; 32] = [0x6A; 32];
const GROUP: &str = "team";

fn client(user: &str) -> Client {
    Client::open(MemoryStore::new(), user, "phone").unwrap()
}

fn addr(user: &str) -> DeviceAddress {
    DeviceAddress::new(user, "phone").unwrap()
}

fn plaintexts(events: &[GroupEvent]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|event| match event {
            GroupEvent::Message { plaintext, .. } => Some(plaintext.clone()),
            _ => None,
        })
        .collect()
}

fn secret(client: &Client) -> Vec<u8> {
    client
        .export_group_secret(GROUP, "test", b"", 32)
        .unwrap()
        .to_vec()
}

/// `creator` creates the group and adds `others` in one commit.
fn form_group(creator: &Client, others: &[&Client]) {
    creator.create_group(GROUP).unwrap();
    let packages: Vec<Vec<u8>> = others
        .iter()
        .map(|other| other.key_packages(1).unwrap().remove(0))
        .collect();
    let commit = creator.add_group_members(GROUP, &packages).unwrap();
    creator.confirm_group_commit(GROUP).unwrap();
    for other in others {
        other.join_group(commit.welcome.as_ref().unwrap()).unwrap();
    }
}

/// A device whose state lives only in its database file.
#[cfg(feature = "sqlite")]
struct PersistentDevice {
    user: &'static str,
    path: PathBuf,
    client: Option<Client>,
}

#[cfg(feature = "sqlite")]
impl PersistentDevice {
    fn create(dir: &Path, user: &'static str) -> Self {
        let mut this = Self {
            user,
            path: dir.join(format!("{user}.sqlite")),
            client: None,
        };
        this.restart();
        this
    }

    fn restart(&mut self) {
        drop(self.client.take());
        let store = SqliteStore::open(&self.path, &STORAGE_KEY).unwrap();
        self.client = Some(Client::open(store, self.user, "phone").unwrap());
    }

    fn c(&self) -> &Client {
        self.client.as_ref().unwrap()
    }
}

#[cfg(feature = "sqlite")]
fn restart_all(devices: &mut [&mut PersistentDevice]) {
    for device in devices.iter_mut() {
        device.restart();
    }
}

#[test]
#[cfg(feature = "sqlite")]
fn removed_device_reads_nothing_after_and_joiner_nothing_before_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = PersistentDevice::create(dir.path(), "alice");
    let mut b = PersistentDevice::create(dir.path(), "bob");
    let mut c = PersistentDevice::create(dir.path(), "carol");
    let mut d = PersistentDevice::create(dir.path(), "dave");

    form_group(a.c(), &[b.c(), c.c()]);
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);

    // Everyone talks.
    for (sender, text) in [(0, "from alice"), (1, "from bob"), (2, "from carol")] {
        let devices = [&a, &b, &c];
        let from = devices[sender];
        let sealed = from.c().encrypt_group(GROUP, text.as_bytes()).unwrap();
        for receiver in devices {
            if receiver.user == from.user {
                continue;
            }
            let events = receiver.c().process_group_message(&sealed).unwrap();
            assert_eq!(plaintexts(&events), vec![text.as_bytes().to_vec()]);
            match &events[0] {
                GroupEvent::Message { sender, .. } => assert_eq!(sender, &addr(from.user)),
                other => panic!("{other:?}"),
            }
        }
        restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);
    }
    let before_dave = a.c().encrypt_group(GROUP, b"before dave").unwrap();
    b.c().process_group_message(&before_dave).unwrap();
    c.c().process_group_message(&before_dave).unwrap();
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);

    // Alice removes Carol.
    let removal = a.c().remove_group_members(GROUP, &[addr("carol")]).unwrap();
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);
    a.c().confirm_group_commit(GROUP).unwrap();
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);
    let events = b.c().process_group_message(&removal.commit).unwrap();
    assert!(events.contains(&GroupEvent::MembersRemoved {
        group_id: GROUP.into(),
        members: vec![addr("carol")],
    }));
    let events = c.c().process_group_message(&removal.commit).unwrap();
    assert_eq!(
        events,
        vec![GroupEvent::Removed {
            group_id: GROUP.into()
        }]
    );
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);
    assert!(c.c().groups().unwrap().is_empty());

    let after_carol = a.c().encrypt_group(GROUP, b"after carol").unwrap();
    assert_eq!(
        plaintexts(&b.c().process_group_message(&after_carol).unwrap()),
        vec![b"after carol".to_vec()]
    );
    assert!(matches!(
        c.c().process_group_message(&after_carol),
        Err(Error::Group(GroupError::UnknownGroup { .. }))
    ));
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);

    // Bob adds Dave.
    let package = d.c().key_packages(1).unwrap().remove(0);
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);
    let addition = b.c().add_group_members(GROUP, &[package]).unwrap();
    b.c().confirm_group_commit(GROUP).unwrap();
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);
    let events = a.c().process_group_message(&addition.commit).unwrap();
    assert!(events.iter().any(|event| matches!(
        event,
        GroupEvent::MembersAdded { members, .. }
            if members[0].device == addr("dave") && members[0].trust == MemberTrust::Unverified
    )));
    let joined = d
        .c()
        .join_group(addition.welcome.as_ref().unwrap())
        .unwrap();
    assert_eq!(joined.members.len(), 3);
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);

    // Dave reads nothing from before he joined.
    for old in [&before_dave, &after_carol] {
        assert!(matches!(
            d.c().process_group_message(old),
            Err(Error::Group(GroupError::WrongEpoch { .. }))
        ));
    }
    let welcome_dave = a.c().encrypt_group(GROUP, b"welcome dave").unwrap();
    assert_eq!(
        plaintexts(&d.c().process_group_message(&welcome_dave).unwrap()),
        vec![b"welcome dave".to_vec()]
    );
    restart_all(&mut [&mut a, &mut b, &mut c, &mut d]);

    // Everyone left agrees on the epoch and the exporter secret.
    let epoch = a.c().group_epoch(GROUP).unwrap();
    assert_eq!(epoch, 3);
    for member in [&b, &d] {
        assert_eq!(member.c().group_epoch(GROUP).unwrap(), epoch);
        assert_eq!(secret(member.c()), secret(a.c()));
    }
    let mut members: Vec<_> = a
        .c()
        .group_members(GROUP)
        .unwrap()
        .into_iter()
        .map(|member| member.device)
        .collect();
    members.sort_by_key(ToString::to_string);
    assert_eq!(members, vec![addr("alice"), addr("bob"), addr("dave")]);
}

#[test]
fn late_messages_from_recent_epochs_decrypt_older_ones_are_refused() {
    let alice = client("alice");
    let bob = client("bob");
    form_group(&alice, &[&bob]);

    let mut late = Vec::new();
    for round in 0..=MAX_PAST_EPOCHS + 1 {
        late.push(
            bob.encrypt_group(GROUP, format!("round {round}").as_bytes())
                .unwrap(),
        );
        let update = alice.update_group(GROUP).unwrap();
        alice.confirm_group_commit(GROUP).unwrap();
        bob.process_group_message(&update.commit).unwrap();
    }
    // `late[i]` was sent MAX_PAST_EPOCHS + 2 - i epochs ago.
    let (too_old, recent) = late.split_at(2);
    for sealed in too_old {
        assert!(matches!(
            alice.process_group_message(sealed),
            Err(Error::Group(GroupError::WrongEpoch { .. }))
        ));
    }
    for (i, sealed) in recent.iter().enumerate() {
        let round = i + 2;
        assert_eq!(
            plaintexts(&alice.process_group_message(sealed).unwrap()),
            vec![format!("round {round}").into_bytes()]
        );
    }
}

#[test]
fn messages_from_a_future_epoch_wait_for_their_commit() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    form_group(&alice, &[&bob, &carol]);

    let update = alice.update_group(GROUP).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    carol.process_group_message(&update.commit).unwrap();
    let early_a = alice.encrypt_group(GROUP, b"early from alice").unwrap();
    let early_c = carol.encrypt_group(GROUP, b"early from carol").unwrap();

    // Bob gets the new epoch's messages before the commit.
    for early in [&early_a, &early_c] {
        assert_eq!(
            bob.process_group_message(early).unwrap(),
            vec![GroupEvent::Buffered {
                group_id: GROUP.into(),
                epoch: 2
            }]
        );
    }
    // The same early message twice is a replay, not a second copy.
    assert!(matches!(
        bob.process_group_message(&early_a),
        Err(Error::Group(GroupError::Replay))
    ));
    let events = bob.process_group_message(&update.commit).unwrap();
    assert_eq!(
        events[0],
        GroupEvent::EpochChanged {
            group_id: GROUP.into(),
            epoch: 2
        }
    );
    assert_eq!(
        plaintexts(&events),
        vec![b"early from alice".to_vec(), b"early from carol".to_vec()]
    );
    // Delivered once only.
    assert!(matches!(
        bob.process_group_message(&early_a),
        Err(Error::Group(GroupError::Replay))
    ));
}

#[test]
fn a_member_leaves_through_a_proposal_and_the_next_commit() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    form_group(&alice, &[&bob, &carol]);

    let proposal = carol.leave_group(GROUP).unwrap();
    for member in [&alice, &bob] {
        assert_eq!(
            member.process_group_message(&proposal).unwrap(),
            vec![GroupEvent::Proposal {
                group_id: GROUP.into(),
                sender: addr("carol"),
                kind: ProposalKind::Remove
            }]
        );
    }
    let commit = alice.commit_group_proposals(GROUP).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    let events = bob.process_group_message(&commit.commit).unwrap();
    assert!(events.contains(&GroupEvent::MembersRemoved {
        group_id: GROUP.into(),
        members: vec![addr("carol")]
    }));
    assert_eq!(
        carol.process_group_message(&commit.commit).unwrap(),
        vec![GroupEvent::Removed {
            group_id: GROUP.into()
        }]
    );
    assert_eq!(secret(&alice), secret(&bob));
    assert_eq!(alice.group_members(GROUP).unwrap().len(), 2);
}

#[test]
fn concurrent_commits_the_first_one_delivered_wins() {
    let alice = client("alice");
    let bob = client("bob");
    form_group(&alice, &[&bob]);

    let from_alice = alice.update_group(GROUP).unwrap();
    let from_bob = bob.update_group(GROUP).unwrap();
    // One own commit at a time.
    for second in [
        bob.update_group(GROUP),
        bob.commit_group_proposals(GROUP),
        bob.remove_group_members(GROUP, &[addr("alice")]),
    ] {
        assert!(matches!(
            second,
            Err(Error::Group(GroupError::PendingCommit { .. }))
        ));
    }
    // While its commit is pending a device still sends in the current epoch.
    let meanwhile = bob.encrypt_group(GROUP, b"meanwhile").unwrap();
    // The delivery service orders Alice's first; it comes back to her too.
    let events = alice.process_group_message(&from_alice.commit).unwrap();
    assert!(events.contains(&GroupEvent::EpochChanged {
        group_id: GROUP.into(),
        epoch: 2
    }));
    let events = bob.process_group_message(&from_alice.commit).unwrap();
    assert!(events.contains(&GroupEvent::OwnCommitDiscarded {
        group_id: GROUP.into()
    }));
    // Bob's losing commit is refused by Alice and changes nothing.
    assert!(matches!(
        alice.process_group_message(&from_bob.commit),
        Err(Error::Group(GroupError::WrongEpoch { .. }))
    ));
    assert!(matches!(
        bob.confirm_group_commit(GROUP),
        Err(Error::Group(GroupError::NoPendingCommit { .. }))
    ));
    assert_eq!(secret(&alice), secret(&bob));
    assert_eq!(
        plaintexts(&alice.process_group_message(&meanwhile).unwrap()),
        vec![b"meanwhile".to_vec()]
    );
    let sealed = bob.encrypt_group(GROUP, b"after").unwrap();
    assert_eq!(
        plaintexts(&alice.process_group_message(&sealed).unwrap()),
        vec![b"after".to_vec()]
    );
}

#[test]
fn a_discarded_commit_leaves_the_group_as_it_was() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    form_group(&alice, &[&bob]);
    let epoch = alice.group_epoch(GROUP).unwrap();
    let package = carol.key_packages(1).unwrap().remove(0);
    alice
        .add_group_members(GROUP, std::slice::from_ref(&package))
        .unwrap();
    alice.discard_group_commit(GROUP).unwrap();
    assert_eq!(alice.group_epoch(GROUP).unwrap(), epoch);
    let sealed = alice.encrypt_group(GROUP, b"still here").unwrap();
    assert_eq!(
        plaintexts(&bob.process_group_message(&sealed).unwrap()),
        vec![b"still here".to_vec()]
    );
    // The key package is still good for a later attempt.
    let commit = alice.add_group_members(GROUP, &[package]).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    carol.join_group(commit.welcome.as_ref().unwrap()).unwrap();
}

#[test]
fn a_member_whose_identity_is_not_the_trusted_one_is_refused() {
    let alice = client("alice");
    let bob = client("bob");
    // Alice already trusts a different key for bob/phone.
    let impostor = client("bob");
    alice
        .trust_identity(&addr("bob"), impostor.identity())
        .unwrap();
    alice.create_group(GROUP).unwrap();
    let package = bob.key_packages(1).unwrap().remove(0);
    assert!(matches!(
        alice.add_group_members(GROUP, std::slice::from_ref(&package)),
        Err(Error::UntrustedIdentity { address }) if address == addr("bob")
    ));
    assert_eq!(alice.group_members(GROUP).unwrap().len(), 1);

    // Carol trusts a different key for alice: she refuses the welcome.
    let carol = client("carol");
    let other_alice = client("alice");
    carol
        .trust_identity(&addr("alice"), other_alice.identity())
        .unwrap();
    let commit = alice
        .add_group_members(GROUP, &[carol.key_packages(1).unwrap().remove(0)])
        .unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    let welcome = commit.welcome.unwrap();
    assert!(matches!(
        carol.join_group(&welcome),
        Err(Error::UntrustedIdentity { address }) if address == addr("alice")
    ));
    assert!(carol.groups().unwrap().is_empty());
    // Once Carol has verified and trusts the real key, the same welcome works
    // (the failed attempt consumed nothing).
    carol
        .trust_identity(&addr("alice"), alice.identity())
        .unwrap();
    let joined = carol.join_group(&welcome).unwrap();
    assert!(joined.unverified.is_empty());
    assert_eq!(
        carol.trusted_identity(&addr("alice")).unwrap().as_ref(),
        Some(alice.identity())
    );
}

#[test]
fn members_known_only_from_a_group_are_reported_unverified_and_never_trusted() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    form_group(&alice, &[&bob]);
    let commit = alice
        .add_group_members(GROUP, &[carol.key_packages(1).unwrap().remove(0)])
        .unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    // Bob meets Carol only in the group: reported unverified, trusted for
    // nothing outside it.
    let events = bob.process_group_message(&commit.commit).unwrap();
    assert!(events.iter().any(|event| matches!(
        event,
        GroupEvent::MembersAdded { members, .. }
            if members[0].device == addr("carol")
                && &members[0].identity == carol.identity()
                && members[0].trust == MemberTrust::Unverified
    )));
    assert_eq!(bob.trusted_identity(&addr("carol")).unwrap(), None);
    let joined = carol.join_group(commit.welcome.as_ref().unwrap()).unwrap();
    let mut unverified = joined.unverified.clone();
    unverified.sort_by_key(ToString::to_string);
    assert_eq!(unverified, vec![addr("alice"), addr("bob")]);
    assert_eq!(carol.trusted_identity(&addr("bob")).unwrap(), None);
}

#[test]
fn own_commit_echoed_by_the_delivery_service_is_applied() {
    let alice = client("alice");
    let bob = client("bob");
    form_group(&alice, &[&bob]);
    let update = alice.update_group(GROUP).unwrap();
    let events = alice.process_group_message(&update.commit).unwrap();
    assert!(events.contains(&GroupEvent::EpochChanged {
        group_id: GROUP.into(),
        epoch: 2
    }));
    bob.process_group_message(&update.commit).unwrap();
    assert_eq!(secret(&alice), secret(&bob));
    // An own application message echoed back yields nothing.
    let sealed = alice.encrypt_group(GROUP, b"hi").unwrap();
    assert!(alice.process_group_message(&sealed).unwrap().is_empty());
}

#[test]
fn key_packages_are_single_use() {
    let alice = client("alice");
    let bob = client("bob");
    alice.create_group(GROUP).unwrap();
    alice.create_group("other").unwrap();
    let package = bob.key_packages(1).unwrap().remove(0);
    let first = alice
        .add_group_members(GROUP, std::slice::from_ref(&package))
        .unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    let second = alice.add_group_members("other", &[package]).unwrap();
    alice.confirm_group_commit("other").unwrap();
    bob.join_group(first.welcome.as_ref().unwrap()).unwrap();
    assert!(matches!(
        bob.join_group(second.welcome.as_ref().unwrap()),
        Err(Error::Group(GroupError::NotForThisDevice))
    ));
    assert!(matches!(
        bob.join_group(first.welcome.as_ref().unwrap()),
        Err(Error::Group(
            GroupError::NotForThisDevice | GroupError::GroupExists { .. }
        ))
    ));
}

#[test]
fn group_ids_and_arguments_are_checked() {
    let alice = client("alice");
    assert!(matches!(
        alice.create_group(""),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        alice.create_group(&"x".repeat(256)),
        Err(Error::InvalidInput(_))
    ));
    alice.create_group(GROUP).unwrap();
    assert!(matches!(
        alice.create_group(GROUP),
        Err(Error::Group(GroupError::GroupExists { .. }))
    ));
    assert!(matches!(
        alice.encrypt_group("nope", b"x"),
        Err(Error::Group(GroupError::UnknownGroup { .. }))
    ));
    assert!(matches!(
        alice.remove_group_members(GROUP, &[addr("bob")]),
        Err(Error::Group(GroupError::NotAMember { .. }))
    ));
    assert!(matches!(
        alice.confirm_group_commit(GROUP),
        Err(Error::Group(GroupError::NoPendingCommit { .. }))
    ));
    assert!(matches!(
        alice.add_group_members(GROUP, &[]),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        alice.add_group_members(GROUP, &[b"junk".to_vec()]),
        Err(Error::Group(GroupError::Malformed(_)))
    ));
    assert!(matches!(
        alice.key_packages(1001),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(alice.groups().unwrap(), vec![GROUP.to_string()]);
}

#[test]
fn a_failed_commit_leaves_the_old_epoch_and_the_same_message_works_after() {
    let alice = client("alice");
    let inner = Arc::new(MemoryStore::new());
    let fail = Arc::new(AtomicBool::new(false));
    let open = || {
        let store = FailingStore {
            inner: Arc::clone(&inner),
            fail_commits: Arc::clone(&fail),
        };
        Client::open(store, "bob", "phone").unwrap()
    };
    let bob = open();
    form_group(&alice, &[&bob]);
    let before = inner.snapshot();

    let update = alice.update_group(GROUP).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    let sealed = alice.encrypt_group(GROUP, b"new epoch").unwrap();

    fail.store(true, Ordering::SeqCst);
    assert!(matches!(
        bob.process_group_message(&update.commit),
        Err(Error::Store(StoreError::Backend(_)))
    ));
    fail.store(false, Ordering::SeqCst);
    assert_eq!(inner.snapshot(), before);
    assert_eq!(bob.group_epoch(GROUP).unwrap(), 1);

    // A restart from the store sees the old epoch as well.
    let bob = open();
    assert_eq!(bob.group_epoch(GROUP).unwrap(), 1);
    bob.process_group_message(&update.commit).unwrap();
    assert_eq!(bob.group_epoch(GROUP).unwrap(), 2);

    fail.store(true, Ordering::SeqCst);
    assert!(bob.process_group_message(&sealed).is_err());
    fail.store(false, Ordering::SeqCst);
    assert_eq!(
        plaintexts(&bob.process_group_message(&sealed).unwrap()),
        vec![b"new epoch".to_vec()]
    );
}

#[cfg(feature = "pq-groups")]
#[test]
fn post_quantum_groups_work_end_to_end() {
    use sealkit::group::GroupCipherSuite;
    let alice = client("alice");
    let bob = client("bob");
    alice
        .create_group_with(GROUP, GroupCipherSuite::PostQuantum)
        .unwrap();
    let package = bob
        .key_packages_for(GroupCipherSuite::PostQuantum, 1)
        .unwrap()
        .remove(0);
    let commit = alice.add_group_members(GROUP, &[package]).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    bob.join_group(commit.welcome.as_ref().unwrap()).unwrap();
    let sealed = alice.encrypt_group(GROUP, b"post-quantum").unwrap();
    assert_eq!(
        plaintexts(&bob.process_group_message(&sealed).unwrap()),
        vec![b"post-quantum".to_vec()]
    );
    let update = bob.update_group(GROUP).unwrap();
    bob.confirm_group_commit(GROUP).unwrap();
    alice.process_group_message(&update.commit).unwrap();
    assert_eq!(secret(&alice), secret(&bob));
    // A classic key package cannot join a post-quantum group.
    let carol = client("carol");
    let classic = carol.key_packages(1).unwrap().remove(0);
    assert!(alice.add_group_members(GROUP, &[classic]).is_err());
}

#[test]
fn group_call_media_keys_follow_the_epoch() {
    use sealkit::media::MediaConfig;
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    form_group(&alice, &[&bob, &carol]);
    let config = MediaConfig::default();
    let mut media: Vec<_> = [&alice, &bob, &carol]
        .iter()
        .map(|member| member.group_media(GROUP, config).unwrap())
        .collect();
    // Everyone hears everyone; the sender index is the leaf index.
    for sender in 0..3 {
        let sealed = media[sender]
            .encrypt_frame(format!("frame {sender}").as_bytes(), b"hdr")
            .unwrap();
        for receiver in (0..3).filter(|r| *r != sender) {
            let frame = media[receiver].decrypt_frame(&sealed).unwrap();
            assert_eq!(frame.frame, format!("frame {sender}").into_bytes());
            assert_eq!(frame.clear_header, b"hdr");
            assert_eq!(frame.epoch, 1);
        }
    }
    // Alice removes Carol: the others rekey; Carol cannot follow.
    let removal = alice.remove_group_members(GROUP, &[addr("carol")]).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    bob.process_group_message(&removal.commit).unwrap();
    carol.process_group_message(&removal.commit).unwrap();
    let in_flight = media[1].encrypt_frame(b"old epoch", b"").unwrap();
    assert!(alice.rekey_group_media(GROUP, &mut media[0]).unwrap());
    assert!(bob.rekey_group_media(GROUP, &mut media[1]).unwrap());
    assert!(!bob.rekey_group_media(GROUP, &mut media[1]).unwrap());
    assert!(carol.rekey_group_media(GROUP, &mut media[2]).is_err());
    // A frame in flight from the previous epoch still decrypts.
    assert_eq!(
        media[0].decrypt_frame(&in_flight).unwrap().frame,
        b"old epoch"
    );
    let sealed = media[0].encrypt_frame(b"without carol", b"").unwrap();
    assert_eq!(
        media[1].decrypt_frame(&sealed).unwrap().frame,
        b"without carol"
    );
    assert!(media[2].decrypt_frame(&sealed).is_err());
    // Exporter agreement: same epoch secret on both sides.
    let a = alice.group_media_epoch(GROUP, config.suite).unwrap();
    let b = bob.group_media_epoch(GROUP, config.suite).unwrap();
    assert_eq!(a.epoch(), b.epoch());
    assert_ne!(a.own_index(), b.own_index());
}

#[test]
#[cfg(feature = "sqlite")]
fn media_contexts_built_again_never_reuse_a_counter() {
    use sealkit::media::MediaConfig;
    let dir = tempfile::tempdir().unwrap();
    let mut alice = PersistentDevice::create(dir.path(), "alice");
    let bob = client("bob");
    form_group(alice.c(), &[&bob]);
    let config = MediaConfig::default();
    let mut hearing = bob.group_media(GROUP, config).unwrap();

    let mut first = alice.c().group_media(GROUP, config).unwrap();
    let a = first.encrypt_frame(b"same frame", b"").unwrap();
    // The app builds a second context, then restarts and builds a third:
    // each sends under its own context value (its own Key ID), so no (key,
    // nonce) pair repeats and the receiver sees three distinct frames, not
    // replays.
    let mut second = alice.c().group_media(GROUP, config).unwrap();
    let b = second.encrypt_frame(b"same frame", b"").unwrap();
    alice.restart();
    let mut third = alice.c().group_media(GROUP, config).unwrap();
    let c = third.encrypt_frame(b"same frame", b"").unwrap();
    assert_ne!(a, b);
    assert_ne!(b, c);
    for sealed in [&a, &b, &c] {
        assert_eq!(hearing.decrypt_frame(sealed).unwrap().frame, b"same frame");
    }
    // The first context keeps sending after the later ones were heard: its
    // frames are not taken for replays of theirs.
    for round in 0..3 {
        for (context, name) in [
            (&mut first, "first"),
            (&mut second, "second"),
            (&mut third, "third"),
        ] {
            let frame = format!("{name} {round}");
            let sealed = context.encrypt_frame(frame.as_bytes(), b"").unwrap();
            assert_eq!(
                hearing.decrypt_frame(&sealed).unwrap().frame,
                frame.as_bytes()
            );
        }
    }
}

#[test]
#[cfg(feature = "sqlite")]
fn a_receiver_restarted_mid_call_refuses_every_frame_it_accepted_before() {
    use sealkit::media::{MediaConfig, MediaError, REPLAY_FLOOR_STEP};
    let dir = tempfile::tempdir().unwrap();
    let alice = client("alice");
    let mut bob = PersistentDevice::create(dir.path(), "bob");
    form_group(&alice, &[bob.c()]);
    let config = MediaConfig::default();
    let mut speaking = alice.group_media(GROUP, config).unwrap();
    let mut hearing = bob.c().group_media(GROUP, config).unwrap();

    // Bob hears ten frames, an attacker records them.
    let recorded: Vec<Vec<u8>> = (0..10)
        .map(|n| {
            speaking
                .encrypt_frame(format!("frame {n}").as_bytes(), b"")
                .unwrap()
        })
        .collect();
    for sealed in &recorded {
        hearing.decrypt_frame(sealed).unwrap();
    }
    // Bob's app restarts and rejoins the call.
    drop(hearing);
    bob.restart();
    let mut hearing = bob.c().group_media(GROUP, config).unwrap();
    for sealed in &recorded {
        assert_eq!(hearing.decrypt_frame(sealed), Err(MediaError::Replay));
    }
    // Alice's context goes on; what Bob refuses of it is bounded: the
    // frames up to the floor the first context had reserved.
    let mut lost = 0u64;
    let heard = loop {
        let sealed = speaking.encrypt_frame(b"live", b"").unwrap();
        match hearing.decrypt_frame(&sealed) {
            Ok(frame) => break frame,
            Err(MediaError::Replay) => lost += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert!(lost <= REPLAY_FLOOR_STEP, "refused more than a floor step");
    };
    assert_eq!(heard.frame, b"live");
    assert_eq!(lost, REPLAY_FLOOR_STEP - 10);
    // A restart of Alice's side needs nothing from Bob: a new context.
    let mut speaking_again = alice.group_media(GROUP, config).unwrap();
    let sealed = speaking_again
        .encrypt_frame(b"after alice restarted", b"")
        .unwrap();
    assert_eq!(
        hearing.decrypt_frame(&sealed).unwrap().frame,
        b"after alice restarted"
    );
}

#[test]
fn a_media_context_whose_client_is_closed_or_left_the_group_withholds_frames_it_cannot_record() {
    use sealkit::ErrorKind;
    use sealkit::media::{MediaConfig, MediaError};
    use sealkit::store::{RecordKind, Store};
    let alice = client("alice");
    let bob_store = Arc::new(MemoryStore::new());
    let bob = Client::open(Arc::clone(&bob_store), "bob", "phone").unwrap();
    let carol = client("carol");
    form_group(&alice, &[&bob, &carol]);
    let config = MediaConfig::default();
    let mut speaking = alice.group_media(GROUP, config).unwrap();
    let mut bob_hearing = bob.group_media(GROUP, config).unwrap();
    let mut carol_hearing = carol.group_media(GROUP, config).unwrap();
    let first = speaking.encrypt_frame(b"first", b"").unwrap();
    bob_hearing.decrypt_frame(&first).unwrap();
    carol_hearing.decrypt_frame(&first).unwrap();
    assert!(
        bob_store
            .get(RecordKind::MediaReplay, GROUP)
            .unwrap()
            .is_some()
    );
    // Alice's app builds a second context in this epoch.
    let mut speaking_again = alice.group_media(GROUP, config).unwrap();

    // Bob is removed: his group state and its replay floors go.
    let removal = alice.remove_group_members(GROUP, &[addr("bob")]).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    bob.process_group_message(&removal.commit).unwrap();
    assert!(
        bob_store
            .get(RecordKind::MediaReplay, GROUP)
            .unwrap()
            .is_none()
    );
    // A frame of Alice's second context needs a new floor, which Bob
    // cannot keep any more: the frame is withheld, with the reason's kind.
    let late = speaking_again.encrypt_frame(b"late", b"").unwrap();
    let refused = bob_hearing.decrypt_frame(&late).unwrap_err();
    assert!(matches!(
        refused,
        MediaError::ReplayMemory {
            kind: ErrorKind::UnknownGroup,
            ..
        }
    ));

    // Carol's client is closed: the same, and her context is unchanged.
    carol.close().unwrap();
    let refused = carol_hearing.decrypt_frame(&late).unwrap_err();
    assert!(matches!(
        refused,
        MediaError::ReplayMemory {
            kind: ErrorKind::Closed,
            ..
        }
    ));
    assert_eq!(carol_hearing.decrypt_frame(&first), Err(MediaError::Replay));
}

#[test]
fn the_committer_reports_its_new_members_unverified_when_its_commit_is_confirmed() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    alice.create_group(GROUP).unwrap();
    let package = bob.key_packages(1).unwrap().remove(0);
    alice
        .add_group_members(GROUP, std::slice::from_ref(&package))
        .unwrap();
    alice.discard_group_commit(GROUP).unwrap();
    // A confirmed commit reports each new member, with its leaf and trust.
    let packages = [package, carol.key_packages(1).unwrap().remove(0)];
    alice.add_group_members(GROUP, &packages).unwrap();
    let events = alice.confirm_group_commit(GROUP).unwrap();
    let mut added: Vec<(String, u32, MemberTrust)> = events
        .iter()
        .filter_map(|event| match event {
            GroupEvent::MembersAdded { members, .. } => Some(members),
            _ => None,
        })
        .flatten()
        .map(|member| (member.device.to_string(), member.leaf_index, member.trust))
        .collect();
    added.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert_eq!(
        added,
        vec![
            ("bob/phone".into(), 1, MemberTrust::Unverified),
            ("carol/phone".into(), 2, MemberTrust::Unverified)
        ]
    );
    assert_eq!(alice.trusted_identity(&addr("bob")).unwrap(), None);
}

#[test]
fn a_large_welcome_checks_every_member() {
    // Enough members for the identity keys to be decoded in parallel.
    let alice = client("alice");
    let others: Vec<Client> = (0..40).map(|i| client(&format!("user{i}"))).collect();
    alice.create_group(GROUP).unwrap();
    let packages: Vec<Vec<u8>> = others
        .iter()
        .map(|other| other.key_packages(1).unwrap().remove(0))
        .collect();
    let commit = alice.add_group_members(GROUP, &packages).unwrap();
    let events = alice.confirm_group_commit(GROUP).unwrap();
    let unverified = events
        .iter()
        .filter_map(|event| match event {
            GroupEvent::MembersAdded { members, .. } => Some(members),
            _ => None,
        })
        .flatten()
        .filter(|member| member.trust == MemberTrust::Unverified)
        .count();
    assert_eq!(unverified, 40);
    let welcome = commit.welcome.unwrap();

    // A joiner that trusts another key for one member refuses the welcome.
    let last = &others[39];
    last.trust_identity(&addr("user7"), others[8].identity())
        .unwrap();
    assert!(matches!(
        last.join_group(&welcome),
        Err(Error::UntrustedIdentity { address }) if address == addr("user7")
    ));
    // Every member, each with its own identity, at its own leaf; all but
    // the joiner itself unverified.
    let joined = others[0].join_group(&welcome).unwrap();
    assert_eq!(joined.members.len(), 41);
    assert_eq!(joined.unverified.len(), 40);
    let members = others[0].group_members(GROUP).unwrap();
    for member in &members {
        let expected = std::iter::once(&alice)
            .chain(others.iter())
            .find(|client| client.address() == &member.device)
            .unwrap();
        assert_eq!(&member.identity, expected.identity());
        let trust = if &member.device == others[0].address() {
            MemberTrust::Trusted
        } else {
            MemberTrust::Unverified
        };
        assert_eq!(member.trust, trust);
    }
    let mut leaves: Vec<u32> = members.iter().map(|m| m.leaf_index).collect();
    leaves.sort_unstable();
    assert_eq!(leaves, (0..41).collect::<Vec<u32>>());
}

#[test]
fn the_sframe_base_key_is_not_exported_past_the_counter_reservation() {
    let alice = client("alice");
    let bob = client("bob");
    form_group(&alice, &[&bob]);
    let refused = alice.export_group_secret(GROUP, sealkit::media::EXPORTER_LABEL, b"", 16);
    assert!(
        matches!(refused, Err(Error::InvalidInput(_))),
        "{refused:?}"
    );
    // Other labels export, the same for every member.
    assert_eq!(secret(&alice), secret(&bob));
}
