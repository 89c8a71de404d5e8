//! Device identity, prekeys and safety numbers.
//!
//! A device's identity is a pair of keys: an Ed25519 signing key (signs the
//! device's prekeys, and later its MLS credentials) and an X25519 key (the
//! identity key `IK` of PQXDH). The pair is trusted as one unit; see
//! `docs/adr/0001-identity-keys.md` for why we use two keys instead of XEdDSA.

mod address;
mod keys;
mod prekeys;
mod safety_number;

pub use address::{DeviceAddress, MAX_ID_LEN};
pub use keys::{IDENTITY_KEY_LEN, IdentityKey, IdentityKeyPair};
pub use prekeys::{
    MAX_ONE_TIME_PREKEYS, OneTimePrekeyPublic, PqPrekeyPublic, PrekeyBundle, SignedPrekeyPublic,
};
pub use prekeys::{OneTimePrekey, PqPrekey, SignedPrekey};
pub use safety_number::{SafetyNumber, safety_number};

use thiserror::Error;

use crate::codec::DecodeError;

/// Errors of identity keys and prekey bundles.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The bytes are not a well-formed key or bundle.
    #[error("malformed: {0}")]
    Decode(#[from] DecodeError),
    /// A signature over a prekey did not verify under the bundle's identity key.
    #[error("bad signature on {0}")]
    BadSignature(&'static str),
    /// A public key is not a valid point or encapsulation key.
    #[error("invalid public key: {0}")]
    InvalidKey(&'static str),
    /// A device address is empty or too long.
    #[error("invalid device address: {0}")]
    InvalidAddress(&'static str),
}
