//! HKDF-SHA256 (RFC 5869) and HMAC-SHA256 (RFC 2104) helpers.

use std::sync::OnceLock;

use hkdf::{Hkdf, HkdfExtract};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// A primitive refused its input: HKDF asked for more than 255 hash lengths
/// (RFC 5869 section 2.3), or HMAC given a key it rejects. Sealkit never
/// asks for either, so this is a bug; it is reported as an error so that no
/// caller ever goes on with a key of zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KdfError(pub(crate) &'static str);

impl KdfError {
    /// What failed, for an `Internal` error.
    pub(crate) fn what(self) -> &'static str {
        self.0
    }
}

/// HKDF-SHA256 extract-then-expand into `N` bytes.
///
/// # Errors
/// [`KdfError`] for `N` above 255 * 32 bytes.
pub(crate) fn hkdf_sha256<const N: usize>(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
) -> Result<Zeroizing<[u8; N]>, KdfError> {
    let mut out = Zeroizing::new([0u8; N]);
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, out.as_mut())
        .map_err(|_| KdfError("HKDF-SHA256 expand"))?;
    Ok(out)
}

/// HKDF-SHA256 with a salt of 32 zero bytes (RFC 5869 section 2.2's
/// default), the same output as [`hkdf_sha256`] with `&[0; 32]`: the salt's
/// keyed HMAC state is computed once per process and cloned.
///
/// # Errors
/// As [`hkdf_sha256`].
pub(crate) fn hkdf_sha256_zero_salt<const N: usize>(
    ikm: &[u8],
    info: &[u8],
) -> Result<Zeroizing<[u8; N]>, KdfError> {
    static ZERO_SALT: OnceLock<HkdfExtract<Sha256>> = OnceLock::new();
    let mut extract = ZERO_SALT
        .get_or_init(|| HkdfExtract::<Sha256>::new(Some(&[0u8; 32])))
        .clone();
    extract.input_ikm(ikm);
    let (_, hkdf) = extract.finalize();
    let mut out = Zeroizing::new([0u8; N]);
    hkdf.expand(info, out.as_mut())
        .map_err(|_| KdfError("HKDF-SHA256 expand"))?;
    Ok(out)
}

/// An HMAC-SHA256 key with its padded blocks already hashed, for several
/// MACs under one key.
pub(crate) struct HmacKey(Hmac<Sha256>);

impl HmacKey {
    /// # Errors
    /// [`KdfError`] if HMAC refuses the key (it accepts every length).
    pub(crate) fn new(key: &[u8]) -> Result<Self, KdfError> {
        Hmac::<Sha256>::new_from_slice(key)
            .map(Self)
            .map_err(|_| KdfError("HMAC-SHA256 key"))
    }

    /// HMAC-SHA256 of `data`.
    pub(crate) fn mac(&self, data: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut mac = self.0.clone();
        mac.update(data);
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HMAC's key lives in its hash states (`Hmac` holds the inner and outer
    /// SHA-256 cores and a block buffer; `Hkdf` holds an `Hmac`). They are
    /// wiped on drop only with the `zeroize` features of `sha2` and `hmac`
    /// (which turn on digest's and block-buffer's): without them this does
    /// not compile.
    #[test]
    fn hash_and_hmac_states_are_wiped_on_drop() {
        use hmac::digest::block_api::{Buffer, CoreProxy};
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<Sha256>();
        wiped_on_drop::<sha2::Sha512>();
        // What `HmacCore<Sha256>` holds twice, and its buffer.
        wiped_on_drop::<<Sha256 as CoreProxy>::Core>();
        wiped_on_drop::<Buffer<hmac::block_api::HmacCore<Sha256>>>();
    }

    #[test]
    fn an_hkdf_output_above_255_hash_lengths_is_an_error_not_zeros() {
        // RFC 5869 section 2.3: L <= 255 * HashLen = 8160 bytes.
        assert!(hkdf_sha256::<8160>(b"salt", b"ikm", b"info").is_ok());
        assert_eq!(
            hkdf_sha256::<8161>(b"salt", b"ikm", b"info").map(|_| ()),
            Err(KdfError("HKDF-SHA256 expand"))
        );
        assert!(hkdf_sha256_zero_salt::<8161>(b"ikm", b"info").is_err());
    }
}
