//! Changing who is in a group (RFC 9420 section 12): adding devices from
//! their key packages, removing devices, this device's own update and
//! leave, and committing received proposals. Each commit of this device is
//! pending until the delivery service accepted it (confirm) or refused it
//! (discard); one own commit at a time.

use openmls::prelude::{LeafNodeIndex, LeafNodeParameters, MlsGroup};

use super::errors::{rejected, storage_error};
use super::members::{GroupView, leaf_indices};
use super::processing::merge_own_commit;
use super::txn::{GroupCache, GroupContext, GroupTxn, Staged};
use super::wire::{group_commit, parse_key_package, serialize};
use super::{GroupCommit, GroupError, GroupEvent};
use crate::error::Error;
use crate::identity::DeviceAddress;

/// One own commit at a time: a second change while one is pending would be
/// built on the old epoch and conflict with it.
fn refuse_if_pending(txn: &GroupTxn<'_>, group: &MlsGroup) -> Result<(), Error> {
    if group.pending_commit().is_some() {
        return Err(Error::Group(GroupError::PendingCommit {
            group_id: txn.group_id.clone(),
        }));
    }
    Ok(())
}

/// Adds devices from their key packages; the commit is pending.
///
/// # Errors
/// As `Client::add_group_members`.
pub(crate) fn add_members(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
    key_packages: &[Vec<u8>],
) -> Result<Staged<GroupCommit>, Error> {
    if key_packages.is_empty() {
        return Err(Error::InvalidInput("no key packages to add".into()));
    }
    cache.operate(context, group_id, |txn, group| {
        let mut packages = Vec::with_capacity(key_packages.len());
        let mut view = GroupView::of(group, &[])?;
        for bytes in key_packages {
            let package = parse_key_package(txn.provider.crypto, bytes)?;
            let leaf = package.leaf_node();
            txn.admit_member(
                &mut view,
                leaf.credential(),
                leaf.signature_key().as_slice(),
            )?;
            packages.push(package);
        }
        refuse_if_pending(txn, group)?;
        let (commit, welcome, _) = group
            .add_members(&txn.provider, &txn.signer, &packages)
            .map_err(|error| rejected(format!("add members: {error}")))?;
        group_commit(&commit, Some(&welcome))
    })
}

/// Removes devices; the commit is pending.
///
/// # Errors
/// As `Client::remove_group_members`.
pub(crate) fn remove_members(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
    devices: &[DeviceAddress],
) -> Result<Staged<GroupCommit>, Error> {
    if devices.is_empty() {
        return Err(Error::InvalidInput("no devices to remove".into()));
    }
    cache.operate(context, group_id, |txn, group| {
        let members = leaf_indices(group)?;
        let mut indices = Vec::with_capacity(devices.len());
        for device in devices {
            let (_, index) = members
                .iter()
                .find(|(member, _)| member == device)
                .ok_or_else(|| {
                    Error::Group(GroupError::NotAMember {
                        device: device.clone(),
                    })
                })?;
            indices.push(LeafNodeIndex::new(*index));
        }
        refuse_if_pending(txn, group)?;
        let (commit, welcome, _) = group
            .remove_members(&txn.provider, &txn.signer, &indices)
            .map_err(|error| rejected(format!("remove members: {error}")))?;
        group_commit(&commit, welcome.as_ref())
    })
}

/// Replaces this device's leaf keys; the commit is pending.
///
/// # Errors
/// As `Client::update_group`.
pub(crate) fn update(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
) -> Result<Staged<GroupCommit>, Error> {
    cache.operate(context, group_id, |txn, group| {
        refuse_if_pending(txn, group)?;
        let bundle = group
            .self_update(&txn.provider, &txn.signer, LeafNodeParameters::default())
            .map_err(|error| rejected(format!("self update: {error}")))?;
        let (commit, welcome, _) = bundle.into_messages();
        group_commit(&commit, welcome.as_ref())
    })
}

/// A proposal to remove this device, for the other members.
///
/// # Errors
/// As `Client::leave_group`.
pub(crate) fn leave(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
) -> Result<Staged<Vec<u8>>, Error> {
    cache.operate(context, group_id, |txn, group| {
        let proposal = group
            .leave_group(&txn.provider, &txn.signer)
            .map_err(|error| rejected(format!("leave: {error}")))?;
        serialize(&proposal)
    })
}

/// Commits the proposals received so far; the commit is pending.
///
/// # Errors
/// As `Client::commit_group_proposals`.
pub(crate) fn commit_proposals(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
) -> Result<Staged<GroupCommit>, Error> {
    cache.operate(context, group_id, |txn, group| {
        refuse_if_pending(txn, group)?;
        let (commit, welcome, _) = group
            .commit_to_pending_proposals(&txn.provider, &txn.signer)
            .map_err(|error| rejected(format!("commit proposals: {error}")))?;
        group_commit(&commit, welcome.as_ref())
    })
}

/// Applies this device's pending commit: the group moves to the next epoch.
///
/// # Errors
/// As `Client::confirm_group_commit`.
pub(crate) fn confirm_commit(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
) -> Result<Staged<Vec<GroupEvent>>, Error> {
    cache.operate(context, group_id, |txn, group| {
        let mut events = Vec::new();
        merge_own_commit(txn, group, &mut events)?;
        Ok(events)
    })
}

/// Drops this device's pending commit; the group stays at its epoch.
///
/// # Errors
/// As `Client::discard_group_commit`.
pub(crate) fn discard_commit(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
) -> Result<Staged<()>, Error> {
    cache.operate(context, group_id, |txn, group| {
        if group.pending_commit().is_none() {
            return Err(Error::Group(GroupError::NoPendingCommit {
                group_id: group_id.to_owned(),
            }));
        }
        group
            .clear_pending_commit(&txn.provider.storage)
            .map_err(storage_error)
    })
}
