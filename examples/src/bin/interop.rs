//! The Rust node of the interop ring of `bindings/SCENARIO.md`: one step
//! per run, on a device kept in `<dir>/rust.db`, exchanging files with the
//! nodes of the other bindings.
//!
//! ```text
//! interop init <dir> rust
//! interop send <dir> rust <to>
//! interop receive <dir> rust <from>
//! interop check <dir> rust <to>
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use sealkit::file::{FileEncryptor, FileOptions, Recipient, SystemRng};
use sealkit::media::MediaConfig;
use sealkit::store::SqliteStore;
use sealkit::{Client, DeviceAddress, GroupEvent, PrekeyBundle};
use sealkit_examples::{Failure, check, pattern};

const STORAGE_KEY: [u8; 32] = [0x07; 32];
const DEVICE: &str = "interop";
const NODE: &str = "rust";
const FILE_LEN: usize = 150_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["init", dir, node] => this_node(node).and_then(|()| init(Path::new(dir))),
        ["send", dir, from, to] => this_node(from).and_then(|()| send(Path::new(dir), to)),
        ["receive", dir, to, from] => this_node(to).and_then(|()| receive(Path::new(dir), from)),
        ["check", dir, from, to] => {
            this_node(from).and_then(|()| check_replies(Path::new(dir), to))
        }
        _ => Err(Failure::new(
            "usage",
            "interop init|send|receive|check <dir> rust [<peer>]",
        )),
    };
    match result {
        Ok(()) => println!(
            "interop {} {NODE} ok",
            args.first().map_or("", String::as_str)
        ),
        Err(failure) => {
            eprintln!("interop {NODE}: {failure}");
            std::process::exit(1);
        }
    }
}

fn this_node(node: &str) -> Result<(), Failure> {
    check(node == NODE, "usage", "this program is the rust node")
}

fn open(dir: &Path) -> Result<Client, Failure> {
    let store = SqliteStore::open(dir.join(format!("{NODE}.db")), &STORAGE_KEY)?;
    Ok(Client::open(store, NODE, DEVICE)?)
}

fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(file(dir, name)).map_err(|error| Failure::new(name, error.to_string()))
}

fn address(node: &str) -> Result<DeviceAddress, Failure> {
    Ok(DeviceAddress::new(node, DEVICE)?)
}

fn init(dir: &Path) -> Result<(), Failure> {
    let client = open(dir)?;
    let bundle = client.prekey_bundle(3)?.take_for_session();
    std::fs::write(file(dir, &format!("{NODE}.bundle")), bundle.encode())?;
    let package = client.key_packages(1)?.remove(0);
    std::fs::write(file(dir, &format!("{NODE}.keypackage")), package)?;
    let recipient = Recipient::from_device(client.identity())?.to_string();
    std::fs::write(file(dir, &format!("{NODE}.recipient")), recipient)?;
    Ok(client.close()?)
}

fn send(dir: &Path, to: &str) -> Result<(), Failure> {
    let client = open(dir)?;
    let stem = format!("{NODE}-{to}");
    let bundle = PrekeyBundle::decode(&read(dir, &format!("{to}.bundle"))?)?;
    let envelope = client.encrypt(
        &address(to)?,
        Some(&bundle),
        format!("hello {to} from {NODE}").as_bytes(),
    )?;
    std::fs::write(file(dir, &format!("{stem}.envelope")), envelope)?;

    let group = format!("{NODE}-group");
    client.create_group(&group)?;
    let commit = client.add_group_members(&group, &[read(dir, &format!("{to}.keypackage"))?])?;
    client.confirm_group_commit(&group)?;
    let welcome = commit
        .welcome
        .ok_or_else(|| Failure::new("send", "an add without a welcome"))?;
    std::fs::write(file(dir, &format!("{stem}.welcome")), welcome)?;
    let message = client.encrypt_group(&group, format!("group hello from {NODE}").as_bytes())?;
    std::fs::write(file(dir, &format!("{stem}.group")), message)?;

    let recipient: Recipient = String::from_utf8_lossy(&read(dir, &format!("{to}.recipient"))?)
        .trim()
        .parse()?;
    let mut rng = SystemRng::new();
    let (mut encryptor, _) = FileEncryptor::to_recipients(
        std::fs::File::create(file(dir, &format!("{stem}.file")))?,
        &[recipient],
        FileOptions::default(),
        &mut rng,
    )?;
    std::io::Write::write_all(&mut encryptor, &pattern(FILE_LEN))?;
    encryptor.finish()?;
    rng.check()?;

    let mut media = client.group_media(&group, MediaConfig::default())?;
    let frame = media.encrypt_frame(format!("frame from {NODE}").as_bytes(), b"hdr")?;
    std::fs::write(file(dir, &format!("{stem}.frame")), frame)?;
    Ok(client.close()?)
}

