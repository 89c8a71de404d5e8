//! PQXDH key agreement (Signal's PQXDH specification, revision 3), with
//! curve X25519, hash SHA-256, KEM ML-KEM-768 and AEAD AES-256-GCM.
//!
//! Section 3.3 (sending the initial message): the initiator verifies the
//! prekey signatures, encapsulates to the post-quantum prekey, and computes
//! `DH1 = DH(IK_A, SPK_B)`, `DH2 = DH(EK_A, IK_B)`, `DH3 = DH(EK_A, SPK_B)`,
//! `DH4 = DH(EK_A, OPK_B)` (when a one-time prekey is present),
//! `SK = KDF(DH1 || DH2 || DH3 [|| DH4] || SS)`. Section 3.4: the responder
//! recomputes the same from its secrets. Section 2.2: `KDF` is HKDF-SHA256
//! over `F || KM` with `F` 32 `0xFF` bytes, a zero salt and [`PQXDH_INFO`].
//!
//! The associated data binds both identities and both device addresses:
//! `AD = IK_A || IK_B || address_A || address_B` (section 3.3 allows
//! appending identifying information).

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::SessionError;
use super::chain::internal;
use super::message::PrekeyHeader;
use crate::crypto::kdf::hkdf_sha256;
use crate::crypto::secret::Secret32;
use crate::crypto::x25519::X25519Secret;
use crate::identity::{
    DeviceAddress, IdentityKey, IdentityKeyPair, OneTimePrekey, PqPrekey, PrekeyBundle,
    SignedPrekey,
};

/// The KDF info string (section 2.2: protocol name, curve, hash, KEM).
pub(crate) const PQXDH_INFO: &[u8] = b"Sealkit_PQXDH_CURVE25519_SHA-256_ML-KEM-768";

/// What PQXDH gives both sides: the shared secret `SK` and associated data `AD`.
pub(crate) struct SessionSecrets {
    pub(crate) shared_secret: Secret32,
    pub(crate) associated_data: Vec<u8>,
}

/// The initiator's result: the secrets, the PQXDH fields to send, its
/// ephemeral public key (the session id) and the responder's signed prekey
/// (the Double Ratchet's first remote ratchet key).
pub(crate) struct Initiation {
    pub(crate) secrets: SessionSecrets,
    pub(crate) header: PrekeyHeader,
    pub(crate) base_key: [u8; 32],
    pub(crate) their_signed_prekey: [u8; 32],
}

