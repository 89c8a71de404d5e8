//! Streaming file encryption ([`sealkit::file`]) for the bindings: files
//! sealed under a raw 32-byte file key (sent inside an encrypted message) or
//! to recipients (X25519 or post-quantum X-Wing public keys), from file to
//! file, in memory, or a plaintext range read back from a sealed file.
//!
//! Each function converts its arguments, calls the core and maps the
//! error; the format and every check belong to `sealkit::file`
//! (`docs/format/file.md`). What this module adds is plumbing: outputs are
//! written to a temporary file beside the destination and renamed into place
//! only on success, so a failed or tampered decryption leaves no output.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;

use sealkit::file::{
    FileDecryptor, FileEncryptor, FileIdentity, FileKey, FileOptions, Recipient, SystemRng,
    encrypt_in_memory,
};
use tempfile::NamedTempFile;
use zeroize::Zeroizing;

use crate::error::SealkitError;

/// Length of a file key.
const FILE_KEY_LEN: usize = 32;

/// Bytes read from the input and buffered for the output per system call:
/// large enough that throughput is not bound by system calls (and that the
/// encryptor seals whole batches from the caller's slice), small and fixed so
/// memory stays constant whatever the file size.
const IO_BUFFER: usize = 1 << 20;

/// A new file identity: the secret to keep, and the public recipient to give
/// to whoever encrypts files for it. An object rather than a record, so that
/// printing it (Python `repr`, logs) never shows the secret.
#[derive(uniffi::Object)]
pub struct FileIdentityKeys {
    secret: Zeroizing<String>,
    recipient: String,
}

impl std::fmt::Debug for FileIdentityKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileIdentityKeys")
            .field("secret", &"***")
            .field("recipient", &self.recipient)
            .finish()
    }
}

#[uniffi::export]
impl FileIdentityKeys {
    /// The secret identity, `SEALKIT1-X25519-SECRET-...` or
    /// `SEALKIT1-XWING-SECRET-...`. Store it like a private key.
    pub fn secret(&self) -> String {
        self.secret.as_str().to_owned()
    }

    /// The public recipient, `sealkit1-x25519-...` or `sealkit1-xwing-...`.
    pub fn recipient(&self) -> String {
        self.recipient.clone()
    }
}

/// A new random file key (32 bytes), to send inside an encrypted message
/// beside the sealed file.
///
/// # Errors
/// `Internal` when the system has no randomness.
#[uniffi::export]
pub fn generate_file_key() -> Result<Vec<u8>, SealkitError> {
    Ok(FileKey::random()?.to_bytes().to_vec())
}

/// Encrypts the file at `input_path` under `file_key` (32 bytes) into
/// `output_path`, in chunks of `chunk_size` plaintext bytes (1 KiB to 4 MiB;
/// 64 KiB when omitted). Streams: memory stays constant whatever the file
/// size. The output appears only once it is complete.
///
/// # Errors
/// `InvalidInput` for a key that is not 32 bytes or a chunk size out of
/// range; `Io` when a file cannot be read or written.
#[uniffi::export(default(chunk_size = None))]
pub fn encrypt_file(
    input_path: String,
    output_path: String,
    file_key: Vec<u8>,
    chunk_size: Option<u32>,
) -> Result<(), SealkitError> {
    let key = file_key_from(file_key)?;
    let mut options = FileOptions::default();
    if let Some(chunk_size) = chunk_size {
        options.chunk_size = chunk_size;
    }
    let mut input = BufReader::with_capacity(IO_BUFFER, open_input(&input_path)?);
    let mut rng = SystemRng::new();
    write_atomically(&output_path, |output| {
        let mut encryptor = FileEncryptor::with_options(output, &key, options, &mut rng)?;
        io::copy(&mut input, &mut encryptor)?;
        encryptor.finish()?;
        // Before the output appears: a header made from a failed draw is dropped.
        rng.check()?;
        Ok(())
    })
}

