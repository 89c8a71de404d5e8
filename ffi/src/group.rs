//! Groups ([`sealkit::group`], MLS through openmls) for the bindings: the
//! records and the event enum that cross the boundary, and the group methods
//! of [`SealkitClient`]. Each method converts its arguments, calls the core
//! method of the same name and maps the result; membership, trust, epochs
//! and buffering are the core's (see its docs and
//! `docs/adr/0007-groups-openmls.md`).
//!
//! Key packages, commits, welcomes and messages cross as byte strings in
//! the MLS wire format (RFC 9420); identities as the 64-byte identity keys
//! of `SealkitClient::identity`.

use sealkit::group::{
    GroupCipherSuite as CoreSuite, GroupCommit as CoreCommit, GroupEvent as CoreEvent,
    GroupMember as CoreMember, JoinedGroup as CoreJoined, MemberTrust as CoreTrust,
    ProposalKind as CoreProposalKind,
};
use zeroize::Zeroizing;

use crate::address::DeviceAddress;
use crate::client::SealkitClient;
use crate::error::SealkitError;

/// The MLS ciphersuite of a group or key package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum GroupCipherSuite {
    /// `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519` (RFC 9420), the
    /// default.
    #[default]
    Classic,
    /// `MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519` (X-Wing hybrid
    /// post-quantum KEM). Only in builds with the `pq-groups` feature (see
    /// [`post_quantum_groups_available`]); otherwise refused with
    /// `InvalidInput`.
    PostQuantum,
}

impl GroupCipherSuite {
    fn to_core(self) -> Result<CoreSuite, SealkitError> {
        match self {
            Self::Classic => Ok(CoreSuite::Classic),
            #[cfg(feature = "pq-groups")]
            Self::PostQuantum => Ok(CoreSuite::PostQuantum),
            #[cfg(not(feature = "pq-groups"))]
            Self::PostQuantum => Err(SealkitError::invalid_input(
                "this build has no post-quantum groups (sealkit-ffi feature pq-groups)",
            )),
        }
    }
}

/// Whether this build can create and join post-quantum groups
/// ([`GroupCipherSuite::PostQuantum`]).
#[uniffi::export]
pub fn post_quantum_groups_available() -> bool {
    cfg!(feature = "pq-groups")
}

/// A member of a group: a device and the identity key it signs with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupMember {
    /// The device.
    pub device: DeviceAddress,
    /// Its identity key (64 bytes), as `SealkitClient::identity` returns it.
    pub identity: Vec<u8>,
    /// Its leaf index in the ratchet tree: the `sender_index` of its media
    /// frames.
    pub leaf_index: u32,
    /// How its identity stands against the one this device trusts for the
    /// device in 1:1 sessions.
    pub trust: MemberTrust,
}

/// How a group member's identity stands against the one this device trusts
/// for that device in 1:1 sessions (`trusted_identity`). A group never sets
/// that trust: what a group says about a device stays in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MemberTrust {
    /// This device itself, or a device whose trusted identity is the
    /// member's.
    Trusted,
    /// No identity is trusted for the device: known only from this group.
    /// Compare safety numbers and `trust_identity` it to trust it.
    Unverified,
    /// The device's trusted identity is another one: everything this
    /// member sends is refused with `UntrustedIdentity`. Remove it.
    Untrusted,
    /// A state the `sealkit` core added after this binding was written.
    Unknown,
}

impl From<CoreTrust> for MemberTrust {
    fn from(trust: CoreTrust) -> Self {
        match trust {
            CoreTrust::Trusted => Self::Trusted,
            CoreTrust::Unverified => Self::Unverified,
            CoreTrust::Untrusted => Self::Untrusted,
            _ => Self::Unknown,
        }
    }
}

impl From<CoreMember> for GroupMember {
    fn from(member: CoreMember) -> Self {
        Self {
            device: (&member.device).into(),
            identity: member.identity.to_bytes().to_vec(),
            leaf_index: member.leaf_index,
            trust: member.trust.into(),
        }
    }
}

