//! The openmls provider of one group operation: openmls's RustCrypto for
//! cryptography and randomness, and a [`GroupStorage`] overlay on Sealkit's
//! store, so that everything openmls writes joins the operation's single
//! transaction.

use openmls_rust_crypto::RustCrypto;
use openmls_traits::OpenMlsProvider;

use super::storage::GroupStorage;

pub(super) struct Provider<'a> {
    pub(super) crypto: &'a RustCrypto,
    pub(super) storage: GroupStorage<'a>,
}

impl<'a> OpenMlsProvider for Provider<'a> {
    type CryptoProvider = RustCrypto;
    type RandProvider = RustCrypto;
    type StorageProvider = GroupStorage<'a>;

    fn storage(&self) -> &Self::StorageProvider {
        &self.storage
    }

    fn crypto(&self) -> &Self::CryptoProvider {
        self.crypto
    }

    fn rand(&self) -> &Self::RandProvider {
        self.crypto
    }
}
