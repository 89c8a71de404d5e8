//! SFrame media encryption keyed from MLS (`sealkit::media`), as members of
//! a call use it: several members with different leaf indices, rekeys with
//! the previous epoch's overlap, replays, and hostile input (tampering,
//! truncation, garbage, wrong or unknown epochs and senders), each with its
//! typed error and never a panic; a failed decryption never changes what
//! later frames do. Epoch secrets stand in for the MLS exporter's output.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use sealkit::media::{
    EpochSecret, MAX_EPOCH_BITS, MAX_SENDER_INDEX_BITS, MEDIA_FRAME_VERSION, MediaCipherSuite,
    MediaConfig, MediaContext, MediaError, PREVIOUS_EPOCH_OVERLAP_FRAMES, REPLAY_FLOOR_STEP,
    ReplayFloor, ReplayMemory, exporter_length,
};
use sframe::header::SframeHeader;

/// The base key every member of a group exports for `epoch` (distinct per
/// epoch and group, as MLS-Exporter's would be).
fn base_key(group: u8, epoch: u64, suite: MediaCipherSuite) -> Vec<u8> {
    let mut key = vec![group; exporter_length(suite)];
    for (byte, epoch_byte) in key.iter_mut().zip(epoch.to_be_bytes()) {
        *byte ^= epoch_byte;
    }
    key
}

fn secret(epoch: u64, index: u32) -> EpochSecret {
    EpochSecret::new(
        epoch,
        index,
        base_key(1, epoch, MediaCipherSuite::default()),
    )
}

fn member(epoch: u64, index: u32) -> MediaContext {
    MediaContext::new(secret(epoch, index), MediaConfig::default()).unwrap()
}

fn member_with(epoch: u64, index: u32, config: MediaConfig) -> MediaContext {
    let key = base_key(1, epoch, config.suite);
    MediaContext::new(EpochSecret::new(epoch, index, key), config).unwrap()
}

/// The SFrame header of a sealed frame (after version, length, clear header).
fn sframe_header(sealed: &[u8]) -> SframeHeader {
    let clear_len = usize::from(u16::from_be_bytes([sealed[1], sealed[2]]));
    SframeHeader::deserialize(&sealed[3 + clear_len..]).unwrap()
}

/// A sealed frame with the given KID and CTR in its header and `body` after it.
fn frame_with_header(key_id: u64, counter: u64, body: &[u8]) -> Vec<u8> {
    let mut sealed = vec![MEDIA_FRAME_VERSION, 0, 0];
    sealed.extend(Vec::from(&SframeHeader::new(key_id, counter)));
    sealed.extend_from_slice(body);
    sealed
}

/// `sealed` with its SFrame header replaced by one with another counter
/// (no clear header).
fn with_counter(sealed: &[u8], counter: u64) -> Vec<u8> {
    let header = sframe_header(sealed);
    frame_with_header(header.key_id(), counter, &sealed[3 + header.len()..])
}

#[test]
fn two_members_with_different_leaf_indices_exchange_frames_both_ways() {
    let mut alice = member(4, 0);
    let mut bob = member(4, 9);

    let to_bob = alice.encrypt_frame(b"alice's frame", b"").unwrap();
    let got = bob.decrypt_frame(&to_bob).unwrap();
    assert_eq!(got.frame, b"alice's frame");
    assert_eq!((got.sender_index, got.epoch), (0, 4));
    assert!(got.clear_header.is_empty());

    let to_alice = bob.encrypt_frame(b"bob's frame", b"\x90\x80").unwrap();
    let got = alice.decrypt_frame(&to_alice).unwrap();
    assert_eq!(got.frame, b"bob's frame");
    assert_eq!(got.clear_header, b"\x90\x80");
    assert_eq!((got.sender_index, got.epoch), (9, 4));
}

#[test]
fn three_members_each_decrypt_the_other_two_and_see_who_sent() {
    let indices = [0u32, 3, 1_000];
    let mut members: Vec<MediaContext> = indices.iter().map(|&i| member(11, i)).collect();
    for round in 0..5u8 {
        for sender in 0..members.len() {
            let frame = [round, sender as u8, 0xee];
            let sealed = members[sender].encrypt_frame(&frame, &[round]).unwrap();
            for (receiver, context) in members.iter_mut().enumerate() {
                if receiver == sender {
                    continue;
                }
                let got = context.decrypt_frame(&sealed).unwrap();
                assert_eq!(got.frame, frame);
                assert_eq!(got.clear_header, [round]);
                assert_eq!(got.sender_index, indices[sender]);
                assert_eq!(got.epoch, 11);
            }
        }
    }
}

