//! A group member is a Sealkit device: its MLS credential names the device
//! and carries its identity key, and its MLS signature key is that
//! identity's Ed25519 key, so the leaf is signed by the device itself.
//!
//! Credential (an MLS `BasicCredential` whose identity is these bytes,
//! version 1, see `docs/format/group.md`):
//! `u8 version = 1 ‖ DeviceAddress ‖ IdentityKey (64 bytes)`.

use openmls::prelude::{
    BasicCredential, Credential, CredentialType, CredentialWithKey, SignaturePublicKey,
};
use openmls_traits::signatures::{Signer, SignerError};
use openmls_traits::types::SignatureScheme;

use crate::codec::{DecodeError, Reader, Writer};
use crate::identity::{DeviceAddress, IDENTITY_KEY_LEN, IdentityKey, IdentityKeyPair};

const CREDENTIAL_VERSION: u8 = 1;

/// Signs MLS messages and leaves with the device's identity key.
pub(crate) struct DeviceSigner<'a>(pub(crate) &'a IdentityKeyPair);

impl Signer for DeviceSigner<'_> {
    fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, SignerError> {
        Ok(self.0.sign(payload).to_vec())
    }

    fn signature_scheme(&self) -> SignatureScheme {
        SignatureScheme::ED25519
    }
}

/// The credential and signature key this device uses in every group.
pub(crate) fn credential_with_key(
    address: &DeviceAddress,
    identity: &IdentityKey,
) -> CredentialWithKey {
    let mut w = Writer::default();
    w.u8(CREDENTIAL_VERSION);
    address.write(&mut w);
    w.raw(&identity.to_bytes());
    CredentialWithKey {
        credential: BasicCredential::new(w.into_bytes()).into(),
        signature_key: SignaturePublicKey::from(identity.signing_key_bytes().to_vec()),
    }
}

/// A member's credential as read from the tree, before its identity key is
/// decoded (decoding an Ed25519 point costs microseconds, and openmls has
/// already verified the leaf with it).
pub(crate) struct RawMember {
    pub(crate) address: DeviceAddress,
    pub(crate) identity: [u8; IDENTITY_KEY_LEN],
}

impl RawMember {
    /// The identity key, decoded and checked.
    pub(crate) fn identity_key(&self) -> Result<IdentityKey, DecodeError> {
        IdentityKey::read(&mut Reader::new(&self.identity))
    }
}

/// Reads a member's credential and, given the leaf's signature key, checks
/// that it is the Ed25519 half of the identity the credential names.
pub(crate) fn read_credential(
    credential: &Credential,
    signature_key: Option<&[u8]>,
) -> Result<RawMember, DecodeError> {
    // A basic credential's content is its identity bytes (openmls's
    // `BasicCredential::try_from`), read here without copying the credential.
    if credential.credential_type() != CredentialType::Basic {
        return Err(DecodeError::Invalid("credential is not a basic credential"));
    }
    let mut r = Reader::new(credential.serialized_content());
    let version = r.u8()?;
    if version != CREDENTIAL_VERSION {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let address = DeviceAddress::read(&mut r)?;
    let identity = r.array::<IDENTITY_KEY_LEN>()?;
    r.finish()?;
    // The identity key's encoding is Ed25519 (32 bytes) then X25519.
    if signature_key.is_some_and(|key| identity.get(..32) != Some(key)) {
        return Err(DecodeError::Invalid(
            "leaf signature key is not the credential's identity key",
        ));
    }
    Ok(RawMember { address, identity })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn credential_round_trips_and_binds_the_signature_key() {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        let identity = IdentityKeyPair::generate(&mut rng);
        let other = IdentityKeyPair::generate(&mut rng);
        let address = DeviceAddress::new("alice", "phone").unwrap();
        let cwk = credential_with_key(&address, identity.public());
        let read = read_credential(&cwk.credential, Some(cwk.signature_key.as_slice())).unwrap();
        assert_eq!(read.address, address);
        assert_eq!(&read.identity_key().unwrap(), identity.public());
        assert!(
            read_credential(&cwk.credential, Some(&other.public().signing_key_bytes())).is_err()
        );
    }

    #[test]
    fn foreign_credentials_are_rejected() {
        let credential: Credential = BasicCredential::new(b"alice".to_vec()).into();
        assert!(read_credential(&credential, Some(&[0; 32])).is_err());
    }
}
