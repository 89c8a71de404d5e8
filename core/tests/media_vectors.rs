//! RFC 9605 Appendix C vectors through the media layer and through the
//! `sframe` crate calls it makes.
//!
//! * Header encoding (`header`, 289 KID/CTR pairs): `SframeHeader`, which
//!   writes and parses every SFrame header the layer sends and receives,
//!   encodes each pair to the vector's bytes and parses them back; pairs
//!   whose KID fits the default Key ID layout (E = 8, S = 16) split into
//!   epoch bits and leaf index and rebuild with `MlsKeyId`.
//! * SFrame encryption (`sframe`), the AES-GCM suites 0x0004 and 0x0005 we
//!   offer: key and salt derived from the base key with the KID
//!   (`derive_from_mls`, fed the vector's base key as the MLS export, as the
//!   layer does), then encryption of the plaintext with the metadata at the
//!   vector's CTR, and decryption. For 0x0004, whose 16-byte base key is
//!   exactly our export length, the whole vector also runs through
//!   `MediaContext`: KID 0x123 is epoch bits 0x23 and leaf index 1 in the
//!   default layout, the metadata is the clear header, and the sender reaches
//!   CTR 0x4567 by sealing that many frames first. (Suite 0x0005's vector
//!   also uses a 16-byte base key where our MLS export is AEAD.Nk = 32 bytes,
//!   so it runs at the crate level only.)
//! * Not applicable: the AES-CTR-HMAC suites 0x0001-0x0003 (and 0x0006-0x0008
//!   of the working-group file): our profile does not offer them and the
//!   native `ring` backend has no AES-CTR. They are counted, not run.
//!
//! Files: `sframe/cisco-sframe_test-vectors.json`,
//! `sframe/sframe-wg_test-vectors.json`, `sframe/sframe-wg_test-vectors-aes256.json`
//! and the Markdown of the RFC appendix, `sframe/rfc9605-appendix-md/*.md`
//! (parsed here; checked to hold the same vectors as the JSON). Read from
//! `vectors/` at the repository root (sources in `vectors/README.md`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use sealkit::media::{
    EXPORTER_LABEL, EpochSecret, MEDIA_FRAME_VERSION, MediaCipherSuite, MediaConfig, MediaContext,
};
use serde_json::Value;
use sframe::CipherSuite;
use sframe::frame::{EncryptedFrameView, MediaFrameView, MonotonicCounter};
use sframe::header::{Counter, KeyId, SframeHeader};
use sframe::key::{DecryptionKey, EncryptionKey};
use sframe::mls::{MlsExporter, MlsKeyId, MlsKeyIdBitRange};

#[path = "common/vectors.rs"]
mod vectors;
use vectors::{hex_field, read_json, u64_field, vector_path};

/// An SFrame vector file of `vectors/sframe/`.
fn json(name: &str) -> Value {
    read_json(&format!("sframe/{name}"))
}

/// One `~~~ test-vectors` block of the RFC appendix Markdown: field name to
/// value, continuation lines joined.
type MarkdownVector = BTreeMap<String, String>;

fn markdown(name: &str) -> Vec<MarkdownVector> {
    let text = std::fs::read_to_string(vector_path(&format!("sframe/rfc9605-appendix-md/{name}")))
        .unwrap();
    let mut vectors = Vec::new();
    let mut current: Option<MarkdownVector> = None;
    let mut last_key = String::new();
    for line in text.lines() {
        if line.starts_with("~~~ test-vectors") {
            current = Some(BTreeMap::new());
        } else if line.starts_with("~~~") {
            vectors.extend(current.take());
        } else if let Some(vector) = current.as_mut() {
            if let Some((key, value)) = line.split_once(':') {
                last_key = key.trim().to_owned();
                vector.insert(last_key.clone(), value.trim().to_owned());
            } else if !line.trim().is_empty() {
                vector.get_mut(&last_key).unwrap().push_str(line.trim());
            }
        }
    }
    vectors
}