#[test]
fn an_echoed_frame_of_ones_own_decrypts_once() {
    // An SFU may send a member's own stream back.
    let mut alice = member(1, 2);
    let sealed = alice.encrypt_frame(b"mine", b"").unwrap();
    assert_eq!(alice.decrypt_frame(&sealed).unwrap().sender_index, 2);
    assert_eq!(alice.decrypt_frame(&sealed), Err(MediaError::Replay));
}

#[test]
fn each_frame_of_a_sender_gets_the_next_counter_and_a_rekey_starts_over() {
    let mut alice = member(1, 0);
    let counters: Vec<u64> = (0..4)
        .map(|_| sframe_header(&alice.encrypt_frame(b"f", b"").unwrap()).counter())
        .collect();
    assert_eq!(counters, [0, 1, 2, 3]);
    alice.rekey(secret(2, 0)).unwrap();
    let sealed = alice.encrypt_frame(b"f", b"").unwrap();
    assert_eq!(sframe_header(&sealed).counter(), 0);
}

#[test]
fn key_ids_follow_rfc_9605_figure_9() {
    // RFC 9605 section 5.2, Figure 9: E = 4, S = 6, context 0.
    let config = MediaConfig {
        epoch_bits: 4,
        sender_index_bits: 6,
        ..MediaConfig::default()
    };
    let cases = [
        (14, 3, 0x3e),
        (14, 7, 0x7e),
        (14, 20, 0x14e),
        (15, 3, 0x3f),
        (15, 5, 0x5f),
        (17, 33, 0x211),
        (17, 51, 0x331),
    ];
    for (epoch, index, kid) in cases {
        let mut sender = member_with(epoch, index, config);
        let sealed = sender.encrypt_frame(b"f", b"hdr").unwrap();
        assert_eq!(
            sframe_header(&sealed).key_id(),
            kid,
            "epoch {epoch} index {index}"
        );
        let mut receiver = member_with(epoch, 0, config);
        assert_eq!(receiver.decrypt_frame(&sealed).unwrap().sender_index, index);
    }
}

#[test]
fn the_default_profile_puts_epoch_and_leaf_index_in_a_three_byte_key_id() {
    let mut sender = member(0x1_02, 0x3456);
    let sealed = sender.encrypt_frame(b"f", b"").unwrap();
    let header = sframe_header(&sealed);
    assert_eq!(header.key_id(), (0x3456 << 8) | 0x02);
    // Config byte (holding CTR 0) and 3 KID bytes.
    assert_eq!(header.len(), 4);
}

#[test]
fn frames_after_a_rekey_use_the_new_epoch_and_wait_for_a_receiver_still_behind() {
    let mut alice = member(1, 0);
    let mut bob = member(1, 1);
    alice.rekey(secret(2, 0)).unwrap();
    assert_eq!(alice.epoch(), 2);

    let sealed = alice.encrypt_frame(b"new epoch", b"").unwrap();
    assert_eq!(
        bob.decrypt_frame(&sealed),
        Err(MediaError::UnknownEpoch {
            epoch_low_bits: 2,
            current: 1
        })
    );
    // Bob processes the commit, then the held frame decrypts.
    bob.rekey(secret(2, 1)).unwrap();
    let got = bob.decrypt_frame(&sealed).unwrap();
    assert_eq!((got.epoch, got.frame.as_slice()), (2, &b"new epoch"[..]));
}

#[test]
fn previous_epoch_frames_decrypt_during_the_overlap_and_are_stale_after_it() {
    let config = MediaConfig {
        previous_epoch_overlap_frames: 3,
        ..MediaConfig::default()
    };
    let mut alice = member_with(7, 0, config);
    let mut bob = member_with(7, 1, config);
    let in_flight: Vec<Vec<u8>> = (0..4u8)
        .map(|i| alice.encrypt_frame(&[i], b"").unwrap())
        .collect();

    for (who, index) in [(&mut alice, 0), (&mut bob, 1)] {
        who.rekey(EpochSecret::new(8, index, base_key(1, 8, config.suite)))
            .unwrap();
    }
    assert_eq!(bob.previous_epoch(), Some(7));
    let got = bob.decrypt_frame(&in_flight[0]).unwrap();
    assert_eq!((got.epoch, got.frame.as_slice()), (7, &[0u8][..]));

    // Two frames of the new epoch: the overlap (3) is not used up.
    for _ in 0..2 {
        let sealed = alice.encrypt_frame(b"epoch 8", b"").unwrap();
        assert_eq!(bob.decrypt_frame(&sealed).unwrap().epoch, 8);
    }
    assert_eq!(bob.decrypt_frame(&in_flight[1]).unwrap().epoch, 7);
    // Previous-epoch frames do not count towards the overlap.
    assert_eq!(bob.previous_epoch(), Some(7));

    // Bob's own frame is the third of epoch 8: the overlap ends.
    bob.encrypt_frame(b"bob in epoch 8", b"").unwrap();
    assert_eq!(bob.previous_epoch(), None);
    assert_eq!(
        bob.decrypt_frame(&in_flight[2]),
        Err(MediaError::StaleEpoch {
            epoch: 7,
            current: 8
        })
    );
}

