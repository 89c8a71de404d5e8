//! Integration tests: what a group may and may not say about a device's
//! identity (issue 12, point 2; ADR 0014). An identity learned from a group
//! stays in that group and never pre-empts a 1:1 session's trust on first
//! use; the sender of every group message is checked against the identity
//! trusted now; a trust change reaches the groups.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::store::MemoryStore;
use sealkit::{Client, DeviceAddress, Error, GroupEvent, GroupMember, MemberTrust};

const GROUP: &str = "team";

fn client(user: &str) -> Client {
    Client::open(MemoryStore::new(), user, "phone").unwrap()
}

fn addr(user: &str) -> DeviceAddress {
    DeviceAddress::new(user, "phone").unwrap()
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

/// `sender` (with no session yet) writes to `receiver` from its bundle.
fn first_message(sender: &Client, receiver: &Client, text: &[u8]) -> Vec<u8> {
    let bundle = receiver.prekey_bundle(1).unwrap().take_for_session();
    sender
        .encrypt(receiver.address(), Some(&bundle), text)
        .unwrap()
}

fn member(client: &Client, device: &DeviceAddress) -> GroupMember {
    client
        .group_members(GROUP)
        .unwrap()
        .into_iter()
        .find(|member| &member.device == device)
        .unwrap()
}

fn message_from(events: &[GroupEvent]) -> Option<(DeviceAddress, Vec<u8>)> {
    events.iter().find_map(|event| match event {
        GroupEvent::Message {
            sender, plaintext, ..
        } => Some((sender.clone(), plaintext.clone())),
        _ => None,
    })
}

#[test]
fn a_device_named_by_a_group_member_does_not_pre_empt_the_real_devices_first_session() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    let mallory = client("mallory");
    form_group(&alice, &[&bob, &carol, &mallory]);

    // Mallory adds a leaf that names dave/phone, with keys of her own.
    let impostor = client("dave");
    let commit = mallory
        .add_group_members(GROUP, &[impostor.key_packages(1).unwrap().remove(0)])
        .unwrap();
    mallory.confirm_group_commit(GROUP).unwrap();
    for member in [&alice, &bob, &carol] {
        let events = member.process_group_message(&commit.commit).unwrap();
        assert!(events.iter().any(|event| matches!(
            event,
            GroupEvent::MembersAdded { members, .. }
                if members[0].device == addr("dave") && members[0].trust == MemberTrust::Unverified
        )));
        // The group's word is not recorded as trust.
        assert_eq!(member.trusted_identity(&addr("dave")).unwrap(), None);
    }
    impostor
        .join_group(commit.welcome.as_ref().unwrap())
        .unwrap();

    // The real Dave writes to Bob for the first time: it opens, and Bob now
    // trusts the real key for dave/phone.
    let dave = client("dave");
    let hello = first_message(&dave, &bob, b"hi Bob, it's Dave");
    assert_eq!(bob.decrypt(&hello).unwrap().plaintext, b"hi Bob, it's Dave");
    assert_eq!(
        bob.trusted_identity(&addr("dave")).unwrap().as_ref(),
        Some(dave.identity())
    );
    // Alice, who also met "Dave" only in the group, starts a session from
    // the real Dave's bundle: the group's key (whose X25519 half nothing
    // proved) is not in the way either.
    let to_dave = first_message(&alice, &dave, b"hi Dave");
    assert_eq!(dave.decrypt(&to_dave).unwrap().plaintext, b"hi Dave");

    // In the group, the leaf is now untrusted for Bob and Alice, and what it
    // sends is refused; Carol, who never met either Dave, still sees it
    // unverified (and her app says so).
    for member_of_group in [&alice, &bob] {
        assert_eq!(
            member(member_of_group, &addr("dave")).trust,
            MemberTrust::Untrusted
        );
    }
    assert_eq!(member(&carol, &addr("dave")).trust, MemberTrust::Unverified);
    let sealed = impostor.encrypt_group(GROUP, b"trust me").unwrap();
    for member_of_group in [&alice, &bob] {
        assert!(matches!(
            member_of_group.process_group_message(&sealed),
            Err(Error::UntrustedIdentity { address }) if address == addr("dave")
        ));
    }
    assert_eq!(
        message_from(&carol.process_group_message(&sealed).unwrap()),
        Some((addr("dave"), b"trust me".to_vec()))
    );
}