fn receive(dir: &Path, from: &str) -> Result<(), Failure> {
    let at = "receive";
    let client = open(dir)?;
    let stem = format!("{from}-{NODE}");
    let sender = address(from)?;
    let decrypted = client.decrypt(&read(dir, &format!("{stem}.envelope"))?)?;
    check(decrypted.sender == sender, at, "envelope sender")?;
    check(
        decrypted.plaintext == format!("hello {NODE} from {from}").as_bytes(),
        at,
        "envelope text",
    )?;

    let group = format!("{from}-group");
    let joined = client.join_group(&read(dir, &format!("{stem}.welcome"))?)?;
    check(joined.group_id == group, at, "group id")?;
    let events = client.process_group_message(&read(dir, &format!("{stem}.group"))?)?;
    expect_message(&events, &sender, &format!("group hello from {from}"), at)?;

    let mut opened = Vec::new();
    client
        .open_file(std::fs::File::open(file(dir, &format!("{stem}.file")))?)?
        .read_to_end(&mut opened)?;
    check(opened == pattern(FILE_LEN), at, "file")?;

    let mut media = client.group_media(&group, MediaConfig::default())?;
    let frame = media.decrypt_frame(&read(dir, &format!("{stem}.frame"))?)?;
    check(
        frame.frame == format!("frame from {from}").as_bytes(),
        at,
        "frame",
    )?;
    check(frame.clear_header == b"hdr", at, "frame header")?;

    let reply = client.encrypt(
        &sender,
        None,
        format!("reply to {from} from {NODE}").as_bytes(),
    )?;
    std::fs::write(file(dir, &format!("{NODE}-{from}.reply")), reply)?;
    let group_reply =
        client.encrypt_group(&group, format!("group reply from {NODE}").as_bytes())?;
    std::fs::write(
        file(dir, &format!("{NODE}-{from}.group-reply")),
        group_reply,
    )?;
    Ok(client.close()?)
}

fn check_replies(dir: &Path, to: &str) -> Result<(), Failure> {
    let at = "check";
    let client = open(dir)?;
    let peer = address(to)?;
    let reply = client.decrypt(&read(dir, &format!("{to}-{NODE}.reply"))?)?;
    check(reply.sender == peer, at, "reply sender")?;
    check(
        reply.plaintext == format!("reply to {NODE} from {to}").as_bytes(),
        at,
        "reply text",
    )?;
    let events = client.process_group_message(&read(dir, &format!("{to}-{NODE}.group-reply"))?)?;
    expect_message(&events, &peer, &format!("group reply from {to}"), at)?;
    Ok(client.close()?)
}

fn expect_message(
    events: &[GroupEvent],
    from: &DeviceAddress,
    text: &str,
    at: &str,
) -> Result<(), Failure> {
    match events {
        [
            GroupEvent::Message {
                sender, plaintext, ..
            },
        ] => {
            check(sender == from, at, "group sender")?;
            check(plaintext == text.as_bytes(), at, "group text")
        }
        _ => Err(Failure::new(
            at,
            format!("expected one message, got {events:?}"),
        )),
    }
}
