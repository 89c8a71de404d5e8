//! Fuzzed bodies behind a valid header, with a fixed key: both decryptors
//! never panic; whatever plaintext they return is the original file's at
//! that position; and only the untouched original file decrypts.
//!
//! Input: `data[0] % 8` chunk selectors follow (each `% 4` picks one of the
//! original file's four chunks, so reordered, duplicated, dropped and
//! repeated chunks are reachable), then two bytes of a seek position, then
//! raw bytes appended to the body.

use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::sync::OnceLock;

use sealkit::file::{FileDecryptor, FileEncryptor, FileKey, StreamDecryptor};

const KEY: [u8; 32] = [0x42; 32];
const CHUNK: usize = 1024;
const FULL: usize = CHUNK + 16;
/// MAC of the raw-key header (chunk size 1024, salt 0x17 x 32, no stanzas)
/// under `KEY`, computed by hand from docs/format/file.md; checked at start
/// (`FileEncryptor::resume` verifies it).
const HEADER_MAC: [u8; 32] = [
    0x77, 0x25, 0xec, 0x8f, 0x49, 0x62, 0x5d, 0xa2, 0x7d, 0xe3, 0xae, 0x5b, 0xdd, 0x3d, 0xe5, 0x8b,
    0xe8, 0x0f, 0x37, 0x2b, 0xf0, 0xae, 0x0d, 0xc8, 0x64, 0x38, 0x00, 0x84, 0x27, 0xfb, 0x08, 0xee,
];

struct Fixture {
    header: Vec<u8>,
    plaintext: Vec<u8>,
    file: Vec<u8>,
    chunks: Vec<Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut header = b"SEALKIT\x01".to_vec();
        header.extend_from_slice(&(CHUNK as u32).to_be_bytes());
        header.extend_from_slice(&[0x17; 32]);
        header.extend_from_slice(&0u16.to_be_bytes());
        header.extend_from_slice(&HEADER_MAC);
        let key = FileKey::from_bytes(KEY);
        let plaintext: Vec<u8> = (0..3 * CHUNK + 100).map(|i| (i % 251) as u8).collect();
        // Resuming at chunk 0 writes the body under this header.
        let mut encryptor = FileEncryptor::resume(Vec::new(), &key, &header, 0, Vec::new())
            .expect("the built-in header must verify under KEY");
        encryptor.write_all(&plaintext).expect("write");
        let body = encryptor.finish().expect("finish");
        let chunks: Vec<Vec<u8>> = body.chunks(FULL).map(<[u8]>::to_vec).collect();
        assert_eq!(chunks.len(), 4);
        let mut file = header.clone();
        file.extend_from_slice(&body);
        Fixture {
            header,
            plaintext,
            file,
            chunks,
        }
    })
}

/// The plaintext returned is the original's, and success means the input
/// was the original file.
fn judge(f: &Fixture, input: &[u8], out: &[u8], ok: bool, name: &str) {
    assert!(
        f.plaintext.starts_with(out),
        "{name}: returned bytes that are not the file's plaintext"
    );
    if ok {
        assert!(input == f.file, "{name}: a modified file decrypted");
        assert_eq!(out, f.plaintext, "{name}: wrong plaintext");
    }
}

/// One input.
pub fn run(data: &[u8]) {
    let f = fixture();
    let key = FileKey::from_bytes(KEY);
    let (&count, rest) = data.split_first().unwrap_or((&0, &[]));
    let count = usize::from(count % 8).min(rest.len());
    let (selectors, rest) = rest.split_at(count);
    let (seek_to, raw) = match rest {
        [a, b, raw @ ..] => (u64::from(u16::from_be_bytes([*a, *b])), raw),
        _ => (0, rest),
    };
    let mut input = f.header.clone();
    for selector in selectors {
        input.extend_from_slice(&f.chunks[usize::from(*selector % 4)]);
    }
    input.extend_from_slice(raw);

    let mut reader = FileDecryptor::new(Cursor::new(&input[..]), &key).expect("valid header");
    let mut out = Vec::new();
    let ok = reader.read_to_end(&mut out).is_ok();
    judge(f, &input, &out, ok, "FileDecryptor");
    // Random access: any plaintext at a position is the original's there.
    if let Ok(at) = reader.seek(SeekFrom::Start(seek_to)) {
        let mut buf = [0u8; 300];
        if let Ok(n) = reader.read(&mut buf) {
            let at = usize::try_from(at).expect("small");
            assert!(
                n == 0 || f.plaintext.get(at..at + n) == Some(&buf[..n]),
                "FileDecryptor: wrong plaintext after a seek"
            );
        }
    }

    let mut reader = StreamDecryptor::new(&input[..], &key).expect("valid header");
    let mut out = Vec::new();
    let ok = reader.read_to_end(&mut out).is_ok();
    judge(f, &input, &out, ok, "StreamDecryptor");
}

/// Seeds: the original four chunks in order (the file itself), then
/// reordered, with the last dropped, with the last repeated, with raw bytes
/// after it, and in order with a seek into the second chunk.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    vec![
        ("original".into(), vec![4, 0, 1, 2, 3, 0, 0]),
        ("reordered".into(), vec![4, 1, 0, 2, 3, 0, 0]),
        ("last_dropped".into(), vec![3, 0, 1, 2, 0, 0]),
        ("last_repeated".into(), vec![5, 0, 1, 2, 3, 3, 0, 0]),
        ("bytes_after_last".into(), vec![4, 0, 1, 2, 3, 0, 0, 0x17]),
        ("seek_into_second".into(), vec![4, 0, 1, 2, 3, 0x04, 0x10]),
    ]
}
