//! The Double Ratchet state machine (Signal's Double Ratchet specification,
//! revision 4): initialisation (section 3.3), `RatchetEncrypt` (3.4),
//! `RatchetDecrypt` with skipped keys (3.5) and the DH ratchet step.
//!
//! Decryption is transactional: every new value (chains, root key, ratchet
//! key pair, skipped keys) is computed into locals, the message is
//! authenticated, and only then is the state changed. A message that fails
//! leaves the state exactly as it was (section 3.5: "discard any changes").

use std::collections::VecDeque;
use std::sync::OnceLock;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::SessionError;
use super::chain::{ChainKey, MessageKey, RootKey};
use super::message::RatchetHeader;
use super::skipped::{SkippedKey, SkippedKeys};
use crate::crypto::secret::Secret32;
use crate::crypto::x25519::X25519Secret;

/// Most message keys skipped in one chain by one message (libsignal's
/// `MAX_FORWARD_JUMPS`): bounds the work an attacker can force per message.
pub const MAX_FORWARD_JUMP: u32 = 25_000;
/// Most skipped message keys stored per session, over all chains (libsignal's
/// `MAX_MESSAGE_KEYS`); beyond it the oldest are evicted, and their messages
/// are refused with [`SessionError::KeyEvicted`].
pub const MAX_SKIPPED_KEYS: usize = 2_000;
/// Previous remote ratchet keys remembered to recognise replays of old
/// chains without a DH step (libsignal keeps 5 receiver chains). The
/// skipped keys of a chain that leaves this window are deleted with it
/// (Double Ratchet spec, section 6.4): a message held back for more than
/// this many DH ratchet steps is refused as `KeyEvicted`.
pub const MAX_RECEIVER_CHAINS: usize = 5;

/// Our ratchet key pair `DHs`. The public half is derived once, on first
/// use, and kept: every message header carries it, and recomputing it is a
/// base-point multiplication, the dominant cost of a steady-state encrypt.
#[derive(Clone)]
pub(crate) struct RatchetKeyPair {
    pub(crate) secret: X25519Secret,
    public: OnceLock<[u8; 32]>,
}

impl RatchetKeyPair {
    pub(crate) fn new(secret: X25519Secret) -> Self {
        Self {
            secret,
            public: OnceLock::new(),
        }
    }

    pub(crate) fn public(&self) -> [u8; 32] {
        *self.public.get_or_init(|| self.secret.public_key())
    }
}

/// The state of one Double Ratchet (section 3.2).
#[derive(Clone)]
pub(crate) struct RatchetState {
    pub(crate) root: RootKey,
    /// `DHs`: our current ratchet key pair.
    pub(crate) our_ratchet: RatchetKeyPair,
    /// `CKs` and `Ns`.
    pub(crate) sending: Option<ChainKey>,
    /// `DHr`.
    pub(crate) their_ratchet: Option<[u8; 32]>,
    /// `CKr` and `Nr`.
    pub(crate) receiving: Option<ChainKey>,
    /// `PN`.
    pub(crate) previous_sending_length: u32,
    /// `MKSKIPPED`.
    pub(crate) skipped: SkippedKeys,
    /// Remote ratchet keys of finished receiving chains, newest last.
    pub(crate) old_ratchets: VecDeque<[u8; 32]>,
}

