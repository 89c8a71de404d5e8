//! The text forms of file recipients and identities (typed or pasted by
//! users, read from files): arbitrary text to `Recipient::from_str` and
//! `FileIdentity::from_secret_string`. Never a panic, and a parsed value
//! prints back to its text:
//! * a recipient's `Display` is exactly the text parsed (base64ct's
//!   unpadded decoder refuses non-canonical encodings, trailing bits
//!   included, and an X25519 or X-Wing public key keeps its bytes as given;
//!   ML-KEM refuses an encapsulation key that does not re-encode);
//! * an identity's `to_secret_string` is the text without the surrounding
//!   whitespace `from_secret_string` trims, with one legitimate difference:
//!   an X25519 secret key is clamped when it is read (RFC 9180 section 7.1.2,
//!   `DeserializePrivateKey` must clamp), so a key whose bytes are not clamped
//!   prints as its clamped bytes; the target checks exactly that;
//! * an identity's recipient parses back to itself.
//!
//! Input: the first byte picks the shape: `0`, the rest as text; `1` to `4`,
//! one of the four prefixes (`sealkit1-x25519-`, `sealkit1-xwing-`,
//! `SEALKIT1-X25519-SECRET-`, `SEALKIT1-XWING-SECRET-`) followed by the rest;
//! `5`, a real string (`rest[0] % 4`: the four forms, in that order) edited
//! at an offset as `common::edit` does (`[5, i, 0, 0]` is string `i`
//! unchanged). Bytes that are not UTF-8 are converted lossily (so the
//! replacement character gets fuzzed too).

use std::str::FromStr;
use std::sync::OnceLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use sealkit::file::{FileIdentity, Recipient};

use crate::common::{Edit, edit};

const PREFIXES: [&str; 4] = [
    "sealkit1-x25519-",
    "sealkit1-xwing-",
    "SEALKIT1-X25519-SECRET-",
    "SEALKIT1-XWING-SECRET-",
];

/// A real string of each form, from fixed key bytes.
fn real_strings() -> &'static [String; 4] {
    static STRINGS: OnceLock<[String; 4]> = OnceLock::new();
    STRINGS.get_or_init(|| {
        let x25519 = FileIdentity::from_secret_string(&format!(
            "{}{}",
            PREFIXES[2],
            Base64UrlUnpadded::encode_string(&[0x48; 32])
        ))
        .expect("x25519 identity");
        let xwing = FileIdentity::from_secret_string(&format!(
            "{}{}",
            PREFIXES[3],
            Base64UrlUnpadded::encode_string(&[0x57; 32])
        ))
        .expect("x-wing identity");
        [
            x25519.recipient().to_string(),
            xwing.recipient().to_string(),
            x25519.to_secret_string().to_string(),
            xwing.to_secret_string().to_string(),
        ]
    })
}

/// RFC 7748 clamping, as X25519 private keys are read.
fn clamp(mut key: [u8; 32]) -> [u8; 32] {
    key[0] &= 248;
    key[31] &= 127;
    key[31] |= 64;
    key
}

fn check_recipient(text: &str) {
    if let Ok(recipient) = Recipient::from_str(text) {
        assert_eq!(
            recipient.to_string(),
            text,
            "a recipient does not print as its text"
        );
    }
}

fn check_identity(text: &str) {
    let Ok(identity) = FileIdentity::from_secret_string(text) else {
        return;
    };
    let printed = identity.to_secret_string();
    let trimmed = text.trim();
    let x25519 = trimmed
        .strip_prefix(PREFIXES[2])
        .map(|encoded| Base64UrlUnpadded::decode_vec(encoded).expect("it parsed"));
    match x25519 {
        Some(bytes) => {
            let bytes: [u8; 32] = bytes.try_into().expect("it parsed: 32 bytes");
            let clamped = format!(
                "{}{}",
                PREFIXES[2],
                Base64UrlUnpadded::encode_string(&clamp(bytes))
            );
            assert_eq!(
                *printed, clamped,
                "an X25519 identity does not print as its clamped key"
            );
        }
        None => assert_eq!(
            *printed, trimmed,
            "an identity does not print as its trimmed text"
        ),
    }
    let again = FileIdentity::from_secret_string(&printed).expect("printed identity parses");
    assert_eq!(
        *again.to_secret_string(),
        *printed,
        "the printed form is not stable"
    );
    let recipient = identity.recipient().to_string();
    let parsed = Recipient::from_str(&recipient).expect("an identity's recipient parses");
    assert_eq!(parsed.to_string(), recipient);
    assert_eq!(
        again.recipient().to_string(),
        recipient,
        "the printed identity has another recipient"
    );
}

/// One input.
pub fn run(data: &[u8]) {
    let (&shape, rest) = data.split_first().unwrap_or((&0, &[]));
    let bytes = match shape % 6 {
        0 => rest.to_vec(),
        5 => edit(&real_strings()[..], rest, Edit::Overwrite).1,
        prefix => {
            let mut bytes = PREFIXES[usize::from(prefix - 1)].as_bytes().to_vec();
            bytes.extend_from_slice(rest);
            bytes
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    check_recipient(&text);
    check_identity(&text);
}

/// Seeds: the four real strings unchanged, as text and through the
/// selector, an identity with whitespace around it, and an X25519 secret
/// key that is not clamped.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let names = [
        "x25519_recipient",
        "xwing_recipient",
        "x25519_identity",
        "xwing_identity",
    ];
    let mut seeds = Vec::new();
    for (i, (name, text)) in names.iter().zip(real_strings()).enumerate() {
        let mut raw = vec![0];
        raw.extend_from_slice(text.as_bytes());
        seeds.push((format!("raw_{name}"), raw));
        seeds.push((format!("real_{name}"), vec![5, i as u8, 0, 0]));
    }
    let mut padded = vec![0];
    padded.extend_from_slice(format!(" \t{}\n", real_strings()[3]).as_bytes());
    seeds.push(("raw_xwing_identity_with_whitespace".into(), padded));
    let mut unclamped = vec![3];
    unclamped.extend_from_slice(Base64UrlUnpadded::encode_string(&[0xff; 32]).as_bytes());
    seeds.push(("x25519_identity_not_clamped".into(), unclamped));
    seeds
}
