//! Opening files sealed to recipients (HPKE stanzas in the header):
//! arbitrary files to `Client::open_file` and `Client::open_file_stream` of
//! a device, and to `FileDecryptor::with_identity` and
//! `StreamDecryptor::with_identity` of an X25519 and an X-Wing
//! `FileIdentity`, each then read to the end. Never a panic, and:
//! * the seekable and the streaming opener agree on every header (both
//!   accept it, or both refuse it with the same error);
//! * a header opens only if it is byte for byte the header of a real file
//!   sealed to that opener (the MAC covers every stanza);
//! * the plaintext read is always a prefix of that file's plaintext, and
//!   all of it is read only from the unmodified file; the unmodified file
//!   always opens for each of its recipients, and for no one else.
//!
//! Real files (chunk size 1 KiB, sealed once from a seeded generator): `0`
//! under a raw key (no stanza); `1` to the device; `2` to the X25519 and the
//! X-Wing identity; `3` to the X-Wing identity and the device; `4` to the
//! X-Wing identity. Their plaintexts are 1,500, 0, 1,500, 1,024 and 100
//! bytes (two chunks, one empty chunk, two chunks, one full last chunk,
//! one short chunk).
//!
//! Input: the first byte picks the shape: `0`, the rest is the file; `1`,
//! `2`, `3`, a real file (`rest[0] % 5`) overwritten, inserted into or cut
//! at an offset as `common::edit` does. `[1, i, 0, 0]` is real file `i`
//! unchanged.

use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sealkit::Client;
use sealkit::file::{
    FileDecryptor, FileEncryptor, FileError, FileIdentity, FileKey, FileOptions, MIN_CHUNK_SIZE,
    Recipient, StreamDecryptor,
};
use sealkit::store::MemoryStore;

use crate::common::{Edit, edit};

/// Who opens: the device, or one of the two file identities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opener {
    Device,
    X25519,
    XWing,
}

const OPENERS: [Opener; 3] = [Opener::Device, Opener::X25519, Opener::XWing];

struct RealFile {
    bytes: Vec<u8>,
    header_len: usize,
    plaintext: Vec<u8>,
    recipients: Vec<Opener>,
}

struct Fixture {
    device: Client,
    x25519: FileIdentity,
    xwing: FileIdentity,
    files: Vec<RealFile>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let device = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [2; 32])
            .expect("open client");
        let secret = |prefix: &str, byte: u8| {
            FileIdentity::from_secret_string(&format!(
                "{prefix}{}",
                Base64UrlUnpadded::encode_string(&[byte; 32])
            ))
            .expect("identity")
        };
        let x25519 = secret("SEALKIT1-X25519-SECRET-", 0x11);
        let xwing = secret("SEALKIT1-XWING-SECRET-", 0x22);
        let recipient = |opener: Opener| match opener {
            Opener::Device => Recipient::from_device(device.identity()).expect("device"),
            Opener::X25519 => x25519.recipient(),
            Opener::XWing => xwing.recipient(),
        };
        let options = FileOptions {
            chunk_size: MIN_CHUNK_SIZE,
        };
        let mut rng = ChaCha20Rng::from_seed([0x52; 32]);
        let shapes: [(usize, &[Opener]); 5] = [
            (1500, &[]),
            (0, &[Opener::Device]),
            (1500, &[Opener::X25519, Opener::XWing]),
            (1024, &[Opener::XWing, Opener::Device]),
            (100, &[Opener::XWing]),
        ];
        let files = shapes
            .iter()
            .enumerate()
            .map(|(j, (len, to))| {
                let plaintext: Vec<u8> = (0..*len).map(|i| ((i + 31 * j) % 253) as u8).collect();
                let mut encryptor = if to.is_empty() {
                    let key = FileKey::from_bytes([0x66; 32]);
                    FileEncryptor::with_options(Vec::new(), &key, options, &mut rng)
                        .expect("raw-key encryptor")
                } else {
                    let recipients: Vec<Recipient> = to.iter().map(|o| recipient(*o)).collect();
                    FileEncryptor::to_recipients(Vec::new(), &recipients, options, &mut rng)
                        .expect("encryptor")
                        .0
                };
                let header_len = encryptor.header().len();
                encryptor.write_all(&plaintext).expect("write");
                RealFile {
                    bytes: encryptor.finish().expect("finish"),
                    header_len,
                    plaintext,
                    recipients: to.to_vec(),
                }
            })
            .collect();
        let fixture = Fixture {
            device,
            x25519,
            xwing,
            files,
        };
        for file in &fixture.files {
            for opener in OPENERS {
                let opened = fixture.open_seekable(opener, &file.bytes).is_ok();
                assert_eq!(opened, file.recipients.contains(&opener));
            }
        }
        fixture
    })
}

impl Fixture {
    fn identity(&self, opener: Opener) -> &FileIdentity {
        match opener {
            Opener::XWing => &self.xwing,
            _ => &self.x25519,
        }
    }

