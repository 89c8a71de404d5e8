//! Streaming file encryption: round trips, seeking, resuming, recipients.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sealkit::file::{
    FileDecryptor, FileEncryptor, FileError, FileIdentity, FileKey, FileOptions, MAX_RECIPIENTS,
    Recipient, StreamDecryptor, encrypt_in_memory, encrypt_in_memory_into,
};

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn encrypt(plaintext: &[u8], key: &FileKey, chunk_size: u32, seed: u8) -> Vec<u8> {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let mut encryptor =
        FileEncryptor::with_options(Vec::new(), key, FileOptions { chunk_size }, &mut rng).unwrap();
    // Odd-sized writes exercise the buffering.
    for piece in plaintext.chunks(7_777) {
        encryptor.write_all(piece).unwrap();
    }
    encryptor.finish().unwrap()
}

#[test]
fn files_of_every_size_around_chunk_boundaries_round_trip() {
    let key = FileKey::from_bytes([7; 32]);
    for len in [0, 1, 1023, 1024, 1025, 2048, 5000, 3 * 1024 + 1] {
        let plaintext = data(len);
        let sealed = encrypt(&plaintext, &key, 1024, 1);
        let mut out = Vec::new();
        FileDecryptor::new(Cursor::new(&sealed), &key)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plaintext, "seekable, len {len}");
        let mut out = Vec::new();
        StreamDecryptor::new(&sealed[..], &key)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plaintext, "streaming, len {len}");
    }
}

#[test]
fn parallel_in_memory_and_streaming_produce_the_same_bytes() {
    let key = FileKey::from_bytes([9; 32]);
    let plaintext = data(3 * 1024 * 1024 + 17);
    let streamed = encrypt(&plaintext, &key, 64 * 1024, 5);
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let in_memory = encrypt_in_memory(&plaintext, &key, FileOptions::default(), &mut rng).unwrap();
    assert_eq!(streamed, in_memory);
}

#[test]
fn encrypting_into_a_reused_buffer_gives_the_same_bytes_whatever_it_held() {
    let key = FileKey::from_bytes([8; 32]);
    let options = FileOptions { chunk_size: 1024 };
    // One buffer through files of growing, equal and shrinking sizes, as an
    // app reusing it for attachment after attachment would.
    let mut out = vec![0xAA; 100];
    for (seed, len) in [
        (1u8, 0usize),
        (2, 5000),
        (3, 5000),
        (4, 1024),
        (5, 3 * 1024 + 1),
        (6, 1),
    ] {
        let plaintext = data(len);
        encrypt_in_memory_into(
            &plaintext,
            &key,
            options,
            &mut ChaCha20Rng::from_seed([seed; 32]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, encrypt(&plaintext, &key, 1024, seed), "len {len}");
        let mut opened = Vec::new();
        FileDecryptor::new(Cursor::new(&out), &key)
            .unwrap()
            .read_to_end(&mut opened)
            .unwrap();
        assert_eq!(opened, plaintext);
    }
    // A refused chunk size leaves the buffer untouched.
    let before = out.clone();
    let error = encrypt_in_memory_into(
        b"x",
        &key,
        FileOptions { chunk_size: 1 },
        &mut ChaCha20Rng::from_seed([7; 32]),
        &mut out,
    )
    .unwrap_err();
    assert!(matches!(error, FileError::InvalidChunkSize(1)), "{error:?}");
    assert_eq!(out, before);
}

#[test]
fn seeking_decrypts_any_range() {
    let key = FileKey::from_bytes([3; 32]);
    let plaintext = data(10_000);
    let sealed = encrypt(&plaintext, &key, 1024, 2);
    let mut reader = FileDecryptor::new(Cursor::new(&sealed), &key).unwrap();
    assert_eq!(reader.seek(SeekFrom::End(0)).unwrap(), 10_000);
    for (start, len) in [(0usize, 10usize), (1020, 10), (4096, 2000), (9_990, 10)] {
        reader.seek(SeekFrom::Start(start as u64)).unwrap();
        let mut out = vec![0u8; len];
        reader.read_exact(&mut out).unwrap();
        assert_eq!(out, plaintext[start..start + len]);
    }
    reader.seek(SeekFrom::End(-5)).unwrap();
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, plaintext[9_995..]);
}

