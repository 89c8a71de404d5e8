//! Property test: random sequences of add, remove, update, send, late
//! delivery, early delivery and redelivery across 3 to 8 devices. After
//! every step all current members agree on the epoch and on the exporter
//! secret; every message delivered to a member decrypts exactly once, to the
//! right plaintext and sender, while its epoch is within `MAX_PAST_EPOCHS`,
//! and gets `WrongEpoch` after; a second delivery is always refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use proptest::prelude::*;
use sealkit::group::{GroupError, MAX_PAST_EPOCHS};
use sealkit::store::MemoryStore;
use sealkit::{Client, Error, GroupEvent};

const GROUP: &str = "g";
const DEVICES: usize = 8;

#[derive(Debug, Clone)]
enum Step {
    Add(usize),
    Remove(usize),
    Update(usize),
    Send(usize),
    Deliver(usize),
    Redeliver(usize),
    /// A member commits an update and sends in the new epoch; the others
    /// get the message before the commit.
    EarlyMessage(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..DEVICES).prop_map(Step::Add),
        1 => (0..DEVICES).prop_map(Step::Remove),
        1 => (0..DEVICES).prop_map(Step::Update),
        4 => (0..DEVICES).prop_map(Step::Send),
        3 => any::<usize>().prop_map(Step::Deliver),
        1 => any::<usize>().prop_map(Step::Redeliver),
        1 => (0..DEVICES).prop_map(Step::EarlyMessage),
    ]
}

struct InFlight {
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    sender: usize,
    epoch: u64,
    recipients: BTreeSet<usize>,
}

struct World {
    clients: Vec<Client>,
    members: BTreeSet<usize>,
    in_flight: Vec<InFlight>,
    /// Delivered messages: bytes and who got them.
    delivered: Vec<(Vec<u8>, BTreeSet<usize>)>,
    sent: usize,
}

impl World {
    fn new() -> Self {
        let clients: Vec<Client> = (0..DEVICES)
            .map(|i| Client::open(MemoryStore::new(), &format!("user{i}"), "d").unwrap())
            .collect();
        let mut world = Self {
            clients,
            members: BTreeSet::from([0]),
            in_flight: Vec::new(),
            delivered: Vec::new(),
            sent: 0,
        };
        world.clients[0].create_group(GROUP).unwrap();
        world.add(1);
        world.add(2);
        world
    }

    fn epoch(&self, i: usize) -> u64 {
        self.clients[i].group_epoch(GROUP).unwrap()
    }

    /// A member other than `not`, chosen by `pick`.
    fn member_other_than(&self, not: usize, pick: usize) -> usize {
        let others: Vec<usize> = self.members.iter().copied().filter(|m| *m != not).collect();
        others[pick % others.len()]
    }

    /// Delivers a commit to every member but its author.
    fn fan_out(&self, author: usize, commit: &[u8]) -> Vec<(usize, Vec<GroupEvent>)> {
        self.members
            .iter()
            .filter(|m| **m != author)
            .map(|m| (*m, self.clients[*m].process_group_message(commit).unwrap()))
            .collect()
    }

    fn add(&mut self, i: usize) {
        if self.members.contains(&i) {
            return;
        }
        let committer = self.member_other_than(i, i);
        let package = self.clients[i].key_packages(1).unwrap().remove(0);
        let commit = self.clients[committer]
            .add_group_members(GROUP, &[package])
            .unwrap();
        self.clients[committer].confirm_group_commit(GROUP).unwrap();
        for (_, events) in self.fan_out(committer, &commit.commit) {
            assert!(
                events
                    .iter()
                    .any(|e| matches!(e, GroupEvent::MembersAdded { .. }))
            );
        }
        self.clients[i]
            .join_group(commit.welcome.as_ref().unwrap())
            .unwrap();
        self.members.insert(i);
    }

    fn remove(&mut self, i: usize) {
        if !self.members.contains(&i) || self.members.len() <= 2 {
            return;
        }
        let committer = self.member_other_than(i, i + 1);
        let device = self.clients[i].address().clone();
        let commit = self.clients[committer]
            .remove_group_members(GROUP, &[device])
            .unwrap();
        self.clients[committer].confirm_group_commit(GROUP).unwrap();
        for (member, events) in self.fan_out(committer, &commit.commit) {
            if member == i {
                assert_eq!(
                    events,
                    vec![GroupEvent::Removed {
                        group_id: GROUP.into()
                    }]
                );
            }
        }
        self.members.remove(&i);
        for message in &mut self.in_flight {
            message.recipients.remove(&i);
        }
        assert!(matches!(
            self.clients[i].group_epoch(GROUP),
            Err(Error::Group(GroupError::UnknownGroup { .. }))
        ));
    }

    fn update(&mut self, i: usize) -> Option<Vec<u8>> {
        if !self.members.contains(&i) {
            return None;
        }
        let commit = self.clients[i].update_group(GROUP).unwrap();
        self.clients[i].confirm_group_commit(GROUP).unwrap();
        Some(commit.commit)
    }

