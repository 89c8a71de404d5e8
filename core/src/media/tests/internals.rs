//! Unit tests of the media module's internals: configuration bounds, the
//! sealed-frame prefix, epoch classification, the exporter hand-over and
//! the absence of secrets in `Debug`. Scenarios run in `core/tests/media.rs`,
//! published vectors in `core/tests/media_vectors.rs`.

use crate::media::config::Profile;
use crate::media::epoch::sending_key;
use crate::media::wire;
use crate::media::*;

fn secret(epoch: u64, own_index: u32) -> EpochSecret {
    EpochSecret::new(epoch, own_index, vec![7; 16])
}

fn context(epoch: u64, own_index: u32) -> MediaContext {
    MediaContext::new(secret(epoch, own_index), MediaConfig::default()).unwrap()
}

#[test]
fn media_config_accepts_the_bounds_and_rejects_one_past() {
    let ok = |config: MediaConfig| Profile::new(&config).is_ok();
    let with = |f: fn(&mut MediaConfig)| {
        let mut config = MediaConfig::default();
        f(&mut config);
        config
    };
    assert!(ok(MediaConfig::default()));
    assert!(ok(with(|c| c.epoch_bits = MIN_EPOCH_BITS)));
    assert!(ok(with(|c| c.epoch_bits = MAX_EPOCH_BITS)));
    assert!(!ok(with(|c| c.epoch_bits = MIN_EPOCH_BITS - 1)));
    assert!(!ok(with(|c| c.epoch_bits = MAX_EPOCH_BITS + 1)));
    assert!(ok(with(|c| c.sender_index_bits = MIN_SENDER_INDEX_BITS)));
    assert!(ok(with(|c| c.sender_index_bits = MAX_SENDER_INDEX_BITS)));
    assert!(!ok(with(
        |c| c.sender_index_bits = MIN_SENDER_INDEX_BITS - 1
    )));
    assert!(!ok(with(
        |c| c.sender_index_bits = MAX_SENDER_INDEX_BITS + 1
    )));
    // Both at their maximum still leave the context bits of a 64-bit KID.
    assert!(ok(with(|c| {
        c.epoch_bits = MAX_EPOCH_BITS;
        c.sender_index_bits = MAX_SENDER_INDEX_BITS;
    })));
    assert!(ok(with(|c| c.replay_window = 1)));
    assert!(ok(with(|c| c.replay_window = MAX_REPLAY_WINDOW)));
    assert!(!ok(with(|c| c.replay_window = 0)));
    assert!(!ok(with(|c| c.replay_window = MAX_REPLAY_WINDOW + 1)));
    assert!(ok(with(|c| c.previous_epoch_overlap_frames = 0)));
}

#[test]
fn media_defaults_are_the_documented_profile() {
    let config = MediaConfig::default();
    assert_eq!(config.suite, MediaCipherSuite::Aes128GcmSha256);
    assert_eq!(config.suite.id(), 0x0004);
    assert_eq!(MediaCipherSuite::Aes256GcmSha512.id(), 0x0005);
    assert_eq!((config.epoch_bits, config.sender_index_bits), (8, 16));
    assert_eq!(config.replay_window, DEFAULT_REPLAY_WINDOW);
    assert_eq!(
        config.previous_epoch_overlap_frames,
        PREVIOUS_EPOCH_OVERLAP_FRAMES
    );
    // RFC 9605 section 5.2 exports AEAD.Nk bytes.
    assert_eq!(exporter_length(MediaCipherSuite::Aes128GcmSha256), 16);
    assert_eq!(exporter_length(MediaCipherSuite::Aes256GcmSha512), 32);
    assert_eq!(EXPORTER_LABEL, "SFrame 1.0 Base Key");
}

#[test]
fn media_sealed_prefix_round_trips_and_bounds_the_clear_header() {
    assert_eq!(wire::prefix(0).unwrap(), [MEDIA_FRAME_VERSION, 0, 0]);
    assert_eq!(
        wire::prefix(MAX_CLEAR_HEADER_LEN).unwrap(),
        [MEDIA_FRAME_VERSION, 0xff, 0xff]
    );
    assert_eq!(
        wire::prefix(MAX_CLEAR_HEADER_LEN + 1),
        Err(MediaError::ClearHeaderTooLarge {
            len: MAX_CLEAR_HEADER_LEN + 1,
            max: MAX_CLEAR_HEADER_LEN
        })
    );
    assert_eq!(
        wire::split(&[1, 0, 2, 0xaa, 0xbb, 0xcc]).unwrap(),
        (&[0xaa, 0xbb][..], &[0xcc][..])
    );
    assert_eq!(
        wire::split(&[1, 0, 2, 0xaa, 0xbb]).unwrap(),
        (&[0xaa, 0xbb][..], &[][..])
    );
    assert!(matches!(
        wire::split(&[1, 0, 3, 0xaa, 0xbb]),
        Err(MediaError::Malformed(_))
    ));
    assert!(matches!(
        wire::split(&[1, 0]),
        Err(MediaError::Malformed(_))
    ));
    assert!(matches!(wire::split(&[]), Err(MediaError::Malformed(_))));
    assert_eq!(
        wire::split(&[2, 0, 0]),
        Err(MediaError::UnsupportedVersion(2))
    );
}