#[test]
fn an_interrupted_encryption_resumes_byte_for_byte() {
    let key = FileKey::from_bytes([4; 32]);
    let chunk = 64 * 1024;
    let plaintext = data(40 * chunk + 123);
    let whole = encrypt(&plaintext, &key, chunk as u32, 3);
    // First attempt: writes more than a batch, then the upload breaks (no finish).
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let options = FileOptions {
        chunk_size: chunk as u32,
    };
    let mut first = FileEncryptor::with_options(Vec::new(), &key, options, &mut rng).unwrap();
    first.write_all(&plaintext[..25 * chunk]).unwrap();
    let header = first.header().to_vec();
    let done = first.chunks_written();
    assert!(done > 0 && done < 25);
    // The bytes that reached the server: header + `done` chunks, all that
    // the encryptor wrote (the rest was still buffered), so nothing past
    // chunk `done` was sent.
    let uploaded = header.len() + done as usize * (chunk + 16);
    let mut resumed = FileEncryptor::resume(Vec::new(), &key, &header, done, Vec::new()).unwrap();
    resumed
        .write_all(&plaintext[done as usize * chunk..])
        .unwrap();
    let rest = resumed.finish().unwrap();
    let mut joined = whole[..uploaded].to_vec();
    joined.extend_from_slice(&rest);
    assert_eq!(joined, whole);
    // A resume with nothing left to write is refused rather than sealing an
    // empty last chunk (which would make a different file).
    let resumed = FileEncryptor::resume(Vec::new(), &key, &header, done, Vec::new()).unwrap();
    assert_eq!(resumed.finish().err(), Some(FileError::EmptyResume));
}

#[test]
fn a_client_opens_files_sealed_to_its_device_and_no_other_client_does() {
    use sealkit::Client;
    use sealkit::store::MemoryStore;
    let bob = Client::open_with_seed(MemoryStore::new(), "bob", "laptop", [2; 32]).unwrap();
    let alice = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [1; 32]).unwrap();
    let mut rng = ChaCha20Rng::from_seed([12; 32]);
    let plaintext = data(10_000);
    let (mut encryptor, _key) = FileEncryptor::to_recipients(
        Vec::new(),
        &[Recipient::from_device(bob.identity()).unwrap()],
        FileOptions { chunk_size: 1024 },
        &mut rng,
    )
    .unwrap();
    encryptor.write_all(&plaintext).unwrap();
    let sealed = encryptor.finish().unwrap();

    // Seekable: a range in the middle, then the whole file.
    let mut reader = bob.open_file(Cursor::new(&sealed)).unwrap();
    reader.seek(SeekFrom::Start(4_000)).unwrap();
    let mut middle = vec![0u8; 1_500];
    reader.read_exact(&mut middle).unwrap();
    assert_eq!(middle, plaintext[4_000..5_500]);
    let mut out = Vec::new();
    reader.seek(SeekFrom::Start(0)).unwrap();
    reader.read_to_end(&mut out).unwrap();
    assert_eq!(out, plaintext);
    // Streaming, from a reader that cannot seek.
    let mut out = Vec::new();
    bob.open_file_stream(&sealed[..])
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plaintext);

    assert_eq!(
        alice.open_file(Cursor::new(&sealed)).err(),
        Some(FileError::NotARecipient)
    );
    assert_eq!(
        alice.open_file_stream(&sealed[..]).err(),
        Some(FileError::NotARecipient)
    );
    // A file under a raw key has no stanza for any device.
    let raw = encrypt(&plaintext, &FileKey::from_bytes([4; 32]), 1024, 3);
    assert_eq!(
        bob.open_file(Cursor::new(&raw)).err(),
        Some(FileError::NoRecipients)
    );
}

