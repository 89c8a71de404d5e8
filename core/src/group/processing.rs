//! The incoming-message state machine (RFC 9420 sections 6 and 12.4.2): an
//! application message becomes a [`GroupEvent::Message`], a proposal is
//! checked and stored, a commit is checked (the leaves it brings in or
//! replaces, by the trust rules of `members`), merged and reported as
//! membership and epoch events. Every message's sender is checked against
//! the identity trusted for its device, so a trust change reaches the
//! group at its next message.
//! This device's own commit fanned back by the delivery service confirms
//! it; another member's commit in the same epoch discards it. Messages of
//! a future epoch go to the buffer (`buffer.rs`), and the buffer is drained
//! after every commit.

use std::collections::HashMap;

use openmls::prelude::{
    ContentType, LeafNodeIndex, MlsGroup, ProcessedMessageContent, Proposal, ProtocolMessage,
    Sender, StagedCommit,
};

use super::buffer::{buffer_early, drain_buffer};
use super::credential::read_credential;
use super::errors::{bad_credential, library, process_error, rejected, storage_error};
use super::members::GroupView;
use super::txn::{GroupCache, GroupContext, GroupTxn, Staged};
use super::wire::{group_id_string, protocol_message};
use super::{GroupError, GroupEvent, GroupMember, MAX_FUTURE_EPOCHS, ProposalKind};
use crate::error::Error;
use crate::identity::DeviceAddress;

/// A message from a group's delivery service, parsed (before the client's
/// lock is taken) and not yet processed.
pub(crate) struct IncomingMessage<'m> {
    bytes: &'m [u8],
    group_id: String,
    message: ProtocolMessage,
}

impl<'m> IncomingMessage<'m> {
    /// Parses a group message and finds its group.
    ///
    /// # Errors
    /// [`GroupError::Malformed`], [`GroupError::Rejected`] for a message
    /// not encrypted, [`GroupError::UnknownGroup`] for a group id that is
    /// not UTF-8.
    pub(crate) fn parse(bytes: &'m [u8]) -> Result<Self, Error> {
        let message = protocol_message(bytes)?;
        let group_id = group_id_string(message.group_id())?;
        Ok(Self {
            bytes,
            group_id,
            message,
        })
    }
}

/// Processes a message from the group's delivery service.
///
/// # Errors
/// As `Client::process_group_message`.
pub(crate) fn process_message(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    incoming: IncomingMessage<'_>,
) -> Result<Staged<Vec<GroupEvent>>, Error> {
    let IncomingMessage {
        bytes,
        group_id,
        message,
    } = incoming;
    cache.operate(context, &group_id, |txn, group| {
        let mut events = Vec::new();
        process(txn, group, message, bytes, &mut events)?;
        Ok(events)
    })
}

/// What a commit changes, read before it is merged.
struct CommitChanges {
    added: Vec<GroupMember>,
    removed: Vec<DeviceAddress>,
    self_removed: bool,
}

impl CommitChanges {
    /// Reads a commit of the member at `committer`, checking every leaf it
    /// brings in or replaces by the group's trust rules.
    fn read(
        txn: &mut GroupTxn<'_>,
        group: &MlsGroup,
        staged: &StagedCommit,
        committer: LeafNodeIndex,
    ) -> Result<Self, Error> {
        let mut removed = Vec::new();
        let mut removed_leaves = Vec::new();
        for remove in staged.remove_proposals() {
            let index = remove.remove_proposal().removed();
            if let Some(credential) = group.member(index) {
                removed.push(
                    read_credential(credential, None)
                        .map_err(bad_credential)?
                        .address,
                );
                removed_leaves.push(index);
            }
        }
        let adds: Vec<_> = staged.add_proposals().collect();
        let added = if adds.is_empty() {
            Vec::new()
        } else {
            // A commit may remove a device's old leaf and add its new one.
            let mut view = GroupView::of(group, &removed_leaves)?;
            let leaves = adds
                .iter()
                .map(|add| {
                    let leaf = add.add_proposal().key_package().leaf_node();
                    (leaf.credential(), leaf.signature_key().as_slice())
                })
                .collect();
            txn.admit_members(&mut view, leaves)?
        };
        for update in staged.update_proposals() {
            let Sender::Member(sender) = update.sender() else {
                return Err(rejected("an update from outside the group"));
            };
            let leaf = update.update_proposal().leaf_node();
            txn.replace_leaf(
                group,
                *sender,
                leaf.credential(),
                leaf.signature_key().as_slice(),
            )?;
        }
        if let Some(leaf) = staged.update_path_leaf_node() {
            txn.replace_leaf(
                group,
                committer,
                leaf.credential(),
                leaf.signature_key().as_slice(),
            )?;
        }
        Ok(Self {
            added,
            removed,
            self_removed: staged.self_removed(),
        })
    }

    fn into_events(self, txn: &GroupTxn<'_>, group: &MlsGroup, events: &mut Vec<GroupEvent>) {
        let group_id = txn.group_id.clone();
        if !self.added.is_empty() {
            // Leaf indices by signature key (the Ed25519 identity key), read
            // from the tree without decoding any credential.
            let indices: HashMap<Vec<u8>, u32> = group
                .members()
                .map(|member| (member.signature_key, member.index.u32()))
                .collect();
            let added: Vec<GroupMember> = self
                .added
                .into_iter()
                .map(|mut added| {
                    let key = added.identity.signing_key_bytes();
                    if let Some(index) = indices.get(key.as_slice()) {
                        added.leaf_index = *index;
                    }
                    added
                })
                .collect();
            events.push(GroupEvent::MembersAdded {
                group_id: group_id.clone(),
                members: added,
            });
        }
        if !self.removed.is_empty() {
            events.push(GroupEvent::MembersRemoved {
                group_id: group_id.clone(),
                members: self.removed,
            });
        }
        events.push(GroupEvent::EpochChanged {
            group_id,
            epoch: group.epoch().as_u64(),
        });
    }
}

