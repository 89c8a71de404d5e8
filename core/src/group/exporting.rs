//! Secrets and facts read from a group's current epoch: the MLS exporter
//! (RFC 9420 section 8.5), the SFrame epoch secret of RFC 9605 section 5.2
//! with a reserved SFrame context value, the members and the epoch.

use zeroize::Zeroizing;

use super::GroupMember;
use super::errors::library;
use super::txn::{GroupCache, GroupContext, Staged};
use crate::error::Error;
use crate::media::{EXPORTER_LABEL, EpochSecret, MediaCipherSuite, exporter_length};

/// `MLS-Exporter(label, context, length)` of the current epoch. The SFrame
/// base-key label is refused: its secret is handed out only with a
/// reserved context value ([`media_epoch_secret`]), and the same key
/// exported here would let an app seal frames under a Key ID and counters
/// another media context also uses (nonce reuse).
///
/// # Errors
/// As `Client::export_group_secret`.
pub(crate) fn export_secret(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
    label: &str,
    exporter_context: &[u8],
    length: usize,
) -> Result<Staged<Zeroizing<Vec<u8>>>, Error> {
    if label == EXPORTER_LABEL {
        return Err(Error::InvalidInput(format!(
            "the exporter label {EXPORTER_LABEL:?} is reserved for group media keys"
        )));
    }
    cache.operate(context, group_id, |txn, group| {
        group
            .export_secret(txn.provider.crypto, label, exporter_context, length)
            .map(Zeroizing::new)
            .map_err(|error| Error::InvalidInput(format!("export secret: {error}")))
    })
}

/// The SFrame key material of the current epoch: `MLS-Exporter("SFrame 1.0
/// Base Key", "", AEAD.Nk)`, the epoch, this device's leaf index (its SFrame
/// sender index), and the next SFrame context value of the epoch, reserved
/// in the group record so no two contexts share a Key ID and nonce.
///
/// # Errors
/// As `Client::group_media_epoch`.
pub(crate) fn media_epoch_secret(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
    suite: MediaCipherSuite,
) -> Result<Staged<EpochSecret>, Error> {
    cache.operate(context, group_id, |txn, group| {
        let secret = group
            .export_secret(
                txn.provider.crypto,
                EXPORTER_LABEL,
                b"",
                exporter_length(suite),
            )
            .map_err(library)?;
        let epoch = group.epoch().as_u64();
        let context_id = txn.record()?.reserve_media_context(epoch)?;
        txn.touch_record();
        Ok(
            EpochSecret::new(epoch, group.own_leaf_index().u32(), secret)
                .with_context_id(context_id),
        )
    })
}

/// The members of the group, this device included.
///
/// # Errors
/// As `Client::group_members`.
pub(crate) fn members(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
) -> Result<Staged<Vec<GroupMember>>, Error> {
    cache.operate(context, group_id, |txn, group| txn.members(group))
}

/// The group's current epoch.
///
/// # Errors
/// As `Client::group_epoch`.
pub(crate) fn epoch(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
) -> Result<Staged<u64>, Error> {
    cache.operate(context, group_id, |_, group| Ok(group.epoch().as_u64()))
}
