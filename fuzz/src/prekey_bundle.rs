//! Prekey bundle decoding and verification of arbitrary bytes.

use sealkit::PrekeyBundle;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(mut bundle) = PrekeyBundle::decode(data) {
        assert_eq!(bundle.encode(), data, "decode/encode must round-trip");
        let _ = bundle.verify();
        let _ = bundle.take_for_session();
    }
}
