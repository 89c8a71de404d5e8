//! Future-epoch buffering.
//!
//! A delivery service delivers a group's messages in order per sender, not
//! across senders: a member may see Bob's first message of epoch 5 before
//! Alice's commit that starts epoch 5. Such a message cannot be decrypted
//! or even authenticated yet (its epoch's keys do not exist), and refusing
//! it would lose it for good, since the server has already handed it out.
//! So it is kept, bounded ([`MAX_FUTURE_EPOCHS`] ahead,
//! [`MAX_BUFFERED_MESSAGES`], [`MAX_BUFFERED_MESSAGE_LEN`],
//! [`MAX_BUFFERED_BYTES`]), in Sealkit's group record, in the same
//! transaction as everything else; after every commit the messages whose
//! epoch has come are processed, oldest first, and any that then fails is
//! dropped and reported ([`GroupEvent::BufferedDropped`]) instead of
//! failing the commit.
//!
//! [`MAX_FUTURE_EPOCHS`]: super::MAX_FUTURE_EPOCHS

use openmls::prelude::MlsGroup;

use super::processing::process;
use super::txn::GroupTxn;
use super::wire::protocol_message;
use super::{
    GroupError, GroupEvent, MAX_BUFFERED_BYTES, MAX_BUFFERED_MESSAGE_LEN, MAX_BUFFERED_MESSAGES,
};
use crate::error::Error;

/// Keeps a message of a future epoch until the commit that starts its
/// epoch arrives.
pub(super) fn buffer_early(
    txn: &mut GroupTxn<'_>,
    message_epoch: u64,
    bytes: &[u8],
    events: &mut Vec<GroupEvent>,
) -> Result<(), Error> {
    if bytes.len() > MAX_BUFFERED_MESSAGE_LEN {
        return Err(Error::Group(GroupError::Rejected(
            "early message too large to buffer".into(),
        )));
    }
    let group_id = txn.group_id.clone();
    let record = txn.record()?;
    if record.buffered.iter().any(|(_, kept)| kept == bytes) {
        return Err(Error::Group(GroupError::Replay));
    }
    let buffered_bytes: usize = record.buffered.iter().map(|(_, kept)| kept.len()).sum();
    if record.buffered.len() >= MAX_BUFFERED_MESSAGES
        || buffered_bytes.saturating_add(bytes.len()) > MAX_BUFFERED_BYTES
    {
        return Err(Error::Group(GroupError::BufferFull { group_id }));
    }
    record.buffered.push((message_epoch, bytes.to_vec()));
    txn.touch_record();
    events.push(GroupEvent::Buffered {
        group_id,
        epoch: message_epoch,
    });
    Ok(())
}

/// Processes the buffered messages whose epoch has come, oldest first.
/// One that fails is dropped and reported; the others go on.
pub(super) fn drain_buffer(
    txn: &mut GroupTxn<'_>,
    group: &mut MlsGroup,
    events: &mut Vec<GroupEvent>,
) -> Result<(), Error> {
    loop {
        if txn.deleted {
            return Ok(());
        }
        let epoch = group.epoch().as_u64();
        let record = txn.record()?;
        let Some(position) = record.buffered.iter().position(|(e, _)| *e <= epoch) else {
            return Ok(());
        };
        let (message_epoch, bytes) = record.buffered.remove(position);
        txn.touch_record();
        let result = protocol_message(&bytes)
            .and_then(|message| process(txn, group, message, &bytes, events));
        match result {
            Ok(()) => {}
            Err(Error::Store(error)) => return Err(Error::Store(error)),
            Err(error) => events.push(GroupEvent::BufferedDropped {
                group_id: txn.group_id.clone(),
                epoch: message_epoch,
                reason: error.to_string(),
            }),
        }
    }
}
