//! Server-side handling of published prekey bundles.

use sealkit::PrekeyBundle;

use crate::error::SealkitError;

/// A published bundle split in two by [`take_bundle_for_session`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleSplit {
    /// The encoded bundle to give one initiator: at most one one-time key of
    /// each kind.
    pub for_session: Vec<u8>,
    /// The encoded published bundle without those keys, to keep serving.
    pub remaining: Vec<u8>,
}

/// What a key server does when a device asks for a bundle to start a
/// session: removes the first one-time key of each kind from `published`
/// (an encoded bundle from `SealkitClient::prekey_bundle`) and returns the
/// bundle for the initiator and the rest. Once one-time keys run out, the
/// bundle for the initiator has none and the session uses the last-resort
/// post-quantum key. Signatures are not checked here; the initiator checks
/// them when it encrypts.
///
/// # Errors
/// [`SealkitError::Decode`] when `published` is not an encoded bundle.
#[uniffi::export]
pub fn take_bundle_for_session(published: Vec<u8>) -> Result<BundleSplit, SealkitError> {
    let mut bundle = PrekeyBundle::decode(&published).map_err(sealkit::Error::from)?;
    let for_session = bundle.take_for_session();
    Ok(BundleSplit {
        for_session: for_session.encode(),
        remaining: bundle.encode(),
    })
}
