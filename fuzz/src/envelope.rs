//! Envelope decoding of arbitrary bytes: a typed error or an envelope that
//! re-encodes to the same bytes; never a panic.

use sealkit::session::Envelope;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(envelope) = Envelope::decode(data) {
        assert_eq!(envelope.encode(), data, "decode/encode must round-trip");
    }
}