#[test]
fn recipients_x25519_xwing_and_device_identities_open_the_file() {
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let x25519 = FileIdentity::generate_x25519(&mut rng);
    let xwing = FileIdentity::generate_xwing(&mut rng);
    let device = sealkit::identity::IdentityKeyPair::generate(&mut rng);
    let device_identity = FileIdentity::from_device(&device).unwrap();
    let recipients = vec![
        x25519.recipient(),
        xwing.recipient(),
        Recipient::from_device(device.public()).unwrap(),
    ];
    let plaintext = data(5_000);
    let (mut encryptor, _key) = FileEncryptor::to_recipients(
        Vec::new(),
        &recipients,
        FileOptions { chunk_size: 1024 },
        &mut rng,
    )
    .unwrap();
    encryptor.write_all(&plaintext).unwrap();
    let sealed = encryptor.finish().unwrap();
    for identity in [&x25519, &xwing, &device_identity] {
        let mut out = Vec::new();
        FileDecryptor::with_identity(Cursor::new(&sealed), identity)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plaintext);
    }
    let stranger = FileIdentity::generate_xwing(&mut rng);
    assert_eq!(
        FileDecryptor::with_identity(Cursor::new(&sealed), &stranger).err(),
        Some(FileError::NotARecipient)
    );
    // Text forms round-trip.
    let text = xwing.recipient().to_string();
    assert_eq!(text.parse::<Recipient>().unwrap().to_string(), text);
    let secret = xwing.to_secret_string();
    assert_eq!(
        FileIdentity::from_secret_string(&secret)
            .unwrap()
            .recipient()
            .to_string(),
        text
    );
}

#[test]
fn truncation_at_a_chunk_boundary_and_a_wrong_key_are_reported() {
    let key = FileKey::from_bytes([1; 32]);
    let sealed = encrypt(&data(4096), &key, 1024, 4);
    let header_len = sealed.len() - 4 * (1024 + 16);
    let cut = &sealed[..header_len + 2 * (1024 + 16)];
    let error = StreamDecryptor::new(cut, &key)
        .unwrap()
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert_eq!(FileError::from_io(&error), Some(&FileError::Truncated));
    let error = FileDecryptor::new(Cursor::new(cut), &key)
        .unwrap()
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert_eq!(FileError::from_io(&error), Some(&FileError::Truncated));
    assert_eq!(
        FileDecryptor::new(Cursor::new(&sealed), &FileKey::from_bytes([2; 32])).err(),
        Some(FileError::HeaderAuthentication)
    );
}

/// A writer that fails once it has accepted `limit` bytes (an upload that
/// breaks mid-batch).
struct BreaksAfter {
    bytes: Vec<u8>,
    limit: usize,
}

impl Write for BreaksAfter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = self.limit.saturating_sub(self.bytes.len());
        if room == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "connection lost",
            ));
        }
        let n = room.min(data.len());
        self.bytes.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn after_a_write_fails_mid_batch_chunks_written_is_a_safe_resume_point() {
    let key = FileKey::from_bytes([5; 32]);
    let chunk = 64 * 1024;
    let options = FileOptions {
        chunk_size: chunk as u32,
    };
    let plaintext = data(40 * chunk + 9);
    let whole = encrypt(&plaintext, &key, chunk as u32, 6);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let mut sink = BreaksAfter {
        bytes: Vec::new(),
        limit: 1_500_000,
    };
    let mut encryptor = FileEncryptor::with_options(&mut sink, &key, options, &mut rng).unwrap();
    let mut written = 0;
    while written < plaintext.len() {
        match encryptor.write(&plaintext[written..(written + 100_000).min(plaintext.len())]) {
            Ok(n) => written += n,
            Err(_) => break,
        }
    }
    let header = encryptor.header().to_vec();
    let done = encryptor.chunks_written() as usize;
    drop(encryptor);
    // Every chunk counted really reached the writer.
    let counted = header.len() + done * (chunk + 16);
    assert!(
        counted <= 1_500_000,
        "counted {counted} bytes, only 1.5 MB stored"
    );
    // What the writer took past the count had left too: the resumed
    // encryption must reproduce it.
    let sent = sink.bytes[counted..].to_vec();
    let mut resumed = FileEncryptor::resume(Vec::new(), &key, &header, done as u64, sent).unwrap();
    resumed.write_all(&plaintext[done * chunk..]).unwrap();
    let mut joined = whole[..counted].to_vec();
    joined.extend_from_slice(&resumed.finish().unwrap());
    assert_eq!(joined, whole);
}