/// What a commit produced. The commit is pending on this device until
/// `confirm_group_commit` (the delivery service accepted it) or
/// `discard_group_commit` (it refused it).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GroupCommit {
    /// The commit, for every current member.
    pub commit: Vec<u8>,
    /// The welcome, for the devices the commit adds.
    pub welcome: Option<Vec<u8>>,
}

impl From<CoreCommit> for GroupCommit {
    fn from(commit: CoreCommit) -> Self {
        Self {
            commit: commit.commit,
            welcome: commit.welcome,
        }
    }
}

/// A group this device joined from a welcome.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JoinedGroup {
    /// The group's id.
    pub group_id: String,
    /// The group's epoch.
    pub epoch: u64,
    /// Every member's device, this one included, in leaf order
    /// (`group_members` gives their identity keys, leaf indices and trust).
    pub members: Vec<DeviceAddress>,
    /// Members for whose device this device trusts no identity: known only
    /// from the welcome, never trusted for anything outside the group.
    pub unverified: Vec<DeviceAddress>,
}

impl From<CoreJoined> for JoinedGroup {
    fn from(joined: CoreJoined) -> Self {
        Self {
            group_id: joined.group_id,
            epoch: joined.epoch,
            members: joined.members.iter().map(Into::into).collect(),
            unverified: joined.unverified.iter().map(Into::into).collect(),
        }
    }
}

/// The kind of a stored proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProposalKind {
    /// Add a device.
    Add,
    /// Remove a member (a member leaving proposes its own removal).
    Remove,
    /// A member updates its leaf.
    Update,
    /// Anything else.
    Other,
}

impl From<CoreProposalKind> for ProposalKind {
    fn from(kind: CoreProposalKind) -> Self {
        match kind {
            CoreProposalKind::Add => Self::Add,
            CoreProposalKind::Remove => Self::Remove,
            CoreProposalKind::Update => Self::Update,
            _ => Self::Other,
        }
    }
}

/// What processing a group message (or confirming an own commit) did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum GroupEvent {
    /// An application message.
    Message {
        /// The group.
        group_id: String,
        /// The member that sent it (authenticated by its MLS signature).
        sender: DeviceAddress,
        /// The epoch it was sent in.
        epoch: u64,
        /// The plaintext.
        plaintext: Vec<u8>,
    },
    /// A commit added these members.
    MembersAdded {
        /// The group.
        group_id: String,
        /// The new members.
        members: Vec<GroupMember>,
    },
    /// A commit removed these members.
    MembersRemoved {
        /// The group.
        group_id: String,
        /// The removed devices.
        members: Vec<DeviceAddress>,
    },
    /// The group moved to a new epoch; call `rekey_group_media` for its
    /// media contexts.
    EpochChanged {
        /// The group.
        group_id: String,
        /// The new epoch.
        epoch: u64,
    },
    /// This device was removed from the group; its state is deleted.
    Removed {
        /// The group.
        group_id: String,
    },
    /// A proposal was stored; a member commits it with
    /// `commit_group_proposals`.
    Proposal {
        /// The group.
        group_id: String,
        /// The member that proposed it.
        sender: DeviceAddress,
        /// What it proposes.
        kind: ProposalKind,
    },
    /// A message from a future epoch was kept until the commit that starts
    /// that epoch arrives; its events come with that commit's.
    Buffered {
        /// The group.
        group_id: String,
        /// The message's epoch.
        epoch: u64,
    },
    /// A buffered message could not be processed once its epoch came.
    BufferedDropped {
        /// The group.
        group_id: String,
        /// The message's epoch.
        epoch: u64,
        /// Why it failed.
        reason: String,
    },
    /// This device's own pending commit lost to another member's commit in
    /// the same epoch and was discarded; redo the change if still wanted.
    OwnCommitDiscarded {
        /// The group.
        group_id: String,
    },
    /// An event the `sealkit` core added after this binding was written
    /// (its event enum is open). Its effect on the group has happened;
    /// the binding needs updating to describe it.
    Unknown,
}

