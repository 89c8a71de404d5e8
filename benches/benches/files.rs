//! Sealkit file encryption beside the age crate, measured in the same run.
//!
//! Groups (run one at a time with a filter, e.g. `-- file_encrypt`):
//! - `file_encrypt`: 64 MiB in memory → a sealed file in memory.
//! - `file_decrypt`: the sealed 64 MiB back to plaintext in memory.
//! - `file_encrypt_reused_output`: as `file_encrypt` at 64 KiB chunks, but
//!   into one output `Vec` cleared between iterations (its pages already
//!   mapped), as when streaming into a reused buffer, a file or a socket:
//!   the library's own cost without the kernel's page faults on a fresh
//!   64 MiB allocation.
//!
//! Benchmark ids are `<variant>/<chunk size>`; Sealkit runs at 16 KiB,
//! 64 KiB and 1 MiB chunks, age at its fixed 64 KiB.
//! - `sealkit_1core`: `FileEncryptor` (`write_all` + `finish`) inside a
//!   one-thread rayon pool, so the `parallel` feature cannot use a second core.
//! - `sealkit_2cores`: the same on the global rayon pool (both cores).
//! - `sealkit_in_memory_2cores`: `encrypt_in_memory` (all chunks at once) on
//!   the global pool.
//! - `sealkit_seekable` / `sealkit_stream`: `FileDecryptor` over a `Cursor`
//!   and `StreamDecryptor` over a slice, `read_to_end` (decryption is
//!   sequential: one core).
//! - `age`: `Encryptor::with_recipients` to one X25519 recipient,
//!   `wrap_output`, `write_all`, `finish`; `Decryptor::new` + `decrypt` with
//!   the identity + `read_to_end`. age seals on one core (ChaCha20-Poly1305).
//!
//! Sealkit uses the raw file key (no recipient stanza); age's one X25519
//! wrap and unwrap per file (~0.1 ms) is noise against 64 MiB. Each
//! iteration allocates its output buffer with its final capacity, for both
//! libraries alike.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::io::{Cursor, Read, Write};
use std::iter;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sealkit::file::{
    FileDecryptor, FileEncryptor, FileKey, FileOptions, StreamDecryptor, encrypt_in_memory,
    encrypt_in_memory_into,
};

/// Plaintext per iteration.
const LEN: usize = 64 * 1024 * 1024;
const CHUNK_SIZES: [(u32, &str); 3] = [
    (16 * 1024, "16KiB"),
    (64 * 1024, "64KiB"),
    (1024 * 1024, "1MiB"),
];

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn plaintext() -> Vec<u8> {
    let mut data = vec![0u8; LEN];
    rng(1).fill_bytes(&mut data);
    data
}

/// Room for the sealed file: header, plaintext and one tag per chunk.
fn sealed_capacity(chunk_size: u32) -> usize {
    LEN + (LEN / chunk_size as usize + 1) * sealkit::file::CHUNK_TAG_LEN + 1024
}

fn sealkit_encrypt(data: &[u8], key: &FileKey, chunk_size: u32, rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut encryptor = FileEncryptor::with_options(
        Vec::with_capacity(sealed_capacity(chunk_size)),
        key,
        FileOptions { chunk_size },
        rng,
    )
    .unwrap();
    encryptor.write_all(data).unwrap();
    encryptor.finish().unwrap()
}

fn age_encrypt(data: &[u8], recipient: &age::x25519::Recipient) -> Vec<u8> {
    let encryptor =
        age::Encryptor::with_recipients(iter::once::<&dyn age::Recipient>(recipient)).unwrap();
    let mut writer = encryptor
        .wrap_output(Vec::with_capacity(sealed_capacity(64 * 1024)))
        .unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap()
}

fn sealkit_encrypt_into(
    out: &mut Vec<u8>,
    data: &[u8],
    key: &FileKey,
    chunk_size: u32,
    rng: &mut ChaCha20Rng,
) {
    out.clear();
    let mut encryptor =
        FileEncryptor::with_options(out, key, FileOptions { chunk_size }, rng).unwrap();
    encryptor.write_all(data).unwrap();
    encryptor.finish().unwrap();
}

fn age_encrypt_into(out: &mut Vec<u8>, data: &[u8], recipient: &age::x25519::Recipient) {
    out.clear();
    let encryptor =
        age::Encryptor::with_recipients(iter::once::<&dyn age::Recipient>(recipient)).unwrap();
    let mut writer = encryptor.wrap_output(out).unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap();
}

fn age_decrypt(sealed: &[u8], identity: &age::x25519::Identity) -> Vec<u8> {
    let decryptor = age::Decryptor::new(sealed).unwrap();
    let mut reader = decryptor
        .decrypt(iter::once::<&dyn age::Identity>(identity))
        .unwrap();
    let mut out = Vec::with_capacity(LEN);
    reader.read_to_end(&mut out).unwrap();
    out
}

fn one_core() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
}