#[test]
fn the_senders_current_trust_is_checked_on_every_group_message() {
    let alice = client("alice");
    let bob = client("bob");
    // Bob met Alice in a session first, so he trusts her key.
    bob.decrypt(&first_message(&alice, &bob, b"hi")).unwrap();
    form_group(&alice, &[&bob]);
    assert_eq!(member(&bob, &addr("alice")).trust, MemberTrust::Trusted);
    let before = alice.encrypt_group(GROUP, b"before").unwrap();
    assert!(message_from(&bob.process_group_message(&before).unwrap()).is_some());

    // Bob is told Alice reinstalled and verifies her new key; her old
    // identity keeps its leaf and writes to the group.
    let reinstalled = client("alice");
    bob.trust_identity(&addr("alice"), reinstalled.identity())
        .unwrap();
    let message = alice.encrypt_group(GROUP, b"still me").unwrap();
    assert!(matches!(
        bob.process_group_message(&message),
        Err(Error::UntrustedIdentity { address }) if address == addr("alice")
    ));
    // Its commits are refused too.
    let update = alice.update_group(GROUP).unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    let epoch = bob.group_epoch(GROUP).unwrap();
    assert!(matches!(
        bob.process_group_message(&update.commit),
        Err(Error::UntrustedIdentity { address }) if address == addr("alice")
    ));
    assert_eq!(bob.group_epoch(GROUP).unwrap(), epoch);

    // The refusals changed nothing: once Bob trusts the old key again, the
    // same message and commit go through.
    bob.trust_identity(&addr("alice"), alice.identity())
        .unwrap();
    assert_eq!(
        message_from(&bob.process_group_message(&message).unwrap()),
        Some((addr("alice"), b"still me".to_vec()))
    );
    bob.process_group_message(&update.commit).unwrap();
    assert_eq!(bob.group_epoch(GROUP).unwrap(), epoch + 1);
}

#[test]
fn a_trust_change_reaches_every_group_the_device_is_in() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    form_group(&alice, &[&bob, &carol]);
    let alice_in_group = member(&bob, &addr("alice"));
    assert_eq!(alice_in_group.trust, MemberTrust::Unverified);

    // Bob verifies the key the group shows for Alice: it becomes trusted,
    // for the group and for sessions.
    bob.trust_identity(&addr("alice"), &alice_in_group.identity)
        .unwrap();
    assert_eq!(member(&bob, &addr("alice")).trust, MemberTrust::Trusted);
    assert_eq!(
        bob.trusted_identity(&addr("alice")).unwrap().as_ref(),
        Some(alice.identity())
    );

    // Later Bob trusts another key for alice/phone: the group shows the old
    // leaf untrusted, and Bob removes it; Carol follows.
    let reinstalled = client("alice");
    bob.trust_identity(&addr("alice"), reinstalled.identity())
        .unwrap();
    assert_eq!(member(&bob, &addr("alice")).trust, MemberTrust::Untrusted);
    let removal = bob.remove_group_members(GROUP, &[addr("alice")]).unwrap();
    bob.confirm_group_commit(GROUP).unwrap();
    carol.process_group_message(&removal.commit).unwrap();
    assert!(
        alice
            .process_group_message(&removal.commit)
            .unwrap()
            .contains(&GroupEvent::Removed {
                group_id: GROUP.into()
            })
    );
    let remaining: Vec<DeviceAddress> = carol
        .group_members(GROUP)
        .unwrap()
        .into_iter()
        .map(|member| member.device)
        .collect();
    assert_eq!(remaining.len(), 2);
    assert!(!remaining.contains(&addr("alice")));
}

#[test]
fn within_one_group_a_device_has_one_identity() {
    let alice = client("alice");
    let bob = client("bob");
    let carol = client("carol");
    form_group(&alice, &[&bob, &carol]);
    // Carol meets only Bob's group leaf (unverified), and is offered a key
    // package of another bob/phone: refused, nothing changes.
    let other_bob = client("bob");
    let epoch = carol.group_epoch(GROUP).unwrap();
    assert!(matches!(
        carol.add_group_members(GROUP, &[other_bob.key_packages(1).unwrap().remove(0)]),
        Err(Error::UntrustedIdentity { address }) if address == addr("bob")
    ));
    assert_eq!(carol.group_epoch(GROUP).unwrap(), epoch);
    assert_eq!(carol.group_members(GROUP).unwrap().len(), 3);
    // Once the old leaf is gone, the new device may join.
    let removal = carol.remove_group_members(GROUP, &[addr("bob")]).unwrap();
    carol.confirm_group_commit(GROUP).unwrap();
    alice.process_group_message(&removal.commit).unwrap();
    let commit = carol
        .add_group_members(GROUP, &[other_bob.key_packages(1).unwrap().remove(0)])
        .unwrap();
    carol.confirm_group_commit(GROUP).unwrap();
    alice.process_group_message(&commit.commit).unwrap();
    assert_eq!(&member(&alice, &addr("bob")).identity, other_bob.identity());
}
