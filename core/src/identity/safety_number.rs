//! Safety numbers: a 60-digit number and a QR payload that two users compare
//! to verify each other's device identity, after Signal's numeric fingerprint
//! (libsignal `fingerprint.rs`, version 0 hashing, 5,200 SHA-512 iterations).
//!
//! Each side's half is `SHA-512^5200(version || key || id)` where `key` is the
//! 64-byte identity and `id` the encoded device address. The displayed number
//! is both halves' 30 digits, the lower one first, so both devices show the
//! same number whichever computes it. The QR payload carries both full 32-byte
//! halves, in the scanning-side order, and is compared in constant time.

use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use super::{DeviceAddress, IdentityError, IdentityKey};
use crate::codec::{DecodeError, Reader, Writer};

/// Hash iterations, as in Signal: slows brute-force search for a colliding key.
const ITERATIONS: usize = 5_200;
/// Hash input version (Signal's `FINGERPRINT_VERSION`).
const HASH_VERSION: u16 = 0;
/// QR payload format version.
const QR_VERSION: u8 = 1;
/// Length of the QR payload: version, two 32-byte halves.
const QR_LEN: usize = 1 + 32 + 32;

/// Two devices' safety number and QR payload, as seen from the local device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyNumber {
    digits: String,
    local_half: [u8; 32],
    remote_half: [u8; 32],
}

/// The safety number between the local device and a remote one.
pub fn safety_number(
    local: (&DeviceAddress, &IdentityKey),
    remote: (&DeviceAddress, &IdentityKey),
) -> SafetyNumber {
    let local_half = fingerprint_half(local.0, local.1);
    let remote_half = fingerprint_half(remote.0, remote.1);
    let local_digits = digits(&local_half);
    let remote_digits = digits(&remote_half);
    let digits = if local_digits <= remote_digits {
        local_digits + &remote_digits
    } else {
        remote_digits + &local_digits
    };
    SafetyNumber {
        digits,
        local_half,
        remote_half,
    }
}

fn fingerprint_half(address: &DeviceAddress, identity: &IdentityKey) -> [u8; 32] {
    let key = identity.to_bytes();
    let mut hasher = Sha512::new();
    hasher.update(HASH_VERSION.to_be_bytes());
    hasher.update(key);
    hasher.update(address.to_bytes());
    let mut hash = hasher.finalize();
    for _ in 0..ITERATIONS {
        let mut hasher = Sha512::new();
        hasher.update(hash);
        hasher.update(key);
        hash = hasher.finalize();
    }
    // The first 32 of SHA-512's 64 bytes (no fallback value to fail open to).
    let mut half = [0u8; 32];
    for (out, byte) in half.iter_mut().zip(hash) {
        *out = byte;
    }
    half
}

/// Six groups of five digits from the first 30 bytes: each 5-byte big-endian
/// chunk modulo 100,000 (Signal's displayable fingerprint).
fn digits(half: &[u8; 32]) -> String {
    half.chunks_exact(5)
        .take(6)
        .map(|chunk| {
            let value = chunk
                .iter()
                .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
            format!("{:05}", value % 100_000)
        })
        .collect()
}

impl SafetyNumber {
    /// The 60 digits, the same on both devices.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The 60 digits in twelve groups of five, for display.
    pub fn display(&self) -> String {
        let groups: Vec<&str> = (0..12)
            .filter_map(|i| self.digits.get(i * 5..i * 5 + 5))
            .collect();
        groups.join(" ")
    }

    /// The QR payload the local device shows: version, local half, remote half.
    pub fn qr_payload(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(QR_LEN);
        w.u8(QR_VERSION)
            .raw(&self.local_half)
            .raw(&self.remote_half);
        w.into_bytes()
    }

