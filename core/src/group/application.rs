//! Application messages (RFC 9420 section 6.3): a plaintext encrypted for
//! every member of the group, in the group's current epoch.

use openmls::prelude::CreateMessageError;

use super::errors::{library, state_error};
use super::txn::{GroupCache, GroupContext, Staged};
use super::wire::serialize;
use crate::error::Error;

/// Encrypts an application message for every member.
///
/// # Errors
/// As `Client::encrypt_group`.
pub(crate) fn encrypt(
    cache: &mut GroupCache,
    context: &GroupContext<'_>,
    group_id: &str,
    plaintext: &[u8],
) -> Result<Staged<Vec<u8>>, Error> {
    cache.operate(context, group_id, |txn, group| {
        let message = group
            .create_message(&txn.provider, &txn.signer, plaintext)
            .map_err(|error| match error {
                CreateMessageError::GroupStateError(error) => state_error(group_id, error),
                CreateMessageError::LibraryError(error) => library(error),
                #[allow(unreachable_patterns)]
                other => library(other),
            })?;
        serialize(&message)
    })
}
