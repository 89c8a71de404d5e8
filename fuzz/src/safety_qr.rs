//! Scanned safety-number QR payloads: arbitrary bytes never panic and never
//! verify unless they are the exact expected payload.

use std::sync::OnceLock;

use sealkit::store::MemoryStore;
use sealkit::{Client, SafetyNumber};

fn expected() -> &'static SafetyNumber {
    static NUMBER: OnceLock<SafetyNumber> = OnceLock::new();
    NUMBER.get_or_init(|| {
        let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
        let bob = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [2; 32]).unwrap();
        alice.trust_identity(bob.address(), bob.identity()).unwrap();
        alice.safety_number(bob.address()).unwrap()
    })
}

/// One input.
pub fn run(data: &[u8]) {
    let _ = expected().verify_qr_payload(data);
}

/// Seeds: the expected payload, and the payload of another pair.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let carol = Client::open_with_seed(MemoryStore::new(), "carol", "tablet", [3; 32]).unwrap();
    alice
        .trust_identity(carol.address(), carol.identity())
        .unwrap();
    vec![
        ("expected_payload".into(), expected().qr_payload()),
        (
            "other_pair_payload".into(),
            alice.safety_number(carol.address()).unwrap().qr_payload(),
        ),
    ]
}
