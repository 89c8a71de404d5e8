//! Published vectors for the HPKE suites that seal file keys in recipient
//! stanzas, run through the same `hpke` crate calls, and a test that pins the
//! stanza construction to exactly that suite.
//!
//! * RFC 9180 (`hpke/origrfc-5f503c5.json`, of which `vectors/` keeps the
//!   one vector of this suite): base mode, DHKEM(X25519,
//!   HKDF-SHA256) = 0x0020, HKDF-SHA256 = 1, AES-256-GCM = 2, the X25519
//!   stanza's suite. Key derivation, decapsulation, every encryption (open and
//!   seal, the sender's ephemeral key injected through the RNG) and exports.
//! * draft-ietf-hpke-pq (`hpke/pq-6433c8f.json`): X-Wing = 0x647a. The file
//!   holds X-Wing only with ChaCha20-Poly1305 (aead 3), not with AES-256-GCM,
//!   and core's `hpke` is built without its `chacha` feature, so the
//!   encryptions cannot be opened here. What the X-Wing stanza shares with
//!   those vectors is checked: key derivation, encapsulation (randomness
//!   injected) and decapsulation, and, for the HKDF-SHA256 vector, the whole
//!   key schedule through the exported secrets (an AEAD stand-in carrying id
//!   3, see [`ExportIdOfChaCha`]). The AES-256-GCM half of the stanza suite is
//!   covered by the RFC 9180 vector.
//! * X-Wing KEM known answers (`xwing/x-wing-crate-0.1.1_test-vectors.json`).
//!
//! Vectors are read from `vectors/` at the repository root (sources in
//! `vectors/README.md`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::convert::Infallible;
use std::io::Write;

use base64ct::{Base64UrlUnpadded, Encoding};
use hpke::aead::{Aead, AesGcm256};
use hpke::kdf::HkdfSha256;
use hpke::kem::{X25519HkdfSha256, XWing};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sealkit::file::{
    FileEncryptor, FileHeader, FileIdentity, FileKey, FileOptions, FilePayload, Recipient,
    StanzaKind,
};
use serde_json::Value;

#[path = "common/vectors.rs"]
mod vectors;
use vectors::{hex_field, read_json, u64_field};

/// The HPKE `info` of file-key stanzas (docs/format/file.md).
const STANZA_INFO: &[u8] = b"Sealkit file key v1";

type X25519Private = <X25519HkdfSha256 as Kem>::PrivateKey;
type X25519Public = <X25519HkdfSha256 as Kem>::PublicKey;
type X25519Enc = <X25519HkdfSha256 as Kem>::EncappedKey;
type XWingPrivate = <XWing as Kem>::PrivateKey;
type XWingPublic = <XWing as Kem>::PublicKey;
type XWingEnc = <XWing as Kem>::EncappedKey;

/// An RNG that hands out fixed bytes: injects the vector's ephemeral key
/// material (`ikmE`) into `encap_with_rng`, which draws exactly
/// `Npriv` bytes (DHKEM: DeriveKeyPair of them) or the 64 bytes of X-Wing
/// encapsulation randomness.
struct Replay {
    bytes: Vec<u8>,
    at: usize,
}

impl Replay {
    fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, at: 0 }
    }

    fn assert_used_up(&self) {
        assert_eq!(
            self.at,
            self.bytes.len(),
            "not all replayed bytes were drawn"
        );
    }
}

