//! Sealkit's own record of a group (`RecordKind::Group`, beside openmls's
//! records): the messages that arrived for a future epoch, and the SFrame
//! context values handed out in the current epoch, so that a media context
//! built again in the same epoch never reuses a nonce. Format in
//! `docs/format/group.md`.

use zeroize::Zeroizing;

use super::{MAX_BUFFERED_MESSAGE_LEN, MAX_BUFFERED_MESSAGES};
use crate::codec::{DecodeError, Reader, Writer};
use crate::error::Error;
use crate::media::MediaError;

/// Version 3 reserves a media context value per context; version 2
/// reserved blocks of counters under context 0, version 1 nothing. Both are
/// still read.
const GROUP_RECORD_VERSION: u8 = 3;
/// Version 2's SFrame counter blocks, for reading it.
const V2_RECORD_VERSION: u8 = 2;
/// Context values handed out per epoch, at most: the widest context field a
/// media profile has (`64 - 1 - 1` bits; the default profile has 40).
const MAX_MEDIA_CONTEXTS: u64 = 1 << 62;

/// Per-group bookkeeping of Sealkit.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct GroupRecord {
    /// (epoch, message bytes), in arrival order.
    pub(super) buffered: Vec<(u64, Vec<u8>)>,
    /// The epoch of the last media context value handed out.
    media_epoch: u64,
    /// The next free media context value of `media_epoch`.
    media_next_context: u64,
}

impl GroupRecord {
    pub(super) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::default();
        w.u8(GROUP_RECORD_VERSION);
        w.count(self.buffered.len());
        for (epoch, message) in &self.buffered {
            w.u64(*epoch).bytes(message);
        }
        w.u64(self.media_epoch).u64(self.media_next_context);
        w.into_secret()
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if !(1..=GROUP_RECORD_VERSION).contains(&version) {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let count = r.count("buffered group messages", MAX_BUFFERED_MESSAGES)?;
        let mut buffered = Vec::with_capacity(count);
        for _ in 0..count {
            let epoch = r.u64()?;
            let message = r.bytes("buffered group message", MAX_BUFFERED_MESSAGE_LEN)?;
            buffered.push((epoch, message.to_vec()));
        }
        let (media_epoch, media_next_context) = match version {
            1 => (0, 0),
            V2_RECORD_VERSION => {
                // Version 2 handed out counter blocks of context 0: if any
                // was, context 0 of that epoch has sent, and the next
                // context (counting from 0 again) must be another one.
                let epoch = r.u64()?;
                let blocks_used = r.u32()?;
                (epoch, u64::from(blocks_used > 0))
            }
            _ => (r.u64()?, r.u64()?),
        };
        r.finish()?;
        Ok(Self {
            buffered,
            media_epoch,
            media_next_context,
        })
    }

    /// Reserves the next SFrame context value of `epoch` for one media
    /// context.
    pub(super) fn reserve_media_context(&mut self, epoch: u64) -> Result<u64, Error> {
        if self.media_epoch != epoch {
            self.media_epoch = epoch;
            self.media_next_context = 0;
        }
        let context = self.media_next_context;
        if context >= MAX_MEDIA_CONTEXTS {
            return Err(Error::Media(MediaError::ContextIdTooLarge {
                context,
                bits: 62,
            }));
        }
        self.media_next_context = context + 1;
        Ok(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1_record() -> Vec<u8> {
        let mut v1 = vec![1, 0, 1];
        v1.extend_from_slice(&3u64.to_be_bytes());
        v1.extend_from_slice(&5u32.to_be_bytes());
        v1.extend_from_slice(b"early");
        v1
    }

    fn v2_record(epoch: u64, blocks_used: u32) -> Vec<u8> {
        let mut v2 = vec![2, 0, 0];
        v2.extend_from_slice(&epoch.to_be_bytes());
        v2.extend_from_slice(&blocks_used.to_be_bytes());
        v2
    }

    #[test]
    fn group_record_round_trips_and_reads_versions_1_and_2() {
        let record = GroupRecord {
            buffered: vec![(3, b"early".to_vec()), (4, Vec::new())],
            media_epoch: 9,
            media_next_context: 2,
        };
        assert_eq!(GroupRecord::decode(&record.encode()).unwrap(), record);
        assert_eq!(
            GroupRecord::decode(&v1_record()).unwrap(),
            GroupRecord {
                buffered: vec![(3, b"early".to_vec())],
                ..GroupRecord::default()
            }
        );
        assert_eq!(
            GroupRecord::decode(&[4, 0, 0]),
            Err(DecodeError::UnsupportedVersion(4))
        );
    }

    #[test]
    fn a_version_2_record_whose_epoch_sent_media_never_hands_out_context_0_of_that_epoch_again() {
        // Version 2 reserved counter blocks under context 0: once one was
        // handed out, context 0 of epoch 7 has sent with counters from 0.
        let mut used = GroupRecord::decode(&v2_record(7, 3)).unwrap();
        assert_eq!(used.reserve_media_context(7).unwrap(), 1);
        // Nothing was handed out yet: context 0 is still free.
        let mut unused = GroupRecord::decode(&v2_record(7, 0)).unwrap();
        assert_eq!(unused.reserve_media_context(7).unwrap(), 0);
        // A later epoch has new keys and starts again at 0.
        assert_eq!(used.reserve_media_context(8).unwrap(), 0);
    }

    #[test]
    fn media_contexts_of_one_epoch_are_all_different_and_a_new_epoch_starts_again() {
        let mut record = GroupRecord::default();
        let contexts: Vec<u64> = (0..4)
            .map(|_| record.reserve_media_context(5).unwrap())
            .collect();
        assert_eq!(contexts, [0, 1, 2, 3]);
        assert_eq!(record.reserve_media_context(6).unwrap(), 0);
        record.media_next_context = MAX_MEDIA_CONTEXTS;
        assert!(matches!(
            record.reserve_media_context(6),
            Err(Error::Media(MediaError::ContextIdTooLarge { .. }))
        ));
    }
}