/// Writes `plaintext` in 100,000-byte pieces until the writer fails.
fn write_until_it_fails<W: Write>(encryptor: &mut FileEncryptor<W>, plaintext: &[u8]) {
    let mut written = 0;
    while written < plaintext.len() {
        match encryptor.write(&plaintext[written..(written + 100_000).min(plaintext.len())]) {
            Ok(n) => written += n,
            Err(_) => break,
        }
    }
}

#[test]
fn chunks_written_counts_a_batch_only_once_the_writer_took_all_of_it() {
    let key = FileKey::from_bytes([5; 32]);
    let chunk = 64 * 1024;
    let options = FileOptions {
        chunk_size: chunk as u32,
    };
    // 16 chunks of 64 KiB per batch, each chunk 64 KiB + 16 bytes sealed.
    let batch = 16 * (chunk + 16);
    // Three batches are sealed while writing (each once data beyond it came).
    let plaintext = data(50 * chunk + 9);
    let header_len = FileEncryptor::with_options(
        Vec::new(),
        &key,
        options,
        &mut ChaCha20Rng::from_seed([6; 32]),
    )
    .unwrap()
    .header()
    .len();
    for (limit, counted) in [
        (header_len, 0),
        (header_len + 1, 0),
        (header_len + batch - 1, 0),
        (header_len + batch, 16),
        (header_len + batch + 1, 16),
        (header_len + 2 * batch - 1, 16),
        (header_len + 2 * batch, 32),
    ] {
        let mut sink = BreaksAfter {
            bytes: Vec::new(),
            limit,
        };
        let mut rng = ChaCha20Rng::from_seed([6; 32]);
        let mut encryptor =
            FileEncryptor::with_options(&mut sink, &key, options, &mut rng).unwrap();
        write_until_it_fails(&mut encryptor, &plaintext);
        assert_eq!(
            encryptor.chunks_written(),
            counted,
            "writer takes {limit} bytes"
        );
        // A failed writer stays failed: nothing more is sealed or counted.
        assert!(encryptor.write(&plaintext[..1000]).is_err());
        assert_eq!(encryptor.chunks_written(), counted);
        assert!(encryptor.finish().is_err());
        assert_eq!(sink.bytes.len(), limit, "the writer took all it could");
    }
}

// ------------------------------------------- resuming over what already left

/// Chunk size of the resume scenarios: 16 chunks per batch.
const RESUME_CHUNK: usize = 64 * 1024;
/// A sealed full chunk of the resume scenarios.
const RESUME_SEALED: usize = RESUME_CHUNK + 16;

/// An upload of `plaintext` under `key` that breaks once the writer took
/// `limit` bytes, while writing or in `finish`.
struct Interrupted {
    header: Vec<u8>,
    /// `chunks_written()` when it broke (before `finish`, if that broke).
    done: u64,
    /// Every byte the writer took: the header and the body so far.
    stored: Vec<u8>,
}

impl Interrupted {
    fn run(plaintext: &[u8], key: &FileKey, limit: usize) -> Self {
        let options = FileOptions {
            chunk_size: RESUME_CHUNK as u32,
        };
        let mut sink = BreaksAfter {
            bytes: Vec::new(),
            limit,
        };
        let mut rng = ChaCha20Rng::from_seed([6; 32]);
        let mut encryptor = FileEncryptor::with_options(&mut sink, key, options, &mut rng).unwrap();
        write_until_it_fails(&mut encryptor, plaintext);
        let header = encryptor.header().to_vec();
        let done = encryptor.chunks_written();
        assert!(
            encryptor.finish().is_err(),
            "limit {limit}: the upload broke"
        );
        Interrupted {
            header,
            done,
            stored: sink.bytes,
        }
    }

    /// What left past the start of chunk `from`.
    fn sent_from(&self, from: u64) -> Vec<u8> {
        self.stored[self.header.len() + from as usize * RESUME_SEALED..].to_vec()
    }

