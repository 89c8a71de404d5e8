//! Thin wrappers over the primitives Sealkit uses (RustCrypto, dalek, and
//! for sessions aws-lc-rs and libcrux; ADR 0008), so that every module calls
//! them the same way. Nothing here is a new primitive.

pub(crate) mod aead;
pub(crate) mod kdf;
pub(crate) mod mlkem;
pub(crate) mod rng;
pub(crate) mod secret;
pub(crate) mod x25519;

#[cfg(test)]
mod tests;