    /// Checks a payload scanned from the other device's screen: it must name
    /// the other device's half first and ours second. Constant-time compare.
    ///
    /// # Errors
    /// [`IdentityError::Decode`] when the payload is not a safety-number QR
    /// payload at all; `Ok(false)` when it is one and does not match.
    pub fn verify_qr_payload(&self, scanned: &[u8]) -> Result<bool, IdentityError> {
        let mut r = Reader::new(scanned);
        let version = r.u8()?;
        if version != QR_VERSION {
            return Err(DecodeError::UnsupportedVersion(version).into());
        }
        let theirs = r.array::<32>()?;
        let ours = r.array::<32>()?;
        r.finish()?;
        let matches = theirs.ct_eq(&self.remote_half) & ours.ct_eq(&self.local_half);
        Ok(matches.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::IdentityKeyPair;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn device(name: &str, seed: u8) -> (DeviceAddress, IdentityKeyPair) {
        let mut rng = ChaCha20Rng::from_seed([seed; 32]);
        (
            DeviceAddress::new(name, "phone").unwrap(),
            IdentityKeyPair::generate(&mut rng),
        )
    }

    #[test]
    fn both_sides_compute_the_same_sixty_digits() {
        let (alice, alice_id) = device("alice", 1);
        let (bob, bob_id) = device("bob", 2);
        let from_alice = safety_number((&alice, alice_id.public()), (&bob, bob_id.public()));
        let from_bob = safety_number((&bob, bob_id.public()), (&alice, alice_id.public()));
        assert_eq!(from_alice.digits(), from_bob.digits());
        assert_eq!(from_alice.digits().len(), 60);
        assert!(from_alice.digits().chars().all(|c| c.is_ascii_digit()));
        assert_eq!(from_alice.display().len(), 71);
    }

    #[test]
    fn qr_payload_verifies_only_against_the_right_pair() {
        let (alice, alice_id) = device("alice", 1);
        let (bob, bob_id) = device("bob", 2);
        let (_, mallory_id) = device("mallory", 3);
        let from_alice = safety_number((&alice, alice_id.public()), (&bob, bob_id.public()));
        let from_bob = safety_number((&bob, bob_id.public()), (&alice, alice_id.public()));
        assert!(
            from_alice
                .verify_qr_payload(&from_bob.qr_payload())
                .unwrap()
        );
        // Alice's own payload shown back to her is not Bob's.
        assert!(
            !from_alice
                .verify_qr_payload(&from_alice.qr_payload())
                .unwrap()
        );
        let fake = safety_number((&bob, mallory_id.public()), (&alice, alice_id.public()));
        assert!(!from_alice.verify_qr_payload(&fake.qr_payload()).unwrap());
        assert!(from_alice.verify_qr_payload(b"garbage").is_err());
    }

    #[test]
    fn a_changed_identity_changes_the_number() {
        let (alice, alice_id) = device("alice", 1);
        let (bob, bob_id) = device("bob", 2);
        let (_, other) = device("bob", 4);
        let before = safety_number((&alice, alice_id.public()), (&bob, bob_id.public()));
        let after = safety_number((&alice, alice_id.public()), (&bob, other.public()));
        assert_ne!(before.digits(), after.digits());
    }

    /// Arbitrary bytes through the QR and identity-key decoders.
    mod qr_fuzz {
        use super::*;
        use crate::identity::IdentityKeyPair;
        use proptest::prelude::*;
        use rand_chacha::ChaCha20Rng;
        use rand_core::SeedableRng;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn arbitrary_qr_payloads_never_panic_or_verify(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
                let mut rng = ChaCha20Rng::from_seed([1; 32]);
                let a = IdentityKeyPair::generate(&mut rng);
                let b = IdentityKeyPair::generate(&mut rng);
                let address = DeviceAddress::new("a", "b").unwrap();
                let number = safety_number((&address, a.public()), (&address, b.public()));
                prop_assert!(!number.verify_qr_payload(&bytes).unwrap_or(false));
            }

            #[test]
            fn arbitrary_identity_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
                let _ = IdentityKey::from_bytes(&bytes);
            }
        }
    }
}
