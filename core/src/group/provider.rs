//! The openmls provider of one group operation: openmls's RustCrypto for
//! cryptography, the client's [`SecretRng`] for randomness (not the
//! ChaCha20 stream RustCrypto seeds once and keeps), and a
//! [`GroupStorage`] overlay on Sealkit's store, so that everything openmls
//! writes joins the operation's single transaction.

use openmls_rust_crypto::RustCrypto;
use openmls_traits::OpenMlsProvider;

use super::storage::GroupStorage;
use crate::crypto::rng::SecretRng;

pub(super) struct Provider<'a> {
    pub(super) crypto: &'a RustCrypto,
    pub(super) rand: &'a SecretRng,
    pub(super) storage: GroupStorage<'a>,
}

impl<'a> OpenMlsProvider for Provider<'a> {
    type CryptoProvider = RustCrypto;
    type RandProvider = SecretRng;
    type StorageProvider = GroupStorage<'a>;

    fn storage(&self) -> &Self::StorageProvider {
        &self.storage
    }

    fn crypto(&self) -> &Self::CryptoProvider {
        self.crypto
    }

    fn rand(&self) -> &Self::RandProvider {
        self.rand
    }
}