/// Merges this device's pending commit.
pub(super) fn merge_own_commit(
    txn: &mut GroupTxn<'_>,
    group: &mut MlsGroup,
    events: &mut Vec<GroupEvent>,
) -> Result<(), Error> {
    let Some(staged) = group.pending_commit() else {
        return Err(Error::Group(GroupError::NoPendingCommit {
            group_id: txn.group_id.clone(),
        }));
    };
    let changes = CommitChanges::read(txn, group, staged, group.own_leaf_index())?;
    group
        .merge_pending_commit(&txn.provider)
        .map_err(|error| library(format!("merge commit: {error}")))?;
    changes.into_events(txn, group, events);
    drain_buffer(txn, group, events)
}

/// Processes one protocol message (buffering it when it is early).
pub(super) fn process(
    txn: &mut GroupTxn<'_>,
    group: &mut MlsGroup,
    message: ProtocolMessage,
    bytes: &[u8],
    events: &mut Vec<GroupEvent>,
) -> Result<(), Error> {
    let message_epoch = message.epoch().as_u64();
    let group_epoch = group.epoch().as_u64();
    if message_epoch > group_epoch.saturating_add(MAX_FUTURE_EPOCHS) {
        return Err(Error::Group(GroupError::WrongEpoch {
            message_epoch,
            group_epoch,
        }));
    }
    if message_epoch > group_epoch {
        return buffer_early(txn, message_epoch, bytes, events);
    }
    let had_pending_commit = group.pending_commit().is_some();
    let is_commit = message.content_type() == ContentType::Commit;
    let processed = group
        .process_message(&txn.provider, message)
        .map_err(|error| process_error(error, message_epoch, group_epoch))?;
    let content = processed.content();
    if matches!(
        content,
        ProcessedMessageContent::OwnPendingCommit | ProcessedMessageContent::OwnPrivateMessage
    ) {
        // The delivery service fanned our own message back. Our pending
        // commit coming back in the current epoch means it was accepted.
        if had_pending_commit && is_commit && message_epoch == group_epoch {
            return merge_own_commit(txn, group, events);
        }
        return Ok(());
    }
    let sender_index = match processed.sender() {
        Sender::Member(index) => *index,
        _ => return Err(rejected("messages from outside the group are not accepted")),
    };
    // The sender's current trust, on every message: a member whose identity
    // is no longer the trusted one (after `trust_identity`, or a session
    // with the real device) is refused, whatever it sends.
    let sender = read_credential(processed.credential(), None).map_err(bad_credential)?;
    txn.trust.admit(&sender.address, &sender.identity)?;
    let sender = sender.address;
    let group_id = txn.group_id.clone();
    match processed.into_content() {
        ProcessedMessageContent::ApplicationMessage(message) => {
            events.push(GroupEvent::Message {
                group_id,
                sender,
                epoch: message_epoch,
                plaintext: message.into_bytes(),
            });
        }
        ProcessedMessageContent::ProposalMessage(proposal) => {
            let kind = match proposal.proposal() {
                Proposal::Add(add) => {
                    let leaf = add.key_package().leaf_node();
                    let mut view = GroupView::of(group, &[])?;
                    txn.admit_member(
                        &mut view,
                        leaf.credential(),
                        leaf.signature_key().as_slice(),
                    )?;
                    ProposalKind::Add
                }
                Proposal::Remove(_) => ProposalKind::Remove,
                Proposal::Update(update) => {
                    let leaf = update.leaf_node();
                    txn.replace_leaf(
                        group,
                        sender_index,
                        leaf.credential(),
                        leaf.signature_key().as_slice(),
                    )?;
                    ProposalKind::Update
                }
                _ => ProposalKind::Other,
            };
            group
                .store_pending_proposal(&txn.provider.storage, *proposal)
                .map_err(storage_error)?;
            events.push(GroupEvent::Proposal {
                group_id,
                sender,
                kind,
            });
        }
        ProcessedMessageContent::OwnPendingCommit | ProcessedMessageContent::OwnPrivateMessage => {}
        ProcessedMessageContent::ExternalJoinProposalMessage(_) => {
            return Err(rejected("external join proposals are not accepted"));
        }
        ProcessedMessageContent::StagedCommitMessage(staged) => {
            let changes = CommitChanges::read(txn, group, &staged, sender_index)?;
            group
                .merge_staged_commit(&txn.provider, *staged)
                .map_err(|error| library(format!("merge commit: {error}")))?;
            if had_pending_commit {
                events.push(GroupEvent::OwnCommitDiscarded {
                    group_id: group_id.clone(),
                });
            }
            if changes.self_removed {
                group.delete(&txn.provider.storage).map_err(storage_error)?;
                txn.deleted = true;
                events.push(GroupEvent::Removed { group_id });
                return Ok(());
            }
            changes.into_events(txn, group, events);
            drain_buffer(txn, group, events)?;
        }
    }
    Ok(())
}
