//! Known answers of the session protocols.
//!
//! * `double_ratchet_kdf_known_answers`: `KDF_RK`, `KDF_CK` and the message
//!   key expansion against `vectors/sealkit/double_ratchet_kdf.json`, whose
//!   values were computed by `generate_kdf_vectors.py` with Python's standard
//!   library, not by this crate.
//! * `pqxdh_known_answer`: a full PQXDH handshake and first envelope from
//!   fixed seeds against `vectors/sealkit/pqxdh.json`. That file is written
//!   by `generate_pqxdh_check.py`, which takes the values dumped by the ignored
//!   test `dump_pqxdh_vector` and recomputes every derivable one with Python
//!   (`cryptography` for X25519, Ed25519, ML-KEM-768 decapsulation and
//!   AES-256-GCM; the standard library for HKDF / HMAC and encodings) before
//!   writing the file.
//!
//! The ML-KEM-768 known answers (NIST ACVP, C2SP CCTV, Wycheproof) are in
//! `crate::crypto`'s tests.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::crypto::secret::Secret32;
use crate::identity::{
    DeviceAddress, IdentityKeyPair, OneTimePrekey, PqPrekey, PrekeyBundle, SignedPrekey,
};
use crate::session::chain::{ChainKey, RootKey};
use crate::session::pqxdh::{self, ResponderKeys as PqxdhResponderKeys};
use crate::session::record::{ResponderKeys, Session};

fn h(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(bytes)
}

fn hex_array<const N: usize>(value: &Value) -> [u8; N] {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("expected a hex string, got {value}"));
    let bytes = hex::decode(text).unwrap_or_else(|e| panic!("bad hex {text}: {e}"));
    <[u8; N]>::try_from(bytes.as_slice())
        .unwrap_or_else(|_| panic!("expected {N} bytes, got {}", bytes.len()))
}

// ---------------------------------------------------------------------------
// Double Ratchet KDF chains.

const KDF_VECTORS: &str = include_str!("../../../../vectors/sealkit/double_ratchet_kdf.json");

#[test]
fn double_ratchet_kdf_known_answers() {
    let file: Value = serde_json::from_str(KDF_VECTORS).unwrap();
    assert_eq!(
        file["root_info"].as_str().unwrap().as_bytes(),
        crate::session::chain::ROOT_INFO
    );
    assert_eq!(
        file["message_key_info"].as_str().unwrap().as_bytes(),
        crate::session::chain::MESSAGE_KEY_INFO
    );

    let root_steps = file["root_steps"].as_array().unwrap();
    assert_eq!(root_steps.len(), 5);
    let mut root = RootKey(Secret32::new(hex_array(&root_steps[0]["root_key"])));
    for step in root_steps {
        // Each step starts from the previous step's output root key.
        assert_eq!(root.0.as_bytes(), &hex_array::<32>(&step["root_key"]));
        let (new_root, chain) = root.step(&hex_array(&step["dh_out"])).unwrap();
        assert_eq!(
            new_root.0.as_bytes(),
            &hex_array::<32>(&step["new_root_key"]),
            "KDF_RK root key, step {}",
            step["step"]
        );
        assert_eq!(
            chain.key.as_bytes(),
            &hex_array::<32>(&step["chain_key"]),
            "KDF_RK chain key, step {}",
            step["step"]
        );
        assert_eq!(chain.index, 0);
        root = new_root;
    }

    let chain_steps = file["chain_steps"].as_array().unwrap();
    assert_eq!(chain_steps.len(), 5);
    assert_eq!(chain_steps[0]["chain_key"], root_steps[0]["chain_key"]);
    let mut chain = ChainKey {
        key: Secret32::new(hex_array(&chain_steps[0]["chain_key"])),
        index: 0,
    };
    for (index, step) in chain_steps.iter().enumerate() {
        let index = u32::try_from(index).unwrap();
        assert_eq!(step["index"], json!(index));
        assert_eq!(chain.key.as_bytes(), &hex_array::<32>(&step["chain_key"]));
        let message_key = chain.message_key().unwrap();
        assert_eq!(message_key.index, index);
        assert_eq!(
            message_key.key.as_bytes(),
            &hex_array::<32>(&step["message_key"]),
            "KDF_CK message key {index}"
        );
        let (aead_key, nonce) = message_key.aead_key_and_nonce().unwrap();
        assert_eq!(
            *aead_key,
            hex_array::<32>(&step["aead_key"]),
            "AEAD key {index}"
        );
        assert_eq!(nonce, hex_array::<12>(&step["nonce"]), "nonce {index}");
        let next = chain.next().unwrap();
        assert_eq!(next.index, index + 1);
        assert_eq!(
            next.key.as_bytes(),
            &hex_array::<32>(&step["next_chain_key"]),
            "KDF_CK next chain key {index}"
        );
        chain = next;
    }
}

