//! ML-KEM-768 (FIPS 203) for PQXDH's post-quantum prekeys, through
//! `libcrux-ml-kem` (Cryspen's formally verified implementation, the one
//! libsignal uses; AVX2 code chosen at run time, portable code elsewhere,
//! wasm32 included). ADR 0008 records why it replaced the `ml-kem` crate on
//! this path; the RustCrypto `ml-kem` crate stays as a test oracle
//! (`oracle_agrees` below) and the NIST ACVP, C2SP CCTV and Wycheproof
//! ML-KEM-768 vectors run against this module.
//!
//! Keys are derived from the 64-byte seed `(d, z)` of FIPS 203
//! ML-KEM.KeyGen_internal (algorithm 16), which is what we store.
//! Encapsulation takes its 32-byte `m` from the caller's RNG
//! (ML-KEM.Encaps_internal, algorithm 17), so seeded tests are reproducible.

use std::ops::IndexMut;

use libcrux_ml_kem::mlkem768::{
    self, MlKem768Ciphertext, MlKem768KeyPair, MlKem768PrivateKey, MlKem768PublicKey,
};
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

/// Length of an encapsulation (public) key.
pub(crate) const ENCAPSULATION_KEY_LEN: usize = 1184;
/// Length of a ciphertext.
pub(crate) const CIPHERTEXT_LEN: usize = 1088;
/// Length of the expanded decapsulation key (FIPS 203 `dk`).
#[cfg(test)]
pub(crate) const DECAPSULATION_KEY_LEN: usize = 2400;

/// Why a key or ciphertext was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MlKemError {
    /// Not 1,184 bytes.
    EncapsulationKeyLength,
    /// A coefficient is not reduced modulo q (FIPS 203 section 7.2).
    EncapsulationKeyModulus,
    /// Not 1,088 bytes.
    CiphertextLength,
}

/// A decapsulation key expanded from its seed. The expanded secret is
/// zeroized on drop.
pub(crate) struct DecapsulationKey {
    private: MlKem768PrivateKey,
    public: MlKem768PublicKey,
}

impl Drop for DecapsulationKey {
    fn drop(&mut self) {
        self.private.index_mut(0..).zeroize();
    }
}

impl DecapsulationKey {
    /// ML-KEM.KeyGen_internal(d, z) from `seed = d || z`.
    pub(crate) fn from_seed(seed: &[u8; 64]) -> Self {
        let pair: MlKem768KeyPair = mlkem768::generate_key_pair(*seed);
        let (private, public) = pair.into_parts();
        Self { private, public }
    }

    /// The encapsulation key `ek`.
    pub(crate) fn encapsulation_key(&self) -> &[u8; ENCAPSULATION_KEY_LEN] {
        self.public.as_slice()
    }

    /// The expanded decapsulation key `dk` (for known-answer tests).
    #[cfg(test)]
    pub(crate) fn expanded(&self) -> &[u8; DECAPSULATION_KEY_LEN] {
        self.private.as_slice()
    }

    /// ML-KEM.Decaps (FIPS 203 algorithm 21). A ciphertext of the right
    /// length always gives a key: a wrong one gives the implicit-rejection
    /// key, so the session's AEAD then fails.
    pub(crate) fn decapsulate(&self, ciphertext: &[u8]) -> Result<Zeroizing<[u8; 32]>, MlKemError> {
        let ciphertext =
            MlKem768Ciphertext::try_from(ciphertext).map_err(|_| MlKemError::CiphertextLength)?;
        Ok(Zeroizing::new(mlkem768::decapsulate(
            &self.private,
            &ciphertext,
        )))
    }
}

/// Decapsulation with an expanded `dk` as published in test vectors.
#[cfg(test)]
pub(crate) fn decapsulate_expanded(dk: &[u8], ciphertext: &[u8]) -> Option<[u8; 32]> {
    let private = MlKem768PrivateKey::try_from(dk).ok()?;
    let ciphertext = MlKem768Ciphertext::try_from(ciphertext).ok()?;
    Some(mlkem768::decapsulate(&private, &ciphertext))
}

