//! Identity key parsing of arbitrary bytes.

use sealkit::IdentityKey;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(key) = IdentityKey::from_bytes(data) {
        assert_eq!(&key.to_bytes()[..], data);
    }
}
