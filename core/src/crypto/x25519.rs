//! X25519 (RFC 7748 section 5) for PQXDH and the Double Ratchet.
//!
//! Two backends with identical results (ADR 0008): aws-lc-rs on native
//! targets, where its X25519 takes less than half the time of
//! curve25519-dalek's Montgomery ladder on the CPUs we measure, and
//! x25519-dalek on wasm32, where aws-lc does not build. Both clamp the scalar
//! as RFC 7748 section 5 says, and both refuse an all-zero shared secret (a
//! low-order public key), which [`X25519Secret::diffie_hellman`] reports as
//! `None`. `backends_agree` below checks them against each other; the
//! Wycheproof X25519 set runs against this module.

#[cfg(not(target_arch = "wasm32"))]
use std::sync::{Arc, OnceLock};

use rand_core::CryptoRng;
use zeroize::Zeroizing;

/// An X25519 private key: 32 random bytes, clamped when used (RFC 7748).
///
/// The bytes are zeroized on drop. On native targets the aws-lc key object
/// built from them is kept for the next operation and shared by clones (a
/// session record is cloned for every transactional decrypt); aws-lc frees
/// it, with the last clone, through `OPENSSL_free`, which clears the memory
/// first.
#[derive(Clone)]
pub(crate) struct X25519Secret {
    bytes: Zeroizing<[u8; 32]>,
    #[cfg(not(target_arch = "wasm32"))]
    prepared: OnceLock<Option<Arc<aws_lc_rs::agreement::PrivateKey>>>,
}

impl X25519Secret {
    /// A fresh key: 32 bytes from `rng` (the same draw as x25519-dalek's
    /// `StaticSecret::random_from_rng`, so seeded tests keep their keys).
    pub(crate) fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(bytes.as_mut());
        Self::from_bytes(*bytes)
    }

    /// The key with these 32 bytes (unclamped, as stored).
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            bytes: Zeroizing::new(bytes),
            #[cfg(not(target_arch = "wasm32"))]
            prepared: OnceLock::new(),
        }
    }

    /// The 32 secret bytes, for the encrypted store.
    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// `X25519(k, 9)`: the public key.
    pub(crate) fn public_key(&self) -> [u8; 32] {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(public) = self.native().and_then(native::public_key) {
            return public;
        }
        dalek::public_key(&self.bytes)
    }

    /// `X25519(k, their_public)`, or `None` when the result is all zeros
    /// (`their_public` has low order: RFC 7748 section 6.1's check, which
    /// PQXDH and the Double Ratchet need so that a peer cannot force a known
    /// shared secret).
    pub(crate) fn diffie_hellman(&self, their_public: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(shared) = self
            .native()
            .and_then(|key| native::diffie_hellman(key, their_public))
        {
            return Some(shared);
        }
        // On wasm32 the only backend. On native, only reached when aws-lc
        // refused: its one failure for well-formed input is the all-zero
        // result, which dalek then confirms (so an internal aws-lc error,
        // such as an allocation failure, cannot turn into a wrong verdict).
        dalek::diffie_hellman(&self.bytes, their_public)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn native(&self) -> Option<&aws_lc_rs::agreement::PrivateKey> {
        self.prepared
            .get_or_init(|| native::private_key(&self.bytes).map(Arc::new))
            .as_deref()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use aws_lc_rs::agreement::{PrivateKey, UnparsedPublicKey, X25519, agree};
    use zeroize::Zeroizing;

    pub(super) fn private_key(bytes: &[u8; 32]) -> Option<PrivateKey> {
        PrivateKey::from_private_key(&X25519, bytes).ok()
    }

    pub(super) fn public_key(key: &PrivateKey) -> Option<[u8; 32]> {
        let public = key.compute_public_key().ok()?;
        <[u8; 32]>::try_from(public.as_ref()).ok()
    }

    pub(super) fn diffie_hellman(
        key: &PrivateKey,
        their_public: &[u8; 32],
    ) -> Option<Zeroizing<[u8; 32]>> {
        agree(
            key,
            UnparsedPublicKey::new(&X25519, their_public),
            (),
            |shared| {
                let mut out = Zeroizing::new([0u8; 32]);
                if shared.len() != 32 {
                    return Err(());
                }
                out.copy_from_slice(shared);
                Ok(out)
            },
        )
        .ok()
    }
}

mod dalek {
    use x25519_dalek::{PublicKey, StaticSecret};
    use zeroize::Zeroizing;

    pub(super) fn public_key(bytes: &[u8; 32]) -> [u8; 32] {
        PublicKey::from(&StaticSecret::from(*bytes)).to_bytes()
    }

    pub(super) fn diffie_hellman(
        bytes: &[u8; 32],
        their_public: &[u8; 32],
    ) -> Option<Zeroizing<[u8; 32]>> {
        let shared = StaticSecret::from(*bytes).diffie_hellman(&PublicKey::from(*their_public));
        shared
            .was_contributory()
            .then(|| Zeroizing::new(shared.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The native backend and x25519-dalek agree on public keys, on
        /// shared secrets, and on which peer keys give an all-zero result,
        /// for arbitrary (unclamped) secrets and arbitrary peer bytes.
        #[test]
        fn backends_agree(secret in any::<[u8; 32]>(), peer_secret in any::<[u8; 32]>(), raw_peer in any::<[u8; 32]>()) {
            let ours = X25519Secret::from_bytes(secret);
            prop_assert_eq!(ours.public_key(), dalek::public_key(&secret));
            let peer = dalek::public_key(&peer_secret);
            for their_public in [peer, raw_peer] {
                let shared = ours.diffie_hellman(&their_public).map(|s| *s);
                let expected = dalek::diffie_hellman(&secret, &their_public).map(|s| *s);
                prop_assert_eq!(shared, expected);
            }
        }
    }

    #[test]
    fn low_order_points_give_none_on_every_backend() {
        // The u-coordinates 0 and 1 have order 1 and 4 (RFC 7748 section 6.1
        // rejects their all-zero outputs).
        let ours = X25519Secret::from_bytes([0x42; 32]);
        for low_order in [[0u8; 32], {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        }] {
            assert!(ours.diffie_hellman(&low_order).is_none());
            assert!(dalek::diffie_hellman(&[0x42; 32], &low_order).is_none());
            #[cfg(not(target_arch = "wasm32"))]
            assert!(native::diffie_hellman(ours.native().unwrap(), &low_order).is_none());
        }
    }

    #[test]
    fn rfc7748_section_6_1_diffie_hellman() {
        let alice = X25519Secret::from_bytes(
            hex::decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
                .unwrap()
                .try_into()
                .unwrap(),
        );
        let bob = X25519Secret::from_bytes(
            hex::decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
                .unwrap()
                .try_into()
                .unwrap(),
        );
        assert_eq!(
            hex::encode(alice.public_key()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        );
        assert_eq!(
            hex::encode(bob.public_key()),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
        );
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assert_eq!(
            hex::encode(*alice.diffie_hellman(&bob.public_key()).unwrap()),
            shared
        );
        assert_eq!(
            hex::encode(*bob.diffie_hellman(&alice.public_key()).unwrap()),
            shared
        );
    }
}
