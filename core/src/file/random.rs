//! The generator to pass to the file functions that take one.

use std::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

use super::FileError;
use crate::crypto::rng::SecretRng;

/// The operating system's generator, for [`FileEncryptor`](super::FileEncryptor),
/// [`encrypt_in_memory`](super::encrypt_in_memory) and
/// [`FileIdentity::generate_x25519`](super::FileIdentity::generate_x25519)
/// and its kin.
///
/// Every request goes to the system (`getrandom`): the generator keeps no
/// state, so no copy of its memory regenerates the file keys, salts and
/// HPKE ephemerals it drew. (A userspace stream seeded from the system, such
/// as `ChaCha20Rng`, holds in its key and counter every output it gave, and
/// leaves them on the stack and heap wherever it is moved or dropped.)
///
/// The functions take an infallible `CryptoRng`, so a request the system
/// cannot serve is filled with zeros and remembered: call
/// [`SystemRng::check`] before using or handing out anything made with it.
#[derive(Debug)]
pub struct SystemRng(SecretRng);

impl SystemRng {
    /// The system's generator.
    pub fn new() -> Self {
        Self(SecretRng::os())
    }

    /// Whether every request since the last check was served.
    ///
    /// # Errors
    /// [`FileError::Internal`] when one was not (it was filled with zeros):
    /// discard whatever was made with this generator since the last check.
    pub fn check(&self) -> Result<(), FileError> {
        self.0
            .check()
            .map_err(|_| FileError::Internal("no system randomness".into()))
    }
}

impl Default for SystemRng {
    fn default() -> Self {
        Self::new()
    }
}

impl TryRng for SystemRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.0.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        self.0.try_fill_bytes(dest)
    }
}

impl TryCryptoRng for SystemRng {}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read as _, Write as _};

    use super::*;
    use crate::file::{FileDecryptor, FileEncryptor, FileIdentity, FileOptions};

    #[test]
    fn a_file_sealed_to_an_identity_with_the_system_generator_opens_for_it() {
        let mut rng = SystemRng::new();
        let identity = FileIdentity::generate_x25519(&mut rng);
        let (mut encryptor, _file_key) = FileEncryptor::to_recipients(
            Vec::new(),
            &[identity.recipient()],
            FileOptions::default(),
            &mut rng,
        )
        .unwrap();
        encryptor.write_all(b"quarterly report").unwrap();
        let sealed = encryptor.finish().unwrap();
        rng.check().unwrap();

        let mut opened = Vec::new();
        FileDecryptor::with_identity(Cursor::new(sealed), &identity)
            .unwrap()
            .read_to_end(&mut opened)
            .unwrap();
        assert_eq!(opened, b"quarterly report");
    }

    #[test]
    fn two_draws_differ_and_a_failed_request_is_reported_once() {
        let mut rng = SystemRng::new();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        rng.try_fill_bytes(&mut a).unwrap();
        rng.try_fill_bytes(&mut b).unwrap();
        assert_ne!(a, b);
        assert!(rng.check().is_ok());
        rng.0.fail_next();
        assert!(matches!(rng.check(), Err(FileError::Internal(_))));
        assert!(rng.check().is_ok());
    }
}
