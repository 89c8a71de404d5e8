//! Thin wrappers over the RustCrypto primitives Sealkit uses, so that every
//! module calls them the same way. Nothing here is a new primitive.

pub(crate) mod aead;
pub(crate) mod kdf;
pub(crate) mod secret;

#[cfg(test)]
mod wycheproof_tests;