#[test]
fn the_default_overlap_lasts_exactly_its_named_number_of_frames() {
    let mut alice = member(1, 0);
    let mut bob = member(1, 1);
    let late = alice.encrypt_frame(b"late", b"").unwrap();
    let later = alice.encrypt_frame(b"later", b"").unwrap();
    alice.rekey(secret(2, 0)).unwrap();
    bob.rekey(secret(2, 1)).unwrap();

    for _ in 0..PREVIOUS_EPOCH_OVERLAP_FRAMES - 1 {
        let sealed = alice.encrypt_frame(b"x", b"").unwrap();
        bob.decrypt_frame(&sealed).unwrap();
    }
    // At the last frame of the overlap the previous epoch still decrypts ...
    assert_eq!(bob.decrypt_frame(&late).unwrap().epoch, 1);
    // ... one frame more and it is gone.
    let sealed = alice.encrypt_frame(b"x", b"").unwrap();
    bob.decrypt_frame(&sealed).unwrap();
    assert!(matches!(
        bob.decrypt_frame(&later),
        Err(MediaError::StaleEpoch { epoch: 1, .. })
    ));
}

#[test]
fn a_second_rekey_or_end_overlap_drops_the_previous_epoch_at_once() {
    let mut alice = member(1, 0);
    let mut bob = member(1, 1);
    let epoch_1 = alice.encrypt_frame(b"1", b"").unwrap();
    alice.rekey(secret(2, 0)).unwrap();
    let epoch_2 = alice.encrypt_frame(b"2", b"").unwrap();

    bob.rekey(secret(2, 1)).unwrap();
    bob.rekey(secret(3, 1)).unwrap();
    assert_eq!(bob.previous_epoch(), Some(2));
    assert!(matches!(
        bob.decrypt_frame(&epoch_1),
        Err(MediaError::StaleEpoch { epoch: 1, .. })
    ));
    bob.end_overlap();
    assert_eq!(
        bob.decrypt_frame(&epoch_2),
        Err(MediaError::StaleEpoch {
            epoch: 2,
            current: 3
        })
    );
}

#[test]
fn no_overlap_configured_drops_the_previous_epoch_at_the_rekey() {
    let config = MediaConfig {
        previous_epoch_overlap_frames: 0,
        ..MediaConfig::default()
    };
    let mut alice = member_with(1, 0, config);
    let mut bob = member_with(1, 1, config);
    let sealed = alice.encrypt_frame(b"1", b"").unwrap();
    bob.rekey(EpochSecret::new(2, 1, base_key(1, 2, config.suite)))
        .unwrap();
    assert_eq!(bob.previous_epoch(), None);
    assert!(matches!(
        bob.decrypt_frame(&sealed),
        Err(MediaError::StaleEpoch { epoch: 1, .. })
    ));
}

#[test]
fn a_rekey_that_is_not_newer_or_malformed_is_refused_and_changes_nothing() {
    let mut alice = member(5, 0);
    let mut bob = member(5, 1);
    for epoch in [4, 5] {
        assert_eq!(
            bob.rekey(secret(epoch, 1)),
            Err(MediaError::EpochNotNewer {
                current: 5,
                offered: epoch
            })
        );
    }
    assert_eq!(
        bob.rekey(EpochSecret::new(6, 1, vec![0; 32])),
        Err(MediaError::InvalidEpochSecret {
            expected: 16,
            got: 32
        })
    );
    assert_eq!(
        bob.rekey(secret(6, 1 << 16)),
        Err(MediaError::SenderIndexTooLarge {
            index: 1 << 16,
            bits: 16
        })
    );
    assert_eq!(bob.epoch(), 5);
    let sealed = alice.encrypt_frame(b"still epoch 5", b"").unwrap();
    assert_eq!(bob.decrypt_frame(&sealed).unwrap().epoch, 5);
}

