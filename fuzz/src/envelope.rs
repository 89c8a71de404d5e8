//! Envelope decoding of arbitrary bytes: a typed error or an envelope that
//! re-encodes to the same bytes; never a panic.

use sealkit::session::Envelope;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(envelope) = Envelope::decode(data) {
        assert_eq!(envelope.encode(), data, "decode/encode must round-trip");
    }
}

/// Seeds: the real envelopes of `envelope_mutated` (initial messages with
/// the PQXDH header, and normal ones).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    crate::envelope_mutated::real_envelopes()
        .into_iter()
        .enumerate()
        .map(|(i, envelope)| (format!("real_envelope_{i}"), envelope))
        .collect()
}
