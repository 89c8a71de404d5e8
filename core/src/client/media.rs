//! Call media through the facade: the SFrame (RFC 9605) context of a
//! group's current epoch, keyed from the MLS exporter (section 5.2), and
//! its rekeying after an epoch change. The frames are encrypted by
//! [`crate::media`]; the exporter and the counter reservation are in
//! [`crate::group`].

use super::Client;
use crate::error::Error;
use crate::group;
use crate::media::{EpochSecret, MediaCipherSuite, MediaConfig, MediaContext};

impl Client {
    /// The SFrame key material of the group's current epoch, as RFC 9605
    /// section 5.2 derives it: `MLS-Exporter("SFrame 1.0 Base Key", "",
    /// AEAD.Nk)`, with the epoch and this device's leaf index (its SFrame
    /// sender index), and a range of SFrame counters reserved in the store
    /// for one context: every call reserves a new range, so contexts built
    /// again (after a restart, or twice) never send with the same nonce.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Store`].
    pub fn group_media_epoch(
        &self,
        group_id: &str,
        suite: MediaCipherSuite,
    ) -> Result<EpochSecret, Error> {
        self.group_operation(|groups, context| {
            group::media_epoch_secret(groups, context, group_id, suite)
        })
    }

    /// A media (SFrame) context for the group's current epoch. After a
    /// [`GroupEvent::EpochChanged`](crate::GroupEvent::EpochChanged), call
    /// [`Client::rekey_group_media`].
    ///
    /// ```
    /// use sealkit::{Client, media::MediaConfig, store::MemoryStore};
    ///
    /// let alice = Client::open(MemoryStore::new(), "alice", "laptop")?;
    /// let bob = Client::open(MemoryStore::new(), "bob", "phone")?;
    /// alice.create_group("call")?;
    /// let commit = alice.add_group_members("call", &bob.key_packages(1)?)?;
    /// alice.confirm_group_commit("call")?;
    /// bob.join_group(commit.welcome.as_deref().unwrap_or_default())?;
    ///
    /// let mut send = alice.group_media("call", MediaConfig::default())?;
    /// let mut receive = bob.group_media("call", MediaConfig::default())?;
    /// let sealed = send.encrypt_frame(b"an opus frame", b"")?;
    /// assert_eq!(receive.decrypt_frame(&sealed)?.frame, b"an opus frame");
    /// # Ok::<(), sealkit::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Media`] for a configuration out of bounds or a leaf index
    /// that does not fit its sender-index bits, [`Error::Store`].
    pub fn group_media(&self, group_id: &str, config: MediaConfig) -> Result<MediaContext, Error> {
        let epoch = self.group_media_epoch(group_id, config.suite)?;
        Ok(MediaContext::new(epoch, config)?)
    }

    /// Moves a media context to the group's current epoch when the group is
    /// ahead of it (the previous epoch stays readable for the context's
    /// overlap). Returns whether it rekeyed.
    ///
    /// # Errors
    /// As [`Client::group_media`].
    pub fn rekey_group_media(
        &self,
        group_id: &str,
        media: &mut MediaContext,
    ) -> Result<bool, Error> {
        let epoch = self.group_media_epoch(group_id, media.config().suite)?;
        if epoch.epoch() <= media.epoch() {
            return Ok(false);
        }
        media.rekey(epoch)?;
        Ok(true)
    }
}