impl rand_core::TryRng for Replay {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let end = self.at + dst.len();
        assert!(end <= self.bytes.len(), "the replayed randomness ran out");
        dst.copy_from_slice(&self.bytes[self.at..end]);
        self.at = end;
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Replay {}

/// AES-256-GCM under ChaCha20-Poly1305's AEAD id (3). The pq vectors use
/// aead 3, which enters the key schedule only through the suite id; both
/// AEADs have 32-byte keys and 12-byte nonces, so with this stand-in the
/// key schedule, and so the exporter, is the vector's. Only `export` is used
/// with it (its `open` would run the wrong cipher).
struct ExportIdOfChaCha;

impl Aead for ExportIdOfChaCha {
    type AeadImpl = <AesGcm256 as Aead>::AeadImpl;
    const AEAD_ID: u16 = 0x0003;
}

fn check_exports<A: Aead, K: Kem>(
    exports: &[Value],
    receiver: &hpke::aead::AeadCtxR<A, HkdfSha256, K>,
    sender: &hpke::aead::AeadCtxS<A, HkdfSha256, K>,
    what: &str,
) {
    assert!(!exports.is_empty(), "{what}: no exports");
    for export in exports {
        let context = hex_field(export, "exporter_context");
        let expected = hex_field(export, "exported_value");
        let len = usize::try_from(u64_field(export, "L")).unwrap();
        let mut out = vec![0u8; len];
        receiver.export(&context, &mut out).unwrap();
        assert_eq!(out, expected, "{what}: receiver export");
        sender.export(&context, &mut out).unwrap();
        assert_eq!(out, expected, "{what}: sender export");
    }
}

/// X25519 scalar clamping (RFC 7748 section 5).
fn clamp(scalar: &[u8]) -> [u8; 32] {
    let mut out: [u8; 32] = scalar.try_into().unwrap();
    out[0] &= 248;
    out[31] &= 127;
    out[31] |= 64;
    out
}

#[test]
fn rfc9180_x25519_hkdf_sha256_aes256gcm_base_mode_vectors() {
    let vectors: Vec<Value> =
        read_json::<Vec<Value>>("hpke/origrfc-5f503c5-base-x25519-sha256-aes256gcm.json")
            .into_iter()
            .filter(|v| {
                u64_field(v, "mode") == 0
                    && u64_field(v, "kem_id") == u64::from(X25519HkdfSha256::KEM_ID)
                    && u64_field(v, "kdf_id") == 1
                    && u64_field(v, "aead_id") == u64::from(AesGcm256::AEAD_ID)
            })
            .collect();
    assert_eq!(
        vectors.len(),
        1,
        "RFC 9180 has one base-mode vector for this suite"
    );
    for v in &vectors {
        let info = hex_field(v, "info");
        // Key derivation.
        let (sk_r, pk_r) = X25519HkdfSha256::derive_keypair(&hex_field(v, "ikmR"));
        // SerializePrivateKey clamps (RFC 9180 section 7.1.2); the vectors
        // list the unclamped scalar.
        assert_eq!(sk_r.to_bytes()[..], clamp(&hex_field(v, "skRm"))[..], "skR");
        assert!(X25519Private::from_bytes(&hex_field(v, "skRm")).unwrap() == sk_r);
        assert_eq!(pk_r.to_bytes()[..], hex_field(v, "pkRm")[..], "pkR");
        let (sk_e, pk_e) = X25519HkdfSha256::derive_keypair(&hex_field(v, "ikmE"));
        assert_eq!(sk_e.to_bytes()[..], clamp(&hex_field(v, "skEm"))[..], "skE");
        assert_eq!(pk_e.to_bytes()[..], hex_field(v, "enc")[..], "pkE = enc");
        // Decapsulation.
        let enc = X25519Enc::from_bytes(&hex_field(v, "enc")).unwrap();
        let shared = X25519HkdfSha256::decap(&sk_r, None, &enc).unwrap();
        assert_eq!(shared.0[..], hex_field(v, "shared_secret")[..]);

        let encryptions = v["encryptions"].as_array().unwrap();
        assert!(!encryptions.is_empty());
        // Receiver: every encryption, in sequence.
        let mut receiver = hpke::setup_receiver::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &sk_r,
            &enc,
            &info,
        )
        .unwrap();
        for (seq, e) in encryptions.iter().enumerate() {
            let opened = receiver
                .open(&hex_field(e, "ct"), &hex_field(e, "aad"))
                .unwrap_or_else(|err| panic!("encryption {seq}: {err:?}"));
            assert_eq!(opened, hex_field(e, "pt"), "encryption {seq}");
        }
        // Single shot, as the stanza opens: the first encryption (sequence 0).
        let first = &encryptions[0];
        let opened = hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &sk_r,
            &enc,
            &info,
            &hex_field(first, "ct"),
            &hex_field(first, "aad"),
        )
        .unwrap();
        assert_eq!(opened, hex_field(first, "pt"));

