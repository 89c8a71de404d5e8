//! SFrame media encryption: Sealkit's `media::MediaContext` beside the
//! `sframe` crate used directly, measured in the same run.
//!
//! Groups (run one at a time with a filter, e.g. `-- media_encrypt`):
//! - `media_encrypt`: one 1,200-byte frame sealed per iteration.
//! - `media_decrypt`: one sealed 1,200-byte frame opened per iteration.
//!
//! Variants:
//! - `sealkit`: `MediaContext::encrypt_frame(frame, b"")` returning a new
//!   `Vec` (version, length, SFrame ciphertext); `MediaContext::decrypt_frame`
//!   returning a `MediaFrame` (new `Vec`), with the Key ID check, epoch lookup,
//!   key lookup and the replay window.
//! - `sealkit_stored_floors` (decrypt only): the receiving context built by
//!   `Client::group_media` on an encrypted SQLite store, so with its replay
//!   memory: a store commit (the floor raised) once per `REPLAY_FLOOR_STEP`
//!   (128) frames of the sender, spread over the frames. One receiver for
//!   all batches (a receiver built again refuses the frames below the floor
//!   its predecessor reserved).
//! - `sframe_crate`: the same crate and backend (`ring` on native) as a
//!   caller would use it directly: `MediaFrameView::try_new` +
//!   `encrypt_into` one reused buffer; `EncryptedFrameView::try_new` +
//!   `validated_decrypt_into` a reused buffer with one `DecryptionKey` and a
//!   `ReplayAttackProtectionStore` (so both check replays).
//!
//! Both use AES_128_GCM_SHA256_128 (the default suite) and the same Key ID
//! layout. Decryption needs a fresh counter each iteration (a repeated frame
//! is a replay), so `iter_custom` seals batches of 10,000 frames untimed,
//! opens one frame of the batch untimed (so the receiving key is derived),
//! and times opening the rest. Throughput is in elements: frames per second
//! on one core.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sealkit::Client;
use sealkit::media::{EpochSecret, MediaConfig, MediaContext};
use sealkit::store::SqliteStore;
use sframe::CipherSuite;
use sframe::frame::validation::{ReplayAttackProtectionStore, Tolerance};
use sframe::frame::{EncryptedFrameView, MediaFrameView, MonotonicCounter};
use sframe::key::{DecryptionKey, EncryptionKey};

/// A video frame's worth: one full RTP payload.
const FRAME_LEN: usize = 1_200;
/// Frames sealed ahead of one timed decryption batch.
const BATCH: u64 = 10_000;
const EPOCH: u64 = 42;
const SENDER: u32 = 3;
/// `(SENDER << 8) | (EPOCH mod 256)`: the default profile's Key ID.
const KEY_ID: u64 = ((SENDER as u64) << 8) | EPOCH;
const BASE_KEY: [u8; 16] = [0x5e; 16];

fn frame() -> Vec<u8> {
    (0..FRAME_LEN).map(|i| (i * 7 % 251) as u8).collect()
}

fn context(own_index: u32) -> MediaContext {
    MediaContext::new(
        EpochSecret::new(EPOCH, own_index, BASE_KEY.to_vec()),
        MediaConfig::default(),
    )
    .unwrap()
}

fn crate_keys() -> (EncryptionKey, DecryptionKey) {
    let suite = CipherSuite::AesGcm128Sha256;
    (
        EncryptionKey::derive_from(suite, KEY_ID, BASE_KEY).unwrap(),
        DecryptionKey::derive_from(suite, KEY_ID, BASE_KEY).unwrap(),
    )
}

fn encrypt(c: &mut Criterion) {
    let frame = frame();
    let mut group = c.benchmark_group("media_encrypt");
    group.throughput(Throughput::Elements(1));

    let mut sender = context(SENDER);
    group.bench_function("sealkit", |b| {
        b.iter(|| black_box(sender.encrypt_frame(black_box(&frame), b"").unwrap()));
    });

    let (key, _) = crate_keys();
    let mut counter = MonotonicCounter::default();
    let mut buffer = Vec::new();
    group.bench_function("sframe_crate", |b| {
        b.iter(|| {
            let media = MediaFrameView::try_new(&mut counter, black_box(&frame)).unwrap();
            let sealed = media.encrypt_into(&key, &mut buffer).unwrap();
            black_box(sealed.sframe_cipher_text().len());
        });
    });
    group.finish();
}