/// An encapsulation key that passed FIPS 203 section 7.2's input check.
pub(crate) struct EncapsulationKey(MlKem768PublicKey);

impl EncapsulationKey {
    /// Checks the length and that every coefficient is reduced (the modulus
    /// check of FIPS 203 section 7.2).
    pub(crate) fn new(bytes: &[u8]) -> Result<Self, MlKemError> {
        let key =
            MlKem768PublicKey::try_from(bytes).map_err(|_| MlKemError::EncapsulationKeyLength)?;
        if mlkem768::validate_public_key(&key) {
            Ok(Self(key))
        } else {
            Err(MlKemError::EncapsulationKeyModulus)
        }
    }

    /// ML-KEM.Encaps_internal(ek, m) (FIPS 203 algorithm 17): the
    /// ciphertext and the shared key.
    pub(crate) fn encapsulate_deterministic(
        &self,
        m: &[u8; 32],
    ) -> ([u8; CIPHERTEXT_LEN], Zeroizing<[u8; 32]>) {
        let (ciphertext, shared) = mlkem768::encapsulate(&self.0, *m);
        (*ciphertext.as_slice(), Zeroizing::new(shared))
    }

    /// ML-KEM.Encaps (FIPS 203 algorithm 20) with `m` from `rng`.
    pub(crate) fn encapsulate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> ([u8; CIPHERTEXT_LEN], Zeroizing<[u8; 32]>) {
        let mut m = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(m.as_mut());
        self.encapsulate_deterministic(&m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ml_kem::{Decapsulate, KeyExport, MlKem768, Seed};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// The RustCrypto `ml-kem` crate, an independent implementation,
        /// gives the same keys, ciphertexts and shared secrets, including
        /// the implicit-rejection key for a corrupted ciphertext.
        #[test]
        fn oracle_agrees(seed in any::<[u8; 64]>(), m in any::<[u8; 32]>(), flip in 0usize..CIPHERTEXT_LEN) {
            let ours = DecapsulationKey::from_seed(&seed);
            let oracle = ml_kem::DecapsulationKey::<MlKem768>::from_seed(Seed::from(seed));
            prop_assert_eq!(
                &ours.encapsulation_key()[..],
                &oracle.encapsulation_key().to_bytes()[..]
            );
            let ek = EncapsulationKey::new(ours.encapsulation_key()).unwrap();
            let (mut ciphertext, shared) = ek.encapsulate_deterministic(&m);
            let (oracle_ct, oracle_shared) =
                oracle.encapsulation_key().encapsulate_deterministic(&m.into());
            prop_assert_eq!(&ciphertext[..], &oracle_ct[..]);
            prop_assert_eq!(&shared[..], &oracle_shared[..]);
            prop_assert_eq!(&ours.decapsulate(&ciphertext).unwrap()[..], &shared[..]);

            ciphertext[flip] ^= 1;
            let rejected = ours.decapsulate(&ciphertext).unwrap();
            prop_assert_ne!(&rejected[..], &shared[..]);
            prop_assert_eq!(&rejected[..], &oracle.decapsulate_slice(&ciphertext).unwrap()[..]);
        }
    }

    #[test]
    fn wrong_lengths_are_refused() {
        let key = DecapsulationKey::from_seed(&[7; 64]);
        for len in [0, CIPHERTEXT_LEN - 1, CIPHERTEXT_LEN + 1] {
            assert_eq!(
                key.decapsulate(&vec![0; len]).unwrap_err(),
                MlKemError::CiphertextLength
            );
        }
        for len in [0, ENCAPSULATION_KEY_LEN - 1, ENCAPSULATION_KEY_LEN + 1] {
            assert_eq!(
                EncapsulationKey::new(&vec![0; len]).err(),
                Some(MlKemError::EncapsulationKeyLength)
            );
        }
        // All-ones: every 12-bit coefficient is 4095 >= q.
        assert_eq!(
            EncapsulationKey::new(&[0xFF; ENCAPSULATION_KEY_LEN]).err(),
            Some(MlKemError::EncapsulationKeyModulus)
        );
    }
}
