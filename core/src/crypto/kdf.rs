//! HKDF-SHA256 (RFC 5869) and HMAC-SHA256 (RFC 2104) helpers.

use std::sync::OnceLock;

use hkdf::{Hkdf, HkdfExtract};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// HKDF-SHA256 extract-then-expand into `N` bytes.
pub(crate) fn hkdf_sha256<const N: usize>(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
) -> Zeroizing<[u8; N]> {
    let mut out = Zeroizing::new([0u8; N]);
    // Expand fails only for outputs above 255 * 32 bytes; every N here is far below.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, out.as_mut());
    out
}

/// HKDF-SHA256 with a salt of 32 zero bytes (RFC 5869 section 2.2's
/// default), the same output as [`hkdf_sha256`] with `&[0; 32]`: the salt's
/// keyed HMAC state is computed once per process and cloned.
pub(crate) fn hkdf_sha256_zero_salt<const N: usize>(ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; N]> {
    static ZERO_SALT: OnceLock<HkdfExtract<Sha256>> = OnceLock::new();
    let mut extract = ZERO_SALT
        .get_or_init(|| HkdfExtract::<Sha256>::new(Some(&[0u8; 32])))
        .clone();
    extract.input_ikm(ikm);
    let (_, hkdf) = extract.finalize();
    let mut out = Zeroizing::new([0u8; N]);
    // As in `hkdf_sha256`: every N here is far below the expand limit.
    let _ = hkdf.expand(info, out.as_mut());
    out
}

/// An HMAC-SHA256 key with its padded blocks already hashed, for several
/// MACs under one key.
pub(crate) struct HmacKey(Option<Hmac<Sha256>>);

impl HmacKey {
    pub(crate) fn new(key: &[u8]) -> Self {
        // HMAC accepts keys of any length; the error case cannot occur.
        Self(Hmac::<Sha256>::new_from_slice(key).ok())
    }

    /// HMAC-SHA256 of `data`.
    pub(crate) fn mac(&self, data: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        if let Some(mac) = &self.0 {
            let mut mac = mac.clone();
            mac.update(data);
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }
}