impl From<CoreEvent> for GroupEvent {
    fn from(event: CoreEvent) -> Self {
        match event {
            CoreEvent::Message {
                group_id,
                sender,
                epoch,
                plaintext,
            } => Self::Message {
                group_id,
                sender: (&sender).into(),
                epoch,
                plaintext,
            },
            CoreEvent::MembersAdded {
                group_id,
                members: added,
            } => Self::MembersAdded {
                group_id,
                members: members(added),
            },
            CoreEvent::MembersRemoved {
                group_id,
                members: removed,
            } => Self::MembersRemoved {
                group_id,
                members: removed.iter().map(DeviceAddress::from).collect(),
            },
            CoreEvent::EpochChanged { group_id, epoch } => Self::EpochChanged { group_id, epoch },
            CoreEvent::Removed { group_id } => Self::Removed { group_id },
            CoreEvent::Proposal {
                group_id,
                sender,
                kind,
            } => Self::Proposal {
                group_id,
                sender: (&sender).into(),
                kind: kind.into(),
            },
            CoreEvent::Buffered { group_id, epoch } => Self::Buffered { group_id, epoch },
            CoreEvent::BufferedDropped {
                group_id,
                epoch,
                reason,
            } => Self::BufferedDropped {
                group_id,
                epoch,
                reason,
            },
            CoreEvent::OwnCommitDiscarded { group_id } => Self::OwnCommitDiscarded { group_id },
            _ => Self::Unknown,
        }
    }
}

fn members(members: Vec<CoreMember>) -> Vec<GroupMember> {
    members.into_iter().map(GroupMember::from).collect()
}

fn events(events: Vec<CoreEvent>) -> Vec<GroupEvent> {
    events.into_iter().map(GroupEvent::from).collect()
}

#[uniffi::export]
impl SealkitClient {
    /// Generates `count` key packages (default ciphersuite) to publish next
    /// to the prekey bundle; each is used by one welcome.
    ///
    /// # Errors
    /// `InvalidInput` above the per-call bound, `Storage`.
    pub fn key_packages(&self, count: u32) -> Result<Vec<Vec<u8>>, SealkitError> {
        Ok(self.core().key_packages(count)?)
    }

    /// Generates `count` key packages of `suite`.
    ///
    /// # Errors
    /// As [`SealkitClient::key_packages`]; `InvalidInput` for a suite this
    /// build lacks.
    pub fn key_packages_for(
        &self,
        suite: GroupCipherSuite,
        count: u32,
    ) -> Result<Vec<Vec<u8>>, SealkitError> {
        Ok(self.core().key_packages_for(suite.to_core()?, count)?)
    }

    /// Creates a group (default ciphersuite) with this device as its only
    /// member.
    ///
    /// # Errors
    /// `GroupExists`, `InvalidInput` for an empty or over-long id, `Storage`.
    pub fn create_group(&self, group_id: String) -> Result<(), SealkitError> {
        Ok(self.core().create_group(&group_id)?)
    }

    /// Creates a group of `suite`; members join with key packages of the
    /// same suite.
    ///
    /// # Errors
    /// As [`SealkitClient::create_group`]; `InvalidInput` for a suite this
    /// build lacks.
    pub fn create_group_with(
        &self,
        group_id: String,
        suite: GroupCipherSuite,
    ) -> Result<(), SealkitError> {
        Ok(self.core().create_group_with(&group_id, suite.to_core()?)?)
    }

    /// Joins a group from a welcome addressed to one of this device's key
    /// packages. A member whose identity differs from the trusted one, or a
    /// device the tree holds with two identities, is refused; a member of
    /// no trusted identity is listed in `unverified` (a group never makes
    /// it trusted).
    ///
    /// # Errors
    /// `Decode` for malformed bytes, `WrongRecipient` when the welcome is
    /// for none of this device's key packages, `GroupExists`,
    /// `GroupRejected`, `BadCredential`, `UntrustedIdentity`, `Storage`.
    pub fn join_group(&self, welcome: Vec<u8>) -> Result<JoinedGroup, SealkitError> {
        Ok(self.core().join_group(&welcome)?.into())
    }

