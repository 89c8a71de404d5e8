//! Chunk-level decryption (range requests, WebCrypto callers): arbitrary
//! `(index, last, ciphertext)` to `FilePayload::open_chunk` of a real file's
//! payload under a fixed key. Never a panic; only the file's own chunks,
//! each at its own index and with its own last flag, open, and to their
//! plaintext.
//!
//! Input: the first byte picks the shape:
//! * `0`: `index` (8 bytes, big-endian), `last` (the next byte's low bit),
//!   then the ciphertext;
//! * `1`, `2`, `3`: a real chunk, selected and edited by the rest as
//!   `common::edit` does (`1` overwrites, `2` inserts, `3` truncates at an
//!   offset), opened under its own index and last flag, except that bit 2 of
//!   the selector byte flips the flag and its bits 3 to 7 are added to the
//!   index.
//!
//! `[1, i, 0, 0]` is real chunk `i` (of four; the fourth is the last, and
//! shorter) unchanged. The file is sealed once, from a fixed key and salt.

use std::io::Write;
use std::sync::OnceLock;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sealkit::file::{FileEncryptor, FileHeader, FileKey, FileOptions, FilePayload, MIN_CHUNK_SIZE};

use crate::common::{Edit, edit};

const KEY: [u8; 32] = [0x24; 32];
const CHUNK: usize = MIN_CHUNK_SIZE as usize;
const FULL: usize = CHUNK + 16;

struct Fixture {
    payload: FilePayload,
    /// (index, last, ciphertext, plaintext) of every chunk of the file.
    chunks: Vec<(u64, bool, Vec<u8>, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = FileKey::from_bytes(KEY);
        let plaintext: Vec<u8> = (0..3 * CHUNK + 100).map(|i| (i * 7 % 251) as u8).collect();
        let options = FileOptions {
            chunk_size: CHUNK as u32,
        };
        let mut rng = ChaCha20Rng::from_seed([0x31; 32]);
        let mut encryptor =
            FileEncryptor::with_options(Vec::new(), &key, options, &mut rng).expect("encryptor");
        encryptor.write_all(&plaintext).expect("write");
        let file = encryptor.finish().expect("finish");
        let (header, header_len) = FileHeader::decode(&file).expect("header");
        let payload = FilePayload::new(&header, &key).expect("payload");
        assert_eq!(payload.header_len(), header_len as u64);
        let body = &file[header_len..];
        let count = body.len().div_ceil(FULL);
        let chunks: Vec<_> = body
            .chunks(FULL)
            .zip(plaintext.chunks(CHUNK))
            .enumerate()
            .map(|(index, (ciphertext, plaintext))| {
                (
                    index as u64,
                    index + 1 == count,
                    ciphertext.to_vec(),
                    plaintext.to_vec(),
                )
            })
            .collect();
        assert_eq!(chunks.len(), 4);
        for (index, last, ciphertext, plaintext) in &chunks {
            assert_eq!(
                &payload.open_chunk(*index, *last, ciphertext).expect("open"),
                plaintext
            );
        }
        Fixture { payload, chunks }
    })
}

/// One input.
pub fn run(data: &[u8]) {
    let f = fixture();
    let (&shape, rest) = data.split_first().unwrap_or((&0, &[]));
    let (index, last, ciphertext) = match shape % 4 {
        0 => {
            let mut index = [0u8; 8];
            let n = rest.len().min(8);
            index[..n].copy_from_slice(&rest[..n]);
            let rest = &rest[n..];
            let (last, ciphertext) = match rest.split_first() {
                Some((flag, ciphertext)) => (flag & 1 == 1, ciphertext),
                None => (false, rest),
            };
            (u64::from_be_bytes(index), last, ciphertext.to_vec())
        }
        shape => {
            let how = match shape {
                1 => Edit::Overwrite,
                2 => Edit::Insert,
                _ => Edit::Truncate,
            };
            let ciphertexts: Vec<&[u8]> = f.chunks.iter().map(|c| &c.2[..]).collect();
            let (selected, ciphertext) = edit(&ciphertexts, rest, how);
            let selector = rest.first().copied().unwrap_or(0);
            let (index, last, _, _) = &f.chunks[selected];
            (
                index.wrapping_add(u64::from(selector >> 3)),
                *last ^ (selector & 4 != 0),
                ciphertext,
            )
        }
    };
    match f.payload.open_chunk(index, last, &ciphertext) {
        Ok(plaintext) => {
            let genuine = f
                .chunks
                .iter()
                .find(|c| c.0 == index && c.1 == last && c.2 == ciphertext)
                .expect("only a real chunk, at its index and with its flag, opens");
            assert_eq!(plaintext, genuine.3, "a chunk opened to other bytes");
        }
        Err(error) => {
            assert!(
                !f.chunks
                    .iter()
                    .any(|c| c.0 == index && c.1 == last && c.2 == ciphertext),
                "a real chunk did not open: {error}"
            );
            let _ = error.to_string();
        }
    }
}

/// Seeds: every real chunk unchanged, with its flag flipped, at the next
/// index, cut short, and one byte of its tag changed.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for i in 0..4u8 {
        seeds.push((format!("real_chunk_{i}"), vec![1, i, 0, 0]));
        seeds.push((format!("real_chunk_{i}_flag_flipped"), vec![1, i | 4, 0, 0]));
        seeds.push((format!("real_chunk_{i}_next_index"), vec![1, i | 8, 0, 0]));
        seeds.push((format!("real_chunk_{i}_cut_at_16"), vec![3, i, 0, 16]));
        seeds.push((format!("real_chunk_{i}_byte_100"), vec![1, i, 0, 100, 0]));
    }
    let f = fixture();
    let (index, last, ciphertext, _) = &f.chunks[3];
    let mut raw = vec![0];
    raw.extend_from_slice(&index.to_be_bytes());
    raw.push(u8::from(*last));
    raw.extend_from_slice(ciphertext);
    seeds.push(("raw_last_chunk".into(), raw));
    seeds
}