/// Decrypts the file at `input_path` (from [`encrypt_file`]) with
/// `file_key` into `output_path`. Every chunk is authenticated before it is
/// written; on any failure `output_path` is not created (nor replaced).
///
/// # Errors
/// `Decrypt` for a wrong key or a tampered or truncated file (the message
/// says which), also for a file sealed to recipients unless `file_key` is
/// the fresh key it was sealed under; `Decode` for a malformed header;
/// `InvalidInput` for a key that is not 32 bytes; `Io`.
#[uniffi::export]
pub fn decrypt_file(
    input_path: String,
    output_path: String,
    file_key: Vec<u8>,
) -> Result<(), SealkitError> {
    let key = file_key_from(file_key)?;
    let decryptor = FileDecryptor::new(open_input(&input_path)?, &key)?;
    write_decrypted(decryptor, &output_path)
}

/// Encrypts `plaintext` under `file_key` (32 bytes), in memory, with the
/// default chunk size; the same format as [`encrypt_file`].
///
/// # Errors
/// `InvalidInput` for a key that is not 32 bytes; `Internal` when the
/// system has no randomness.
#[uniffi::export]
pub fn encrypt_bytes(plaintext: Vec<u8>, file_key: Vec<u8>) -> Result<Vec<u8>, SealkitError> {
    let plaintext = Zeroizing::new(plaintext);
    let key = file_key_from(file_key)?;
    let mut rng = SystemRng::new();
    let sealed = encrypt_in_memory(&plaintext, &key, FileOptions::default(), &mut rng)?;
    rng.check()?;
    Ok(sealed)
}

/// Decrypts `sealed` (from [`encrypt_bytes`] or [`encrypt_file`]) with
/// `file_key`, in memory.
///
/// # Errors
/// As [`decrypt_file`].
#[uniffi::export]
pub fn decrypt_bytes(sealed: Vec<u8>, file_key: Vec<u8>) -> Result<Vec<u8>, SealkitError> {
    let key = file_key_from(file_key)?;
    let mut decryptor = FileDecryptor::new(Cursor::new(sealed), &key)?;
    let len = usize::try_from(decryptor.plaintext_len()?).unwrap_or(0);
    // Zeroed if a later chunk fails to authenticate.
    let mut plaintext = Zeroizing::new(Vec::with_capacity(len));
    decryptor.read_to_end(&mut plaintext)?;
    Ok(std::mem::take(&mut *plaintext))
}

/// Up to `length` plaintext bytes from `offset` of the sealed file at
/// `input_path`, decrypting only the chunks they lie in (and the last chunk,
/// which fixes the length). Returns fewer bytes at the end of the file and
/// none from beyond it.
///
/// # Errors
/// As [`decrypt_file`], for the chunks read.
#[uniffi::export]
pub fn decrypt_range(
    input_path: String,
    file_key: Vec<u8>,
    offset: u64,
    length: u64,
) -> Result<Vec<u8>, SealkitError> {
    let key = file_key_from(file_key)?;
    let mut decryptor = FileDecryptor::new(open_input(&input_path)?, &key)?;
    decryptor.seek(SeekFrom::Start(offset))?;
    // Sized up front so that reading does not regrow it, leaving copies of
    // the plaintext in freed memory (and wiped if a chunk fails).
    let available = decryptor.plaintext_len()?.saturating_sub(offset);
    let capacity = usize::try_from(available.min(length)).unwrap_or(0);
    let mut plaintext = Zeroizing::new(Vec::with_capacity(capacity));
    decryptor.take(length).read_to_end(&mut plaintext)?;
    Ok(std::mem::take(&mut *plaintext))
}

/// A new identity to receive files: X25519, or with `post_quantum` the
/// hybrid X-Wing (ML-KEM-768 + X25519).
///
/// # Errors
/// `Internal` when the system has no randomness.
#[uniffi::export]
pub fn generate_file_identity(
    post_quantum: bool,
) -> Result<std::sync::Arc<FileIdentityKeys>, SealkitError> {
    let mut rng = SystemRng::new();
    let identity = if post_quantum {
        FileIdentity::generate_xwing(&mut rng)
    } else {
        FileIdentity::generate_x25519(&mut rng)
    };
    rng.check()?;
    Ok(std::sync::Arc::new(FileIdentityKeys {
        secret: identity.to_secret_string(),
        recipient: identity.recipient().to_string(),
    }))
}

