//! # sealkit-ffi
//!
//! The uniffi layer of Sealkit: Swift, Kotlin and Python see the types of
//! this crate. It only converts types and maps errors; every protocol
//! decision is made by the `sealkit` crate (the layering in `ARCHITECTURE.md`).
//!
//! - [`SealkitClient`]: one device's client, wrapping [`sealkit::Client`].
//! - [`DeviceAddress`], [`Decrypted`], [`Received`], [`BundleSplit`]: plain
//!   records.
//! - [`take_bundle_for_session`]: what a key server does with a published
//!   prekey bundle, for test servers and examples.
//! - File encryption ([`sealkit::file`]): [`generate_file_key`],
//!   [`encrypt_file`] / [`decrypt_file`] (streaming, file to file),
//!   [`encrypt_bytes`] / [`decrypt_bytes`], [`decrypt_range`]; to
//!   recipients with [`generate_file_identity`] ([`FileIdentityKeys`]),
//!   [`encrypt_file_to_recipients`], [`decrypt_file_with_identity`] and
//!   [`SealkitClient::file_recipient`].
//! - Groups ([`sealkit::group`], MLS): the group methods of
//!   [`SealkitClient`] (`key_packages`, `create_group`, `add_group_members`,
//!   `confirm_group_commit`, `join_group`, `encrypt_group`,
//!   `process_group_message`, ...), the records [`GroupCommit`],
//!   [`JoinedGroup`], [`GroupMember`] and the enum [`GroupEvent`].
//! - Media ([`sealkit::media`], SFrame): [`MediaContext`] from
//!   [`SealkitClient::group_media`], rekeyed by
//!   [`SealkitClient::rekey_group_media`]; decrypted frames are
//!   [`MediaFrame`] records.
//! - Batches ([`SealkitClient::encrypt_batch`], [`SealkitClient::decrypt_batch`]):
//!   many messages per call, for bindings whose per-call cost dwarfs the
//!   work ([`EncryptedBatch`], [`DecryptOutcome`]).
//! - [`SealkitError`]: the small flat error enum apps match on.
//!
//! Keys, bundles, envelopes, group messages and media frames cross the
//! boundary as byte strings in the formats of `docs/format/` (MLS messages in
//! the RFC 9420 wire format).

uniffi::setup_scaffolding!();

mod address;
mod batch;
mod bundle;
mod client;
mod error;
mod file;
mod group;
mod media;

pub use address::DeviceAddress;
pub use batch::{DecryptOutcome, EncryptedBatch, MAX_BATCH, max_batch};
pub use bundle::{BundleSplit, take_bundle_for_session};
pub use client::{Decrypted, Received, SealkitClient};
pub use error::SealkitError;
pub use file::{
    FileIdentityKeys, decrypt_bytes, decrypt_file, decrypt_file_with_identity, decrypt_range,
    encrypt_bytes, encrypt_file, encrypt_file_to_recipients, generate_file_identity,
    generate_file_key,
};
pub use group::{
    GroupCipherSuite, GroupCommit, GroupEvent, GroupMember, JoinedGroup, MemberTrust, ProposalKind,
    post_quantum_groups_available,
};
pub use media::{MediaContext, MediaFrame};