fn markdown_u64(vector: &MarkdownVector, key: &str) -> u64 {
    let value = &vector[key];
    u64::from_str_radix(value.trim_start_matches("0x"), 16).unwrap()
}

/// A header vector, from either source.
#[derive(Debug, PartialEq, Eq)]
struct HeaderVector {
    key_id: KeyId,
    counter: Counter,
    encoded: Vec<u8>,
}

/// An SFrame encryption vector, from either source.
#[derive(Debug, PartialEq, Eq)]
struct SframeVector {
    cipher_suite: u16,
    key_id: KeyId,
    counter: Counter,
    base_key: Vec<u8>,
    metadata: Vec<u8>,
    plaintext: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn json_headers(file: &Value) -> Vec<HeaderVector> {
    file["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| HeaderVector {
            key_id: u64_field(v, "kid"),
            counter: u64_field(v, "ctr"),
            encoded: hex_field(v, "encoded"),
        })
        .collect()
}

fn json_sframes(vectors: &Value) -> Vec<SframeVector> {
    vectors
        .as_array()
        .unwrap()
        .iter()
        .map(|v| SframeVector {
            cipher_suite: u16::try_from(u64_field(v, "cipher_suite")).unwrap(),
            key_id: u64_field(v, "kid"),
            counter: u64_field(v, "ctr"),
            base_key: hex_field(v, "base_key"),
            metadata: hex_field(v, "metadata"),
            plaintext: hex_field(v, "pt"),
            ciphertext: hex_field(v, "ct"),
        })
        .collect()
}

fn markdown_headers() -> Vec<HeaderVector> {
    markdown("header.md")
        .iter()
        .map(|v| HeaderVector {
            key_id: markdown_u64(v, "kid"),
            counter: markdown_u64(v, "ctr"),
            encoded: hex::decode(&v["header"]).unwrap(),
        })
        .collect()
}

fn markdown_sframes() -> Vec<SframeVector> {
    markdown("sframe.md")
        .iter()
        .map(|v| SframeVector {
            cipher_suite: u16::try_from(markdown_u64(v, "cipher_suite")).unwrap(),
            key_id: markdown_u64(v, "kid"),
            counter: markdown_u64(v, "ctr"),
            base_key: hex::decode(&v["base_key"]).unwrap(),
            metadata: hex::decode(&v["metadata"]).unwrap(),
            plaintext: hex::decode(&v["pt"]).unwrap(),
            ciphertext: hex::decode(&v["ct"]).unwrap(),
        })
        .collect()
}

/// Our suite for an IANA id, if we offer it.
fn our_suite(id: u16) -> Option<MediaCipherSuite> {
    [
        MediaCipherSuite::Aes128GcmSha256,
        MediaCipherSuite::Aes256GcmSha512,
    ]
    .into_iter()
    .find(|suite| suite.id() == id)
}

fn crate_suite(suite: MediaCipherSuite) -> CipherSuite {
    match suite {
        MediaCipherSuite::Aes128GcmSha256 => CipherSuite::AesGcm128Sha256,
        MediaCipherSuite::Aes256GcmSha512 => CipherSuite::AesGcm256Sha512,
    }
}

/// The vector's base key handed over as the MLS export, as the media layer
/// hands over the exported epoch secret.
struct VectorExport<'a>(&'a [u8]);

#[derive(Debug, thiserror::Error)]
#[error("unexpected export")]
struct UnexpectedExport;

impl<'a> MlsExporter for VectorExport<'a> {
    type BaseKey = &'a [u8];
    type Error = UnexpectedExport;

    fn export_secret(
        &self,
        label: &str,
        context: &[u8],
        _key_length: usize,
    ) -> Result<&'a [u8], UnexpectedExport> {
        if label == EXPORTER_LABEL && context.is_empty() {
            Ok(self.0)
        } else {
            Err(UnexpectedExport)
        }
    }
}

/// The default profile's Key ID layout.
fn default_bit_range() -> MlsKeyIdBitRange {
    let config = MediaConfig::default();
    MlsKeyIdBitRange::new(config.epoch_bits, config.sender_index_bits)
}

