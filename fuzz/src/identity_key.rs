//! Identity key parsing of arbitrary bytes.

use sealkit::IdentityKey;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(key) = IdentityKey::from_bytes(data) {
        assert_eq!(&key.to_bytes()[..], data);
    }
}

/// Seeds: a real identity key.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let client = sealkit::Client::open_with_seed(
        sealkit::store::MemoryStore::new(),
        "alice",
        "phone",
        [1; 32],
    )
    .expect("open");
    vec![(
        "real_identity".into(),
        client.identity().to_bytes().to_vec(),
    )]
}