        // Sender, with the vector's ephemeral key material injected.
        let mut rng = Replay::new(hex_field(v, "ikmE"));
        let (sent_enc, mut sender) = hpke::setup_sender_with_rng::<
            AesGcm256,
            HkdfSha256,
            X25519HkdfSha256,
        >(&OpModeS::Base, &pk_r, &info, &mut rng)
        .unwrap();
        rng.assert_used_up();
        assert_eq!(sent_enc.to_bytes()[..], hex_field(v, "enc")[..]);
        for (seq, e) in encryptions.iter().enumerate() {
            let sealed = sender
                .seal(&hex_field(e, "pt"), &hex_field(e, "aad"))
                .unwrap();
            assert_eq!(sealed, hex_field(e, "ct"), "seal {seq}");
        }
        let mut rng = Replay::new(hex_field(v, "ikmE"));
        let (sent_enc, ct) =
            hpke::single_shot_seal_with_rng::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
                &OpModeS::Base,
                &pk_r,
                &info,
                &hex_field(first, "pt"),
                &hex_field(first, "aad"),
                &mut rng,
            )
            .unwrap();
        assert_eq!(sent_enc.to_bytes()[..], hex_field(v, "enc")[..]);
        assert_eq!(ct, hex_field(first, "ct"));

        check_exports(
            v["exports"].as_array().unwrap(),
            &receiver,
            &sender,
            "RFC 9180",
        );

        // Our text forms carry exactly these keys.
        let identity = FileIdentity::from_secret_string(&format!(
            "SEALKIT1-X25519-SECRET-{}",
            Base64UrlUnpadded::encode_string(&hex_field(v, "skRm"))
        ))
        .unwrap();
        assert_eq!(
            identity.recipient().to_string(),
            format!(
                "sealkit1-x25519-{}",
                Base64UrlUnpadded::encode_string(&hex_field(v, "pkRm"))
            )
        );
    }
}

