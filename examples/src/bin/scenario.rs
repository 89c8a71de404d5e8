//! The scenario of `bindings/SCENARIO.md` on the Rust API: two devices
//! start a session from a published bundle, exchange messages out of order
//! across ratchet steps, refuse a tampered and a replayed message, form a
//! group with a third device and remove it, share a file and a media frame,
//! and reopen from SQLite between steps. Prints one `checkpoint <name>`
//! line per step, the same lines as the Python, Kotlin and Swift versions.
//!
//! Run: `cargo run -p sealkit-examples --bin scenario`

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sealkit::file::{
    FileDecryptor, FileEncryptor, FileKey, FileOptions, Recipient, SystemRng, encrypt_in_memory,
};
use sealkit::media::MediaConfig;
use sealkit::store::SqliteStore;
use sealkit::{Client, DeviceAddress, ErrorKind, GroupEvent, PrekeyBundle};
use sealkit_examples::{Failure, check, expect_kind, pattern};

/// The test storage key of SCENARIO.md (an app takes it from the keychain).
const STORAGE_KEY: [u8; 32] = [0x07; 32];
const TEAM: &str = "team";

fn main() {
    if let Err(failure) = run() {
        eprintln!("scenario failed: {failure}");
        std::process::exit(1);
    }
}

/// A device kept in its own SQLite file, reopened between steps.
struct Device {
    path: PathBuf,
    user: &'static str,
    device: &'static str,
    client: Client,
}

impl Device {
    fn open(dir: &Path, user: &'static str, device: &'static str) -> Result<Self, Failure> {
        let path = dir.join(format!("{user}.db"));
        let client = Self::client(&path, user, device)?;
        Ok(Self {
            path,
            user,
            device,
            client,
        })
    }

    fn client(path: &Path, user: &str, device: &str) -> Result<Client, Failure> {
        Ok(Client::open(
            SqliteStore::open(path, &STORAGE_KEY)?,
            user,
            device,
        )?)
    }

    /// Closes the client and opens the same device again from its file.
    fn reopen(&mut self) -> Result<(), Failure> {
        self.client.close()?;
        self.client = Self::client(&self.path, self.user, self.device)?;
        Ok(())
    }

    fn address(&self) -> &DeviceAddress {
        self.client.address()
    }

    /// Decrypts `envelope` and checks its sender and plaintext.
    fn receive(
        &self,
        envelope: &[u8],
        from: &Device,
        text: &[u8],
        at: &str,
    ) -> Result<(), Failure> {
        let decrypted = self.client.decrypt(envelope)?;
        check(&decrypted.sender == from.address(), at, "sender")?;
        check(decrypted.plaintext == text, at, "plaintext")
    }

    /// Processes a group message that must be one message event.
    fn receive_group(
        &self,
        message: &[u8],
        from: &Device,
        text: &[u8],
        at: &str,
    ) -> Result<(), Failure> {
        let events = self.client.process_group_message(message)?;
        match events.as_slice() {
            [
                GroupEvent::Message {
                    group_id,
                    sender,
                    plaintext,
                    ..
                },
            ] => {
                check(group_id == TEAM, at, "group id")?;
                check(sender == from.address(), at, "group sender")?;
                check(plaintext == text, at, "group plaintext")
            }
            _ => Err(Failure::new(
                at,
                format!("expected one message, got {events:?}"),
            )),
        }
    }

    fn member_count(&self) -> Result<usize, Failure> {
        Ok(self.client.group_members(TEAM)?.len())
    }
}