    /// Resumes at chunk `from` with `plaintext` (the whole file's), telling
    /// the encryptor what left past it. Returns what the resumed encryptor
    /// wrote, whether or not it failed, and its error.
    fn resume(
        &self,
        key: &FileKey,
        from: u64,
        sent: Vec<u8>,
        plaintext: &[u8],
    ) -> (Vec<u8>, Option<FileError>) {
        let mut out = Vec::new();
        let mut resumed = FileEncryptor::resume(&mut out, key, &self.header, from, sent).unwrap();
        let rest = &plaintext[from as usize * RESUME_CHUNK..];
        let error = match rest
            .chunks(100_000)
            .try_for_each(|piece| resumed.write_all(piece))
        {
            Err(error) => {
                let error = FileError::from_io(&error).cloned().unwrap();
                // Refused for good: later calls fail the same way.
                let again = resumed.write(b"more").unwrap_err();
                assert_eq!(FileError::from_io(&again), Some(&error));
                assert_eq!(resumed.finish().err(), Some(error.clone()));
                Some(error)
            }
            Ok(()) => resumed.finish().err(),
        };
        (out, error)
    }
}

fn decrypts_to(file: &[u8], key: &FileKey, plaintext: &[u8]) {
    let mut out = Vec::new();
    FileDecryptor::new(Cursor::new(file), key)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert!(
        out == plaintext,
        "the file does not decrypt to the plaintext"
    );
}

#[test]
fn resuming_over_plaintext_changed_in_a_stored_chunk_is_refused_and_writes_none_of_it() {
    let key = FileKey::from_bytes([5; 32]);
    let plaintext = data(40 * RESUME_CHUNK + 9);
    // Chunks 0..16 counted, 16..22 stored past the count, 22 in part.
    let upload = Interrupted::run(&plaintext, &key, 1_500_000);
    assert_eq!(upload.done, 16);
    // The source changed in chunk 18, which had left in full.
    let mut changed = plaintext.clone();
    changed[18 * RESUME_CHUNK + 500] ^= 1;
    for from in [0, 10, upload.done] {
        let (out, error) = upload.resume(&key, from, upload.sent_from(from), &changed);
        assert_eq!(
            error,
            Some(FileError::ResumeMismatch { index: 18 }),
            "from {from}"
        );
        // A resumed encryptor seals 16 chunks a batch from `from` on: the
        // batch holding chunk 18 was not written, chunk 18 least of all.
        // The batches before it reproduced what left, byte for byte.
        let refused_batch = from as usize + (18 - from as usize) / 16 * 16;
        let from_start = upload.header.len() + from as usize * RESUME_SEALED;
        assert!(upload.stored[from_start..].starts_with(&out), "from {from}");
        assert_eq!(
            out.len(),
            (refused_batch - from as usize) * RESUME_SEALED,
            "from {from}"
        );
    }
    // Chunk 21, the last one that left in full, is checked to its last byte.
    let mut changed = plaintext.clone();
    changed[22 * RESUME_CHUNK - 1] ^= 1;
    let (out, error) = upload.resume(&key, upload.done, upload.sent_from(upload.done), &changed);
    assert_eq!(error, Some(FileError::ResumeMismatch { index: 21 }));
    assert!(out.is_empty());
}

#[test]
fn resuming_over_plaintext_changed_in_a_partly_stored_chunk_is_refused() {
    let key = FileKey::from_bytes([5; 32]);
    let plaintext = data(40 * RESUME_CHUNK + 9);
    let upload = Interrupted::run(&plaintext, &key, 1_500_000);
    let header_len = upload.header.len();
    // What left of chunk 22: less than a chunk.
    let partial = upload.stored.len() - header_len - 22 * RESUME_SEALED;
    assert!(partial > 0 && partial < RESUME_CHUNK, "{partial}");
    for at in [0, partial / 2, partial - 1] {
        let mut changed = plaintext.clone();
        changed[22 * RESUME_CHUNK + at] ^= 0x80;
        let (out, error) =
            upload.resume(&key, upload.done, upload.sent_from(upload.done), &changed);
        assert_eq!(
            error,
            Some(FileError::ResumeMismatch { index: 22 }),
            "at {at}"
        );
        assert!(out.is_empty(), "at {at}");
    }
    // A source that ends inside what left is refused too: what left says
    // the file went on.
    let shorter = &plaintext[..22 * RESUME_CHUNK + partial / 2];
    let (_, error) = upload.resume(&key, upload.done, upload.sent_from(upload.done), shorter);
    assert_eq!(error, Some(FileError::ResumeMismatch { index: 22 }));
    let ends_before = &plaintext[..20 * RESUME_CHUNK];
    let (_, error) = upload.resume(
        &key,
        upload.done,
        upload.sent_from(upload.done),
        ends_before,
    );
    assert!(
        matches!(error, Some(FileError::ResumeMismatch { index: 19 | 20 })),
        "{error:?}"
    );
}

