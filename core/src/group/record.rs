//! Sealkit's own record of a group (`RecordKind::Group`, beside openmls's
//! records): the messages that arrived for a future epoch, and the SFrame
//! counter blocks handed out per epoch, so that a media context built again
//! in the same epoch never reuses a nonce. Format in `docs/format/group.md`.

use zeroize::Zeroizing;

use super::{MAX_BUFFERED_MESSAGE_LEN, MAX_BUFFERED_MESSAGES};
use crate::codec::{DecodeError, Reader, Writer};
use crate::error::Error;
use crate::media::MediaError;

/// Version 2 added the media counter reservation; version 1 records (no
/// reservation yet) are still read.
const GROUP_RECORD_VERSION: u8 = 2;
/// SFrame counters per media context: `2^40` frames (35 years at 1,000
/// frames a second), and up to `2^24` contexts per member and epoch.
const MEDIA_COUNTER_BLOCK_BITS: u32 = 40;

/// Per-group bookkeeping of Sealkit.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct GroupRecord {
    /// (epoch, message bytes), in arrival order.
    pub(super) buffered: Vec<(u64, Vec<u8>)>,
    /// The epoch of the last media counter block handed out.
    media_epoch: u64,
    /// The next free media counter block of `media_epoch`.
    media_next_block: u32,
}

impl GroupRecord {
    pub(super) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::default();
        w.u8(GROUP_RECORD_VERSION);
        w.count(self.buffered.len());
        for (epoch, message) in &self.buffered {
            w.u64(*epoch).bytes(message);
        }
        w.u64(self.media_epoch).u32(self.media_next_block);
        w.into_secret()
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != 1 && version != GROUP_RECORD_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let count = r.count("buffered group messages", MAX_BUFFERED_MESSAGES)?;
        let mut buffered = Vec::with_capacity(count);
        for _ in 0..count {
            let epoch = r.u64()?;
            let message = r.bytes("buffered group message", MAX_BUFFERED_MESSAGE_LEN)?;
            buffered.push((epoch, message.to_vec()));
        }
        let (media_epoch, media_next_block) = if version == 1 {
            (0, 0)
        } else {
            (r.u64()?, r.u32()?)
        };
        r.finish()?;
        Ok(Self {
            buffered,
            media_epoch,
            media_next_block,
        })
    }

    /// Reserves the next SFrame counter range of `epoch` for one media
    /// context: `(first, last)`.
    pub(super) fn reserve_media_counters(&mut self, epoch: u64) -> Result<(u64, u64), Error> {
        if self.media_epoch != epoch {
            self.media_epoch = epoch;
            self.media_next_block = 0;
        }
        let block = self.media_next_block;
        if u64::from(block) >= 1 << (64 - MEDIA_COUNTER_BLOCK_BITS) {
            return Err(Error::Media(MediaError::CounterExhausted));
        }
        self.media_next_block = block.saturating_add(1);
        let first = u64::from(block) << MEDIA_COUNTER_BLOCK_BITS;
        Ok((first, first | ((1 << MEDIA_COUNTER_BLOCK_BITS) - 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_record_round_trips_and_reads_version_1() {
        let record = GroupRecord {
            buffered: vec![(3, b"early".to_vec()), (4, Vec::new())],
            media_epoch: 9,
            media_next_block: 2,
        };
        assert_eq!(GroupRecord::decode(&record.encode()).unwrap(), record);
        // A version 1 record: the buffer only.
        let mut v1 = vec![1, 0, 1];
        v1.extend_from_slice(&3u64.to_be_bytes());
        v1.extend_from_slice(&5u32.to_be_bytes());
        v1.extend_from_slice(b"early");
        assert_eq!(
            GroupRecord::decode(&v1).unwrap(),
            GroupRecord {
                buffered: vec![(3, b"early".to_vec())],
                ..GroupRecord::default()
            }
        );
        assert_eq!(
            GroupRecord::decode(&[3, 0, 0]),
            Err(DecodeError::UnsupportedVersion(3))
        );
    }

    #[test]
    fn media_counter_ranges_never_overlap_within_an_epoch() {
        let mut record = GroupRecord::default();
        let first = record.reserve_media_counters(5).unwrap();
        let second = record.reserve_media_counters(5).unwrap();
        assert_eq!(first, (0, (1 << 40) - 1));
        assert_eq!(second, (1 << 40, (2 << 40) - 1));
        // A new epoch has new keys: its ranges start over.
        assert_eq!(record.reserve_media_counters(6).unwrap(), first);
        record.media_next_block = 1 << 24;
        assert_eq!(
            record.reserve_media_counters(6),
            Err(Error::Media(MediaError::CounterExhausted))
        );
    }
}