    /// Adds devices from their key packages; returns the commit for the
    /// current members and the welcome for the new ones. Pending until
    /// confirmed or discarded.
    ///
    /// # Errors
    /// `Decode` or `GroupRejected` for a bad key package,
    /// `UntrustedIdentity`, `PendingCommit`, `UnknownGroup`, `Storage`.
    pub fn add_group_members(
        &self,
        group_id: String,
        key_packages: Vec<Vec<u8>>,
    ) -> Result<GroupCommit, SealkitError> {
        Ok(self
            .core()
            .add_group_members(&group_id, &key_packages)?
            .into())
    }

    /// Removes devices from the group. Pending until confirmed or
    /// discarded.
    ///
    /// # Errors
    /// `NotAMember`, `PendingCommit`, `UnknownGroup`, `InvalidInput` for an
    /// invalid address, `Storage`.
    pub fn remove_group_members(
        &self,
        group_id: String,
        members: Vec<DeviceAddress>,
    ) -> Result<GroupCommit, SealkitError> {
        let members = members
            .iter()
            .map(DeviceAddress::to_core)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self
            .core()
            .remove_group_members(&group_id, &members)?
            .into())
    }

    /// Replaces this device's leaf keys (post-compromise healing). Pending
    /// until confirmed or discarded.
    ///
    /// # Errors
    /// `PendingCommit`, `UnknownGroup`, `Storage`.
    pub fn update_group(&self, group_id: String) -> Result<GroupCommit, SealkitError> {
        Ok(self.core().update_group(&group_id)?.into())
    }

    /// Asks to leave the group: returns a proposal for the other members.
    /// The next commit by any member removes this device (it then gets
    /// `GroupEvent.Removed`).
    ///
    /// # Errors
    /// `UnknownGroup`, `Storage`.
    pub fn leave_group(&self, group_id: String) -> Result<Vec<u8>, SealkitError> {
        Ok(self.core().leave_group(&group_id)?)
    }

    /// Commits the proposals received so far (a leave, for instance).
    /// Pending until confirmed or discarded.
    ///
    /// # Errors
    /// `PendingCommit`, `UnknownGroup`, `Storage`.
    pub fn commit_group_proposals(&self, group_id: String) -> Result<GroupCommit, SealkitError> {
        Ok(self.core().commit_group_proposals(&group_id)?.into())
    }

    /// Applies this device's pending commit once the delivery service
    /// accepted it: the group moves to the next epoch.
    ///
    /// # Errors
    /// `NoPendingCommit`, `UnknownGroup`, `Storage`.
    pub fn confirm_group_commit(&self, group_id: String) -> Result<Vec<GroupEvent>, SealkitError> {
        Ok(events(self.core().confirm_group_commit(&group_id)?))
    }

    /// Drops this device's pending commit (the delivery service refused
    /// it); the group stays at its epoch.
    ///
    /// # Errors
    /// `NoPendingCommit`, `UnknownGroup`, `Storage`.
    pub fn discard_group_commit(&self, group_id: String) -> Result<(), SealkitError> {
        Ok(self.core().discard_group_commit(&group_id)?)
    }

    /// Encrypts an application message for every member of the group.
    ///
    /// # Errors
    /// `UnknownGroup`, `Storage`.
    pub fn encrypt_group(
        &self,
        group_id: String,
        plaintext: Vec<u8>,
    ) -> Result<Vec<u8>, SealkitError> {
        let plaintext = Zeroizing::new(plaintext);
        Ok(self.core().encrypt_group(&group_id, &plaintext)?)
    }

    /// Processes a message from the group's delivery service: an
    /// application message, a proposal or a commit. Messages of a future
    /// epoch are kept and their events come with the commit that starts
    /// their epoch.
    ///
    /// # Errors
    /// `Decode` for malformed bytes, `UnknownGroup` (also after this device
    /// was removed), `WrongEpoch`, `Duplicate` for a replay,
    /// `GroupRejected` when it does not authenticate, `UnknownSender`,
    /// `BadCredential`, `BufferFull`, `UntrustedIdentity`, `Storage`. Nothing changes on
    /// error.
    pub fn process_group_message(&self, message: Vec<u8>) -> Result<Vec<GroupEvent>, SealkitError> {
        Ok(events(self.core().process_group_message(&message)?))
    }

    /// The members of a group, this device included.
    ///
    /// # Errors
    /// `UnknownGroup`, `Storage`.
    pub fn group_members(&self, group_id: String) -> Result<Vec<GroupMember>, SealkitError> {
        Ok(members(self.core().group_members(&group_id)?))
    }

    /// The group's current epoch.
    ///
    /// # Errors
    /// `UnknownGroup`, `Storage`.
    pub fn group_epoch(&self, group_id: String) -> Result<u64, SealkitError> {
        Ok(self.core().group_epoch(&group_id)?)
    }

    /// The ids of the groups this device is a member of.
    ///
    /// # Errors
    /// `Storage`.
    pub fn groups(&self) -> Result<Vec<String>, SealkitError> {
        Ok(self.core().groups()?)
    }

    /// `length` bytes derived from the group's current epoch with the MLS
    /// exporter (RFC 9420 section 8.5) under `label` and `context`: every
    /// member gets the same bytes.
    ///
    /// # Errors
    /// `UnknownGroup`, `InvalidInput` for a length the hash cannot produce,
    /// `Storage`.
    pub fn export_group_secret(
        &self,
        group_id: String,
        label: String,
        context: Vec<u8>,
        length: u32,
    ) -> Result<Vec<u8>, SealkitError> {
        let length = usize::try_from(length)
            .map_err(|_| SealkitError::invalid_input("export length does not fit in memory"))?;
        let mut secret = self
            .core()
            .export_group_secret(&group_id, &label, &context, length)?;
        Ok(std::mem::take(&mut *secret))
    }
}