#[test]
fn a_change_past_what_left_of_a_chunk_is_sealed_and_the_file_decrypts() {
    let key = FileKey::from_bytes([5; 32]);
    let plaintext = data(40 * RESUME_CHUNK + 9);
    let upload = Interrupted::run(&plaintext, &key, 1_500_000);
    let partial = upload.stored.len() - upload.header.len() - 22 * RESUME_SEALED;
    // The first byte of chunk 22 that never left, and a byte of a later chunk.
    for at in [22 * RESUME_CHUNK + partial, 30 * RESUME_CHUNK] {
        let mut changed = plaintext.clone();
        changed[at] ^= 1;
        let (out, error) =
            upload.resume(&key, upload.done, upload.sent_from(upload.done), &changed);
        assert_eq!(error, None, "at {at}");
        // It reproduced what left, then went on with the new plaintext.
        let counted = upload.header.len() + upload.done as usize * RESUME_SEALED;
        let mut file = upload.stored[..counted].to_vec();
        file.extend_from_slice(&out);
        assert!(file.starts_with(&upload.stored), "at {at}");
        decrypts_to(&file, &key, &changed);
    }
}

#[test]
fn resuming_with_the_same_plaintext_after_a_mid_batch_failure_reproduces_the_file() {
    let key = FileKey::from_bytes([5; 32]);
    let plaintext = data(40 * RESUME_CHUNK + 9);
    let whole = encrypt(&plaintext, &key, RESUME_CHUNK as u32, 6);
    let header_len = whole.len() - plaintext.len() - 41 * 16;
    let batch = 16 * RESUME_SEALED;
    for limit in [
        header_len,                          // nothing of the body left
        header_len + 100,                    // inside chunk 0
        header_len + 3 * RESUME_SEALED,      // at a chunk boundary inside a batch
        header_len + batch,                  // exactly one batch
        1_500_000,                           // mid-batch, mid-chunk
        header_len + 2 * batch + 5,          // just past the second batch
        header_len + 40 * RESUME_SEALED + 3, // inside the final chunk, in finish
        whole.len() - 1,                     // one byte short of the end
    ] {
        let upload = Interrupted::run(&plaintext, &key, limit);
        assert_eq!(upload.stored, whole[..limit], "limit {limit}");
        // From the count, or from any earlier chunk given what left after it.
        for from in [upload.done, upload.done / 2, 0] {
            let (out, error) = upload.resume(&key, from, upload.sent_from(from), &plaintext);
            assert_eq!(error, None, "limit {limit}, from {from}");
            let mut file = whole[..header_len + from as usize * RESUME_SEALED].to_vec();
            file.extend_from_slice(&out);
            assert!(
                file == whole,
                "limit {limit}, from {from}: not the same file"
            );
        }
        decrypts_to(&whole, &key, &plaintext);
    }
}

