//! A whole file in memory, on all cores: [`encrypt_in_memory`] and
//! [`encrypt_in_memory_into`] take the header from
//! [`protocol::seal_header`], size the output once, and seal every full
//! chunk straight into its slot of the output, spread over the rayon pool
//! with the `parallel` feature (one core on wasm or without it), then the
//! last chunk. The bytes are those a [`FileEncryptor`](super::FileEncryptor)
//! writes for the same key, options and random source.
//!
//! No chunk is staged or copied twice: each slot gets its plaintext copied
//! in and sealed in place. Into a reused buffer of the right length
//! ([`encrypt_in_memory_into`]) the chunks allocate nothing and map no new
//! memory.

use rand_core::CryptoRng;

use super::cipher::ChunkCipher;
use super::key::FileKey;
use super::protocol;
use super::{CHUNK_TAG_LEN, FileError, FileOptions};

/// Seals consecutive full chunks from index 0, none of them last, into
/// `out` as [`ChunkCipher::seal_chunks_into`] does, but on all cores with
/// the `parallel` feature (the copy into each slot included); the same bytes
/// either way.
fn seal_chunks_on_all_cores(
    cipher: &ChunkCipher,
    plaintext: &[u8],
    chunk_size: usize,
    out: &mut [u8],
) -> Result<(), FileError> {
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    {
        use rayon::prelude::*;
        if plaintext.len() > chunk_size {
            return out
                .par_chunks_mut(chunk_size + CHUNK_TAG_LEN)
                .zip(plaintext.par_chunks(chunk_size))
                .enumerate()
                .try_for_each(|(i, (slot, chunk))| {
                    cipher.seal_chunk_into(i as u64, chunk_size, chunk, slot)
                });
        }
    }
    cipher.seal_chunks_into(0, plaintext, chunk_size, out)
}

/// Encrypts a whole buffer at once (all chunks in parallel with the
/// `parallel` feature): the same bytes as streaming it through a
/// [`FileEncryptor`](super::FileEncryptor) with the same key and salt source.
///
/// # Errors
/// [`FileError::InvalidChunkSize`].
pub fn encrypt_in_memory<R: CryptoRng>(
    plaintext: &[u8],
    key: &FileKey,
    options: FileOptions,
    rng: &mut R,
) -> Result<Vec<u8>, FileError> {
    let (header, cipher) = start_in_memory(key, options, rng)?;
    // One zeroed allocation of the final size (fresh pages from the system
    // for large files, mapped in by whichever core first writes them); the
    // chunks are sealed into it in place.
    let mut out = vec![0u8; sealed_len(plaintext.len(), &header, options)];
    seal_in_memory(plaintext, &header, &cipher, options, &mut out)?;
    Ok(out)
}

/// [`encrypt_in_memory`] into a caller's buffer, reusing its memory: `out`
/// is overwritten with the encrypted file and resized to its length. When
/// `out` already has that length (the same size of file again) no byte of it
/// is written twice and no memory is mapped, so the sealing runs at the
/// speed of the cores rather than of the kernel's page faults. Same bytes as
/// [`encrypt_in_memory`].
///
/// # Errors
/// [`FileError::InvalidChunkSize`]; `out` is then left as it was.
pub fn encrypt_in_memory_into<R: CryptoRng>(
    plaintext: &[u8],
    key: &FileKey,
    options: FileOptions,
    rng: &mut R,
    out: &mut Vec<u8>,
) -> Result<(), FileError> {
    let (header, cipher) = start_in_memory(key, options, rng)?;
    out.resize(sealed_len(plaintext.len(), &header, options), 0);
    seal_in_memory(plaintext, &header, &cipher, options, out)
}

/// The header and the chunk cipher of a new in-memory file.
fn start_in_memory<R: CryptoRng>(
    key: &FileKey,
    options: FileOptions,
    rng: &mut R,
) -> Result<(Vec<u8>, ChunkCipher), FileError> {
    let (header, payload) = protocol::seal_header(key, options, &[], rng)?;
    Ok((header, payload.into_cipher()))
}

/// Length of the encrypted file: header, every chunk, one tag per chunk
/// (an empty plaintext is one empty last chunk).
fn sealed_len(plaintext_len: usize, header: &[u8], options: FileOptions) -> usize {
    let chunk_size = options.chunk_size as usize;
    let chunks = plaintext_len.saturating_sub(1) / chunk_size + 1;
    header.len() + plaintext_len + chunks * CHUNK_TAG_LEN
}

/// Writes every byte of `out` (exactly [`sealed_len`] long): the header,
/// the full chunks (in parallel with the `parallel` feature), the last chunk.
fn seal_in_memory(
    plaintext: &[u8],
    header: &[u8],
    cipher: &ChunkCipher,
    options: FileOptions,
    out: &mut [u8],
) -> Result<(), FileError> {
    let chunk_size = options.chunk_size as usize;
    let full_before_last = plaintext.len().saturating_sub(1) / chunk_size;
    let body = full_before_last * chunk_size;
    let sealed_body = full_before_last * (chunk_size + CHUNK_TAG_LEN);
    let last = plaintext.get(body..).unwrap_or_default();
    // `out` is exactly `sealed_len` long (both callers size it so); a
    // mismatch is refused rather than a panic.
    let wrong_length = || FileError::Io("in-memory output of the wrong length".into());
    let (head, rest) = out
        .split_at_mut_checked(header.len())
        .ok_or_else(wrong_length)?;
    head.copy_from_slice(header);
    let (sealed, tail) = rest
        .split_at_mut_checked(sealed_body)
        .ok_or_else(wrong_length)?;
    seal_chunks_on_all_cores(
        cipher,
        plaintext.get(..body).unwrap_or_default(),
        chunk_size,
        sealed,
    )?;
    let (last_body, last_tag) = tail
        .split_at_mut_checked(last.len())
        .ok_or_else(wrong_length)?;
    if last_tag.len() != CHUNK_TAG_LEN {
        return Err(wrong_length());
    }
    last_body.copy_from_slice(last);
    let tag = cipher.seal_detached(full_before_last as u64, true, last_body)?;
    last_tag.copy_from_slice(&tag);
    Ok(())
}
