//! How Sealkit configures openmls: the ciphersuites, the leaf capabilities,
//! the sender-ratchet bounds and the join configuration every group uses
//! (ratchet tree in the welcome, encrypted messages only, late messages kept
//! for [`MAX_PAST_EPOCHS`] epochs).

use openmls::prelude::{
    Capabilities, Ciphersuite, MlsGroupJoinConfig, PURE_CIPHERTEXT_WIRE_FORMAT_POLICY,
    SenderRatchetConfiguration,
};

use super::{
    GroupCipherSuite, MAX_FORWARD_DISTANCE, MAX_GROUP_ID_LEN, MAX_PAST_EPOCHS,
    OUT_OF_ORDER_TOLERANCE,
};
use crate::error::Error;

/// The openmls ciphersuite of a Sealkit suite.
pub(super) fn ciphersuite(suite: GroupCipherSuite) -> Ciphersuite {
    match suite {
        GroupCipherSuite::Classic => Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
        #[cfg(feature = "pq-groups")]
        GroupCipherSuite::PostQuantum => {
            Ciphersuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519
        }
    }
}

/// The leaf capabilities of this device: both ciphersuites it can use
/// (openmls lists the post-quantum ones only with its own feature, which
/// would also pull in its SQLite provider).
pub(super) fn capabilities() -> Capabilities {
    let suites = [
        ciphersuite(GroupCipherSuite::Classic),
        #[cfg(feature = "pq-groups")]
        ciphersuite(GroupCipherSuite::PostQuantum),
    ];
    Capabilities::new(None, Some(&suites), None, None, None)
}

/// Out-of-order and forward-jump bounds of each sender's ratchet.
pub(super) fn sender_ratchet() -> SenderRatchetConfiguration {
    SenderRatchetConfiguration::new(OUT_OF_ORDER_TOLERANCE, MAX_FORWARD_DISTANCE)
}

/// The configuration of a group joined from a welcome; a created group
/// gets the same settings (see `creation.rs`).
pub(super) fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .sender_ratchet_configuration(sender_ratchet())
        .wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
        .build()
}

/// A group id has 1 to [`MAX_GROUP_ID_LEN`] bytes.
pub(super) fn check_group_id(group_id: &str) -> Result<(), Error> {
    if group_id.is_empty() || group_id.len() > MAX_GROUP_ID_LEN {
        return Err(Error::InvalidInput(format!(
            "a group id has 1 to {MAX_GROUP_ID_LEN} bytes"
        )));
    }
    Ok(())
}