fn run() -> Result<(), Failure> {
    let dir = tempfile::tempdir().map_err(|error| Failure::new("setup", error.to_string()))?;
    let mut alice = Device::open(dir.path(), "alice", "phone")?;
    let mut bob = Device::open(dir.path(), "bob", "laptop")?;
    let mut carol = Device::open(dir.path(), "carol", "tablet")?;

    // 1. Bob publishes; the server hands Alice one bundle for one session.
    let at = "bundle-published";
    let published = bob.client.prekey_bundle(5)?.encode();
    let mut served = PrekeyBundle::decode(&published)?;
    let bundle = served.take_for_session();
    let remaining = served.encode();
    check(remaining.len() < published.len(), at, "rest shorter")?;
    check(
        bundle.encode().len() < published.len(),
        at,
        "session bundle shorter",
    )?;
    println!("checkpoint {at}");

    // 2. The session starts from the bundle; Bob answers.
    let at = "session-started";
    let a1 = alice.client.encrypt(bob.address(), Some(&bundle), b"a1")?;
    bob.receive(&a1, &alice, b"a1", at)?;
    let b1 = bob.client.encrypt(alice.address(), None, b"b1")?;
    alice.receive(&b1, &bob, b"b1", at)?;
    check(
        alice.client.sessions()? == [bob.address().clone()],
        at,
        "alice's sessions",
    )?;
    check(
        bob.client.sessions()? == [alice.address().clone()],
        at,
        "bob's sessions",
    )?;
    println!("checkpoint {at}");

    // 3. Out of order across two ratchet steps.
    let at = "out-of-order";
    let a2 = alice.client.encrypt(bob.address(), None, b"a2")?;
    let a3 = alice.client.encrypt(bob.address(), None, b"a3")?;
    bob.receive(&a3, &alice, b"a3", at)?;
    let b2 = bob.client.encrypt(alice.address(), None, b"b2")?;
    alice.receive(&b2, &bob, b"b2", at)?;
    let a4 = alice.client.encrypt(bob.address(), None, b"a4")?;
    bob.receive(&a4, &alice, b"a4", at)?;
    bob.receive(&a2, &alice, b"a2", at)?;
    println!("checkpoint {at}");

    // 4. Both reopen from SQLite; the session goes on.
    let at = "reopened-1";
    alice.reopen()?;
    bob.reopen()?;
    let a5 = alice.client.encrypt(bob.address(), None, b"a5")?;
    bob.receive(&a5, &alice, b"a5", at)?;
    println!("checkpoint {at}");

    // 5. A tampered copy is refused and changes nothing.
    let at = "tampered-rejected";
    let a6 = alice.client.encrypt(bob.address(), None, b"a6")?;
    let mut tampered = a6.clone();
    if let Some(last) = tampered.last_mut() {
        *last ^= 0x01;
    }
    expect_kind(bob.client.decrypt(&tampered), ErrorKind::Decrypt, at)?;
    bob.receive(&a6, &alice, b"a6", at)?;
    println!("checkpoint {at}");

    // 6. A replay is refused.
    let at = "replay-rejected";
    expect_kind(bob.client.decrypt(&a6), ErrorKind::Duplicate, at)?;
    println!("checkpoint {at}");

    // 7. Alice forms a group with Bob and Carol.
    let at = "group-formed";
    alice.client.create_group(TEAM)?;
    let packages = [
        bob.client.key_packages(1)?.remove(0),
        carol.client.key_packages(1)?.remove(0),
    ];
    let commit = alice.client.add_group_members(TEAM, &packages)?;
    alice.client.confirm_group_commit(TEAM)?;
    let welcome = commit
        .welcome
        .ok_or_else(|| Failure::new(at, "an add without a welcome"))?;
    for joiner in [&bob, &carol] {
        let joined = joiner.client.join_group(&welcome)?;
        check(joined.group_id == TEAM, at, "joined group id")?;
    }
    let g1 = alice.client.encrypt_group(TEAM, b"g1")?;
    bob.receive_group(&g1, &alice, b"g1", at)?;
    carol.receive_group(&g1, &alice, b"g1", at)?;
    let g2 = bob.client.encrypt_group(TEAM, b"g2")?;
    alice.receive_group(&g2, &bob, b"g2", at)?;
    carol.receive_group(&g2, &bob, b"g2", at)?;
    for member in [&alice, &bob, &carol] {
        check(member.member_count()? == 3, at, "three members")?;
    }
    println!("checkpoint {at}");

    // 8. All three reopen; the group goes on.
    let at = "reopened-2";
    for device in [&mut alice, &mut bob, &mut carol] {
        device.reopen()?;
    }
    let g3 = carol.client.encrypt_group(TEAM, b"g3")?;
    alice.receive_group(&g3, &carol, b"g3", at)?;
    bob.receive_group(&g3, &carol, b"g3", at)?;
    println!("checkpoint {at}");

    // 9. Alice removes Carol, who reads nothing after.
    let at = "member-removed";
    let removal = alice
        .client
        .remove_group_members(TEAM, std::slice::from_ref(carol.address()))?;
    alice.client.confirm_group_commit(TEAM)?;
    let bob_events = bob.client.process_group_message(&removal.commit)?;
    check(
        bob_events.iter().any(|event| matches!(event,
            GroupEvent::MembersRemoved { members, .. } if members == std::slice::from_ref(carol.address()))),
        at,
        "bob sees carol removed",
    )?;
    let carol_events = carol.client.process_group_message(&removal.commit)?;
    check(
        carol_events
            .iter()
            .any(|event| matches!(event, GroupEvent::Removed { group_id } if group_id == TEAM)),
        at,
        "carol is told she was removed",
    )?;
    check(carol.client.groups()?.is_empty(), at, "carol's groups")?;
    let g4 = alice.client.encrypt_group(TEAM, b"g4")?;
    bob.receive_group(&g4, &alice, b"g4", at)?;
    expect_kind(
        carol.client.process_group_message(&g4),
        ErrorKind::UnknownGroup,
        at,
    )?;
    check(alice.member_count()? == 2, at, "alice: two members")?;
    check(bob.member_count()? == 2, at, "bob: two members")?;
    println!("checkpoint {at}");

    // 10. A file under a key sent in the session, then one sealed to Bob.
    let at = "file-shared";
    let photo = pattern(200_000);
    let key = FileKey::random()?;
    let mut rng = SystemRng::new();
    let sealed = encrypt_in_memory(&photo, &key, FileOptions::default(), &mut rng)?;
    rng.check()?;
    let key_message = alice
        .client
        .encrypt(bob.address(), None, key.to_bytes().as_slice())?;
    let received_key = bob.client.decrypt(&key_message)?.plaintext;
    let received_key: [u8; 32] = received_key
        .as_slice()
        .try_into()
        .map_err(|_| Failure::new(at, "the key message is not 32 bytes"))?;
    let bob_key = FileKey::from_bytes(received_key);
    let mut opened = Vec::new();
    FileDecryptor::new(Cursor::new(&sealed), &bob_key)?.read_to_end(&mut opened)?;
    check(opened == photo, at, "bytes decrypted")?;
    let photo_path = dir.path().join("photo.sealed");
    std::fs::write(&photo_path, &sealed)?;
    let mut range = Vec::new();
    let mut reader = FileDecryptor::new(std::fs::File::open(&photo_path)?, &bob_key)?;
    reader.seek(SeekFrom::Start(131_000))?;
    reader.take(1000).read_to_end(&mut range)?;
    check(
        photo.get(131_000..132_000) == Some(&range[..]),
        at,
        "range read",
    )?;
    let to_bob_path = dir.path().join("to-bob.sealed");
    let recipient = Recipient::from_device(bob.client.identity())?;
    let (mut encryptor, _) = FileEncryptor::to_recipients(
        std::fs::File::create(&to_bob_path)?,
        &[recipient],
        FileOptions::default(),
        &mut rng,
    )?;
    std::io::Write::write_all(&mut encryptor, &photo)?;
    encryptor.finish()?;
    rng.check()?;
    let mut opened = Vec::new();
    bob.client
        .open_file(std::fs::File::open(&to_bob_path)?)?
        .read_to_end(&mut opened)?;
    check(opened == photo, at, "opened by bob's client")?;
    expect_kind(
        FileDecryptor::new(std::fs::File::open(&to_bob_path)?, &bob_key),
        ErrorKind::Decrypt,
        at,
    )?;
    expect_kind(
        carol.client.open_file(std::fs::File::open(&to_bob_path)?),
        ErrorKind::Decrypt,
        at,
    )?;
    println!("checkpoint {at}");

    // 11. A media frame keyed from the group; its replay is refused.
    let at = "media-frame";
    let mut alice_media = alice.client.group_media(TEAM, MediaConfig::default())?;
    let mut bob_media = bob.client.group_media(TEAM, MediaConfig::default())?;
    let frame = alice_media.encrypt_frame(b"frame-1", b"hdr")?;
    let heard = bob_media.decrypt_frame(&frame)?;
    check(heard.frame == b"frame-1", at, "frame")?;
    check(heard.clear_header == b"hdr", at, "clear header")?;
    check(heard.epoch == bob.client.group_epoch(TEAM)?, at, "epoch")?;
    expect_kind(bob_media.decrypt_frame(&frame), ErrorKind::Duplicate, at)?;
    println!("checkpoint {at}");

    // 12. Done.
    let at = "done";
    for device in [&alice, &bob, &carol] {
        device.client.close()?;
    }
    println!("checkpoint {at}");
    Ok(())
}
