#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
//! Two devices set up an end-to-end-encrypted session through an in-process
//! "server" that only ever sees ciphertext, then exchange messages that the
//! server delivers out of order, duplicates and tampers with.
//!
//! Run: `cargo run -p sealkit-examples --bin two_devices`

use std::collections::HashMap;

use sealkit::store::MemoryStore;
use sealkit::{Client, DeviceAddress, Error, PrekeyBundle};

/// The untrusted relay: stores published prekeys and queues envelopes.
#[derive(Default)]
struct Server {
    prekeys: HashMap<DeviceAddress, PrekeyBundle>,
    mailboxes: HashMap<DeviceAddress, Vec<Vec<u8>>>,
}

impl Server {
    fn publish(&mut self, bundle: PrekeyBundle) {
        println!(
            "server: {} published {} one-time prekeys ({} bytes)",
            bundle.address,
            bundle.one_time.len(),
            bundle.encode().len()
        );
        self.prekeys.insert(bundle.address.clone(), bundle);
    }

    fn fetch_bundle(&mut self, device: &DeviceAddress) -> Option<PrekeyBundle> {
        self.prekeys
            .get_mut(device)
            .map(PrekeyBundle::take_for_session)
    }

    fn send(&mut self, to: &DeviceAddress, envelope: Vec<u8>) {
        self.mailboxes.entry(to.clone()).or_default().push(envelope);
    }

    fn take_all(&mut self, device: &DeviceAddress) -> Vec<Vec<u8>> {
        self.mailboxes.remove(device).unwrap_or_default()
    }
}

fn show(client: &Client, envelope: &[u8]) {
    match client.decrypt(envelope) {
        Ok(message) => println!(
            "  {} <- {}: {:?}",
            client.address(),
            message.sender,
            String::from_utf8_lossy(&message.plaintext)
        ),
        Err(error) => println!("  {} rejected an envelope: {error}", client.address()),
    }
}

fn main() -> Result<(), Error> {
    let mut server = Server::default();
    let alice = Client::open(MemoryStore::new(), "alice", "phone")?;
    let bob = Client::open(MemoryStore::new(), "bob", "laptop")?;

    server.publish(bob.prekey_bundle(10)?);

    println!(
        "\nalice starts a session from bob's bundle (PQXDH: X25519 + ML-KEM-768) and sends 3 messages"
    );
    let bundle = server.fetch_bundle(bob.address());
    for text in ["hi bob", "are you there?", "third message"] {
        let envelope = alice.encrypt(bob.address(), bundle.as_ref(), text.as_bytes())?;
        println!("  alice -> server: {} bytes of ciphertext", envelope.len());
        server.send(bob.address(), envelope);
    }

    println!("\nthe server delivers them in reverse order");
    let mut inbox = server.take_all(bob.address());
    inbox.reverse();
    for envelope in &inbox {
        show(&bob, envelope);
    }

    println!("\nthe server replays one, and flips a bit in a new one");
    show(&bob, &inbox[0]);
    let mut tampered = alice.encrypt(bob.address(), None, b"this will be tampered with")?;
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    show(&bob, &tampered);

    println!("\nbob replies twice (a new DH ratchet step); alice gets the second reply first");
    let first = bob.encrypt(alice.address(), None, b"hello alice")?;
    let second = bob.encrypt(alice.address(), None, b"yes, here")?;
    show(&alice, &second);
    show(&alice, &first);

    println!("\na message for bob delivered to carol");
    let carol = Client::open(MemoryStore::new(), "carol", "tablet")?;
    show(
        &carol,
        &alice.encrypt(bob.address(), None, b"for bob only")?,
    );

    let number = alice.safety_number(bob.address())?;
    let bob_view = bob.safety_number(alice.address())?;
    println!("\nsafety number (alice's view): {}", number.display());
    println!("safety number (bob's view):   {}", bob_view.display());
    println!(
        "alice scans bob's QR code: {}",
        if number
            .verify_qr_payload(&bob_view.qr_payload())
            .unwrap_or(false)
        {
            "verified"
        } else {
            "MISMATCH"
        }
    );
    Ok(())
}