fn file_encrypt(c: &mut Criterion) {
    let data = plaintext();
    let key = FileKey::from_bytes([7; 32]);
    let pool = one_core();
    let mut r = rng(2);

    let mut group = c.benchmark_group("file_encrypt");
    group.throughput(Throughput::Bytes(LEN as u64));
    for (chunk_size, label) in CHUNK_SIZES {
        group.bench_function(BenchmarkId::new("sealkit_1core", label), |b| {
            pool.install(|| b.iter(|| sealkit_encrypt(black_box(&data), &key, chunk_size, &mut r)));
        });
        group.bench_function(BenchmarkId::new("sealkit_2cores", label), |b| {
            b.iter(|| sealkit_encrypt(black_box(&data), &key, chunk_size, &mut r));
        });
        group.bench_function(BenchmarkId::new("sealkit_in_memory_1core", label), |b| {
            pool.install(|| {
                b.iter(|| {
                    encrypt_in_memory(black_box(&data), &key, FileOptions { chunk_size }, &mut r)
                        .unwrap()
                })
            });
        });
        group.bench_function(BenchmarkId::new("sealkit_in_memory_2cores", label), |b| {
            b.iter(|| {
                encrypt_in_memory(black_box(&data), &key, FileOptions { chunk_size }, &mut r)
                    .unwrap()
            });
        });
    }

    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    group.bench_function(BenchmarkId::new("age", "64KiB"), |b| {
        b.iter(|| age_encrypt(black_box(&data), &recipient));
    });
    group.finish();
}

fn file_encrypt_reused_output(c: &mut Criterion) {
    let data = plaintext();
    let key = FileKey::from_bytes([7; 32]);
    let pool = one_core();
    let mut r = rng(4);
    let chunk_size = 64 * 1024;
    // Reused: its pages are mapped during warm-up, not in timed iterations.
    let mut out = vec![0u8; sealed_capacity(chunk_size)];

    let mut group = c.benchmark_group("file_encrypt_reused_output");
    group.throughput(Throughput::Bytes(LEN as u64));
    group.bench_function(BenchmarkId::new("sealkit_1core", "64KiB"), |b| {
        pool.install(|| {
            b.iter(|| sealkit_encrypt_into(&mut out, black_box(&data), &key, chunk_size, &mut r));
        });
    });
    group.bench_function(BenchmarkId::new("sealkit_2cores", "64KiB"), |b| {
        b.iter(|| sealkit_encrypt_into(&mut out, black_box(&data), &key, chunk_size, &mut r));
    });
    // `encrypt_in_memory_into`: all chunks at once into the reused buffer
    // (resized on the first call, in warm-up), on one core and on both.
    let mut in_memory = Vec::new();
    for (chunk_size, label) in CHUNK_SIZES {
        let options = FileOptions { chunk_size };
        group.bench_function(BenchmarkId::new("sealkit_in_memory_1core", label), |b| {
            pool.install(|| {
                b.iter(|| {
                    encrypt_in_memory_into(black_box(&data), &key, options, &mut r, &mut in_memory)
                        .unwrap();
                });
            });
        });
        group.bench_function(BenchmarkId::new("sealkit_in_memory_2cores", label), |b| {
            b.iter(|| {
                encrypt_in_memory_into(black_box(&data), &key, options, &mut r, &mut in_memory)
                    .unwrap();
            });
        });
    }
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    group.bench_function(BenchmarkId::new("age", "64KiB"), |b| {
        b.iter(|| age_encrypt_into(&mut out, black_box(&data), &recipient));
    });
    group.finish();
}

fn file_decrypt(c: &mut Criterion) {
    let data = plaintext();
    let key = FileKey::from_bytes([7; 32]);
    let mut r = rng(3);

    let mut group = c.benchmark_group("file_decrypt");
    group.throughput(Throughput::Bytes(LEN as u64));
    for (chunk_size, label) in CHUNK_SIZES {
        let sealed = sealkit_encrypt(&data, &key, chunk_size, &mut r);
        group.bench_function(BenchmarkId::new("sealkit_seekable", label), |b| {
            b.iter(|| {
                let mut reader = FileDecryptor::new(Cursor::new(black_box(&sealed)), &key).unwrap();
                let mut out = Vec::with_capacity(LEN);
                reader.read_to_end(&mut out).unwrap();
                out
            });
        });
        group.bench_function(BenchmarkId::new("sealkit_stream", label), |b| {
            b.iter(|| {
                let mut reader = StreamDecryptor::new(black_box(&sealed[..]), &key).unwrap();
                let mut out = Vec::with_capacity(LEN);
                reader.read_to_end(&mut out).unwrap();
                out
            });
        });
        let mut out = Vec::new();
        StreamDecryptor::new(&sealed[..], &key)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert!(out == data, "Sealkit round trip at {label}");
    }

    let identity = age::x25519::Identity::generate();
    let sealed = age_encrypt(&data, &identity.to_public());
    assert!(age_decrypt(&sealed, &identity) == data, "age round trip");
    group.bench_function(BenchmarkId::new("age", "64KiB"), |b| {
        b.iter(|| age_decrypt(black_box(&sealed), &identity));
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10)
}

criterion_group! {
    name = benches;
    config = config();
    targets = file_encrypt, file_encrypt_reused_output, file_decrypt
}
criterion_main!(benches);
