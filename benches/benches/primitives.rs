//! The primitives Sealkit chose between, side by side in one run (ADR 0008
//! for sessions, ADR 0004 for file chunks):
//!
//! - `x25519`: one Diffie-Hellman (`dh`) and one public key from a secret
//!   (`public`), x25519-dalek against aws-lc-rs (`aws_lc_load_and_dh`
//!   includes building the aws-lc key from its 32 bytes, as Sealkit does
//!   once per key).
//! - `mlkem768`: key pair from the 64-byte seed, encapsulation (with parsing
//!   and checking the 1,184-byte key), decapsulation, RustCrypto `ml-kem`
//!   against `libcrux-ml-kem`.
//! - `ed25519_verify`: a 1,250-byte message (a signed ML-KEM prekey's size),
//!   ed25519-dalek `verify_strict` against aws-lc-rs.
//! - `aes256gcm_64k`: sealing one 64 KiB chunk in place (a file chunk),
//!   RustCrypto `aes-gcm`, `ring` and aws-lc-rs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn x25519(c: &mut Criterion) {
    use aws_lc_rs::agreement::{PrivateKey, UnparsedPublicKey, X25519, agree};
    use x25519_dalek::{PublicKey, StaticSecret};

    let mut r = rng(1);
    let mut ours = [0u8; 32];
    let mut theirs = [0u8; 32];
    r.fill_bytes(&mut ours);
    r.fill_bytes(&mut theirs);
    let their_public = PublicKey::from(&StaticSecret::from(theirs)).to_bytes();
    let dalek = StaticSecret::from(ours);
    let aws = PrivateKey::from_private_key(&X25519, &ours).unwrap();

    let mut group = c.benchmark_group("x25519");
    group.bench_function("dalek_dh", |b| {
        b.iter(|| dalek.diffie_hellman(&PublicKey::from(black_box(their_public))))
    });
    group.bench_function("aws_lc_dh", |b| {
        b.iter(|| {
            agree(
                &aws,
                UnparsedPublicKey::new(&X25519, black_box(&their_public)),
                (),
                |shared| Ok::<_, ()>(shared.len()),
            )
            .unwrap()
        })
    });
    group.bench_function("aws_lc_load_and_dh", |b| {
        b.iter(|| {
            let key = PrivateKey::from_private_key(&X25519, black_box(&ours)).unwrap();
            agree(
                &key,
                UnparsedPublicKey::new(&X25519, &their_public),
                (),
                |shared| Ok::<_, ()>(shared.len()),
            )
            .unwrap()
        })
    });
    group.bench_function("dalek_public", |b| {
        b.iter(|| PublicKey::from(&StaticSecret::from(black_box(ours))))
    });
    group.bench_function("aws_lc_public", |b| {
        b.iter(|| {
            PrivateKey::from_private_key(&X25519, black_box(&ours))
                .unwrap()
                .compute_public_key()
                .unwrap()
        })
    });
    group.finish();
}

fn mlkem768(c: &mut Criterion) {
    use libcrux_ml_kem::mlkem768 as libcrux;
    use ml_kem::{Decapsulate, DecapsulationKey, EncapsulationKey, KeyExport, MlKem768, Seed};

    let mut r = rng(2);
    let mut seed = [0u8; 64];
    let mut m = [0u8; 32];
    r.fill_bytes(&mut seed);
    r.fill_bytes(&mut m);
    let rust_crypto = DecapsulationKey::<MlKem768>::from_seed(Seed::from(seed));
    let ek_bytes = rust_crypto.encapsulation_key().to_bytes().to_vec();
    let cryspen = libcrux::generate_key_pair(seed);
    assert_eq!(cryspen.pk().as_slice(), ek_bytes.as_slice());
    let (ciphertext, _) = libcrux::encapsulate(cryspen.public_key(), m);

    let mut group = c.benchmark_group("mlkem768");
    group.bench_function("rustcrypto_keygen_from_seed", |b| {
        b.iter(|| DecapsulationKey::<MlKem768>::from_seed(Seed::from(black_box(seed))))
    });
    group.bench_function("libcrux_keygen_from_seed", |b| {
        b.iter(|| libcrux::generate_key_pair(black_box(seed)))
    });
    group.bench_function("rustcrypto_encapsulate", |b| {
        b.iter(|| {
            let key = ml_kem::kem::Key::<EncapsulationKey<MlKem768>>::try_from(black_box(
                ek_bytes.as_slice(),
            ))
            .unwrap();
            EncapsulationKey::<MlKem768>::new(&key)
                .unwrap()
                .encapsulate_deterministic(&m.into())
        })
    });
    group.bench_function("libcrux_encapsulate", |b| {
        b.iter(|| {
            let key = libcrux::MlKem768PublicKey::try_from(black_box(ek_bytes.as_slice())).unwrap();
            assert!(libcrux::validate_public_key(&key));
            libcrux::encapsulate(&key, m)
        })
    });
    group.bench_function("rustcrypto_decapsulate", |b| {
        b.iter(|| {
            rust_crypto
                .decapsulate_slice(black_box(ciphertext.as_slice()))
                .unwrap()
        })
    });
    group.bench_function("libcrux_decapsulate", |b| {
        b.iter(|| libcrux::decapsulate(cryspen.private_key(), black_box(&ciphertext)))
    });
    group.finish();
}

fn ed25519_verify(c: &mut Criterion) {
    use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
    use ed25519_dalek::{Signer, SigningKey};

    let key = SigningKey::from_bytes(&[3; 32]);
    let message = [0x5A; 1250];
    let signature = key.sign(&message);
    let public = key.verifying_key();
    let public_bytes = public.to_bytes();

    let mut group = c.benchmark_group("ed25519_verify");
    group.bench_function("dalek_verify_strict", |b| {
        b.iter(|| {
            public
                .verify_strict(black_box(&message), &signature)
                .unwrap()
        })
    });
    group.bench_function("aws_lc_verify", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&ED25519, &public_bytes)
                .verify(black_box(&message), &signature.to_bytes())
                .unwrap()
        })
    });
    group.finish();
}

fn aes256gcm_64k(c: &mut Criterion) {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    const LEN: usize = 64 * 1024;
    let key = [7u8; 32];
    let nonce = [1u8; 12];
    let rust_crypto = aes_gcm::Aes256Gcm::new(&key.into());
    let ring_key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &key).unwrap(),
    );
    let aws_key = aws_lc_rs::aead::LessSafeKey::new(
        aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &key).unwrap(),
    );
    let mut buffer = vec![0x42u8; LEN];

    let mut group = c.benchmark_group("aes256gcm_64k");
    group.throughput(Throughput::Bytes(LEN as u64));
    group.bench_function("rustcrypto", |b| {
        b.iter(|| {
            rust_crypto
                .encrypt_inout_detached(&nonce.into(), &[], buffer.as_mut_slice().into())
                .unwrap()
        })
    });
    group.bench_function("ring", |b| {
        b.iter(|| {
            ring_key
                .seal_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(nonce),
                    ring::aead::Aad::empty(),
                    black_box(buffer.as_mut_slice()),
                )
                .unwrap()
        })
    });
    group.bench_function("aws_lc", |b| {
        b.iter(|| {
            aws_key
                .seal_in_place_separate_tag(
                    aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                    aws_lc_rs::aead::Aad::empty(),
                    black_box(buffer.as_mut_slice()),
                )
                .unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = x25519, mlkem768, ed25519_verify, aes256gcm_64k
}
criterion_main!(benches);