#[cfg(test)]
mod tests {
    use sealkit::store::MemoryStore;
    use sealkit::{Client, DeviceAddress as CoreAddress};

    use super::*;

    fn core_member(user: &str, leaf_index: u32) -> CoreMember {
        let client = Client::open(MemoryStore::new(), user, "phone").unwrap();
        CoreMember {
            device: client.address().clone(),
            identity: *client.identity(),
            leaf_index,
            trust: CoreTrust::Unverified,
        }
    }

    fn address(user: &str) -> DeviceAddress {
        DeviceAddress {
            user_id: user.into(),
            device_id: "phone".into(),
        }
    }

    #[test]
    fn each_core_event_converts_to_the_event_of_the_same_name() {
        let bob = core_member("bob", 1);
        let bob_ffi = GroupMember::from(bob.clone());
        let bob_address = CoreAddress::new("bob", "phone").unwrap();
        let group_id = || String::from("team");
        let cases: Vec<(CoreEvent, GroupEvent)> = vec![
            (
                CoreEvent::Message {
                    group_id: group_id(),
                    sender: bob_address.clone(),
                    epoch: 3,
                    plaintext: b"hi".to_vec(),
                },
                GroupEvent::Message {
                    group_id: group_id(),
                    sender: address("bob"),
                    epoch: 3,
                    plaintext: b"hi".to_vec(),
                },
            ),
            (
                CoreEvent::MembersAdded {
                    group_id: group_id(),
                    members: vec![bob.clone()],
                },
                GroupEvent::MembersAdded {
                    group_id: group_id(),
                    members: vec![bob_ffi.clone()],
                },
            ),
            (
                CoreEvent::MembersRemoved {
                    group_id: group_id(),
                    members: vec![bob_address.clone()],
                },
                GroupEvent::MembersRemoved {
                    group_id: group_id(),
                    members: vec![address("bob")],
                },
            ),
            (
                CoreEvent::EpochChanged {
                    group_id: group_id(),
                    epoch: 4,
                },
                GroupEvent::EpochChanged {
                    group_id: group_id(),
                    epoch: 4,
                },
            ),
            (
                CoreEvent::Removed {
                    group_id: group_id(),
                },
                GroupEvent::Removed {
                    group_id: group_id(),
                },
            ),
            (
                CoreEvent::Proposal {
                    group_id: group_id(),
                    sender: bob_address.clone(),
                    kind: CoreProposalKind::Remove,
                },
                GroupEvent::Proposal {
                    group_id: group_id(),
                    sender: address("bob"),
                    kind: ProposalKind::Remove,
                },
            ),
            (
                CoreEvent::Buffered {
                    group_id: group_id(),
                    epoch: 5,
                },
                GroupEvent::Buffered {
                    group_id: group_id(),
                    epoch: 5,
                },
            ),
            (
                CoreEvent::BufferedDropped {
                    group_id: group_id(),
                    epoch: 5,
                    reason: "rejected".into(),
                },
                GroupEvent::BufferedDropped {
                    group_id: group_id(),
                    epoch: 5,
                    reason: "rejected".into(),
                },
            ),
            (
                CoreEvent::OwnCommitDiscarded {
                    group_id: group_id(),
                },
                GroupEvent::OwnCommitDiscarded {
                    group_id: group_id(),
                },
            ),
        ];
        for (core, expected) in cases {
            assert_eq!(GroupEvent::from(core), expected);
        }
        assert_eq!(bob_ffi.identity.len(), 64);
        assert_eq!(bob_ffi.leaf_index, 1);
    }

