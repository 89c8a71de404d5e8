//! Prekey bundle decoding and verification of arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::PrekeyBundle;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut bundle) = PrekeyBundle::decode(data) {
        assert_eq!(bundle.encode(), data, "decode/encode must round-trip");
        let _ = bundle.verify();
        let _ = bundle.take_for_session();
    }
});
