//! Becoming a member: key packages to publish (RFC 9420 section 10), a new
//! group with this device as its only member, and joining a group from a
//! welcome (section 12.4.3), every member of which is checked by the group's
//! trust rules (`members`).

use openmls::prelude::{
    GroupId, KeyPackage, MlsGroup, MlsMessageOut, PURE_CIPHERTEXT_WIRE_FORMAT_POLICY,
    StagedWelcome, WelcomeError,
};

use super::config::{capabilities, check_group_id, ciphersuite, join_config, sender_ratchet};
use super::credential::{credential_with_key, read_credential};
use super::errors::{bad_credential, library, rejected, storage_error};
use super::members::GroupView;
use super::txn::{GroupCache, GroupContext, Staged};
use super::wire::{group_id_string, parse_welcome, serialize};
use super::{
    GroupCipherSuite, GroupError, JoinedGroup, MAX_GROUP_ID_LEN, MAX_KEY_PACKAGES_PER_CALL,
    MAX_PAST_EPOCHS, MemberTrust,
};
use crate::error::Error;
use crate::store::RecordKind;

/// Generates `count` key packages of `suite`; their private keys are part
/// of the staged changes.
///
/// # Errors
/// [`Error::InvalidInput`] above [`MAX_KEY_PACKAGES_PER_CALL`].
pub(crate) fn key_packages(
    cache: &GroupCache,
    context: &GroupContext<'_>,
    suite: GroupCipherSuite,
    count: u32,
) -> Result<Staged<Vec<Vec<u8>>>, Error> {
    if count > MAX_KEY_PACKAGES_PER_CALL {
        return Err(Error::InvalidInput(format!(
            "at most {MAX_KEY_PACKAGES_PER_CALL} key packages per call"
        )));
    }
    let txn = cache.txn(context, "");
    let credential = credential_with_key(txn.address, txn.identity);
    let mut packages = Vec::new();
    for _ in 0..count {
        let bundle = KeyPackage::builder()
            .leaf_node_capabilities(capabilities())
            .build(
                ciphersuite(suite),
                &txn.provider,
                &txn.signer,
                credential.clone(),
            )
            .map_err(library)?;
        packages.push(serialize(&MlsMessageOut::from(
            bundle.key_package().clone(),
        ))?);
    }
    Ok(txn.finish(packages, None))
}

/// Creates group `group_id` with this device as its only member.
///
/// # Errors
/// [`GroupError::GroupExists`]; [`Error::InvalidInput`] for an empty or
/// over-long id; [`Error::Store`].
pub(crate) fn create(
    cache: &GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
    suite: GroupCipherSuite,
) -> Result<Staged<()>, Error> {
    check_group_id(group_id)?;
    if context.store.get(RecordKind::Group, group_id)?.is_some() {
        return Err(Error::Group(GroupError::GroupExists {
            group_id: group_id.to_owned(),
        }));
    }
    let mut txn = cache.txn(context, group_id);
    let group = MlsGroup::builder()
        .with_group_id(GroupId::from_slice(group_id.as_bytes()))
        .ciphersuite(ciphersuite(suite))
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .sender_ratchet_configuration(sender_ratchet())
        .with_wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
        .with_capabilities(capabilities())
        .build(
            &txn.provider,
            &txn.signer,
            credential_with_key(txn.address, txn.identity),
        )
        .map_err(library)?;
    txn.touch_record();
    Ok(txn.finish((), Some(group)))
}

/// Joins a group from a welcome addressed to one of this device's key
/// packages, checking every member by the group's trust rules (as bytes: a
/// join decodes no identity key, see `GroupTxn::admit_raw`).
///
/// # Errors
/// As `Client::join_group`.
pub(crate) fn join(
    cache: &GroupCache,
    context: &GroupContext<'_>,
    welcome: &[u8],
) -> Result<Staged<JoinedGroup>, Error> {
    let welcome = parse_welcome(welcome)?;
    let mut txn = cache.txn(context, "");
    let staged = StagedWelcome::new_from_welcome(&txn.provider, &join_config(), welcome, None)
        .map_err(|error| match error {
            WelcomeError::NoMatchingKeyPackage
            | WelcomeError::NoMatchingEncryptionKey
            | WelcomeError::UnsupportedCiphersuite(_)
            | WelcomeError::CiphersuiteMismatch => Error::Group(GroupError::NotForThisDevice),
            WelcomeError::StorageError(error) => storage_error(error),
            other => rejected(format!("welcome: {other}")),
        })?;
    let group_id = group_id_string(staged.group_context().group_id())
        .ok()
        .filter(|id| check_group_id(id).is_ok())
        .ok_or_else(|| {
            rejected(format!(
                "welcome: the group id is not 1 to {MAX_GROUP_ID_LEN} bytes of UTF-8"
            ))
        })?;
    if txn.store.get(RecordKind::Group, &group_id)?.is_some() {
        return Err(Error::Group(GroupError::GroupExists { group_id }));
    }
    txn.group_id = group_id.clone();
    let mut members = Vec::new();
    let mut unverified = Vec::new();
    let mut view = GroupView::empty();
    for leaf in staged.members() {
        let raw =
            read_credential(&leaf.credential, Some(&leaf.signature_key)).map_err(bad_credential)?;
        if txn.admit_raw(&mut view, &raw)? == MemberTrust::Unverified {
            unverified.push(raw.address.clone());
        }
        members.push(raw.address);
    }
    let group = staged
        .into_group(&txn.provider)
        .map_err(|error| rejected(format!("welcome: {error}")))?;
    let joined = JoinedGroup {
        group_id,
        epoch: group.epoch().as_u64(),
        members,
        unverified,
    };
    txn.touch_record();
    Ok(txn.finish(joined, Some(group)))
}