/// The chunk indices that `a` (a body from chunk 0, over `pt_a`) and `b`
/// (a body from chunk `b_from`, over `pt_b`) both hold some of, where the
/// plaintexts differ on the bytes both hold and the ciphertexts' XOR is the
/// plaintexts' XOR: chunks sealed twice under one nonce over different
/// plaintext.
fn chunks_sealed_twice_over_different_plaintext(
    a: &[u8],
    pt_a: &[u8],
    b: &[u8],
    b_from: usize,
    pt_b: &[u8],
) -> Vec<usize> {
    let mut reused = Vec::new();
    for (i, piece_b) in b.chunks(RESUME_SEALED).enumerate() {
        let index = b_from + i;
        let Some(piece_a) = a.chunks(RESUME_SEALED).nth(index) else {
            break;
        };
        let text = |pt: &[u8]| -> Vec<u8> {
            pt.chunks(RESUME_CHUNK)
                .nth(index)
                .unwrap_or_default()
                .to_vec()
        };
        let (text_a, text_b) = (text(pt_a), text(pt_b));
        // Ciphertext bytes both hold (the tag left out).
        let both = piece_a
            .len()
            .min(piece_b.len())
            .min(text_a.len())
            .min(text_b.len());
        if text_a[..both] == text_b[..both] {
            continue; // same plaintext: the same bytes, nothing learnt
        }
        let xor = |x: &[u8], y: &[u8]| -> Vec<u8> {
            x[..both]
                .iter()
                .zip(&y[..both])
                .map(|(x, y)| x ^ y)
                .collect::<Vec<u8>>()
        };
        if xor(piece_a, piece_b) == xor(&text_a, &text_b) {
            reused.push(index);
        }
    }
    reused
}

#[test]
fn the_xor_of_an_original_and_a_resumed_chunk_is_never_the_xor_of_their_plaintexts() {
    let key = FileKey::from_bytes([5; 32]);
    let plaintext = data(40 * RESUME_CHUNK + 9);
    let (mut refused, mut accepted) = (0, 0);
    for limit in [1_100_000, 1_500_000, 2_200_000] {
        let upload = Interrupted::run(&plaintext, &key, limit);
        let header_len = upload.header.len();
        let original = &upload.stored[header_len..];
        let left = original.len() / RESUME_CHUNK;
        // Changes before, inside and after what left, and in the final chunk.
        for at in [
            0,
            upload.done as usize * RESUME_CHUNK + 7,
            (left - 1) * RESUME_CHUNK + 3,
            original.len() - original.len() / RESUME_SEALED * 16 - 1,
            original.len() + 1,
            30 * RESUME_CHUNK,
            plaintext.len() - 1,
        ] {
            let mut changed = plaintext.clone();
            changed[at] ^= 0x5a;
            // Inserted and dropped bytes shift every chunk after them.
            let mut inserted = plaintext.clone();
            inserted.insert(at, 0x5a);
            let mut dropped = plaintext.clone();
            dropped.remove(at);
            for other in [&changed, &inserted, &dropped] {
                for from in [0, upload.done / 2, upload.done] {
                    let (out, error) = upload.resume(&key, from, upload.sent_from(from), other);
                    if error.is_some() {
                        refused += 1;
                    } else {
                        accepted += 1;
                    }
                    let reused = chunks_sealed_twice_over_different_plaintext(
                        original,
                        &plaintext,
                        &out,
                        from as usize,
                        other,
                    );
                    assert!(
                        reused.is_empty(),
                        "limit {limit}, change at {at}, from {from}: chunks {reused:?}"
                    );
                }
            }
        }
        // The check above does find a reused nonce: resuming while hiding
        // what left past the count (the caller's duty not to) reuses them.
        let mut changed = plaintext.clone();
        changed[upload.done as usize * RESUME_CHUNK] ^= 0x5a;
        let (out, error) = upload.resume(&key, upload.done, Vec::new(), &changed);
        assert_eq!(error, None);
        let reused = chunks_sealed_twice_over_different_plaintext(
            original,
            &plaintext,
            &out,
            upload.done as usize,
            &changed,
        );
        assert_eq!(reused, vec![upload.done as usize], "limit {limit}");
    }
    assert!(
        refused > 0 && accepted > 0,
        "{refused} refused, {accepted} accepted"
    );
}

#[test]
fn encrypting_to_an_empty_recipient_list_is_refused() {
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let result = FileEncryptor::to_recipients(Vec::new(), &[], FileOptions::default(), &mut rng);
    assert_eq!(result.err(), Some(FileError::NoRecipients));
}