#[test]
fn a_context_refuses_a_bad_secret_or_config_and_takes_the_largest_leaf_index() {
    let config = MediaConfig::default();
    assert_eq!(
        MediaContext::new(EpochSecret::new(1, 0, vec![0; 15]), config).unwrap_err(),
        MediaError::InvalidEpochSecret {
            expected: 16,
            got: 15
        }
    );
    let bad = MediaConfig {
        epoch_bits: MAX_EPOCH_BITS + 1,
        ..config
    };
    assert_eq!(
        MediaContext::new(secret(1, 0), bad).unwrap_err(),
        MediaError::InvalidConfig("epoch_bits")
    );
    // Leaf index 2^S - 1 is the largest that fits.
    let mut last = member(1, u16::MAX.into());
    let mut first = member(1, 0);
    let sealed = last.encrypt_frame(b"f", b"").unwrap();
    assert_eq!(
        first.decrypt_frame(&sealed).unwrap().sender_index,
        u32::from(u16::MAX)
    );
    // With 32 sender-index bits every u32 leaf index fits.
    let wide = MediaConfig {
        sender_index_bits: MAX_SENDER_INDEX_BITS,
        ..config
    };
    let mut top = member_with(1, u32::MAX, wide);
    let mut other = member_with(1, 0, wide);
    let sealed = top.encrypt_frame(b"f", b"").unwrap();
    assert_eq!(other.decrypt_frame(&sealed).unwrap().sender_index, u32::MAX);
}

#[test]
fn a_replayed_frame_is_rejected_and_reordering_within_the_window_is_not() {
    let mut alice = member(1, 0);
    let mut bob = member(1, 1);
    let frames: Vec<Vec<u8>> = (0..5u8)
        .map(|i| alice.encrypt_frame(&[i], b"").unwrap())
        .collect();
    for i in [1, 0, 4, 2] {
        assert_eq!(bob.decrypt_frame(&frames[i]).unwrap().frame, [i as u8]);
    }
    for i in [0, 1, 2, 4] {
        assert_eq!(bob.decrypt_frame(&frames[i]), Err(MediaError::Replay));
    }
    assert_eq!(bob.decrypt_frame(&frames[3]).unwrap().frame, [3]);
}

#[test]
fn a_frame_older_than_the_replay_window_is_rejected() {
    let config = MediaConfig {
        replay_window: 4,
        ..MediaConfig::default()
    };
    let mut alice = member_with(1, 0, config);
    let mut bob = member_with(1, 1, config);
    let frames: Vec<Vec<u8>> = (0..6u8)
        .map(|i| alice.encrypt_frame(&[i], b"").unwrap())
        .collect();
    bob.decrypt_frame(&frames[5]).unwrap();
    // Counters 2..=5 are in the window, 0 and 1 behind it.
    assert_eq!(bob.decrypt_frame(&frames[2]).unwrap().frame, [2]);
    assert_eq!(bob.decrypt_frame(&frames[1]), Err(MediaError::Replay));
}

#[test]
fn replay_windows_are_per_sender() {
    let mut alice = member(1, 0);
    let mut carol = member(1, 2);
    let mut bob = member(1, 1);
    // Both senders' first frames carry counter 0: not a replay.
    let from_alice = alice.encrypt_frame(b"a", b"").unwrap();
    let from_carol = carol.encrypt_frame(b"c", b"").unwrap();
    assert_eq!(bob.decrypt_frame(&from_alice).unwrap().sender_index, 0);
    assert_eq!(bob.decrypt_frame(&from_carol).unwrap().sender_index, 2);
}

#[test]
fn a_forged_counter_fails_to_authenticate_and_does_not_move_the_replay_window() {
    let config = MediaConfig {
        replay_window: 4,
        ..MediaConfig::default()
    };
    let mut alice = member_with(1, 0, config);
    let mut bob = member_with(1, 1, config);
    let first = alice.encrypt_frame(b"first", b"").unwrap();
    // Far ahead: had it been recorded, counter 0 would be too old now.
    let forged = with_counter(&first, 1_000_000);
    assert_eq!(bob.decrypt_frame(&forged), Err(MediaError::Authentication));
    assert_eq!(bob.decrypt_frame(&first).unwrap().frame, b"first");
}

