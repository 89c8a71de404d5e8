//! Files sealed to this device: the device's X25519 identity key opens the
//! file key from a header's HPKE stanza (see [`crate::file`]), and never
//! leaves the client.

use std::io::{Read, Seek};

use super::Client;
use crate::file::{FileDecryptor, FileError, FileIdentity, StreamDecryptor};

impl Client {
    /// Opens a file sealed to this device, that is to
    /// [`Recipient::from_device`]`(client.identity())`: reads the header and
    /// unwraps the file key with the device's X25519 identity key, which
    /// never leaves the client. The decryptor is seekable and decrypts only
    /// the chunks a read touches; nothing of the client's state changes.
    ///
    /// # Errors
    /// [`FileError::NotARecipient`] when the file is not sealed to this
    /// device, [`FileError::NoRecipients`] for a file under a raw key, and
    /// the header errors of [`FileDecryptor::new`].
    ///
    /// [`Recipient::from_device`]: crate::file::Recipient::from_device
    pub fn open_file<R: Read + Seek>(&self, input: R) -> Result<FileDecryptor<R>, FileError> {
        FileDecryptor::with_identity(input, &self.file_identity()?)
    }

    /// As [`Client::open_file`], for input that cannot seek (a download in
    /// progress): decrypts front to back.
    ///
    /// # Errors
    /// As [`Client::open_file`].
    pub fn open_file_stream<R: Read>(&self, input: R) -> Result<StreamDecryptor<R>, FileError> {
        StreamDecryptor::with_identity(input, &self.file_identity()?)
    }

    /// The device identity as a file identity; the lock is released before
    /// any input is read.
    fn file_identity(&self) -> Result<FileIdentity, FileError> {
        let inner = self
            .inner
            .lock()
            .map_err(|_| FileError::Internal("client lock poisoned by a panic".into()))?;
        FileIdentity::from_device(&inner.identity)
    }
}
