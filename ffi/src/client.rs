//! [`SealkitClient`]: a uniffi object over [`sealkit::Client`]. Each method
//! converts its arguments, calls the core method of the same name and maps
//! the result; see the core docs for what each operation guarantees. The
//! group and media methods of the client are exported from `group.rs` and
//! `media.rs`.

use sealkit::file::Recipient;
use sealkit::store::{MemoryStore, SqliteStore};
use sealkit::{Client, IdentityKey, PrekeyBundle};
use zeroize::Zeroizing;

use crate::address::DeviceAddress;
use crate::error::SealkitError;

/// Length of the key that encrypts a SQLite store at rest.
const STORAGE_KEY_LEN: usize = 32;

/// A decrypted message.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Decrypted {
    /// The device that sent it, authenticated by the session.
    pub sender: DeviceAddress,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}

/// A message decrypted with a receipt: the client keeps it until the app
/// acknowledges `id` (see [`SealkitClient::decrypt_with_receipt`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Received {
    /// The message's 32-byte id: the same for every delivery of its
    /// envelope. The app stores the message under it.
    pub id: Vec<u8>,
    /// The device that sent it, authenticated by the session.
    pub sender: DeviceAddress,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}

impl From<sealkit::Received> for Received {
    fn from(received: sealkit::Received) -> Self {
        Self {
            id: received.id.as_bytes().to_vec(),
            sender: (&received.sender).into(),
            plaintext: received.plaintext,
        }
    }
}

/// One device's end-to-end encryption client. Safe to share between
/// threads; calls are serialised.
#[derive(Debug, uniffi::Object)]
pub struct SealkitClient {
    inner: Client,
}

impl SealkitClient {
    /// The core client, for the methods exported from other modules
    /// (groups, media).
    pub(crate) fn core(&self) -> &Client {
        &self.inner
    }
}

#[uniffi::export]
impl SealkitClient {
    /// Opens a client whose state lives in memory only and is lost when the
    /// object is dropped. For tests and ephemeral devices.
    ///
    /// # Errors
    /// `InvalidInput` for an empty or too long id.
    #[uniffi::constructor]
    pub fn open_in_memory(user_id: String, device_id: String) -> Result<Self, SealkitError> {
        let inner = Client::open(MemoryStore::new(), &user_id, &device_id)?;
        Ok(Self { inner })
    }

    /// Opens (or creates) a client whose state is kept in the SQLite file at
    /// `path`, every record encrypted under `storage_key` (32 bytes, e.g.
    /// from the platform keychain).
    ///
    /// # Errors
    /// `InvalidInput` when `storage_key` is not 32 bytes, for an invalid
    /// id, or when the file belongs to another device; `Storage` when the
    /// file cannot be opened or the key does not open it.
    #[uniffi::constructor]
    pub fn open_sqlite(
        path: String,
        storage_key: Vec<u8>,
        user_id: String,
        device_id: String,
    ) -> Result<Self, SealkitError> {
        Self::open_sqlite_anchored(path, storage_key, user_id, device_id, 0)
    }

    /// As `open_sqlite`, refusing a database older than `anchor`: the
    /// `store_generation()` the app last saved outside the database (in the
    /// platform keychain). A restored backup or an old copy of the file is
    /// refused with `RolledBack` instead of reusing the keys it holds.
    /// Several clients (an app and its notification extension) may open
    /// the same file: their calls take turns.
    ///
    /// # Errors
    /// As `open_sqlite`, and `RolledBack` when the database is older than
    /// `anchor` or one of its records was written back from an older copy.
    #[uniffi::constructor]
    pub fn open_sqlite_anchored(
        path: String,
        storage_key: Vec<u8>,
        user_id: String,
        device_id: String,
        anchor: u64,
    ) -> Result<Self, SealkitError> {
        let storage_key = Zeroizing::new(storage_key);
        let storage_key: Zeroizing<[u8; STORAGE_KEY_LEN]> =
            Zeroizing::new(storage_key.as_slice().try_into().map_err(|_| {
                SealkitError::invalid_input(format!(
                    "storage key must be {STORAGE_KEY_LEN} bytes, got {}",
                    storage_key.len()
                ))
            })?);
        let store =
            SqliteStore::open_anchored(path, &storage_key, anchor).map_err(sealkit::Error::from)?;
        let inner = Client::open(store, &user_id, &device_id)?;
        Ok(Self { inner })
    }