#[test]
fn draft_hpke_pq_xwing_vectors() {
    let vectors: Vec<Value> = read_json::<Vec<Value>>("hpke/pq-6433c8f.json")
        .into_iter()
        .filter(|v| u64_field(v, "kem_id") == u64::from(XWing::KEM_ID))
        .collect();
    assert!(!vectors.is_empty(), "no X-Wing vectors");
    // None with AES-256-GCM (the stanza's AEAD) in this file: if one
    // appears, this test should open its encryptions too.
    assert!(
        vectors
            .iter()
            .all(|v| u64_field(v, "aead_id") != u64::from(AesGcm256::AEAD_ID)),
        "an X-Wing / AES-256-GCM vector appeared: run its encryptions"
    );
    let mut key_schedules_checked = 0;
    for v in &vectors {
        assert_eq!(u64_field(v, "mode"), 0);
        let what = format!(
            "X-Wing kdf {} aead {}",
            u64_field(v, "kdf_id"),
            u64_field(v, "aead_id")
        );
        // Key derivation and the KEM are independent of the KDF and AEAD.
        let (sk_r, pk_r) = XWing::derive_keypair(&hex_field(v, "ikmR"));
        assert_eq!(sk_r.to_bytes()[..], hex_field(v, "skRm")[..], "{what}: skR");
        assert_eq!(pk_r.to_bytes()[..], hex_field(v, "pkRm")[..], "{what}: pkR");
        let enc = XWingEnc::from_bytes(&hex_field(v, "enc")).unwrap();
        let shared = XWing::decap(&sk_r, None, &enc).unwrap();
        assert_eq!(
            shared.0[..],
            hex_field(v, "shared_secret")[..],
            "{what}: decap"
        );
        let mut rng = Replay::new(hex_field(v, "ikmE"));
        let (shared, sent_enc) = XWing::encap_with_rng(&pk_r, None, &mut rng).unwrap();
        rng.assert_used_up();
        assert_eq!(
            sent_enc.to_bytes()[..],
            hex_field(v, "enc")[..],
            "{what}: encap"
        );
        assert_eq!(
            shared.0[..],
            hex_field(v, "shared_secret")[..],
            "{what}: encap ss"
        );

        // The stanza's KDF: the key schedule, seen through the exporter.
        if u64_field(v, "kdf_id") == 1 && u64_field(v, "aead_id") == 3 {
            let info = hex_field(v, "info");
            let receiver = hpke::setup_receiver::<ExportIdOfChaCha, HkdfSha256, XWing>(
                &OpModeR::Base,
                &sk_r,
                &enc,
                &info,
            )
            .unwrap();
            let mut rng = Replay::new(hex_field(v, "ikmE"));
            let (sent_enc, sender) = hpke::setup_sender_with_rng::<
                ExportIdOfChaCha,
                HkdfSha256,
                XWing,
            >(&OpModeS::Base, &pk_r, &info, &mut rng)
            .unwrap();
            assert_eq!(sent_enc.to_bytes()[..], hex_field(v, "enc")[..]);
            check_exports(v["exports"].as_array().unwrap(), &receiver, &sender, &what);
            key_schedules_checked += 1;
        }

        // Our text forms carry exactly these keys (the secret is the seed).
        let identity = FileIdentity::from_secret_string(&format!(
            "SEALKIT1-XWING-SECRET-{}",
            Base64UrlUnpadded::encode_string(&hex_field(v, "skRm"))
        ))
        .unwrap();
        let recipient = format!(
            "sealkit1-xwing-{}",
            Base64UrlUnpadded::encode_string(&hex_field(v, "pkRm"))
        );
        assert_eq!(identity.recipient().to_string(), recipient);
        assert_eq!(
            recipient.parse::<Recipient>().unwrap().to_string(),
            recipient
        );
    }
    assert_eq!(key_schedules_checked, 1, "the X-Wing / HKDF-SHA256 vector");
}

#[test]
fn xwing_kem_known_answers() {
    let vectors: Vec<Value> = read_json("xwing/x-wing-crate-0.1.1_test-vectors.json");
    assert!(!vectors.is_empty());
    for (n, v) in vectors.iter().enumerate() {
        let sk = XWingPrivate::from_bytes(&hex_field(v, "sk")).unwrap();
        assert_eq!(
            hex_field(v, "sk"),
            hex_field(v, "seed"),
            "{n}: sk is the seed"
        );
        let pk = XWing::sk_to_pk(&sk);
        assert_eq!(pk.to_bytes()[..], hex_field(v, "pk")[..], "{n}: pk");
        assert!(XWingPublic::from_bytes(&hex_field(v, "pk")).is_ok());
        let ct = XWingEnc::from_bytes(&hex_field(v, "ct")).unwrap();
        let shared = XWing::decap(&sk, None, &ct).unwrap();
        assert_eq!(shared.0[..], hex_field(v, "ss")[..], "{n}: decap");
        let mut rng = Replay::new(hex_field(v, "eseed"));
        let (shared, sent) = XWing::encap_with_rng(&pk, None, &mut rng).unwrap();
        rng.assert_used_up();
        assert_eq!(sent.to_bytes()[..], hex_field(v, "ct")[..], "{n}: encap ct");
        assert_eq!(shared.0[..], hex_field(v, "ss")[..], "{n}: encap ss");
    }
}

/// The secret bytes behind an identity's text form.
fn secret_bytes(identity: &FileIdentity, prefix: &str) -> Vec<u8> {
    let text = identity.to_secret_string();
    let encoded = text.strip_prefix(prefix).unwrap();
    Base64UrlUnpadded::decode_vec(encoded).unwrap()
}

