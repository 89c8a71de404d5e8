//! The Rust peer of the bindings' benchmarks (`scripts/bindings-bench.sh`):
//! the same loop as `bindings/python/examples/bench.py` and the Kotlin
//! `Bench.kt`, on the core `Client` with memory stores, so the three
//! figures of one run compare the languages and not the machines.
//!
//! Prints `bench rust <name> <ns per operation> <operations>` lines:
//! `encrypt_decrypt_100b` (Alice encrypts 100 bytes in an open session, Bob
//! decrypts them) and `address` (a trivial call).

use std::hint::black_box;
use std::time::{Duration, Instant};

use sealkit::Client;
use sealkit::store::MemoryStore;

/// How long each measurement runs, and at most how many operations.
const RUN: Duration = Duration::from_secs(2);
const MAX_OPERATIONS: u64 = 2_000_000;
const WARM_UP: u64 = 2_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let alice = Client::open(MemoryStore::new(), "alice", "phone")?;
    let bob = Client::open(MemoryStore::new(), "bob", "laptop")?;
    let mut published = bob.prekey_bundle(3)?;
    let bundle = published.take_for_session();
    let first = alice.encrypt(bob.address(), Some(&bundle), b"hello")?;
    bob.decrypt(&first)?;
    alice.decrypt(&bob.encrypt(alice.address(), None, b"hi")?)?;

    let message = [0x6du8; 100];
    let bob_address = bob.address().clone();
    let round_trip = || -> Result<(), sealkit::Error> {
        let envelope = alice.encrypt(&bob_address, None, &message)?;
        black_box(bob.decrypt(&envelope)?);
        Ok(())
    };
    report("encrypt_decrypt_100b", round_trip)?;
    report("address", || {
        black_box(alice.address().clone());
        Ok(())
    })?;
    Ok(())
}

fn report(
    name: &str,
    mut operation: impl FnMut() -> Result<(), sealkit::Error>,
) -> Result<(), sealkit::Error> {
    for _ in 0..WARM_UP {
        operation()?;
    }
    let start = Instant::now();
    let mut done = 0u64;
    while done < MAX_OPERATIONS && (!done.is_multiple_of(256) || start.elapsed() < RUN) {
        operation()?;
        done += 1;
    }
    let per_operation = start.elapsed().as_nanos() / u128::from(done);
    println!("bench rust {name} {per_operation} {done}");
    Ok(())
}