    fn open_seekable<'a>(
        &self,
        opener: Opener,
        input: &'a [u8],
    ) -> Result<FileDecryptor<Cursor<&'a [u8]>>, FileError> {
        match opener {
            Opener::Device => self.device.open_file(Cursor::new(input)),
            _ => FileDecryptor::with_identity(Cursor::new(input), self.identity(opener)),
        }
    }

    fn open_streaming<'a>(
        &self,
        opener: Opener,
        input: &'a [u8],
    ) -> Result<StreamDecryptor<&'a [u8]>, FileError> {
        match opener {
            Opener::Device => self.device.open_file_stream(input),
            _ => StreamDecryptor::with_identity(input, self.identity(opener)),
        }
    }
}

/// What `name` read from `input` (opened by `opener`, header of `file`):
/// a prefix of the plaintext, all of it only from the unmodified file.
fn judge(file: &RealFile, input: &[u8], out: &[u8], ok: bool, name: &str) {
    assert!(
        file.plaintext.starts_with(out),
        "{name}: returned bytes that are not the file's plaintext"
    );
    if ok {
        assert!(input == file.bytes, "{name}: a modified file decrypted");
        assert_eq!(out, file.plaintext, "{name}: wrong plaintext");
    } else {
        assert!(input != file.bytes, "{name}: the real file did not decrypt");
    }
}

fn open(f: &Fixture, opener: Opener, input: &[u8]) {
    let seekable = f.open_seekable(opener, input);
    let streaming = f.open_streaming(opener, input);
    let genuine = f
        .files
        .iter()
        .find(|file| file.bytes == input && file.recipients.contains(&opener));
    let (mut seekable, mut streaming) = match (seekable, streaming) {
        (Ok(seekable), Ok(streaming)) => (seekable, streaming),
        (Err(a), Err(b)) => {
            assert_eq!(
                a, b,
                "{opener:?}: the two openers refuse a header differently"
            );
            assert!(
                genuine.is_none(),
                "{opener:?}: a real file did not open: {a}"
            );
            let _ = a.to_string();
            return;
        }
        (a, b) => panic!(
            "{opener:?}: one opener took the header, the other did not: {:?} / {:?}",
            a.err(),
            b.err()
        ),
    };
    let header_len = usize::try_from(seekable.payload().header_len()).expect("small");
    let file = f
        .files
        .iter()
        .find(|file| {
            file.recipients.contains(&opener)
                && file.header_len == header_len
                && input.get(..header_len) == Some(&file.bytes[..header_len])
        })
        .expect("only the header of a file sealed to this opener opens");

    let mut out = Vec::new();
    let ok = seekable.read_to_end(&mut out).is_ok();
    judge(file, input, &out, ok, "seekable");
    let mut out = Vec::new();
    let ok = streaming.read_to_end(&mut out).is_ok();
    judge(file, input, &out, ok, "streaming");
}

/// One input.
pub fn run(data: &[u8]) {
    let f = fixture();
    let (&shape, rest) = data.split_first().unwrap_or((&0, &[]));
    let input = match shape % 4 {
        0 => rest.to_vec(),
        shape => {
            let how = match shape {
                1 => Edit::Overwrite,
                2 => Edit::Insert,
                _ => Edit::Truncate,
            };
            let files: Vec<&[u8]> = f.files.iter().map(|file| &file.bytes[..]).collect();
            edit(&files, rest, how).1
        }
    };
    for opener in OPENERS {
        open(f, opener, &input);
    }
}

/// Seeds: every real file unchanged; with a byte of its first stanza's
/// encapsulated key, of its MAC and of its body changed; and cut after the
/// header.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let f = fixture();
    let mut seeds = Vec::new();
    for (i, file) in f.files.iter().enumerate() {
        let i8 = i as u8;
        let at = |offset: usize| (offset as u16).to_be_bytes();
        seeds.push((format!("real_file_{i}"), vec![1, i8, 0, 0]));
        // Magic, version, chunk size, salt and stanza count: 46 bytes, then
        // the stanza kind and the key length.
        let [h, l] = at(49);
        seeds.push((
            format!("real_file_{i}_stanza_byte"),
            vec![1, i8, h, l, 0x5a],
        ));
        let [h, l] = at(file.header_len - 1);
        seeds.push((format!("real_file_{i}_mac_byte"), vec![1, i8, h, l, 0x5a]));
        let [h, l] = at(file.header_len + 3);
        seeds.push((format!("real_file_{i}_body_byte"), vec![1, i8, h, l, 0x5a]));
        let [h, l] = at(file.header_len);
        seeds.push((format!("real_file_{i}_header_only"), vec![3, i8, h, l]));
    }
    let mut raw = vec![0];
    raw.extend_from_slice(&f.files[3].bytes);
    seeds.push(("raw_file_3".into(), raw));
    seeds
}

/// The headers of the real files (0, 1 and 2 stanzas, both kinds), for
/// other targets' seeds.
pub(crate) fn real_headers() -> Vec<Vec<u8>> {
    fixture()
        .files
        .iter()
        .map(|file| file.bytes[..file.header_len].to_vec())
        .collect()
}