// ---------------------------------------------------------------------------
// PQXDH and the first envelope.

const PQXDH_VECTORS: &str = include_str!("../../../../vectors/sealkit/pqxdh.json");

/// Seeds of the `ChaCha20Rng::from_seed([byte; 32])` each key is drawn from.
const SEED_BOB_IDENTITY: u8 = 0xB1;
const SEED_BOB_SIGNED_PREKEY: u8 = 0xB2;
const SEED_BOB_ONE_TIME_PREKEY: u8 = 0xB3;
const SEED_BOB_PQ_ONE_TIME_PREKEY: u8 = 0xB4;
const SEED_BOB_PQ_LAST_RESORT: u8 = 0xB5;
const SEED_ALICE_IDENTITY: u8 = 0xA1;
const SEED_ALICE_SESSION: u8 = 0xA2;
const SEED_BOB_SESSION: u8 = 0xB6;

const SIGNED_PREKEY_ID: u32 = 1;
const PQ_LAST_RESORT_ID: u32 = 2;
const ONE_TIME_PREKEY_ID: u32 = 7;
const PQ_ONE_TIME_PREKEY_ID: u32 = 100;
const PLAINTEXT: &[u8] = b"hello";

fn rng(byte: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([byte; 32])
}

fn x25519(secret: &[u8; 32], public: &[u8; 32]) -> [u8; 32] {
    let shared = StaticSecret::from(*secret).diffie_hellman(&PublicKey::from(*public));
    assert!(shared.was_contributory());
    shared.to_bytes()
}

fn pq_seed(prekey: &PqPrekey) -> [u8; 64] {
    // Stored record: u8 version, u32 id, bool last_resort, 64-byte seed, signature.
    let encoded = prekey.encode();
    <[u8; 64]>::try_from(&encoded[6..70]).unwrap()
}