    /// The store's generation after this client's last call: save it
    /// outside the database and pass it to `open_sqlite_anchored`.
    ///
    /// # Errors
    /// `Closed` after `close()`.
    pub fn store_generation(&self) -> Result<u64, SealkitError> {
        Ok(self.inner.store_generation()?)
    }

    /// Closes the client and its store (the SQLite file is checkpointed and
    /// closed). Every later call fails with `Closed`; closing twice does
    /// nothing.
    ///
    /// # Errors
    /// None (also after a panic in an earlier call).
    pub fn close(&self) -> Result<(), SealkitError> {
        Ok(self.inner.close()?)
    }

    /// This device's address.
    pub fn address(&self) -> DeviceAddress {
        self.inner.address().into()
    }

    /// This device's public identity key (64 bytes).
    pub fn identity(&self) -> Vec<u8> {
        self.inner.identity().to_bytes().to_vec()
    }

    /// This device's identity as a file recipient (`sealkit1-x25519-...`,
    /// its X25519 key), for `encrypt_file_to_recipients` on another device.
    ///
    /// # Errors
    /// `InvalidInput` (never for a valid identity).
    pub fn file_recipient(&self) -> Result<String, SealkitError> {
        Ok(Recipient::from_device(self.inner.identity())?.to_string())
    }

    /// Decrypts the file at `input_path`, sealed to this device (to its
    /// `file_recipient()`), into `output_path`, with the device's identity
    /// key, which never leaves the client. On any failure `output_path` is
    /// not created (nor replaced).
    ///
    /// # Errors
    /// `Decrypt` when the file is not sealed to this device, or is tampered
    /// or truncated; `InvalidInput` for a file under a raw key (decrypt it
    /// with its file key); `Decode`; `Io`.
    pub fn decrypt_file(
        &self,
        input_path: String,
        output_path: String,
    ) -> Result<(), SealkitError> {
        let decryptor = self
            .inner
            .open_file(crate::file::open_input(&input_path)?)?;
        crate::file::write_decrypted(decryptor, &output_path)
    }

    /// Generates `one_time_count` new one-time prekeys of each kind and
    /// returns the encoded bundle to publish on the key server.
    ///
    /// # Errors
    /// `InvalidInput` above the per-call bound, `Storage`.
    pub fn prekey_bundle(&self, one_time_count: u32) -> Result<Vec<u8>, SealkitError> {
        Ok(self.inner.prekey_bundle(one_time_count)?.encode())
    }

    /// Replaces the signed prekeys, keeping a few older ones so messages
    /// built from a recently fetched bundle still open. Publish a new bundle
    /// afterwards.
    ///
    /// # Errors
    /// `Storage`.
    pub fn rotate_signed_prekeys(&self) -> Result<(), SealkitError> {
        Ok(self.inner.rotate_signed_prekeys()?)
    }

    /// Encrypts `plaintext` for `peer` and returns the envelope to deliver.
    /// Without a session, starts one from `bundle` (an encoded bundle for
    /// one session, see `take_bundle_for_session`).
    ///
    /// # Errors
    /// `NoSession` without a session or bundle, `Decode` for a malformed
    /// bundle, `BadSignature`, `UntrustedIdentity`, `InvalidInput` for a
    /// bundle of another device or an oversized plaintext, `Storage`.
    pub fn encrypt(
        &self,
        peer: DeviceAddress,
        bundle: Option<Vec<u8>>,
        plaintext: Vec<u8>,
    ) -> Result<Vec<u8>, SealkitError> {
        let peer = peer.to_core()?;
        let bundle = bundle
            .map(|bytes| PrekeyBundle::decode(&bytes))
            .transpose()?;
        Ok(self.inner.encrypt(&peer, bundle.as_ref(), &plaintext)?)
    }

    /// Decrypts an envelope addressed to this device.
    ///
    /// # Errors
    /// `Decode` for malformed bytes, `WrongRecipient`, `Decrypt` when
    /// tampered, `Duplicate` for a replay, `TooFarAhead`,
    /// `UntrustedIdentity`, `PrekeyUnavailable`, `NoSession`, `Storage`. In
    /// every case nothing changed.
    pub fn decrypt(&self, envelope: Vec<u8>) -> Result<Decrypted, SealkitError> {
        let decrypted = self.inner.decrypt(&envelope)?;
        Ok(Decrypted {
            sender: (&decrypted.sender).into(),
            plaintext: decrypted.plaintext,
        })
    }

