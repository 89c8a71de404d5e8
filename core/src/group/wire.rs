//! Group bytes in and out: MLS messages (RFC 9420 section 6) parsed into
//! the kind each operation expects, and openmls's messages serialised for
//! the delivery service. No cryptography here.

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    GroupId, KeyPackage, KeyPackageIn, MlsMessageBodyIn, MlsMessageIn, MlsMessageOut,
    ProtocolMessage, ProtocolVersion, Welcome,
};
use openmls_rust_crypto::RustCrypto;

use super::errors::{library, malformed, rejected};
use super::{GroupCommit, GroupError};
use crate::error::Error;

pub(super) fn serialize(message: &MlsMessageOut) -> Result<Vec<u8>, Error> {
    message.tls_serialize_detached().map_err(library)
}

/// A commit and, when it adds devices, its welcome, as bytes.
pub(super) fn group_commit(
    commit: &MlsMessageOut,
    welcome: Option<&MlsMessageOut>,
) -> Result<GroupCommit, Error> {
    Ok(GroupCommit {
        commit: serialize(commit)?,
        welcome: welcome.map(serialize).transpose()?,
    })
}

fn parse_message(bytes: &[u8]) -> Result<MlsMessageBodyIn, Error> {
    let message = MlsMessageIn::tls_deserialize_exact(bytes).map_err(malformed)?;
    Ok(message.extract())
}

/// A welcome, for `join_group`.
pub(super) fn parse_welcome(bytes: &[u8]) -> Result<Welcome, Error> {
    match parse_message(bytes)? {
        MlsMessageBodyIn::Welcome(welcome) => Ok(welcome),
        _ => Err(malformed("not a welcome")),
    }
}

/// A key package, validated (its signature and lifetime).
pub(super) fn parse_key_package(crypto: &RustCrypto, bytes: &[u8]) -> Result<KeyPackage, Error> {
    let key_package: KeyPackageIn = match parse_message(bytes)? {
        MlsMessageBodyIn::KeyPackage(key_package) => key_package,
        _ => return Err(malformed("not a key package")),
    };
    key_package
        .validate(crypto, ProtocolVersion::Mls10)
        .map_err(|error| rejected(format!("key package: {error}")))
}

/// A message for a group: encrypted (private) framing only.
pub(super) fn protocol_message(bytes: &[u8]) -> Result<ProtocolMessage, Error> {
    match parse_message(bytes)? {
        MlsMessageBodyIn::PrivateMessage(message) => Ok(message.into()),
        // Sealkit groups encrypt every message (pure-ciphertext policy);
        // refusing plaintext framing here also keeps unauthenticated
        // public messages out of the early-message buffer.
        MlsMessageBodyIn::PublicMessage(_) => {
            Err(rejected("unencrypted (public) group messages are refused"))
        }
        MlsMessageBodyIn::Welcome(_) => Err(malformed("a welcome: pass it to join_group")),
        _ => Err(malformed("not a group message")),
    }
}

/// The group id as Sealkit's string id.
pub(super) fn group_id_string(group_id: &GroupId) -> Result<String, Error> {
    String::from_utf8(group_id.as_slice().to_vec()).map_err(|_| {
        Error::Group(GroupError::UnknownGroup {
            group_id: format!("{:02x?}", group_id.as_slice()),
        })
    })
}