/// `DH(ours, theirs)`, refusing an all-zero (non-contributory) output.
fn dh(ours: &X25519Secret, theirs: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>, SessionError> {
    ours.diffie_hellman(theirs).ok_or(SessionError::WeakKey)
}

/// Section 2.2: `HKDF(salt = 0^32, ikm = F || DH1 || DH2 || DH3 [|| DH4] || SS, info)`.
fn derive_shared_secret(
    dh: &[Zeroizing<[u8; 32]>],
    kem_secret: &[u8; 32],
) -> Result<Secret32, SessionError> {
    let mut ikm = Zeroizing::new(Vec::with_capacity(32 * (dh.len() + 2)));
    ikm.extend_from_slice(&[0xFF; 32]);
    for output in dh {
        ikm.extend_from_slice(output.as_ref());
    }
    ikm.extend_from_slice(kem_secret);
    let secret = hkdf_sha256::<32>(&[0u8; 32], &ikm, PQXDH_INFO).map_err(internal)?;
    Ok(Secret32::new(*secret))
}

fn associated_data(
    initiator: (&DeviceAddress, &IdentityKey),
    responder: (&DeviceAddress, &IdentityKey),
) -> Vec<u8> {
    let mut ad = Vec::with_capacity(128 + 2 * 2 * crate::identity::MAX_ID_LEN);
    ad.extend_from_slice(&initiator.1.to_bytes());
    ad.extend_from_slice(&responder.1.to_bytes());
    ad.extend_from_slice(&initiator.0.to_bytes());
    ad.extend_from_slice(&responder.0.to_bytes());
    ad
}

/// Section 3.3: the initiator's side, from the responder's bundle. Uses the
/// bundle's first one-time X25519 prekey and first one-time ML-KEM prekey if
/// present, else no `OPK` and the last-resort ML-KEM prekey.
///
/// # Errors
/// [`SessionError::Identity`] when a signature or key in the bundle is bad,
/// [`SessionError::WeakKey`] for a low-order X25519 key.
pub(crate) fn initiate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    our_identity: &IdentityKeyPair,
    our_address: &DeviceAddress,
    bundle: &PrekeyBundle,
) -> Result<Initiation, SessionError> {
    // Section 3.3: "Alice verifies the signatures ... and aborts if any fail".
    bundle.signed_prekey.verify(&bundle.identity)?;
    let pq_prekey = bundle.pq_one_time.first().unwrap_or(&bundle.pq_last_resort);
    pq_prekey.verify(&bundle.identity)?;
    let encapsulation_key = pq_prekey.encapsulation_key()?;
    let one_time = bundle.one_time.first();

    let (pq_ciphertext, kem_secret) = encapsulation_key.encapsulate(rng);

    let ephemeral = X25519Secret::random(rng);
    let base_key = ephemeral.public_key();
    let their_signed_prekey = &bundle.signed_prekey.key;
    let mut outputs = vec![
        dh(our_identity.dh_secret(), their_signed_prekey)?,
        dh(&ephemeral, bundle.identity.dh_key())?,
        dh(&ephemeral, their_signed_prekey)?,
    ];
    if let Some(one_time) = one_time {
        outputs.push(dh(&ephemeral, &one_time.key)?);
    }
    let shared_secret = derive_shared_secret(&outputs, &kem_secret)?;
    let associated_data = associated_data(
        (our_address, our_identity.public()),
        (&bundle.address, &bundle.identity),
    );
    Ok(Initiation {
        secrets: SessionSecrets {
            shared_secret,
            associated_data,
        },
        header: PrekeyHeader {
            identity: *our_identity.public(),
            signed_prekey_id: bundle.signed_prekey.id,
            one_time_prekey_id: one_time.map(|key| key.id),
            pq_prekey_id: pq_prekey.id,
            pq_ciphertext: pq_ciphertext.to_vec(),
        },
        base_key,
        their_signed_prekey: bundle.signed_prekey.key,
    })
}

/// The responder's secrets for one initial message.
pub(crate) struct ResponderKeys<'a> {
    pub(crate) identity: &'a IdentityKeyPair,
    pub(crate) address: &'a DeviceAddress,
    pub(crate) signed_prekey: &'a SignedPrekey,
    pub(crate) one_time_prekey: Option<&'a OneTimePrekey>,
    pub(crate) pq_prekey: &'a PqPrekey,
}

/// Section 3.4: the responder's side. The caller has looked up the prekeys
/// the header names (and fails if any is missing).
///
/// # Errors
/// [`SessionError::WeakKey`] for a low-order key, [`SessionError::Decode`]
/// for a malformed ML-KEM ciphertext.
pub(crate) fn respond(
    ours: &ResponderKeys<'_>,
    their_address: &DeviceAddress,
    header: &PrekeyHeader,
    base_key: &[u8; 32],
) -> Result<SessionSecrets, SessionError> {
    let mut outputs = vec![
        dh(&ours.signed_prekey.secret, header.identity.dh_key())?,
        dh(ours.identity.dh_secret(), base_key)?,
        dh(&ours.signed_prekey.secret, base_key)?,
    ];
    if let Some(one_time) = ours.one_time_prekey {
        outputs.push(dh(&one_time.secret, base_key)?);
    }
    let kem_secret = ours.pq_prekey.decapsulate(&header.pq_ciphertext)?;
    Ok(SessionSecrets {
        shared_secret: derive_shared_secret(&outputs, &kem_secret)?,
        associated_data: associated_data(
            (their_address, &header.identity),
            (ours.address, ours.identity.public()),
        ),
    })
}