#[test]
fn every_single_byte_change_is_rejected_with_a_typed_error_and_changes_nothing() {
    let mut alice = member(3, 5);
    let sealed = alice.encrypt_frame(&[0x42; 40], b"clear").unwrap();
    let mut bob = member(3, 1);
    for position in 0..sealed.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut tampered = sealed.clone();
            tampered[position] ^= flip;
            let error = bob.decrypt_frame(&tampered).unwrap_err();
            match position {
                0 => assert!(matches!(error, MediaError::UnsupportedVersion(_))),
                1 | 2 => assert!(
                    matches!(
                        error,
                        MediaError::Malformed(_)
                            | MediaError::Authentication
                            | MediaError::UnknownKeyId { .. }
                            | MediaError::UnknownEpoch { .. }
                            | MediaError::StaleEpoch { .. }
                    ),
                    "length byte {position}: {error:?}"
                ),
                3..=7 => assert_eq!(error, MediaError::Authentication, "clear header"),
                _ => assert!(
                    matches!(
                        error,
                        MediaError::Authentication
                            | MediaError::Malformed(_)
                            | MediaError::UnknownKeyId { .. }
                            | MediaError::UnknownEpoch { .. }
                            | MediaError::StaleEpoch { .. }
                    ),
                    "byte {position}: {error:?}"
                ),
            }
        }
    }
    // The body and tag in particular only ever fail to authenticate.
    let header_end = 3 + 5 + sframe_header(&sealed).len();
    for position in header_end..sealed.len() {
        let mut tampered = sealed.clone();
        tampered[position] ^= 1;
        assert_eq!(
            bob.decrypt_frame(&tampered),
            Err(MediaError::Authentication)
        );
    }
    // None of it left a trace: the original is still new to Bob.
    assert_eq!(bob.decrypt_frame(&sealed).unwrap().frame, [0x42; 40]);
}

#[test]
fn every_truncation_and_extension_is_rejected_and_changes_nothing() {
    let mut alice = member(3, 5);
    let mut bob = member(3, 1);
    let sealed = alice.encrypt_frame(&[7; 64], b"hdr").unwrap();
    let header_end = 3 + 3 + sframe_header(&sealed).len();
    for len in 0..sealed.len() {
        let error = bob.decrypt_frame(&sealed[..len]).unwrap_err();
        let expected_kind = if len < header_end + 16 {
            matches!(error, MediaError::Malformed(_))
        } else {
            error == MediaError::Authentication
        };
        assert!(expected_kind, "cut at {len}: {error:?}");
    }
    let mut extended = sealed.clone();
    extended.push(0);
    assert_eq!(
        bob.decrypt_frame(&extended),
        Err(MediaError::Authentication)
    );
    assert_eq!(bob.decrypt_frame(&sealed).unwrap().frame, [7; 64]);
}

#[test]
fn garbage_is_rejected_with_a_typed_error() {
    let mut bob = member(3, 1);
    assert_eq!(
        bob.decrypt_frame(&[]),
        Err(MediaError::Malformed("empty frame"))
    );
    assert_eq!(
        bob.decrypt_frame(&[0]),
        Err(MediaError::UnsupportedVersion(0))
    );
    assert!(matches!(
        bob.decrypt_frame(&[1]),
        Err(MediaError::Malformed(_))
    ));
    assert!(matches!(
        bob.decrypt_frame(&[1, 0, 0]),
        Err(MediaError::Malformed(_))
    ));
    // A header claiming an 8-byte KID with nothing after it.
    assert!(matches!(
        bob.decrypt_frame(&[1, 0, 0, 0xf0]),
        Err(MediaError::Malformed(_))
    ));
    // A well-formed header of the current epoch and random bytes.
    let garbage = frame_with_header(0x01_03, 0, &[0x5c; 48]);
    assert_eq!(bob.decrypt_frame(&garbage), Err(MediaError::Authentication));
}

#[test]
fn frames_of_other_epochs_and_groups_get_their_own_errors() {
    let mut bob = member(40, 1);
    // Epoch 39's bits with nothing retained for it: stale.
    let stale = frame_with_header(39, 0, &[0; 32]);
    assert_eq!(
        bob.decrypt_frame(&stale),
        Err(MediaError::StaleEpoch {
            epoch: 39,
            current: 40
        })
    );
    // A newer epoch: unknown until Bob rekeys.
    let newer = frame_with_header(41, 0, &[0; 32]);
    assert!(matches!(
        bob.decrypt_frame(&newer),
        Err(MediaError::UnknownEpoch {
            epoch_low_bits: 41,
            ..
        })
    ));
    // Same epoch number, another group's base key.
    let mut stranger = MediaContext::new(
        EpochSecret::new(40, 0, base_key(2, 40, MediaCipherSuite::default())),
        MediaConfig::default(),
    )
    .unwrap();
    let foreign = stranger.encrypt_frame(b"not for bob", b"").unwrap();
    assert_eq!(bob.decrypt_frame(&foreign), Err(MediaError::Authentication));
}