fn check_header(vector: &HeaderVector) {
    let header = SframeHeader::new(vector.key_id, vector.counter);
    assert_eq!(Vec::from(&header), vector.encoded, "encode {vector:?}");
    let parsed = SframeHeader::deserialize(&vector.encoded).unwrap();
    assert_eq!(
        (parsed.key_id(), parsed.counter(), parsed.len()),
        (vector.key_id, vector.counter, vector.encoded.len()),
        "parse {vector:?}"
    );
    // Every truncation of the header is refused, never misread.
    for len in 0..vector.encoded.len() {
        assert!(SframeHeader::deserialize(&vector.encoded[..len]).is_err());
    }
    if vector.key_id < 1 << 24 {
        let split = MlsKeyId::from_key_id(vector.key_id, default_bit_range());
        assert_eq!(split.context_id(), 0);
        assert_eq!(split.epoch_lsb(), vector.key_id & 0xff);
        assert_eq!(split.member_index(), vector.key_id >> 8);
        let rebuilt = MlsKeyId::try_new(
            0u64,
            split.epoch_lsb(),
            split.member_index(),
            default_bit_range(),
        )
        .unwrap();
        assert_eq!(KeyId::from(rebuilt), vector.key_id);
    }
}

/// Encrypts and decrypts the vector with the `sframe` calls the media layer
/// makes: `derive_from_mls`, `MediaFrameView::try_with_meta_data` +
/// `encrypt_into`, `EncryptedFrameView::try_with_meta_data` + `decrypt_into`.
fn check_sframe_through_the_crate(vector: &SframeVector, suite: MediaCipherSuite) {
    let key_id = MlsKeyId::from_key_id(vector.key_id, default_bit_range());
    let export = VectorExport(&vector.base_key);
    let encryption_key =
        EncryptionKey::derive_from_mls(crate_suite(suite), &export, key_id).unwrap();
    let decryption_key =
        DecryptionKey::derive_from_mls(crate_suite(suite), &export, key_id).unwrap();

    let mut counter = MonotonicCounter::with_start_value(vector.counter, Counter::MAX);
    let frame =
        MediaFrameView::try_with_meta_data(&mut counter, &vector.plaintext, &vector.metadata)
            .unwrap();
    let mut buffer = Vec::new();
    let sealed = frame.encrypt_into(&encryption_key, &mut buffer).unwrap();
    assert_eq!(sealed.meta_data(), vector.metadata);
    assert_eq!(
        sealed.sframe_cipher_text(),
        vector.ciphertext,
        "suite {:#06x}",
        vector.cipher_suite
    );

    let received =
        EncryptedFrameView::try_with_meta_data(&vector.ciphertext, &vector.metadata).unwrap();
    assert_eq!(received.header().key_id(), vector.key_id);
    assert_eq!(received.header().counter(), vector.counter);
    let mut buffer = Vec::new();
    let opened = received.decrypt_into(&decryption_key, &mut buffer).unwrap();
    assert_eq!(opened.payload(), vector.plaintext);
}

/// The whole vector through `MediaContext`, where the base key is our
/// export length and the KID fits the default layout.
fn check_sframe_through_the_media_layer(vector: &SframeVector, suite: MediaCipherSuite) -> bool {
    if vector.base_key.len() != sealkit::media::exporter_length(suite) || vector.key_id >= 1 << 24 {
        return false;
    }
    let config = MediaConfig {
        suite,
        ..MediaConfig::default()
    };
    let epoch = vector.key_id & 0xff;
    let sender_index = u32::try_from(vector.key_id >> 8).unwrap();

    let mut sealed = vec![MEDIA_FRAME_VERSION];
    sealed.extend(u16::try_from(vector.metadata.len()).unwrap().to_be_bytes());
    sealed.extend(&vector.metadata);
    sealed.extend(&vector.ciphertext);

    let mut receiver = MediaContext::new(
        EpochSecret::new(epoch, sender_index + 1, vector.base_key.clone()),
        config,
    )
    .unwrap();
    let opened = receiver.decrypt_frame(&sealed).unwrap();
    assert_eq!(opened.frame, vector.plaintext);
    assert_eq!(opened.clear_header, vector.metadata);
    assert_eq!((opened.sender_index, opened.epoch), (sender_index, epoch));

    let mut sender = MediaContext::new(
        EpochSecret::new(epoch, sender_index, vector.base_key.clone()),
        config,
    )
    .unwrap();
    for _ in 0..vector.counter {
        sender.encrypt_frame(b"", b"").unwrap();
    }
    assert_eq!(
        sender
            .encrypt_frame(&vector.plaintext, &vector.metadata)
            .unwrap(),
        sealed
    );
    true
}

