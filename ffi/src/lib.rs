//! # sealkit-ffi
//!
//! The uniffi layer of Sealkit: Swift, Kotlin and Python see the types of
//! this crate. It only converts types and maps errors; every protocol
//! decision is made by the `sealkit` crate (CONVENTIONS rule 1).
//!
//! - [`SealkitClient`]: one device's client, wrapping [`sealkit::Client`].
//! - [`DeviceAddress`], [`Decrypted`], [`BundleSplit`]: plain records.
//! - [`take_bundle_for_session`]: what a key server does with a published
//!   prekey bundle, for test servers and examples.
//! - [`SealkitError`]: the small flat error enum apps match on.
//!
//! Keys, bundles and envelopes cross the boundary as byte strings in the
//! formats of `docs/format/`.

uniffi::setup_scaffolding!();

mod address;
mod bundle;
mod client;
mod error;

pub use address::DeviceAddress;
pub use bundle::{BundleSplit, take_bundle_for_session};
pub use client::{Decrypted, SealkitClient};
pub use error::SealkitError;
