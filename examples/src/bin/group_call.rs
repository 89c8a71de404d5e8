//! A group chat and call through an in-process delivery service that only
//! sees MLS ciphertext: three devices form a group, chat (one message
//! arrives before the commit that starts its epoch), hold a call with SFrame
//! media frames, remove a member (who can follow neither the chat nor the
//! call afterwards) and welcome a new one (who cannot read the past).
//!
//! Run: `cargo run -p sealkit-examples --bin group_call`

use std::collections::HashMap;

use sealkit::media::{MediaConfig, MediaContext};
use sealkit::store::MemoryStore;
use sealkit::{Client, DeviceAddress, Error, GroupEvent};

const GROUP: &str = "design-review";

/// The delivery service: key packages per device, and one ordered queue of
/// group messages per member. It never holds a key.
#[derive(Default)]
struct DeliveryService {
    key_packages: HashMap<DeviceAddress, Vec<Vec<u8>>>,
    queues: HashMap<DeviceAddress, Vec<Vec<u8>>>,
}

impl DeliveryService {
    fn publish(&mut self, client: &Client) -> Result<(), Error> {
        let packages = client.key_packages(3)?;
        println!(
            "ds: {} published {} key packages ({} bytes each)",
            client.address(),
            packages.len(),
            packages.first().map_or(0, Vec::len)
        );
        self.key_packages.insert(client.address().clone(), packages);
        Ok(())
    }

    fn key_package(&mut self, device: &DeviceAddress) -> Vec<u8> {
        self.key_packages
            .get_mut(device)
            .and_then(Vec::pop)
            .unwrap_or_default()
    }

    /// Fans a message out to every member but the sender.
    fn fan_out(&mut self, from: &Client, members: &[&Client], message: &[u8]) {
        for member in members {
            if member.address() != from.address() {
                self.queues
                    .entry(member.address().clone())
                    .or_default()
                    .push(message.to_vec());
            }
        }
    }

    fn deliver_all(&mut self, to: &Client) -> Result<(), Error> {
        for message in self.queues.remove(to.address()).unwrap_or_default() {
            show(to, to.process_group_message(&message));
        }
        Ok(())
    }
}

fn show(to: &Client, result: Result<Vec<GroupEvent>, Error>) {
    match result {
        Ok(events) => {
            for event in events {
                match event {
                    GroupEvent::Message {
                        sender,
                        epoch,
                        plaintext,
                        ..
                    } => println!(
                        "  {} <- {sender} (epoch {epoch}): {:?}",
                        to.address(),
                        String::from_utf8_lossy(&plaintext)
                    ),
                    other => println!("  {}: {other:?}", to.address()),
                }
            }
        }
        Err(error) => println!("  {}: refused: {error}", to.address()),
    }
}

fn frame(media: &mut MediaContext, to: &str, sealed: &[u8]) {
    match media.decrypt_frame(sealed) {
        Ok(frame) => println!(
            "  {to} hears sender #{} (epoch {}): {:?}",
            frame.sender_index,
            frame.epoch,
            String::from_utf8_lossy(&frame.frame)
        ),
        Err(error) => println!("  {to} cannot decrypt the frame: {error}"),
    }
}

fn main() -> Result<(), Error> {
    let alice = Client::open(MemoryStore::new(), "alice", "laptop")?;
    let bob = Client::open(MemoryStore::new(), "bob", "phone")?;
    let carol = Client::open(MemoryStore::new(), "carol", "tablet")?;
    let dave = Client::open(MemoryStore::new(), "dave", "desktop")?;
    let mut ds = DeliveryService::default();
    for client in [&bob, &carol, &dave] {
        ds.publish(client)?;
    }

    println!("\n== alice creates the group and adds bob and carol in one commit");
    alice.create_group(GROUP)?;
    let packages = [
        ds.key_package(bob.address()),
        ds.key_package(carol.address()),
    ];
    let commit = alice.add_group_members(GROUP, &packages)?;
    // The delivery service accepts the commit; alice applies it.
    alice.confirm_group_commit(GROUP)?;
    let welcome = commit.welcome.unwrap_or_default();
    println!(
        "ds: commit {} bytes, welcome {} bytes",
        commit.commit.len(),
        welcome.len()
    );
    for joiner in [&bob, &carol] {
        let joined = joiner.join_group(&welcome)?;
        println!(
            "  {} joined at epoch {} with {} members ({} unverified: known only from the group)",
            joiner.address(),
            joined.epoch,
            joined.members.len(),
            joined.unverified.len()
        );
    }

    println!("\n== chat");
    let members = [&alice, &bob, &carol];
    for (sender, text) in [(&alice, "agenda is in the doc"), (&bob, "reading it now")] {
        let sealed = sender.encrypt_group(GROUP, text.as_bytes())?;
        ds.fan_out(sender, &members, &sealed);
    }
    for member in members {
        ds.deliver_all(member)?;
    }

    println!("\n== a call: SFrame frames keyed from the group");
    let config = MediaConfig::default();
    let mut alice_media = alice.group_media(GROUP, config)?;
    let mut bob_media = bob.group_media(GROUP, config)?;
    let mut carol_media = carol.group_media(GROUP, config)?;
    let sealed = alice_media.encrypt_frame(b"<opus frame 1>", b"")?;
    println!("sfu: forwards a {}-byte sealed frame", sealed.len());
    frame(&mut bob_media, "bob", &sealed);
    frame(&mut carol_media, "carol", &sealed);

    println!("\n== bob updates his keys; carol gets his next message before the commit");
    let update = bob.update_group(GROUP)?;
    bob.confirm_group_commit(GROUP)?;
    let early = bob.encrypt_group(GROUP, b"new keys, same bob")?;
    show(&carol, carol.process_group_message(&early));
    show(&carol, carol.process_group_message(&update.commit));
    show(&alice, alice.process_group_message(&update.commit));
    show(&alice, alice.process_group_message(&early));

    println!("\n== alice removes carol");
    let removal = alice.remove_group_members(GROUP, &[carol.address().clone()])?;
    alice.confirm_group_commit(GROUP)?;
    show(&bob, bob.process_group_message(&removal.commit));
    show(&carol, carol.process_group_message(&removal.commit));
    let secret = alice.encrypt_group(GROUP, b"carol no longer reads this")?;
    show(&bob, bob.process_group_message(&secret));
    show(&carol, carol.process_group_message(&secret));
    for (client, media) in [(&alice, &mut alice_media), (&bob, &mut bob_media)] {
        client.rekey_group_media(GROUP, media)?;
    }
    let sealed = alice_media.encrypt_frame(b"<opus frame 2>", b"")?;
    frame(&mut bob_media, "bob", &sealed);
    frame(&mut carol_media, "carol", &sealed);

    println!("\n== bob adds dave, who cannot read the past");
    let commit = bob.add_group_members(GROUP, &[ds.key_package(dave.address())])?;
    bob.confirm_group_commit(GROUP)?;
    show(&alice, alice.process_group_message(&commit.commit));
    let joined = dave.join_group(&commit.welcome.unwrap_or_default())?;
    println!("  dave joined at epoch {}", joined.epoch);
    show(&dave, dave.process_group_message(&secret));
    let hello = alice.encrypt_group(GROUP, b"welcome dave")?;
    show(&dave, dave.process_group_message(&hello));

    println!(
        "\nall members at epoch {}: {}",
        alice.group_epoch(GROUP)?,
        alice
            .group_members(GROUP)?
            .iter()
            .map(|member| member.device.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