#[test]
fn key_ids_of_contexts_or_senders_nobody_uses_derive_keys_but_never_authenticate() {
    let mut bob = member(40, 1);
    // Context bits above E + S = 24: a context nobody built.
    let kid = (1u64 << 24) | 40;
    assert_eq!(
        bob.decrypt_frame(&frame_with_header(kid, 0, &[0; 32])),
        Err(MediaError::Authentication)
    );
    let kid = (u64::MAX << 8) | 40;
    assert_eq!(
        bob.decrypt_frame(&frame_with_header(kid, 0, &[0; 32])),
        Err(MediaError::Authentication)
    );
    // A leaf index nobody sends under: its key derives, nothing authenticates.
    let unused_sender = (777u64 << 8) | 40;
    assert_eq!(
        bob.decrypt_frame(&frame_with_header(unused_sender, 0, &[0; 32])),
        Err(MediaError::Authentication)
    );
}

#[test]
fn aes_256_gcm_members_exchange_frames() {
    let config = MediaConfig {
        suite: MediaCipherSuite::Aes256GcmSha512,
        ..MediaConfig::default()
    };
    let mut alice = member_with(2, 0, config);
    let mut bob = member_with(2, 1, config);
    let sealed = alice.encrypt_frame(b"256-bit", b"h").unwrap();
    assert_eq!(bob.decrypt_frame(&sealed).unwrap().frame, b"256-bit");
    // An AES-128 member of the "same" group cannot read it.
    let mut other = member(2, 3);
    assert_eq!(
        other.decrypt_frame(&sealed),
        Err(MediaError::Authentication)
    );
    assert!(sealed.len() <= 7 + 1 + alice.max_overhead());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_and_never_decrypt(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut bob = member(3, 1);
        prop_assert!(bob.decrypt_frame(&bytes).is_err());
    }

    #[test]
    fn arbitrary_bodies_behind_a_valid_prefix_and_header_never_decrypt(
        clear_header in proptest::collection::vec(any::<u8>(), 0..8),
        key_id in prop_oneof![Just(0x01_03u64), Just(0x05_02u64), any::<u64>()],
        counter in any::<u64>(),
        body in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let mut bob = member(3, 1);
        let mut sealed = vec![MEDIA_FRAME_VERSION];
        sealed.extend((clear_header.len() as u16).to_be_bytes());
        sealed.extend(&clear_header);
        sealed.extend(Vec::from(&SframeHeader::new(key_id, counter)));
        sealed.extend(&body);
        prop_assert!(bob.decrypt_frame(&sealed).is_err());
    }

    #[test]
    fn any_frame_and_clear_header_round_trip_between_any_two_members(
        frame in proptest::collection::vec(any::<u8>(), 0..2_000),
        clear_header in proptest::collection::vec(any::<u8>(), 0..64),
        epoch in any::<u64>(),
        sender in 0u32..(1 << 16),
        receiver in 0u32..(1 << 16),
        frames_before in 0usize..4,
    ) {
        let mut alice = member(epoch, sender);
        let mut bob = member(epoch, receiver);
        for _ in 0..frames_before {
            alice.encrypt_frame(b"earlier", b"").unwrap();
        }
        let sealed = alice.encrypt_frame(&frame, &clear_header).unwrap();
        prop_assert!(sealed.len() <= frame.len() + clear_header.len() + alice.max_overhead());
        let got = bob.decrypt_frame(&sealed).unwrap();
        prop_assert_eq!(got.frame, frame);
        prop_assert_eq!(got.clear_header, clear_header);
        prop_assert_eq!(got.sender_index, sender);
        prop_assert_eq!(got.epoch, epoch);
        prop_assert_eq!(bob.decrypt_frame(&sealed), Err(MediaError::Replay));
    }
}

/// A member's context with its own context value.
fn member_context(epoch: u64, index: u32, context: u64) -> MediaContext {
    MediaContext::new(
        secret(epoch, index).with_context_id(context),
        MediaConfig::default(),
    )
    .unwrap()
}

