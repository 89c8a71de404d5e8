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

/// Seeds: a real bundle with two one-time prekeys of each kind, and the one
/// of them taken for a session.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let client = sealkit::Client::open_with_seed(
        sealkit::store::MemoryStore::new(),
        "bob",
        "laptop",
        [2; 32],
    )
    .expect("open");
    let mut bundle = client.prekey_bundle(2).expect("bundle");
    let taken = bundle.take_for_session();
    vec![
        ("real_bundle_after_take".into(), bundle.encode()),
        ("real_bundle_for_session".into(), taken.encode()),
        (
            "real_bundle_without_one_time_keys".into(),
            client
                .prekey_bundle(0)
                .expect("bundle")
                .take_for_session()
                .encode(),
        ),
    ]
}
