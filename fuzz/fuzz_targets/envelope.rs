//! Envelope decoding of arbitrary bytes: a typed error or an envelope that
//! re-encodes to the same bytes; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::session::Envelope;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::decode(data) {
        assert_eq!(envelope.encode(), data, "decode/encode must round-trip");
    }
});
