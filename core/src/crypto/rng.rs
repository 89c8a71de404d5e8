//! The generator a [`Client`](crate::Client) draws every secret from:
//! identity, prekey, ephemeral, ratchet and ML-KEM keys, and (through the
//! openmls provider) every MLS secret.
//!
//! [`SecretRng::os`] asks the operating system's generator (`getrandom`)
//! for every request. The process keeps no generator state, so a memory
//! snapshot regenerates neither the secrets drawn before it nor the ones
//! drawn after. A userspace stream seeded once (what the Client used
//! before) holds, in its key and counter, every output since the seed.
//!
//! [`SecretRng::seeded`] is exactly such a stream (ChaCha20 from a fixed
//! seed): deterministic, for tests, benchmarks and known-answer vectors
//! only. Its state in memory, or its seed, regenerates every secret it
//! drew, before and after.
//!
//! Drawing cannot fail in the types the protocol code takes (`CryptoRng`):
//! when the system generator fails, the request is filled with zeros and
//! the generator remembers it; [`SecretRng::check`] then fails, and the
//! Client calls it before it commits or hands out anything, so an output
//! made from a failed draw is never stored or returned.

use std::cell::{Cell, RefCell};
use std::convert::Infallible;

use openmls_traits::random::OpenMlsRand;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng, TryCryptoRng, TryRng};

/// Where a Client's secrets come from. Shared by reference within one
/// operation (openmls draws through `&self`), never across threads.
pub(crate) struct SecretRng {
    /// `None`: the operating system's generator.
    seeded: Option<RefCell<ChaCha20Rng>>,
    /// A request the system generator could not serve since the last
    /// [`SecretRng::check`].
    failed: Cell<bool>,
}

impl std::fmt::Debug for SecretRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.seeded.is_some() {
            "SecretRng::Seeded"
        } else {
            "SecretRng::Os"
        })
    }
}

/// The system generator failed (what [`SecretRng::check`] and openmls's
/// draws report).
#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed")]
pub(crate) struct RandomnessUnavailable;

impl SecretRng {
    /// Every request from the operating system.
    pub(crate) fn os() -> Self {
        Self {
            seeded: None,
            failed: Cell::new(false),
        }
    }

    /// A deterministic ChaCha20 stream: tests, benchmarks and vectors only.
    pub(crate) fn seeded(seed: [u8; 32]) -> Self {
        Self {
            seeded: Some(RefCell::new(ChaCha20Rng::from_seed(seed))),
            failed: Cell::new(false),
        }
    }

    /// Fills `dest`; see the module docs for what a failure does.
    pub(crate) fn fill(&self, dest: &mut [u8]) {
        match &self.seeded {
            Some(stream) => stream.borrow_mut().fill_bytes(dest),
            None => {
                if getrandom::fill(dest).is_err() {
                    dest.fill(0);
                    self.failed.set(true);
                }
            }
        }
    }

    /// Whether every request since the last check was served; clears the
    /// record of a failure.
    ///
    /// # Errors
    /// [`RandomnessUnavailable`] when one was not.
    pub(crate) fn check(&self) -> Result<(), RandomnessUnavailable> {
        if self.failed.replace(false) {
            Err(RandomnessUnavailable)
        } else {
            Ok(())
        }
    }

    /// As [`SecretRng::check`] but keeps the record of a failure, so that
    /// the operation's own check still sees it whatever openmls does with
    /// the error.
    fn served(&self) -> Result<(), RandomnessUnavailable> {
        if self.failed.get() {
            Err(RandomnessUnavailable)
        } else {
            Ok(())
        }
    }

    /// What a memory snapshot of the generator holds: a copy of its state
    /// (none for the system generator).
    #[cfg(test)]
    pub(crate) fn snapshot(&self) -> SecretRng {
        SecretRng {
            seeded: self
                .seeded
                .as_ref()
                .map(|stream| RefCell::new(stream.borrow().clone())),
            failed: Cell::new(false),
        }
    }

    #[cfg(test)]
    pub(crate) fn fail_next(&self) {
        self.failed.set(true);
    }
}

impl TryRng for SecretRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.fill(&mut bytes);
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes);
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dest);
        Ok(())
    }
}

impl TryCryptoRng for SecretRng {}

/// openmls's randomness (leaf, path, init and encryption secrets) from
/// the same generator, instead of the ChaCha20 stream that
/// `openmls_rust_crypto` seeds once and keeps for the provider's life.
impl OpenMlsRand for SecretRng {
    type Error = RandomnessUnavailable;

    fn random_array<const N: usize>(&self) -> Result<[u8; N], Self::Error> {
        let mut out = [0u8; N];
        self.fill(&mut out);
        self.served().map(|()| out)
    }

    fn random_vec(&self, len: usize) -> Result<Vec<u8>, Self::Error> {
        let mut out = vec![0u8; len];
        self.fill(&mut out);
        self.served().map(|()| out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(rng: &SecretRng) -> [u8; 32] {
        let mut out = [0u8; 32];
        rng.fill(&mut out);
        out
    }

    #[test]
    fn a_snapshot_of_the_system_generator_does_not_predict_its_next_secret() {
        let rng = SecretRng::os();
        draw(&rng);
        let copy = rng.snapshot();
        assert_ne!(draw(&copy), draw(&rng));
        assert!(rng.check().is_ok());
    }

    #[test]
    fn a_snapshot_of_a_seeded_stream_predicts_it_which_is_what_it_gives_up() {
        let rng = SecretRng::seeded([7; 32]);
        draw(&rng);
        let copy = rng.snapshot();
        assert_eq!(draw(&copy), draw(&rng));
    }

    #[test]
    fn openmls_draws_from_the_same_generator() {
        let a = SecretRng::seeded([9; 32]);
        let b = SecretRng::seeded([9; 32]);
        let from_openmls = a.random_vec(48).unwrap();
        let mut direct = [0u8; 48];
        b.fill(&mut direct);
        assert_eq!(from_openmls, direct);
        assert_eq!(a.random_array::<16>().unwrap(), draw(&b)[..16]);
    }

    #[test]
    fn a_failed_draw_is_reported_once_and_to_openmls() {
        let rng = SecretRng::os();
        rng.fail_next();
        assert!(rng.random_vec(16).is_err());
        assert!(rng.check().is_err(), "openmls's error does not hide it");
        rng.fail_next();
        assert!(rng.check().is_err());
        assert!(rng.check().is_ok(), "the record of a failure is cleared");
    }
}