    fn send(&mut self, i: usize) -> Option<usize> {
        if !self.members.contains(&i) {
            return None;
        }
        self.sent += 1;
        let plaintext = format!("message {} from {i}", self.sent).into_bytes();
        let bytes = self.clients[i].encrypt_group(GROUP, &plaintext).unwrap();
        self.in_flight.push(InFlight {
            bytes,
            plaintext,
            sender: i,
            epoch: self.epoch(i),
            recipients: self.members.iter().copied().filter(|m| *m != i).collect(),
        });
        Some(self.in_flight.len() - 1)
    }

    fn check_message(&self, message: &InFlight, events: &[GroupEvent]) {
        match events {
            [
                GroupEvent::Message {
                    sender, plaintext, ..
                },
            ] => {
                assert_eq!(plaintext, &message.plaintext);
                assert_eq!(sender, self.clients[message.sender].address());
            }
            other => panic!("expected one message, got {other:?}"),
        }
    }

    fn deliver(&mut self, pick: usize) {
        if self.in_flight.is_empty() {
            return;
        }
        let message = self.in_flight.remove(pick % self.in_flight.len());
        for recipient in &message.recipients {
            let result = self.clients[*recipient].process_group_message(&message.bytes);
            let age = self.epoch(*recipient) - message.epoch;
            if age <= MAX_PAST_EPOCHS as u64 {
                self.check_message(&message, &result.unwrap());
            } else {
                assert!(
                    matches!(result, Err(Error::Group(GroupError::WrongEpoch { .. }))),
                    "{result:?}"
                );
            }
        }
        self.delivered.push((message.bytes, message.recipients));
    }

    fn redeliver(&self, pick: usize) {
        if self.delivered.is_empty() {
            return;
        }
        let (bytes, recipients) = &self.delivered[pick % self.delivered.len()];
        for recipient in recipients.iter().filter(|r| self.members.contains(r)) {
            assert!(matches!(
                self.clients[*recipient].process_group_message(bytes),
                Err(Error::Group(
                    GroupError::Replay | GroupError::WrongEpoch { .. }
                ))
            ));
        }
    }

    fn early_message(&mut self, i: usize) {
        let Some(commit) = self.update(i) else {
            return;
        };
        let index = self.send(i).unwrap();
        let message = self.in_flight.remove(index);
        for recipient in &message.recipients {
            let events = self.clients[*recipient]
                .process_group_message(&message.bytes)
                .unwrap();
            assert!(matches!(events.as_slice(), [GroupEvent::Buffered { .. }]));
        }
        for (member, events) in self.fan_out(i, &commit) {
            assert!(message.recipients.contains(&member));
            let messages: Vec<GroupEvent> = events
                .into_iter()
                .filter(|e| matches!(e, GroupEvent::Message { .. }))
                .collect();
            self.check_message(&message, &messages);
        }
        self.delivered.push((message.bytes, message.recipients));
    }

    fn apply(&mut self, step: &Step) {
        match *step {
            Step::Add(i) => self.add(i),
            Step::Remove(i) => self.remove(i),
            Step::Update(i) => {
                if let Some(commit) = self.update(i) {
                    self.fan_out(i, &commit);
                }
            }
            Step::Send(i) => {
                self.send(i);
            }
            Step::Deliver(pick) => self.deliver(pick),
            Step::Redeliver(pick) => self.redeliver(pick),
            Step::EarlyMessage(i) => self.early_message(i),
        }
    }

    fn check_agreement(&self) {
        let first = *self.members.first().unwrap();
        let epoch = self.epoch(first);
        let secret = self.clients[first]
            .export_group_secret(GROUP, "agreement", b"", 32)
            .unwrap();
        for member in &self.members {
            assert_eq!(self.epoch(*member), epoch);
            assert_eq!(
                self.clients[*member]
                    .export_group_secret(GROUP, "agreement", b"", 32)
                    .unwrap(),
                secret
            );
        }
        let mut listed: Vec<String> = self.clients[first]
            .group_members(GROUP)
            .unwrap()
            .into_iter()
            .map(|m| m.device.to_string())
            .collect();
        listed.sort();
        let mut expected: Vec<String> = self
            .members
            .iter()
            .map(|m| self.clients[*m].address().to_string())
            .collect();
        expected.sort();
        assert_eq!(listed, expected);
    }
}

fn cases() -> u32 {
    std::env::var("SEALKIT_GROUP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn members_agree_and_messages_decrypt_exactly_once(steps in proptest::collection::vec(step(), 1..40)) {
        let mut world = World::new();
        for step in &steps {
            world.apply(step);
            world.check_agreement();
        }
        // Everything still in flight is delivered at the end.
        while !world.in_flight.is_empty() {
            world.deliver(0);
        }
    }
}
