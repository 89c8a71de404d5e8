//! # Sealkit
//!
//! An embeddable end-to-end encryption engine. A [`Client`] owns one
//! device's identity and all its protocol state, kept in a [`store::Store`];
//! it turns plaintext into envelopes that only the intended device can open.
//!
//! - [`identity`]: device identity keys, prekey bundles, safety numbers.
//! - [`session`]: PQXDH (X25519 + ML-KEM-768) and the Double Ratchet.
//! - [`group`]: MLS (RFC 9420) groups through openmls, state in the store.
//! - [`media`]: SFrame (RFC 9605) encryption of call media frames, keyed
//!   from a group's MLS exporter.
//! - [`file`]: streaming, seekable file encryption with HPKE recipients.
//! - [`store`]: the transactional store interface; memory and SQLite stores.
//!
//! ```
//! use sealkit::{Client, DeviceAddress, store::MemoryStore};
//!
//! let alice = Client::open(MemoryStore::new(), "alice", "phone")?;
//! let bob = Client::open(MemoryStore::new(), "bob", "laptop")?;
//!
//! // Bob publishes prekeys; the server hands Alice a bundle for one session.
//! let mut published = bob.prekey_bundle(10)?;
//! let bundle = published.take_for_session();
//!
//! let envelope = alice.encrypt(bob.address(), Some(&bundle), b"hi Bob")?;
//! let received = bob.decrypt(&envelope)?;
//! assert_eq!(received.plaintext, b"hi Bob");
//! assert_eq!(&received.sender, alice.address());
//!
//! let reply = bob.encrypt(alice.address(), None, b"hi Alice")?;
//! assert_eq!(alice.decrypt(&reply)?.plaintext, b"hi Alice");
//! assert_eq!(
//!     alice.safety_number(bob.address())?.digits(),
//!     bob.safety_number(alice.address())?.digits()
//! );
//! # Ok::<(), sealkit::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod codec;
mod crypto;
mod error;
pub mod file;
pub mod group;
pub mod identity;
pub mod media;
pub mod session;
pub mod store;
mod trust;

pub use client::{
    Client, Decrypted, MAX_PREKEYS_PER_CALL, MessageId, RETAINED_SIGNED_PREKEYS, Received,
};
pub use codec::DecodeError;
pub use error::{Error, ErrorKind};
pub use group::{GroupCommit, GroupError, GroupEvent, GroupMember, JoinedGroup, MemberTrust};
pub use identity::{DeviceAddress, IdentityKey, PrekeyBundle, SafetyNumber};