/// The documented stanza construction, checked from the outside with plain
/// `hpke` calls: HPKE base mode, single shot, `info` = "Sealkit file key v1",
/// `aad` = stanza kind || salt, sealing the 32-byte file key.
#[test]
fn stanzas_are_hpke_base_mode_with_the_documented_suite_info_and_aad() {
    let mut rng = ChaCha20Rng::from_seed([40; 32]);
    let x25519 = FileIdentity::generate_x25519(&mut rng);
    let xwing = FileIdentity::generate_xwing(&mut rng);
    let plaintext = b"pinned stanza construction".to_vec();
    let (mut encryptor, key) = FileEncryptor::to_recipients(
        Vec::new(),
        &[x25519.recipient(), xwing.recipient()],
        FileOptions::default(),
        &mut rng,
    )
    .unwrap();
    encryptor.write_all(&plaintext).unwrap();
    let sealed = encryptor.finish().unwrap();
    let (header, header_len) = FileHeader::decode(&sealed).unwrap();
    assert_eq!(header.stanzas.len(), 2);

    // X25519 stanza.
    let stanza = &header.stanzas[0];
    assert_eq!(stanza.kind, StanzaKind::X25519);
    assert_eq!(stanza.kind as u8, 1);
    let sk = X25519Private::from_bytes(&secret_bytes(&x25519, "SEALKIT1-X25519-SECRET-")).unwrap();
    assert_eq!(
        format!(
            "sealkit1-x25519-{}",
            Base64UrlUnpadded::encode_string(&X25519HkdfSha256::sk_to_pk(&sk).to_bytes())
        ),
        x25519.recipient().to_string()
    );
    let enc = X25519Enc::from_bytes(&stanza.encapsulated_key).unwrap();
    let mut aad = vec![1u8];
    aad.extend_from_slice(&header.salt);
    let opened = hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &sk,
        &enc,
        STANZA_INFO,
        &stanza.wrapped_key,
        &aad,
    )
    .unwrap();
    let opened: [u8; 32] = opened.try_into().unwrap();
    assert_eq!(opened, *key.to_bytes());
    let payload = FilePayload::new(&header, &FileKey::from_bytes(opened)).unwrap();
    assert_eq!(payload.header_len(), header_len as u64);
    assert_eq!(
        payload.open_chunk(0, true, &sealed[header_len..]).unwrap(),
        plaintext
    );
    // Any other info, aad or kind byte does not open it.
    for (info, aad) in [
        (&b"Sealkit file key v2"[..], aad.clone()),
        (STANZA_INFO, [&[2u8][..], &header.salt].concat()),
        (STANZA_INFO, header.salt.to_vec()),
        (STANZA_INFO, [&[1u8][..], &[0u8; 32]].concat()),
    ] {
        assert!(
            hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
                &OpModeR::Base,
                &sk,
                &enc,
                info,
                &stanza.wrapped_key,
                &aad,
            )
            .is_err()
        );
    }
    // The X25519 public key type of the recipient is the hpke one.
    assert!(X25519Public::from_bytes(&X25519HkdfSha256::sk_to_pk(&sk).to_bytes()).is_ok());

    // X-Wing stanza: same construction, kind 2.
    let stanza = &header.stanzas[1];
    assert_eq!(stanza.kind, StanzaKind::XWing);
    assert_eq!(stanza.kind as u8, 2);
    let sk = XWingPrivate::from_bytes(&secret_bytes(&xwing, "SEALKIT1-XWING-SECRET-")).unwrap();
    let enc = XWingEnc::from_bytes(&stanza.encapsulated_key).unwrap();
    let mut aad = vec![2u8];
    aad.extend_from_slice(&header.salt);
    let opened = hpke::single_shot_open::<AesGcm256, HkdfSha256, XWing>(
        &OpModeR::Base,
        &sk,
        &enc,
        STANZA_INFO,
        &stanza.wrapped_key,
        &aad,
    )
    .unwrap();
    let opened: [u8; 32] = opened.try_into().unwrap();
    assert_eq!(opened, *key.to_bytes());
    assert!(FilePayload::new(&header, &FileKey::from_bytes(opened)).is_ok());
    aad[0] = 1;
    assert!(
        hpke::single_shot_open::<AesGcm256, HkdfSha256, XWing>(
            &OpModeR::Base,
            &sk,
            &enc,
            STANZA_INFO,
            &stanza.wrapped_key,
            &aad,
        )
        .is_err()
    );
}