/// Everything the PQXDH known answer records, computed with Sealkit's code
/// from the fixed seeds: `{"inputs", "public", "outputs"}`. Also runs the
/// responder and checks it agrees and decrypts the first envelope.
fn build_pqxdh_vector() -> Value {
    let alice_address = DeviceAddress::new("alice", "phone").unwrap();
    let bob_address = DeviceAddress::new("bob", "laptop").unwrap();

    let bob_identity = IdentityKeyPair::generate(&mut rng(SEED_BOB_IDENTITY));
    let signed_prekey = SignedPrekey::generate(
        &mut rng(SEED_BOB_SIGNED_PREKEY),
        &bob_identity,
        SIGNED_PREKEY_ID,
    );
    let one_time_prekey =
        OneTimePrekey::generate(&mut rng(SEED_BOB_ONE_TIME_PREKEY), ONE_TIME_PREKEY_ID);
    let pq_one_time = PqPrekey::generate(
        &mut rng(SEED_BOB_PQ_ONE_TIME_PREKEY),
        &bob_identity,
        PQ_ONE_TIME_PREKEY_ID,
        false,
    );
    let pq_last_resort = PqPrekey::generate(
        &mut rng(SEED_BOB_PQ_LAST_RESORT),
        &bob_identity,
        PQ_LAST_RESORT_ID,
        true,
    );
    let alice_identity = IdentityKeyPair::generate(&mut rng(SEED_ALICE_IDENTITY));

    let bundle = PrekeyBundle {
        address: bob_address.clone(),
        identity: *bob_identity.public(),
        signed_prekey: signed_prekey.public(),
        pq_last_resort: pq_last_resort.public(),
        one_time: vec![one_time_prekey.public()],
        pq_one_time: vec![pq_one_time.public()],
    };
    bundle.verify().unwrap();

    // The initiator's randomness, in the order PQXDH and RatchetInitAlice draw
    // it: ML-KEM encapsulation m, ephemeral EK_A, first ratchet key.
    let mut stream = rng(SEED_ALICE_SESSION);
    let mut kem_m = [0u8; 32];
    let mut ephemeral = [0u8; 32];
    let mut ratchet = [0u8; 32];
    stream.fill_bytes(&mut kem_m);
    stream.fill_bytes(&mut ephemeral);
    stream.fill_bytes(&mut ratchet);

    let initiation = pqxdh::initiate(
        &mut rng(SEED_ALICE_SESSION),
        &alice_identity,
        &alice_address,
        &bundle,
    )
    .unwrap();
    assert_eq!(
        initiation.base_key,
        PublicKey::from(&StaticSecret::from(ephemeral)).to_bytes(),
        "EK_A is not the second 32 bytes of the initiator's RNG stream"
    );
    assert_eq!(initiation.their_signed_prekey, signed_prekey.public().key);
    let header = &initiation.header;
    assert_eq!(header.identity, *alice_identity.public());
    assert_eq!(header.signed_prekey_id, SIGNED_PREKEY_ID);
    assert_eq!(header.one_time_prekey_id, Some(ONE_TIME_PREKEY_ID));
    assert_eq!(header.pq_prekey_id, PQ_ONE_TIME_PREKEY_ID);

    // The ML-KEM encapsulation, redone deterministically from the recorded m.
    let pq_public = pq_one_time.public();
    let (ciphertext, kem_secret) = pq_public
        .encapsulation_key()
        .unwrap()
        .encapsulate_deterministic(&kem_m);
    assert_eq!(
        header.pq_ciphertext,
        ciphertext.to_vec(),
        "ML-KEM m is not the first 32 bytes of the initiator's RNG stream"
    );
    let kem_secret = *kem_secret;
    assert_eq!(*pq_one_time.decapsulate(&ciphertext).unwrap(), kem_secret);

    // The four DH outputs, with x25519-dalek directly from the secrets.
    let bob_ik_secret = *bob_identity.dh_secret().as_bytes();
    let alice_ik_secret = *alice_identity.dh_secret().as_bytes();
    let spk_secret = *signed_prekey.secret.as_bytes();
    let opk_secret = *one_time_prekey.secret.as_bytes();
    let spk_public = signed_prekey.public().key;
    let opk_public = one_time_prekey.public().key;
    let bob_ik_public = *bob_identity.public().dh_key();
    let alice_ik_public = *alice_identity.public().dh_key();
    let dh1 = x25519(&alice_ik_secret, &spk_public);
    let dh2 = x25519(&ephemeral, &bob_ik_public);
    let dh3 = x25519(&ephemeral, &spk_public);
    let dh4 = x25519(&ephemeral, &opk_public);
    // The responder's view of the same four.
    assert_eq!(dh1, x25519(&spk_secret, &alice_ik_public));
    assert_eq!(dh2, x25519(&bob_ik_secret, &initiation.base_key));
    assert_eq!(dh3, x25519(&spk_secret, &initiation.base_key));
    assert_eq!(dh4, x25519(&opk_secret, &initiation.base_key));

    // The responder derives the same SK and AD.
    let responder = pqxdh::respond(
        &PqxdhResponderKeys {
            identity: &bob_identity,
            address: &bob_address,
            signed_prekey: &signed_prekey,
            one_time_prekey: Some(&one_time_prekey),
            pq_prekey: &pq_one_time,
        },
        &alice_address,
        header,
        &initiation.base_key,
    )
    .unwrap();
    assert_eq!(
        responder.shared_secret, initiation.secrets.shared_secret,
        "responder SK differs"
    );
    assert_eq!(
        responder.associated_data,
        initiation.secrets.associated_data
    );

    // RatchetInitAlice and the first message key, step by step.
    let sk = initiation.secrets.shared_secret.as_bytes();
    let ratchet_dh = x25519(&ratchet, &spk_public);
    let (root_key, sending_chain) = RootKey(Secret32::new(*sk)).step(&ratchet_dh).unwrap();
    let message_key = sending_chain.message_key().unwrap();
    let (aead_key, nonce) = message_key.aead_key_and_nonce().unwrap();

    // The first envelope, through the public Session API.
    let mut session = Session::initiate(
        &mut rng(SEED_ALICE_SESSION),
        &alice_identity,
        &alice_address,
        &bundle,
    )
    .unwrap();
    assert_eq!(session.id(), &initiation.base_key);
    let envelope = session.encrypt(PLAINTEXT).unwrap();
    assert_eq!(envelope.prekey.as_ref(), Some(header));
    assert_eq!(
        envelope.header.ratchet_key,
        PublicKey::from(&StaticSecret::from(ratchet)).to_bytes(),
        "the first ratchet key is not the third 32 bytes of the initiator's RNG stream"
    );
    assert_eq!(envelope.header.index, 0);
    assert_eq!(envelope.header.previous_chain_length, 0);
    let mut aad = initiation.secrets.associated_data.clone();
    aad.extend_from_slice(&envelope.header_bytes());
    assert_eq!(
        envelope.ciphertext,
        crate::crypto::aead::seal(&aead_key, &nonce, &aad, PLAINTEXT).unwrap()
    );
    let envelope_bytes = envelope.encode();

    // Bob starts the session from the envelope and reads "hello".
    let mut bob_session = Session::respond(
        &ResponderKeys {
            identity: &bob_identity,
            address: &bob_address,
            signed_prekey: &signed_prekey,
            one_time_prekey: Some(&one_time_prekey),
            pq_prekey: &pq_one_time,
        },
        &crate::session::Envelope::decode(&envelope_bytes).unwrap(),
    )
    .unwrap();
    let received = bob_session
        .decrypt(
            &mut rng(SEED_BOB_SESSION),
            &crate::session::Envelope::decode(&envelope_bytes).unwrap(),
        )
        .unwrap();
    assert_eq!(received, PLAINTEXT);

    let bob_secret = bob_identity.secret_bytes();
    let alice_secret = alice_identity.secret_bytes();
    json!({
        "inputs": {
            "rng": "each key is drawn from its own rand_chacha::ChaCha20Rng::from_seed([seed; 32])",
            "rng_seeds": {
                "bob_identity": SEED_BOB_IDENTITY,
                "bob_signed_prekey": SEED_BOB_SIGNED_PREKEY,
                "bob_one_time_prekey": SEED_BOB_ONE_TIME_PREKEY,
                "bob_pq_one_time_prekey": SEED_BOB_PQ_ONE_TIME_PREKEY,
                "bob_pq_last_resort_prekey": SEED_BOB_PQ_LAST_RESORT,
                "alice_identity": SEED_ALICE_IDENTITY,
                "alice_session": SEED_ALICE_SESSION,
            },
            "alice_address": {"user_id": "alice", "device_id": "phone"},
            "bob_address": {"user_id": "bob", "device_id": "laptop"},
            "signed_prekey_id": SIGNED_PREKEY_ID,
            "one_time_prekey_id": ONE_TIME_PREKEY_ID,
            "pq_one_time_prekey_id": PQ_ONE_TIME_PREKEY_ID,
            "pq_last_resort_prekey_id": PQ_LAST_RESORT_ID,
            "plaintext": h(PLAINTEXT),
            "bob_identity_ed25519_seed": h(&bob_secret[..32]),
            "bob_identity_x25519_secret": h(bob_ik_secret),
            "bob_signed_prekey_secret": h(spk_secret),
            "bob_one_time_prekey_secret": h(opk_secret),
            "bob_pq_one_time_prekey_seed": h(pq_seed(&pq_one_time)),
            "bob_pq_last_resort_prekey_seed": h(pq_seed(&pq_last_resort)),
            "alice_identity_ed25519_seed": h(&alice_secret[..32]),
            "alice_identity_x25519_secret": h(alice_ik_secret),
            "alice_mlkem_encaps_m": h(kem_m),
            "alice_ephemeral_secret": h(ephemeral),
            "alice_ratchet_secret": h(ratchet),
        },
        "public": {
            "bob_identity": h(bob_identity.public().to_bytes()),
            "bob_signed_prekey": h(spk_public),
            "bob_signed_prekey_signature": h(signed_prekey.public().signature),
            "bob_one_time_prekey": h(opk_public),
            "bob_pq_one_time_prekey": h(&pq_public.key),
            "bob_pq_one_time_prekey_signature": h(pq_public.signature),
            "bob_pq_last_resort_prekey": h(&pq_last_resort.public().key),
            "bob_pq_last_resort_prekey_signature": h(pq_last_resort.public().signature),
            "bob_bundle": h(bundle.encode()),
            "alice_identity": h(alice_identity.public().to_bytes()),
            "alice_ephemeral": h(initiation.base_key),
            "alice_ratchet": h(envelope.header.ratchet_key),
        },
        "outputs": {
            "dh1": h(dh1),
            "dh2": h(dh2),
            "dh3": h(dh3),
            "dh4": h(dh4),
            "mlkem_ciphertext": h(&header.pq_ciphertext),
            "mlkem_shared_secret": h(kem_secret),
            "shared_secret": h(sk),
            "associated_data": h(&initiation.secrets.associated_data),
            "ratchet_dh": h(ratchet_dh),
            "root_key": h(root_key.0.as_bytes()),
            "sending_chain_key": h(sending_chain.key.as_bytes()),
            "message_key": h(message_key.key.as_bytes()),
            "aead_key": h(*aead_key),
            "nonce": h(nonce),
            "envelope_header": h(envelope.header_bytes()),
            "envelope_ciphertext": h(&envelope.ciphertext),
            "envelope": h(&envelope_bytes),
        },
    })
}

