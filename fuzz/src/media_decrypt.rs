//! SFrame media decryption of arbitrary bytes: `MediaContext::decrypt_frame`
//! never panics; only a frame the sender really sealed decrypts (to what it
//! sealed), and only once; a failed decryption leaves the receiver as it was
//! (every genuine frame still decrypts afterwards).
//!
//! The first byte picks the input's shape so that the fuzzer spends time past
//! the parser: odd, the rest follows a genuine frame's version, length, clear
//! header and SFrame header (so it mutates ciphertext and tag); even, the
//! rest is the whole sealed frame. The sender seals four fixed frames
//! (leaf 3, epoch 0x1_07) before every run; seeds: those frames
//! (`fuzz/corpus/media_decrypt/`, see fuzz/README.md).

use sealkit::media::{EpochSecret, MediaConfig, MediaContext};

const EPOCH: u64 = 0x1_07;

fn context(own_index: u32) -> MediaContext {
    MediaContext::new(
        EpochSecret::new(EPOCH, own_index, vec![0x4d; 16]),
        MediaConfig::default(),
    )
    .expect("valid context")
}

const FRAMES: [(&[u8], &[u8]); 4] = [
    (b"", b""),
    (b"an encoded video frame", b""),
    (b"audio", b"\x90\x80\x01"),
    (&[0xa5; 300], b"clear"),
];

/// One input.
pub fn run(input: &[u8]) {
    let mut sender = context(3);
    let sealed: Vec<Vec<u8>> = FRAMES
        .iter()
        .map(|(frame, header)| sender.encrypt_frame(frame, header).expect("seal"))
        .collect();

    let (&mode, rest) = input.split_first().unwrap_or((&0, &[]));
    let mut owned = Vec::new();
    let data = if mode & 1 == 1 {
        // Version, length, clear header and SFrame header of a genuine frame.
        let genuine = &sealed[usize::from(mode >> 1) % sealed.len()];
        let clear_len = usize::from(u16::from_be_bytes([genuine[1], genuine[2]]));
        let header_len = sframe_header_len(&genuine[3 + clear_len..]);
        owned.extend_from_slice(&genuine[..3 + clear_len + header_len]);
        owned.extend_from_slice(rest);
        &owned[..]
    } else {
        rest
    };

    let mut receiver = context(1);
    match receiver.decrypt_frame(data) {
        Ok(opened) => {
            let index = sealed
                .iter()
                .position(|genuine| genuine.as_slice() == data)
                .expect("only a genuine frame may decrypt");
            assert_eq!(opened.frame, FRAMES[index].0);
            assert_eq!(opened.clear_header, FRAMES[index].1);
            assert_eq!((opened.sender_index, opened.epoch), (3, EPOCH));
            assert!(receiver.decrypt_frame(data).is_err(), "replay accepted");
        }
        Err(_) => {
            for (genuine, (frame, _)) in sealed.iter().zip(FRAMES) {
                let opened = receiver
                    .decrypt_frame(genuine)
                    .expect("a failed decryption changed the receiver");
                assert_eq!(opened.frame, frame);
            }
        }
    }
}

/// Length of an SFrame header from its config byte (RFC 9605 section 4.3).
fn sframe_header_len(bytes: &[u8]) -> usize {
    let config = bytes[0];
    let kid = if config & 0x80 != 0 {
        usize::from((config >> 4) & 0x07) + 1
    } else {
        0
    };
    let ctr = if config & 0x08 != 0 {
        usize::from(config & 0x07) + 1
    } else {
        0
    };
    1 + kid + ctr
}

/// Seeds: each of the four sealed frames, whole (first byte 0) and as its
/// ciphertext and tag behind the genuine prefix (first byte `2i + 1`).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut sender = context(3);
    let mut seeds = Vec::new();
    for (i, (frame, header)) in FRAMES.iter().enumerate() {
        let sealed = sender.encrypt_frame(frame, header).expect("seal");
        let mut whole = vec![0];
        whole.extend_from_slice(&sealed);
        seeds.push((format!("sealed_frame_{i}"), whole));
        let clear_len = usize::from(u16::from_be_bytes([sealed[1], sealed[2]]));
        let header_len = sframe_header_len(&sealed[3 + clear_len..]);
        let mut tail = vec![2 * i as u8 + 1];
        tail.extend_from_slice(&sealed[3 + clear_len + header_len..]);
        seeds.push((format!("sealed_frame_{i}_ciphertext"), tail));
    }
    seeds
}
