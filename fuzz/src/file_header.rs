//! File header parsing of arbitrary bytes: `FileHeader::decode` (one-shot)
//! and `FileHeader::read_from` (streaming) accept exactly the same inputs
//! and return the same header and length, `read_from` takes exactly the
//! header's bytes, and a parsed header re-encodes to the bytes it came
//! from; never a panic. (The two may name different errors for the same
//! bad input: `read_from` bounds each length before reading, `decode` checks
//! the exact length for the stanza kind.) Seeds: valid headers with 0, 1 and
//! 2 stanzas (`fuzz/corpus/file_header/seed_*`, see fuzz/README.md).

use sealkit::file::FileHeader;

/// One input.
pub fn run(input: &[u8]) {
    // An odd first byte puts the magic and version in front of the rest, so
    // that the fuzzer spends its time past them; an even one leaves the
    // bytes as they are (the magic and version checks get fuzzed too).
    let (&mode, rest) = input.split_first().unwrap_or((&0, &[]));
    let mut owned = Vec::new();
    let data = if mode & 1 == 1 {
        owned.extend_from_slice(b"SEALKIT\x01");
        owned.extend_from_slice(rest);
        &owned[..]
    } else {
        rest
    };
    let decoded = FileHeader::decode(data);
    let mut rest = data;
    let read = FileHeader::read_from(&mut rest);
    match (&decoded, &read) {
        (Ok((header, len)), Ok((streamed, streamed_len))) => {
            assert_eq!(
                header, streamed,
                "decode and read_from parsed different headers"
            );
            assert_eq!(
                len, streamed_len,
                "decode and read_from disagree on the length"
            );
            assert_eq!(
                rest.len(),
                data.len() - len,
                "read_from took other than the header"
            );
            assert_eq!(header.encoded_len(), *len);
            let encoded = header.encode().expect("a decoded header encodes");
            assert_eq!(encoded, data[..*len], "decode/encode must round-trip");
            let (again, again_len) = FileHeader::decode(&encoded).expect("re-decode");
            assert_eq!(&again, header);
            assert_eq!(again_len, *len);
        }
        (Err(_), Err(_)) => {}
        _ => panic!("decode and read_from disagree: {decoded:?} / {read:?}"),
    }
}

/// Seeds: real headers with 0, 1 and 2 stanzas, X25519 and X-Wing (those of
/// `file_recipients`), whole (first byte 0) and without magic and version
/// (first byte 1).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (i, header) in crate::file_recipients::real_headers().iter().enumerate() {
        let mut whole = vec![0];
        whole.extend_from_slice(header);
        seeds.push((format!("real_header_{i}"), whole));
        let mut rest = vec![1];
        rest.extend_from_slice(&header[8..]);
        seeds.push((format!("real_header_{i}_after_magic"), rest));
    }
    seeds
}
