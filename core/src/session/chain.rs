//! The KDF chains of the Double Ratchet (Signal's Double Ratchet
//! specification, sections 2 and 5.2): the root chain `KDF_RK`, the sending
//! and receiving chains `KDF_CK`, and the expansion of a message key into an
//! AES-256-GCM key and nonce.

use zeroize::Zeroizing;

use super::SessionError;
use crate::crypto::aead::NONCE_LEN;
use crate::crypto::kdf::{HmacKey, KdfError, hkdf_sha256, hkdf_sha256_zero_salt};
use crate::crypto::secret::Secret32;

/// `KDF_RK` info string (section 5.2: "an application-specific byte sequence").
pub(crate) const ROOT_INFO: &[u8] = b"Sealkit_DR_Root_v1";
/// Info string for expanding a message key into AEAD key and nonce.
pub(crate) const MESSAGE_KEY_INFO: &[u8] = b"Sealkit_DR_MessageKeys_v1";
/// `KDF_CK` input constants (section 5.2: HMAC with 0x01 for the message key,
/// 0x02 for the next chain key).
const MESSAGE_KEY_SEED: &[u8] = &[0x01];
const CHAIN_KEY_SEED: &[u8] = &[0x02];

/// The root key `RK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RootKey(pub(crate) Secret32);

impl RootKey {
    /// `KDF_RK(rk, dh_out)`: HKDF-SHA256 with `rk` as salt, `dh_out` as input
    /// key material and [`ROOT_INFO`], 64 bytes split into a new root key and
    /// a chain key (section 5.2).
    ///
    /// # Errors
    /// [`SessionError::Internal`] if HKDF fails (it cannot for 64 bytes):
    /// never a key of zeros.
    pub(crate) fn step(&self, dh_out: &[u8; 32]) -> Result<(RootKey, ChainKey), SessionError> {
        let okm = hkdf_sha256::<64>(self.0.as_bytes(), dh_out, ROOT_INFO).map_err(internal)?;
        let (root, chain) = okm.split_at(32);
        let split = || SessionError::Internal("KDF_RK output split");
        let root = Secret32::from_slice(root).ok_or_else(split)?;
        let chain = Secret32::from_slice(chain).ok_or_else(split)?;
        Ok((
            RootKey(root),
            ChainKey {
                key: chain,
                index: 0,
            },
        ))
    }
}

/// A sending or receiving chain key `CK` and the index `N` of the next
/// message key it yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChainKey {
    pub(crate) key: Secret32,
    pub(crate) index: u32,
}

#[cfg(test)]
thread_local! {
    /// Chain steps this thread has taken: tests bound a decrypt's work.
    pub(crate) static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl ChainKey {
    /// The message key at `self.index`: `HMAC-SHA256(CK, 0x01)`.
    #[cfg(test)]
    pub(crate) fn message_key(&self) -> Option<MessageKey> {
        self.step().ok().map(|(key, _)| key)
    }

    /// The next chain key: `HMAC-SHA256(CK, 0x02)`. `None` once the index
    /// would overflow (after 2^32 - 1 messages in one chain).
    #[cfg(test)]
    pub(crate) fn next(&self) -> Option<ChainKey> {
        self.step().ok().map(|(_, next)| next)
    }

    /// `KDF_CK(CK)` (section 5.2): the message key at `self.index` and the
    /// next chain key, from one keyed HMAC state (the key's padded blocks
    /// are hashed once for both).
    ///
    /// # Errors
    /// [`SessionError::CounterExhausted`] once the index would overflow
    /// (after 2^32 - 1 messages in one chain); [`SessionError::Internal`]
    /// if HMAC refuses the key (it cannot).
    pub(crate) fn step(&self) -> Result<(MessageKey, ChainKey), SessionError> {
        let index = self
            .index
            .checked_add(1)
            .ok_or(SessionError::CounterExhausted)?;
        #[cfg(test)]
        STEPS.with(|steps| steps.set(steps.get() + 1));
        let mac = HmacKey::new(self.key.as_bytes()).map_err(internal)?;
        Ok((
            MessageKey {
                key: Secret32::new(*mac.mac(MESSAGE_KEY_SEED)),
                index: self.index,
            },
            ChainKey {
                key: Secret32::new(*mac.mac(CHAIN_KEY_SEED)),
                index,
            },
        ))
    }
}

/// A message key `MK` and its index in its chain. Used exactly once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MessageKey {
    pub(crate) key: Secret32,
    pub(crate) index: u32,
}

impl MessageKey {
    /// HKDF-SHA256(salt = 32 zero bytes, ikm = MK, info) into a 32-byte
    /// AES-256-GCM key and a 12-byte nonce (section 5.2 recommends this
    /// expansion; we take a GCM key and nonce instead of CBC and HMAC keys).
    /// Each message key is used once, so a derived fixed nonce is safe.
    ///
    /// # Errors
    /// [`SessionError::Internal`] if HKDF fails (it cannot for 44 bytes).
    pub(crate) fn aead_key_and_nonce(
        &self,
    ) -> Result<(Zeroizing<[u8; 32]>, [u8; NONCE_LEN]), SessionError> {
        let okm =
            hkdf_sha256_zero_salt::<44>(self.key.as_bytes(), MESSAGE_KEY_INFO).map_err(internal)?;
        let mut key = Zeroizing::new([0u8; 32]);
        let mut nonce = [0u8; NONCE_LEN];
        let (k, n) = okm.split_at(32);
        key.copy_from_slice(k);
        nonce.copy_from_slice(n);
        Ok((key, nonce))
    }
}

/// A primitive's refusal, as the session's internal error.
pub(crate) fn internal(error: KdfError) -> SessionError {
    SessionError::Internal(error.what())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_steps_are_deterministic_and_distinct() {
        let chain = ChainKey {
            key: Secret32::new([7; 32]),
            index: 0,
        };
        let next = chain.next().unwrap();
        assert_eq!(next.index, 1);
        assert_ne!(
            chain.message_key().unwrap().key,
            next.message_key().unwrap().key
        );
        assert_eq!(chain.next(), Some(next));
        // `step` is exactly `message_key` and `next`.
        let (key, next) = chain.step().unwrap();
        assert_eq!((Some(key), Some(next)), (chain.message_key(), chain.next()));
    }

    #[test]
    fn message_key_expansion_is_hkdf_with_a_zero_salt() {
        let key = MessageKey {
            key: Secret32::new([9; 32]),
            index: 0,
        };
        let (aead_key, nonce) = key.aead_key_and_nonce().unwrap();
        let okm = hkdf_sha256::<44>(&[0u8; 32], &[9; 32], MESSAGE_KEY_INFO).unwrap();
        assert_eq!(&aead_key[..], &okm[..32]);
        assert_eq!(&nonce[..], &okm[32..]);
    }

    #[test]
    fn chain_index_overflow_is_reported() {
        let chain = ChainKey {
            key: Secret32::new([7; 32]),
            index: u32::MAX,
        };
        assert!(chain.next().is_none());
    }
}