/// Encrypts the file at `input_path` to each of `recipients` (strings
/// `sealkit1-x25519-...` / `sealkit1-xwing-...`, e.g. from
/// [`generate_file_identity`] or `SealkitClient::file_recipient`) into
/// `output_path`, under a fresh file key sealed to each of them in the
/// header. The output appears only once it is complete.
///
/// # Errors
/// `InvalidInput` for no recipients or a malformed one (the message gives
/// its position); `InvalidInput` above the recipient bound (256); `Io`.
#[uniffi::export]
pub fn encrypt_file_to_recipients(
    input_path: String,
    output_path: String,
    recipients: Vec<String>,
) -> Result<(), SealkitError> {
    let recipients = recipients
        .iter()
        .enumerate()
        .map(|(position, text)| {
            text.parse::<Recipient>().map_err(|error| {
                // The text itself is not echoed: it may be a secret pasted by mistake.
                SealkitError::invalid_input(format!("recipient {position}: {error}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut input = BufReader::with_capacity(IO_BUFFER, open_input(&input_path)?);
    let mut rng = SystemRng::new();
    write_atomically(&output_path, |output| {
        let (mut encryptor, _file_key) =
            FileEncryptor::to_recipients(output, &recipients, FileOptions::default(), &mut rng)?;
        io::copy(&mut input, &mut encryptor)?;
        encryptor.finish()?;
        rng.check()?;
        Ok(())
    })
}

/// Decrypts the file at `input_path` (from [`encrypt_file_to_recipients`])
/// with the secret identity `identity_secret` into `output_path`; on any
/// failure `output_path` is not created (nor replaced).
///
/// # Errors
/// `Decrypt` when the identity is not a recipient, or for a tampered or
/// truncated file; `InvalidInput` for a malformed identity or a file with
/// no recipients (decrypt it with its file key); `Decode`; `Io`.
#[uniffi::export]
pub fn decrypt_file_with_identity(
    input_path: String,
    output_path: String,
    identity_secret: String,
) -> Result<(), SealkitError> {
    let identity_secret = Zeroizing::new(identity_secret);
    let identity = FileIdentity::from_secret_string(&identity_secret)?;
    let decryptor = FileDecryptor::with_identity(open_input(&input_path)?, &identity)?;
    write_decrypted(decryptor, &output_path)
}

/// The key from its bytes, which are wiped.
fn file_key_from(bytes: Vec<u8>) -> Result<FileKey, SealkitError> {
    let bytes = Zeroizing::new(bytes);
    let array: Zeroizing<[u8; FILE_KEY_LEN]> =
        Zeroizing::new(bytes.as_slice().try_into().map_err(|_| {
            SealkitError::invalid_input(format!(
                "file key must be {FILE_KEY_LEN} bytes, got {}",
                bytes.len()
            ))
        })?);
    Ok(FileKey::from_bytes(*array))
}

pub(crate) fn open_input(path: &str) -> Result<File, SealkitError> {
    File::open(path).map_err(|error| SealkitError::io(format!("cannot open {path}: {error}")))
}

/// Streams the plaintext of `decryptor` into `output_path`.
pub(crate) fn write_decrypted<R: Read + Seek>(
    mut decryptor: FileDecryptor<R>,
    output_path: &str,
) -> Result<(), SealkitError> {
    write_atomically(output_path, |output| {
        let mut writer = BufWriter::with_capacity(IO_BUFFER, output);
        io::copy(&mut decryptor, &mut writer)?;
        writer.flush()?;
        Ok(())
    })
}

/// Runs `write` on a new temporary file in the directory of `output_path`,
/// then syncs it and renames it to `output_path`. When `write` (or the
/// rename) fails the temporary file is removed and `output_path` untouched.
fn write_atomically(
    output_path: &str,
    write: impl FnOnce(&mut File) -> Result<(), SealkitError>,
) -> Result<(), SealkitError> {
    let output = Path::new(output_path);
    let directory = output
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = NamedTempFile::new_in(directory).map_err(|error| {
        SealkitError::io(format!(
            "cannot create a file in {}: {error}",
            directory.display()
        ))
    })?;
    write(temporary.as_file_mut())?;
    temporary.as_file().sync_all()?;
    temporary.persist(output).map_err(|error| {
        SealkitError::io(format!("cannot write {output_path}: {}", error.error))
    })?;
    Ok(())
}