#[test]
fn a_file_seals_to_256_recipients_and_refuses_a_257th_as_the_callers_error() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let identities: Vec<FileIdentity> = (0..MAX_RECIPIENTS)
        .map(|_| FileIdentity::generate_x25519(&mut rng))
        .collect();
    let mut recipients: Vec<Recipient> = identities.iter().map(FileIdentity::recipient).collect();
    let (mut encryptor, _key) =
        FileEncryptor::to_recipients(Vec::new(), &recipients, FileOptions::default(), &mut rng)
            .unwrap();
    encryptor.write_all(b"to everyone").unwrap();
    let sealed = encryptor.finish().unwrap();
    // The first and the last recipient (after 255 stanzas not its own) open it.
    for identity in [&identities[0], &identities[MAX_RECIPIENTS - 1]] {
        let mut out = Vec::new();
        FileDecryptor::with_identity(Cursor::new(&sealed), identity)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"to everyone");
    }

    recipients.push(FileIdentity::generate_x25519(&mut rng).recipient());
    let result =
        FileEncryptor::to_recipients(Vec::new(), &recipients, FileOptions::default(), &mut rng);
    assert_eq!(
        result.err(),
        Some(FileError::TooManyRecipients {
            count: 257,
            max: 256
        })
    );
}

/// A download in progress: hands out at most `step` bytes, then reports
/// "not ready" (cycling through `WouldBlock`, `Interrupted`, `TimedOut`)
/// before the next bytes.
struct Trickle<'a> {
    data: &'a [u8],
    position: usize,
    step: usize,
    ready: bool,
    stalls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use std::io::{Error, ErrorKind};
        if !self.ready {
            self.ready = true;
            self.stalls += 1;
            let kind = [
                ErrorKind::WouldBlock,
                ErrorKind::Interrupted,
                ErrorKind::TimedOut,
            ][self.stalls % 3];
            return Err(Error::new(kind, "not yet"));
        }
        self.ready = false;
        let n = out
            .len()
            .min(self.step)
            .min(self.data.len() - self.position);
        out[..n].copy_from_slice(&self.data[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

#[test]
fn a_stream_that_is_not_ready_yet_loses_nothing() {
    use std::io::ErrorKind;
    let key = FileKey::from_bytes([5; 32]);
    let plaintext = data(10_000);
    let sealed = encrypt(&plaintext, &key, 1024, 6);
    // The header arrives whole (the app reads it once it has it); the body
    // trickles in, with stalls inside chunks and at the one-byte read-ahead.
    let header_len = sealed.len() - (10_000 + 10 * 16);
    for step in [1, 7, 1040, 5000] {
        let mut reader = StreamDecryptor::new(
            sealed[..header_len].chain(Trickle {
                data: &sealed[header_len..],
                position: 0,
                step,
                ready: true,
                stalls: 0,
            }),
            &key,
        )
        .unwrap();
        let mut out = Vec::new();
        let mut buffer = [0u8; 3000];
        let mut not_ready = 0;
        loop {
            match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buffer[..n]),
                Err(error)
                    if matches!(
                        error.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) =>
                {
                    not_ready += 1;
                    assert!(FileError::from_io(&error).is_none());
                }
                Err(error) => panic!("step {step}: {error}"),
            }
        }
        assert_eq!(out, plaintext, "step {step}");
        assert!(not_ready > 0, "step {step}: the input never stalled");
    }

    // A tampered chunk that trickles in is still refused, and stays refused.
    let mut tampered = sealed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let mut reader = StreamDecryptor::new(
        tampered[..header_len].chain(Trickle {
            data: &tampered[header_len..],
            position: 0,
            step: 4096,
            ready: true,
            stalls: 0,
        }),
        &key,
    )
    .unwrap();
    let error = loop {
        let mut buffer = [0u8; 4096];
        match reader.read(&mut buffer) {
            Ok(0) => panic!("tampered file read to the end"),
            Ok(_) => {}
            Err(error) if FileError::from_io(&error).is_some() => break error,
            Err(_) => {}
        }
    };
    assert!(matches!(
        FileError::from_io(&error),
        Some(FileError::ChunkAuthentication { index: 9 })
    ));
    let again = reader.read(&mut [0u8; 16]).unwrap_err();
    assert_eq!(FileError::from_io(&again), FileError::from_io(&error));
}