    /// Decrypts as [`SealkitClient::decrypt`] does and keeps the message
    /// (sealed in the store, in the same commit) until
    /// [`SealkitClient::acknowledge`]: a redelivery of the same envelope
    /// returns the same message and id, and
    /// [`SealkitClient::unacknowledged`] lists it after a crash. Store the
    /// message by its id, then acknowledge it, then acknowledge the
    /// envelope to the server: every message reaches the app exactly once.
    ///
    /// # Errors
    /// As `decrypt`; `Duplicate` once the message was acknowledged (the
    /// app has it: drop the envelope).
    pub fn decrypt_with_receipt(&self, envelope: Vec<u8>) -> Result<Received, SealkitError> {
        Ok(self.inner.decrypt_with_receipt(&envelope)?.into())
    }

    /// Deletes the kept copy of message `id` once the app has stored it.
    /// Returns whether it was still kept; acknowledging again does nothing.
    ///
    /// # Errors
    /// `InvalidInput` when `id` is not 32 bytes, `Storage`, `Closed`.
    pub fn acknowledge(&self, id: Vec<u8>) -> Result<bool, SealkitError> {
        let id: [u8; 32] = id
            .try_into()
            .map_err(|_| SealkitError::invalid_input("a message id is 32 bytes"))?;
        Ok(self
            .inner
            .acknowledge(&sealkit::MessageId::from_bytes(id))?)
    }

    /// The messages decrypted with a receipt and not yet acknowledged, in
    /// the order they were decrypted.
    ///
    /// # Errors
    /// `Storage`, `Closed`.
    pub fn unacknowledged(&self) -> Result<Vec<Received>, SealkitError> {
        Ok(self
            .inner
            .unacknowledged()?
            .into_iter()
            .map(Received::from)
            .collect())
    }

    /// The 60-digit safety number between this device and `peer`, the same
    /// on both devices.
    ///
    /// # Errors
    /// `UnknownIdentity` when no identity is known for `peer`,
    /// `InvalidInput`.
    pub fn safety_number(&self, peer: DeviceAddress) -> Result<String, SealkitError> {
        let peer = peer.to_core()?;
        Ok(self.inner.safety_number(&peer)?.digits().to_owned())
    }

    /// The QR payload this device shows so `peer` can scan and verify it.
    ///
    /// # Errors
    /// As [`SealkitClient::safety_number`].
    pub fn safety_qr_payload(&self, peer: DeviceAddress) -> Result<Vec<u8>, SealkitError> {
        let peer = peer.to_core()?;
        Ok(self.inner.safety_number(&peer)?.qr_payload())
    }

    /// Whether a QR payload scanned from `peer`'s screen matches the
    /// identities this device has for both sides.
    ///
    /// # Errors
    /// `Decode` when `scanned` is not a safety-number payload; otherwise as
    /// [`SealkitClient::safety_number`].
    pub fn verify_safety_qr(
        &self,
        peer: DeviceAddress,
        scanned: Vec<u8>,
    ) -> Result<bool, SealkitError> {
        let peer = peer.to_core()?;
        Ok(self
            .inner
            .safety_number(&peer)?
            .verify_qr_payload(&scanned)?)
    }

    /// The devices this client has a session with.
    ///
    /// # Errors
    /// `Storage`.
    pub fn sessions(&self) -> Result<Vec<DeviceAddress>, SealkitError> {
        Ok(self
            .inner
            .sessions()?
            .iter()
            .map(DeviceAddress::from)
            .collect())
    }

    /// The identity key (64 bytes) trusted for `peer`, if any.
    ///
    /// # Errors
    /// `InvalidInput`, `Storage`.
    pub fn trusted_identity(&self, peer: DeviceAddress) -> Result<Option<Vec<u8>>, SealkitError> {
        let peer = peer.to_core()?;
        Ok(self
            .inner
            .trusted_identity(&peer)?
            .map(|identity| identity.to_bytes().to_vec()))
    }

    /// Trusts `identity` (64 bytes) for `peer` after the user verified it,
    /// replacing any previous one; sessions with an old identity are deleted.
    ///
    /// # Errors
    /// `Decode` when `identity` is not a valid identity key, `InvalidInput`,
    /// `Storage`.
    pub fn trust_identity(
        &self,
        peer: DeviceAddress,
        identity: Vec<u8>,
    ) -> Result<(), SealkitError> {
        let peer = peer.to_core()?;
        let identity = IdentityKey::from_bytes(&identity)?;
        Ok(self.inner.trust_identity(&peer, &identity)?)
    }
}