#[test]
fn two_contexts_of_one_member_in_one_epoch_are_kept_apart_and_neither_is_taken_for_a_replay() {
    let mut first = member_context(5, 0, 0);
    let mut second = member_context(5, 0, 1);
    let mut bob = member(5, 1);
    // Both count from 0, under different Key IDs: different key and nonce.
    let a = first.encrypt_frame(b"same", b"").unwrap();
    let b = second.encrypt_frame(b"same", b"").unwrap();
    assert_eq!(sframe_header(&a).counter(), sframe_header(&b).counter());
    assert_ne!(sframe_header(&a).key_id(), sframe_header(&b).key_id());
    assert_ne!(a, b);
    // RFC 9605 section 5.2: the context sits above the epoch and index bits.
    assert_eq!(sframe_header(&b).key_id(), (1 << 24) | 5);
    // The second context runs far ahead; the first's frames still decrypt.
    bob.decrypt_frame(&a).unwrap();
    for _ in 0..500 {
        let sealed = second.encrypt_frame(b"ahead", b"").unwrap();
        bob.decrypt_frame(&sealed).unwrap();
    }
    let late = first.encrypt_frame(b"first again", b"").unwrap();
    let opened = bob.decrypt_frame(&late).unwrap();
    assert_eq!(
        (opened.sender_index, opened.frame.as_slice()),
        (0, &b"first again"[..])
    );
    // Each context's replays are still refused.
    assert_eq!(bob.decrypt_frame(&a), Err(MediaError::Replay));
    assert_eq!(bob.decrypt_frame(&b), Err(MediaError::Replay));
}

#[test]
fn a_context_value_beyond_the_key_ids_context_field_is_refused() {
    // Default profile: 64 - 16 - 8 = 40 context bits.
    assert!(
        MediaContext::new(
            secret(5, 0).with_context_id((1 << 40) - 1),
            MediaConfig::default()
        )
        .is_ok()
    );
    assert_eq!(
        MediaContext::new(
            secret(5, 0).with_context_id(1 << 40),
            MediaConfig::default()
        )
        .unwrap_err(),
        MediaError::ContextIdTooLarge {
            context: 1 << 40,
            bits: 40
        }
    );
    let mut context = member(5, 0);
    assert_eq!(
        context.rekey(secret(6, 0).with_context_id(1 << 40)),
        Err(MediaError::ContextIdTooLarge {
            context: 1 << 40,
            bits: 40
        })
    );
    assert_eq!(context.epoch(), 5);
}

#[test]
fn a_sender_restarting_many_times_retires_its_oldest_contexts_at_the_receiver() {
    use sealkit::media::MAX_CONTEXTS_PER_SENDER;
    let mut bob = member(5, 1);
    let mut contexts: Vec<MediaContext> = (0..=MAX_CONTEXTS_PER_SENDER as u64)
        .map(|context| member_context(5, 0, context))
        .collect();
    let mut last_frames = Vec::new();
    for context in &mut contexts[..MAX_CONTEXTS_PER_SENDER] {
        let sealed = context.encrypt_frame(b"hello", b"").unwrap();
        bob.decrypt_frame(&sealed).unwrap();
        last_frames.push(sealed);
    }
    // The 17th context retires the oldest (context 0).
    let newest = contexts[MAX_CONTEXTS_PER_SENDER]
        .encrypt_frame(b"newest", b"")
        .unwrap();
    bob.decrypt_frame(&newest).unwrap();
    let from_oldest = contexts[0].encrypt_frame(b"oldest", b"").unwrap();
    assert_eq!(
        bob.decrypt_frame(&from_oldest),
        Err(MediaError::RetiredContext {
            sender_index: 0,
            context: 0
        })
    );
    // The others still work, and their replays are still refused.
    let from_second = contexts[1].encrypt_frame(b"second", b"").unwrap();
    assert_eq!(bob.decrypt_frame(&from_second).unwrap().frame, b"second");
    assert_eq!(bob.decrypt_frame(&last_frames[1]), Err(MediaError::Replay));
    // Other senders are not affected.
    let mut carol = member(5, 2);
    let sealed = carol.encrypt_frame(b"carol", b"").unwrap();
    assert_eq!(bob.decrypt_frame(&sealed).unwrap().frame, b"carol");
}