#[test]
fn media_clear_header_at_the_cap_seals_and_one_past_is_refused() {
    let mut alice = context(1, 0);
    let mut bob = context(1, 1);
    let header = vec![0x5a; MAX_CLEAR_HEADER_LEN];
    let sealed = alice.encrypt_frame(b"frame", &header).unwrap();
    assert_eq!(bob.decrypt_frame(&sealed).unwrap().clear_header, header);
    let too_long = vec![0x5a; MAX_CLEAR_HEADER_LEN + 1];
    assert!(matches!(
        alice.encrypt_frame(b"frame", &too_long),
        Err(MediaError::ClearHeaderTooLarge { .. })
    ));
}

#[test]
fn media_epoch_bits_tell_older_from_newer_epochs() {
    let mut receiver = context(300, 1);
    receiver.end_overlap();
    // 300 = 0x12c: low byte 0x2c. 0x2b is epoch 299; 128 back (0xac) is
    // epoch 172, the oldest the bits still place behind.
    let stale = |bits| receiver.retained_epoch_for_tests(bits);
    assert_eq!(
        stale(0x2b),
        Err(MediaError::StaleEpoch {
            epoch: 299,
            current: 300
        })
    );
    assert_eq!(
        stale(0xac),
        Err(MediaError::StaleEpoch {
            epoch: 172,
            current: 300
        })
    );
    // One more step back is as far ahead: read as a newer epoch.
    assert_eq!(
        stale(0xab),
        Err(MediaError::UnknownEpoch {
            epoch_low_bits: 0xab,
            current: 300
        })
    );
    assert_eq!(
        stale(0x2d),
        Err(MediaError::UnknownEpoch {
            epoch_low_bits: 0x2d,
            current: 300
        })
    );
    assert_eq!(stale(0x2c), Ok(()));
    // Near epoch 0 nothing is older.
    let young = context(1, 1);
    assert!(matches!(
        young.retained_epoch_for_tests(0xff),
        Err(MediaError::UnknownEpoch { .. })
    ));
}

#[test]
fn media_rekey_drops_a_previous_epoch_whose_bits_collide() {
    // RFC 9605 section 5.2: an old epoch goes when a new one with the same
    // low E bits comes in (here 256 epochs later with E = 8).
    let mut context = context(5, 0);
    context.rekey(secret(5 + 256, 0)).unwrap();
    assert_eq!(context.previous_epoch(), None);
    context.rekey(secret(5 + 257, 0)).unwrap();
    assert_eq!(context.previous_epoch(), Some(5 + 256));
}

#[test]
fn media_exporter_hand_over_refuses_any_other_export() {
    use sframe::mls::MlsExporter;
    let base_key = [9u8; 16];
    let exporter = epoch::ExportedBaseKey(&base_key);
    assert_eq!(
        exporter.export_secret(EXPORTER_LABEL, b"", 16).unwrap(),
        &base_key
    );
    assert!(exporter.export_secret("SFrame 1.0 Other", b"", 16).is_err());
    assert!(exporter.export_secret(EXPORTER_LABEL, b"x", 16).is_err());
    assert!(exporter.export_secret(EXPORTER_LABEL, b"", 32).is_err());
    // And the crate asks for exactly our label and length for both suites.
    for suite in [
        MediaCipherSuite::Aes128GcmSha256,
        MediaCipherSuite::Aes256GcmSha512,
    ] {
        let config = MediaConfig {
            suite,
            ..MediaConfig::default()
        };
        let profile = Profile::new(&config).unwrap();
        let epoch = EpochSecret::new(1, 0, vec![1; exporter_length(suite)]);
        assert!(sending_key(&profile, &epoch).is_ok());
    }
}

#[test]
fn media_debug_output_shows_no_secret() {
    let secret_bytes = vec![0xab; 16];
    let epoch = EpochSecret::new(3, 2, secret_bytes);
    let shown = format!("{epoch:?}");
    assert!(shown.contains("***") && !shown.contains("171") && !shown.contains("ab"));
    let context = MediaContext::new(epoch, MediaConfig::default()).unwrap();
    let shown = format!("{context:?}");
    assert!(shown.contains("epoch: 3") && shown.contains("***"));
    assert!(!shown.contains("171") && !shown.contains("ab,"));
}

#[test]
fn media_context_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MediaContext>();
    assert_send_sync::<EpochSecret>();
    assert_send_sync::<MediaError>();
}
