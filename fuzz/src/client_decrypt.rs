//! The whole receive path: arbitrary bytes to `Client::decrypt` of a client
//! that has a live session. Never a panic; every failure leaves state as it was.

use std::sync::{Arc, OnceLock};

use sealkit::Client;
use sealkit::store::MemoryStore;

struct Fixture {
    bob: Client,
    store: Arc<MemoryStore>,
    /// The initial message Bob decrypted (a seed: a replay).
    first: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let store = Arc::new(MemoryStore::new());
        let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
        let bob = Client::open_with_seed(Arc::clone(&store), "bob", "laptop", [2; 32]).unwrap();
        let bundle = bob.prekey_bundle(4).unwrap().take_for_session();
        let first = alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap();
        bob.decrypt(&first).unwrap();
        Fixture { bob, store, first }
    })
}

/// One input.
pub fn run(data: &[u8]) {
    let fixture = fixture();
    let before = fixture.store.snapshot();
    if fixture.bob.decrypt(data).is_err() {
        assert_eq!(
            before,
            fixture.store.snapshot(),
            "a failed decrypt changed state"
        );
    }
}

/// Seeds: the initial message Bob decrypted, whole and with its last byte
/// changed (genuine new messages are left out: one that decrypts would move
/// the fixture on for good; `envelope_mutated` starts from them).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let first = fixture().first.clone();
    let mut changed = first.clone();
    if let Some(last) = changed.last_mut() {
        *last ^= 1;
    }
    vec![
        ("initial_replayed".into(), first),
        ("initial_last_byte_changed".into(), changed),
    ]
}