#[test]
fn pqxdh_known_answer() {
    let file: Value = serde_json::from_str(PQXDH_VECTORS).unwrap();
    let built = build_pqxdh_vector();
    let mut checked = 0;
    for section in ["inputs", "public", "outputs"] {
        let expected: &Map<String, Value> = file[section]
            .as_object()
            .unwrap_or_else(|| panic!("pqxdh.json has no {section} object"));
        let actual = built[section].as_object().unwrap();
        let mut expected_keys: Vec<_> = expected.keys().collect();
        let mut actual_keys: Vec<_> = actual.keys().collect();
        expected_keys.sort();
        actual_keys.sort();
        assert_eq!(expected_keys, actual_keys, "fields of {section}");
        for (key, value) in actual {
            assert_eq!(&expected[key], value, "pqxdh.json {section}.{key}");
            checked += 1;
        }
    }
    assert!(checked >= 45);
}

/// Prints the values for `generate_pqxdh_check.py` (which runs this test).
#[test]
#[ignore = "generator for vectors/sealkit/pqxdh.json; run by generate_pqxdh_check.py"]
fn dump_pqxdh_vector() {
    println!("BEGIN_PQXDH_VECTOR");
    println!("{}", build_pqxdh_vector());
    println!("END_PQXDH_VECTOR");
}
