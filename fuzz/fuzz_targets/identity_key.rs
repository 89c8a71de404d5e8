//! Identity key parsing of arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::IdentityKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = IdentityKey::from_bytes(data) {
        assert_eq!(&key.to_bytes()[..], data);
    }
});