    #[test]
    fn each_proposal_kind_converts_to_the_kind_of_the_same_name() {
        for (core, expected) in [
            (CoreProposalKind::Add, ProposalKind::Add),
            (CoreProposalKind::Remove, ProposalKind::Remove),
            (CoreProposalKind::Update, ProposalKind::Update),
            (CoreProposalKind::Other, ProposalKind::Other),
        ] {
            assert_eq!(ProposalKind::from(core), expected);
        }
    }

    #[test]
    fn the_default_suite_is_classic_and_always_available() {
        assert_eq!(GroupCipherSuite::default(), GroupCipherSuite::Classic);
        assert_eq!(
            GroupCipherSuite::Classic.to_core().unwrap(),
            CoreSuite::Classic
        );
    }

    #[cfg(not(feature = "pq-groups"))]
    #[test]
    fn post_quantum_groups_are_refused_as_invalid_input_without_the_feature() {
        assert!(!post_quantum_groups_available());
        let alice = SealkitClient::open_in_memory("alice".into(), "phone".into()).unwrap();
        assert!(matches!(
            alice.create_group_with("team".into(), GroupCipherSuite::PostQuantum),
            Err(SealkitError::InvalidInput { .. })
        ));
        assert!(matches!(
            alice.key_packages_for(GroupCipherSuite::PostQuantum, 1),
            Err(SealkitError::InvalidInput { .. })
        ));
        assert!(alice.groups().unwrap().is_empty());
    }

    #[cfg(feature = "pq-groups")]
    #[test]
    fn a_post_quantum_group_forms_and_carries_messages() {
        assert!(post_quantum_groups_available());
        let alice = SealkitClient::open_in_memory("alice".into(), "phone".into()).unwrap();
        let bob = SealkitClient::open_in_memory("bob".into(), "phone".into()).unwrap();
        alice
            .create_group_with("team".into(), GroupCipherSuite::PostQuantum)
            .unwrap();
        let packages = bob
            .key_packages_for(GroupCipherSuite::PostQuantum, 1)
            .unwrap();
        let commit = alice.add_group_members("team".into(), packages).unwrap();
        alice.confirm_group_commit("team".into()).unwrap();
        bob.join_group(commit.welcome.unwrap()).unwrap();
        let sealed = alice.encrypt_group("team".into(), b"hi".to_vec()).unwrap();
        let events = bob.process_group_message(sealed).unwrap();
        assert!(matches!(&events[0], GroupEvent::Message { plaintext, .. } if plaintext == b"hi"));
    }
}