/// Runs every applicable SFrame vector; returns (run through the crate,
/// run through the media layer, not applicable).
fn check_sframes(vectors: &[SframeVector]) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for vector in vectors {
        match our_suite(vector.cipher_suite) {
            Some(suite) => {
                check_sframe_through_the_crate(vector, suite);
                counts.0 += 1;
                if check_sframe_through_the_media_layer(vector, suite) {
                    counts.1 += 1;
                }
            }
            None => counts.2 += 1,
        }
    }
    counts
}

#[test]
fn rfc_9605_header_vectors_encode_and_parse() {
    for file in [
        "cisco-sframe_test-vectors.json",
        "sframe-wg_test-vectors.json",
    ] {
        let vectors = json_headers(&json(file));
        assert_eq!(vectors.len(), 289, "{file}");
        vectors.iter().for_each(check_header);
    }
    let from_markdown = markdown_headers();
    assert_eq!(from_markdown.len(), 289);
    from_markdown.iter().for_each(check_header);
    assert_eq!(
        from_markdown,
        json_headers(&json("sframe-wg_test-vectors.json"))
    );
}

#[test]
fn rfc_9605_aes_gcm_vectors_encrypt_and_decrypt_through_the_media_layer() {
    for file in [
        "cisco-sframe_test-vectors.json",
        "sframe-wg_test-vectors.json",
    ] {
        let (crate_level, layer, skipped) = check_sframes(&json_sframes(&json(file)["sframe"]));
        // Suites 0x0004 and 0x0005 run; 0x0004 also end to end; 0x0001-3 skipped.
        assert_eq!((crate_level, layer, skipped), (2, 1, 3), "{file}");
    }
    let from_markdown = markdown_sframes();
    assert_eq!(check_sframes(&from_markdown), (2, 1, 3));
    assert_eq!(
        from_markdown,
        json_sframes(&json("sframe-wg_test-vectors.json")["sframe"])
    );
    // The 256-bit AES-CTR-HMAC suites of the working group: none we offer.
    let aes256_ctr = json("sframe-wg_test-vectors-aes256.json");
    assert_eq!(
        check_sframes(&json_sframes(&aes256_ctr["sframe_aes_256_ctr_hmac"])),
        (0, 0, 3)
    );
}

#[test]
fn a_tampered_vector_ciphertext_or_metadata_does_not_decrypt_through_the_media_layer() {
    let vector = json_sframes(&json("sframe-wg_test-vectors.json")["sframe"])
        .into_iter()
        .find(|v| v.cipher_suite == 0x0004)
        .unwrap();
    let mut sealed = vec![MEDIA_FRAME_VERSION, 0, vector.metadata.len() as u8];
    sealed.extend(&vector.metadata);
    sealed.extend(&vector.ciphertext);
    for position in 3..sealed.len() {
        let mut receiver = MediaContext::new(
            EpochSecret::new(0x23, 0, vector.base_key.clone()),
            MediaConfig::default(),
        )
        .unwrap();
        let mut tampered = sealed.clone();
        tampered[position] ^= 0x04;
        assert!(
            receiver.decrypt_frame(&tampered).is_err(),
            "byte {position}"
        );
    }
}