/// The other direction: a whole file built from `docs/format/file.md` with
/// independent primitives (plain `hpke` for the stanza, `hkdf` + `hmac` for
/// the header MAC, `aes-gcm` for the STREAM chunks) opens with a
/// `FileIdentity` in both decryptors, so an implementation following the
/// documentation interoperates.
#[test]
fn a_file_built_from_the_documentation_opens_with_file_identity() {
    use aes_gcm::aead::{Aead as _, KeyInit as _};
    use hmac::Mac as _;

    let mut rng = ChaCha20Rng::from_seed([41; 32]);
    let identity = FileIdentity::generate_x25519(&mut rng);
    let sk =
        X25519Private::from_bytes(&secret_bytes(&identity, "SEALKIT1-X25519-SECRET-")).unwrap();
    let pk = X25519HkdfSha256::sk_to_pk(&sk);
    let file_key = [0x33u8; 32];
    let salt = [0x44u8; 32];
    let chunk_size = 1024u32;
    let plaintext: Vec<u8> = (0..2500u32).map(|i| (i % 253) as u8).collect();

    let mut aad = vec![1u8];
    aad.extend_from_slice(&salt);
    let (enc, wrapped) =
        hpke::single_shot_seal_with_rng::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
            &OpModeS::Base,
            &pk,
            STANZA_INFO,
            &file_key,
            &aad,
            &mut rng,
        )
        .unwrap();
    let hkdf = |info: &[u8]| {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), &file_key)
            .expand(info, &mut out)
            .unwrap();
        out
    };
    // Header: magic, version, chunk size, salt, count, stanza, MAC.
    let mut file = b"SEALKIT".to_vec();
    file.push(1);
    file.extend_from_slice(&chunk_size.to_be_bytes());
    file.extend_from_slice(&salt);
    file.extend_from_slice(&1u16.to_be_bytes());
    file.push(1);
    file.extend_from_slice(&32u16.to_be_bytes());
    file.extend_from_slice(&enc.to_bytes());
    file.extend_from_slice(&48u16.to_be_bytes());
    file.extend_from_slice(&wrapped);
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(&hkdf(b"Sealkit file header v1")).unwrap();
    mac.update(&file);
    file.extend_from_slice(&mac.finalize().into_bytes());
    // Body: STREAM over AES-256-GCM, nonce = 11-byte counter || last flag.
    let payload_key = hkdf(b"Sealkit file payload v1");
    let cipher = aes_gcm::Aes256Gcm::new(&payload_key.into());
    let pieces: Vec<&[u8]> = plaintext.chunks(chunk_size as usize).collect();
    for (index, piece) in pieces.iter().enumerate() {
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&(index as u64).to_be_bytes());
        nonce[11] = u8::from(index + 1 == pieces.len());
        let sealed = cipher
            .encrypt(&aes_gcm::Nonce::from(nonce), &piece[..])
            .unwrap();
        file.extend_from_slice(&sealed);
    }

    let (header, _) = FileHeader::decode(&file).unwrap();
    assert!(FilePayload::new(&header, &FileKey::from_bytes(file_key)).is_ok());
    let mut out = Vec::new();
    std::io::Read::read_to_end(
        &mut sealkit::file::FileDecryptor::with_identity(std::io::Cursor::new(&file), &identity)
            .unwrap(),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, plaintext);
    let mut out = Vec::new();
    std::io::Read::read_to_end(
        &mut sealkit::file::StreamDecryptor::with_identity(&file[..], &identity).unwrap(),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, plaintext);
}