/// Times `open` over `iters` frames, sealed `BATCH` at a time by `seal`
/// (untimed), each batch opened by a fresh receiver from `receiver`, which
/// first opens one more frame untimed.
fn timed_batches<R>(
    iters: u64,
    mut seal: impl FnMut() -> Vec<u8>,
    mut receiver: impl FnMut() -> R,
    mut open: impl FnMut(&mut R, &[u8]),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut remaining = iters;
    while remaining > 0 {
        let n = remaining.min(BATCH);
        let mut receiving = receiver();
        open(&mut receiving, &seal());
        let frames: Vec<Vec<u8>> = (0..n).map(|_| seal()).collect();
        let start = Instant::now();
        for sealed in &frames {
            open(&mut receiving, sealed);
        }
        total += start.elapsed();
        remaining -= n;
    }
    total
}

fn decrypt(c: &mut Criterion) {
    let frame = frame();
    let mut group = c.benchmark_group("media_decrypt");
    group.throughput(Throughput::Elements(1));

    let mut sender = context(SENDER);
    group.bench_function("sealkit", |b| {
        b.iter_custom(|iters| {
            timed_batches(
                iters,
                || sender.encrypt_frame(&frame, b"").unwrap(),
                || context(SENDER + 1),
                |receiver, sealed| {
                    black_box(receiver.decrypt_frame(black_box(sealed)).unwrap());
                },
            )
        });
    });

    // Alice speaks, Bob (on SQLite) hears, in a two-member group.
    let dir = tempfile::tempdir().unwrap();
    let alice = Client::open(sealkit::store::MemoryStore::new(), "alice", "phone").unwrap();
    let store = SqliteStore::open(dir.path().join("bob.sqlite"), &[7; 32]).unwrap();
    let bob = Client::open(store, "bob", "laptop").unwrap();
    alice.create_group("call").unwrap();
    let commit = alice
        .add_group_members("call", &bob.key_packages(1).unwrap())
        .unwrap();
    alice.confirm_group_commit("call").unwrap();
    bob.join_group(commit.welcome.as_deref().unwrap()).unwrap();
    let mut speaking = alice.group_media("call", MediaConfig::default()).unwrap();
    let mut hearing = bob.group_media("call", MediaConfig::default()).unwrap();
    hearing
        .decrypt_frame(&speaking.encrypt_frame(&frame, b"").unwrap())
        .unwrap();
    group.bench_function("sealkit_stored_floors", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut remaining = iters;
            while remaining > 0 {
                let n = remaining.min(BATCH);
                let frames: Vec<Vec<u8>> = (0..n)
                    .map(|_| speaking.encrypt_frame(&frame, b"").unwrap())
                    .collect();
                let start = Instant::now();
                for sealed in &frames {
                    black_box(hearing.decrypt_frame(black_box(sealed)).unwrap());
                }
                total += start.elapsed();
                remaining -= n;
            }
            total
        });
    });

    let (encryption_key, decryption_key) = crate_keys();
    let mut counter = MonotonicCounter::default();
    let mut output = Vec::new();
    group.bench_function("sframe_crate", |b| {
        b.iter_custom(|iters| {
            timed_batches(
                iters,
                || {
                    let mut sealed = Vec::new();
                    MediaFrameView::try_new(&mut counter, &frame)
                        .unwrap()
                        .encrypt_into(&encryption_key, &mut sealed)
                        .unwrap();
                    sealed
                },
                || ReplayAttackProtectionStore::new(Tolerance::new(128)),
                |replay, sealed| {
                    let received = EncryptedFrameView::try_new(black_box(sealed)).unwrap();
                    let opened = received
                        .validated_decrypt_into(&decryption_key, &mut output, replay)
                        .unwrap();
                    black_box(opened.payload().len());
                },
            )
        });
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

criterion_group! {
    name = media;
    config = config();
    targets = encrypt, decrypt
}
criterion_main!(media);