fn dh(ours: &X25519Secret, theirs: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>, SessionError> {
    ours.diffie_hellman(theirs).ok_or(SessionError::WeakKey)
}

/// [`SessionError::TooFarAhead`] when reaching message `until` from `chain`
/// would take more than [`MAX_FORWARD_JUMP`] steps.
fn check_jump(chain: &ChainKey, until: u32) -> Result<(), SessionError> {
    let jump = u64::from(until).saturating_sub(u64::from(chain.index));
    if jump > u64::from(MAX_FORWARD_JUMP) {
        return Err(SessionError::TooFarAhead {
            jump,
            max: MAX_FORWARD_JUMP,
        });
    }
    Ok(())
}

/// Keys from `chain` up to (not including) `until`, and the chain after them.
fn skip_keys(
    chain: &ChainKey,
    until: u32,
    ratchet_key: &[u8; 32],
    out: &mut Vec<SkippedKey>,
) -> Result<ChainKey, SessionError> {
    check_jump(chain, until)?;
    let mut chain = chain.clone();
    while chain.index < until {
        let (key, next) = chain.step()?;
        out.push(SkippedKey {
            ratchet_key: *ratchet_key,
            index: key.index,
            key: key.key,
        });
        chain = next;
    }
    Ok(chain)
}

impl RatchetState {
    /// Why a message of a known chain, behind its position, has no stored
    /// key: it was decrypted before, or its skipped key was evicted.
    fn missing_key(&self, header: &RatchetHeader) -> SessionError {
        if self.skipped.was_evicted(&header.ratchet_key, header.index) {
            SessionError::KeyEvicted
        } else {
            SessionError::Duplicate
        }
    }

    /// `RatchetInitAlice` (section 3.3): the initiator, from `SK` and the
    /// responder's signed prekey as its first ratchet key.
    pub(crate) fn initiator<R: CryptoRng + ?Sized>(
        rng: &mut R,
        shared_secret: &Secret32,
        their_ratchet: [u8; 32],
    ) -> Result<Self, SessionError> {
        let our_ratchet = X25519Secret::random(rng);
        let (root, sending) =
            RootKey(shared_secret.clone()).step(&*dh(&our_ratchet, &their_ratchet)?)?;
        Ok(Self {
            root,
            our_ratchet: RatchetKeyPair::new(our_ratchet),
            sending: Some(sending),
            their_ratchet: Some(their_ratchet),
            receiving: None,
            previous_sending_length: 0,
            skipped: SkippedKeys::default(),
            old_ratchets: VecDeque::new(),
        })
    }

    /// `RatchetInitBob` (section 3.3): the responder, from `SK` and its signed
    /// prekey pair as its first ratchet key pair.
    pub(crate) fn responder(shared_secret: &Secret32, signed_prekey: X25519Secret) -> Self {
        Self {
            root: RootKey(shared_secret.clone()),
            our_ratchet: RatchetKeyPair::new(signed_prekey),
            sending: None,
            their_ratchet: None,
            receiving: None,
            previous_sending_length: 0,
            skipped: SkippedKeys::default(),
            old_ratchets: VecDeque::new(),
        }
    }

    /// Our current ratchet public key.
    pub(crate) fn our_ratchet_public(&self) -> [u8; 32] {
        self.our_ratchet.public()
    }

    /// Whether [`RatchetState::next_sending`] can succeed: we have a sending
    /// chain, or one is due from the last DH ratchet step.
    pub(crate) fn can_send(&self) -> bool {
        self.sending.is_some() || self.their_ratchet.is_some()
    }

    /// `RatchetEncrypt` (section 3.4) up to the AEAD: the header and message
    /// key of the next message, advancing the sending chain.
    ///
    /// The second half of section 3.5's `DHRatchet`, `RK, CKs =
    /// KDF_RK(RK, DH(DHs, DHr))`, runs here, on our first message after a
    /// step, rather than in the decrypt that stepped: nothing it reads (`RK`,
    /// the new `DHs` drawn then, `DHr`) changes in between, so the chain is
    /// the one the spec derives, and a device that receives without
    /// replying saves a Diffie-Hellman (Olm defers it the same way). A state
    /// with no sending chain but a remote ratchet key is exactly that case.
    ///
    /// # Errors
    /// [`SessionError::NoSendingChain`] when we are the responder and have
    /// not yet received (we have no sending chain),
    /// [`SessionError::WeakKey`] if the deferred DH is non-contributory,
    /// [`SessionError::CounterExhausted`] after 2^32 - 1 messages in a chain.
    /// None of them changes the state.
    pub(crate) fn next_sending(&mut self) -> Result<(RatchetHeader, MessageKey), SessionError> {
        let (root, chain) = match (&self.sending, &self.their_ratchet) {
            (Some(chain), _) => (None, chain.clone()),
            (None, Some(their_ratchet)) => {
                let (root, chain) = self
                    .root
                    .step(&*dh(&self.our_ratchet.secret, their_ratchet)?)?;
                (Some(root), chain)
            }
            (None, None) => return Err(SessionError::NoSendingChain),
        };
        let (key, next) = chain.step()?;
        let header = RatchetHeader {
            ratchet_key: self.our_ratchet_public(),
            previous_chain_length: self.previous_sending_length,
            index: key.index,
        };
        if let Some(root) = root {
            self.root = root;
        }
        self.sending = Some(next);
        Ok((header, key))
    }

    /// `RatchetDecrypt` (section 3.5). `open` authenticates and decrypts
    /// with a candidate message key; the state changes only if it succeeds.
    ///
    /// # Errors
    /// [`SessionError::Duplicate`] for a message already decrypted,
    /// [`SessionError::KeyEvicted`] for one whose skipped key was evicted
    /// (see `skipped.rs` for where that is exact),
    /// [`SessionError::TooFarAhead`] beyond [`MAX_FORWARD_JUMP`], and
    /// whatever `open` returns.
    pub(crate) fn decrypt<R, F>(
        &mut self,
        rng: &mut R,
        header: &RatchetHeader,
        open: F,
    ) -> Result<Vec<u8>, SessionError>
    where
        R: CryptoRng + ?Sized,
        F: FnOnce(&MessageKey) -> Result<Vec<u8>, SessionError>,
    {
        // TrySkippedMessageKeys.
        if let Some((position, stored)) = self.skipped.find(&header.ratchet_key, header.index) {
            let key = MessageKey {
                key: stored.key.clone(),
                index: stored.index,
            };
            let plaintext = open(&key)?;
            self.skipped.remove(position);
            return Ok(plaintext);
        }

        let mut new_skipped = Vec::new();
        let same_chain = self.their_ratchet == Some(header.ratchet_key);
        if same_chain {
            let chain = self
                .receiving
                .as_ref()
                .ok_or(SessionError::NoReceivingChain)?;
            if header.index < chain.index {
                return Err(self.missing_key(header));
            }
            let chain = skip_keys(chain, header.index, &header.ratchet_key, &mut new_skipped)?;
            let (key, next) = chain.step()?;
            let plaintext = open(&key)?;
            self.skipped.extend(new_skipped, MAX_SKIPPED_KEYS);
            self.receiving = Some(next);
            return Ok(plaintext);
        }
        if self.old_ratchets.contains(&header.ratchet_key) {
            return Err(self.missing_key(header));
        }
        // A chain no longer remembered, whose key for this message was
        // evicted: no need to try (and fail) a DH step.
        if self.skipped.was_evicted(&header.ratchet_key, header.index) {
            return Err(SessionError::KeyEvicted);
        }

        // A new remote ratchet key: SkipMessageKeys(state, header.pn), then
        // DHRatchet. The keys of the old chain up to `PN` depend on the old
        // chain alone, so they are derived once the message authenticates
        // (the header, `PN` included, is in the AEAD's associated data): a
        // forged envelope costs one DH and at most MAX_FORWARD_JUMP steps of
        // the new chain, not another MAX_FORWARD_JUMP of the old one. The
        // result is the spec's. Both forward jumps are checked before any DH.
        let old_chain = match (&self.receiving, &self.their_ratchet) {
            (Some(chain), Some(their)) => {
                check_jump(chain, header.previous_chain_length)?;
                Some((chain, their))
            }
            _ => None,
        };
        if header.index > MAX_FORWARD_JUMP {
            return Err(SessionError::TooFarAhead {
                jump: u64::from(header.index),
                max: MAX_FORWARD_JUMP,
            });
        }
        let (root, receiving) = self
            .root
            .step(&*dh(&self.our_ratchet.secret, &header.ratchet_key)?)?;
        let mut new_chain_skipped = Vec::new();
        let receiving = skip_keys(
            &receiving,
            header.index,
            &header.ratchet_key,
            &mut new_chain_skipped,
        )?;
        let (key, receiving_next) = receiving.step()?;
        let plaintext = open(&key)?;
        if let Some((chain, their)) = old_chain {
            skip_keys(chain, header.previous_chain_length, their, &mut new_skipped)?;
        }
        new_skipped.append(&mut new_chain_skipped);

        // Authenticated: now draw our next ratchet key pair and commit. Its
        // sending chain is derived by our next `next_sending` (see there).
        let our_ratchet = X25519Secret::random(rng);
        self.previous_sending_length = self.sending.as_ref().map_or(0, |chain| chain.index);
        if let Some(previous) = self.their_ratchet.replace(header.ratchet_key) {
            self.old_ratchets.push_back(previous);
            while self.old_ratchets.len() > MAX_RECEIVER_CHAINS {
                if let Some(expired) = self.old_ratchets.pop_front() {
                    self.skipped.expire_chain(&expired);
                }
            }
        }
        self.root = root;
        self.our_ratchet = RatchetKeyPair::new(our_ratchet);
        self.sending = None;
        self.receiving = Some(receiving_next);
        self.skipped.extend(new_skipped, MAX_SKIPPED_KEYS);
        Ok(plaintext)
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::session::chain::STEPS;

    /// Alice and Bob right after the initial agreement, and Bob having
    /// received Alice's first message: he has a receiving chain.
    fn bob_with_a_receiving_chain() -> (RatchetState, ChaCha20Rng) {
        let mut rng = ChaCha20Rng::from_seed([4; 32]);
        let shared = Secret32::new([9; 32]);
        let bob_prekey = X25519Secret::random(&mut rng);
        let mut alice =
            RatchetState::initiator(&mut rng, &shared, bob_prekey.public_key()).unwrap();
        let mut bob = RatchetState::responder(&shared, bob_prekey);
        let (header, key) = alice.next_sending().unwrap();
        bob.decrypt(&mut rng, &header, |candidate| {
            assert_eq!(candidate.key, key.key);
            Ok(Vec::new())
        })
        .unwrap();
        assert!(bob.receiving.is_some());
        (bob, rng)
    }

    /// The chain steps Bob takes on an envelope that fails to authenticate.
    fn steps_for_a_forgery(previous_chain_length: u32, index: u32) -> u64 {
        let (mut bob, mut rng) = bob_with_a_receiving_chain();
        let forged = RatchetHeader {
            ratchet_key: X25519Secret::random(&mut rng).public_key(),
            previous_chain_length,
            index,
        };
        let before = STEPS.with(std::cell::Cell::get);
        let refused = bob.decrypt(&mut rng, &forged, |_| Err(SessionError::Decrypt));
        assert_eq!(refused, Err(SessionError::Decrypt));
        STEPS.with(std::cell::Cell::get) - before
    }

    #[test]
    fn a_forged_envelope_derives_nothing_of_the_previous_chain_before_it_authenticates() {
        // PN is the header's claim about the old chain: before the message
        // authenticates, none of its MAX_FORWARD_JUMP keys is derived.
        assert_eq!(steps_for_a_forgery(MAX_FORWARD_JUMP, 0), 1);
        // The worst forgery costs one new chain's jump and its message key.
        assert_eq!(
            steps_for_a_forgery(MAX_FORWARD_JUMP, MAX_FORWARD_JUMP),
            u64::from(MAX_FORWARD_JUMP) + 1
        );
    }
}