/// A replay memory in memory, shared by the contexts "before" and "after a
/// restart", counting its writes; it can be told to fail.
#[derive(Clone, Default)]
struct TestMemory {
    floors: std::sync::Arc<std::sync::Mutex<Vec<(u64, ReplayFloor)>>>,
    writes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    failing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl ReplayMemory for TestMemory {
    fn floors(&self, epoch: u64) -> Result<Vec<ReplayFloor>, MediaError> {
        let floors = self.floors.lock().unwrap();
        Ok(floors
            .iter()
            .filter(|(e, _)| *e == epoch)
            .map(|(_, floor)| *floor)
            .collect())
    }

    fn raise(&self, epoch: u64, floor: ReplayFloor) -> Result<(), MediaError> {
        use std::sync::atomic::Ordering;
        if self.failing.load(Ordering::SeqCst) {
            return Err(MediaError::ReplayMemory {
                kind: sealkit::ErrorKind::Storage,
                reason: "disk full".into(),
            });
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        let mut floors = self.floors.lock().unwrap();
        floors.retain(|(e, f)| {
            !(*e == epoch && f.key_id == floor.key_id && f.highest <= floor.highest)
        });
        floors.push((epoch, floor));
        Ok(())
    }
}

fn remembering(epoch: u64, index: u32, memory: &TestMemory) -> MediaContext {
    member(epoch, index)
        .with_replay_memory(Box::new(memory.clone()))
        .unwrap()
}

#[test]
fn a_context_built_again_on_the_same_memory_refuses_every_frame_accepted_before() {
    use std::sync::atomic::Ordering;
    let memory = TestMemory::default();
    let mut alice = member(5, 0);
    let mut carol = member(5, 2);
    let mut bob = remembering(5, 1, &memory);
    let mut heard = Vec::new();
    for n in 0..300u32 {
        let sender = if n % 3 == 0 { &mut carol } else { &mut alice };
        let sealed = sender.encrypt_frame(&n.to_be_bytes(), b"").unwrap();
        bob.decrypt_frame(&sealed).unwrap();
        heard.push(sealed);
    }
    // One write per REPLAY_FLOOR_STEP frames per sender: Alice sent 200
    // (counters 0..199: writes at 0 and 128), Carol 100 (one write, at 0).
    assert_eq!(memory.writes.load(Ordering::SeqCst), 3);

    // Restart: a new context on the same memory.
    drop(bob);
    let mut bob = remembering(5, 1, &memory);
    for sealed in &heard {
        assert_eq!(bob.decrypt_frame(sealed), Err(MediaError::Replay));
    }
    // New frames past the floors are heard; at most a step of each is not.
    let mut alice_lost = 0;
    while bob
        .decrypt_frame(&alice.encrypt_frame(b"next", b"").unwrap())
        .is_err()
    {
        alice_lost += 1;
    }
    assert_eq!(alice_lost, 2 * REPLAY_FLOOR_STEP - 200);
    // Without a memory, the same restart would take every replay.
    let mut forgetful = member(5, 1);
    assert!(
        heard
            .iter()
            .all(|sealed| forgetful.decrypt_frame(sealed).is_ok())
    );
}

#[test]
fn a_frame_whose_floor_cannot_be_recorded_is_withheld_and_changes_nothing() {
    use std::sync::atomic::Ordering;
    let memory = TestMemory::default();
    let mut alice = member(5, 0);
    let mut bob = remembering(5, 1, &memory);
    let first = alice.encrypt_frame(b"first", b"").unwrap();
    memory.failing.store(true, Ordering::SeqCst);
    let refused = bob.decrypt_frame(&first).unwrap_err();
    assert_eq!(refused.kind(), sealkit::ErrorKind::Storage);
    // Nothing was recorded: once the memory works, the same frame opens.
    memory.failing.store(false, Ordering::SeqCst);
    assert_eq!(bob.decrypt_frame(&first).unwrap().frame, b"first");
    // Frames within the reserved floor need no write, so a failing memory
    // does not stop them.
    memory.failing.store(true, Ordering::SeqCst);
    let second = alice.encrypt_frame(b"second", b"").unwrap();
    assert_eq!(bob.decrypt_frame(&second).unwrap().frame, b"second");
    // Floors that cannot be read refuse the context, or the rekey (and
    // leave the context as it was).
    struct UnreadableAfter(u64);
    impl ReplayMemory for UnreadableAfter {
        fn floors(&self, epoch: u64) -> Result<Vec<ReplayFloor>, MediaError> {
            if epoch <= self.0 {
                return Ok(Vec::new());
            }
            Err(MediaError::ReplayMemory {
                kind: sealkit::ErrorKind::Storage,
                reason: "unreadable".into(),
            })
        }
        fn raise(&self, _: u64, _: ReplayFloor) -> Result<(), MediaError> {
            Ok(())
        }
    }
    assert!(
        member(5, 1)
            .with_replay_memory(Box::new(UnreadableAfter(4)))
            .is_err()
    );
    let mut carol = member(5, 2)
        .with_replay_memory(Box::new(UnreadableAfter(5)))
        .unwrap();
    let refused = carol.rekey(secret(6, 2)).unwrap_err();
    assert_eq!(refused.kind(), sealkit::ErrorKind::Storage);
    assert_eq!(carol.epoch(), 5);
    assert_eq!(
        carol
            .decrypt_frame(&alice.encrypt_frame(b"still 5", b"").unwrap())
            .unwrap()
            .frame,
        b"still 5"
    );
}
