//! The app's name for a device: a (user id, device id) pair of strings.

use std::fmt;

use super::IdentityError;
use crate::codec::{DecodeError, Reader, Writer};

/// Longest user id or device id, in UTF-8 bytes. Long enough for any UUID,
/// email address or Matrix-style id; short enough to bound every header.
pub const MAX_ID_LEN: usize = 256;

/// A device, named by the app's own user id and device id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceAddress {
    user_id: String,
    device_id: String,
}

impl DeviceAddress {
    /// A device address; both parts must be 1 to [`MAX_ID_LEN`] bytes.
    ///
    /// # Errors
    /// [`IdentityError::InvalidAddress`] when a part is empty or too long.
    pub fn new(
        user_id: impl Into<String>,
        device_id: impl Into<String>,
    ) -> Result<Self, IdentityError> {
        let user_id = user_id.into();
        let device_id = device_id.into();
        for (part, what) in [(&user_id, "user id"), (&device_id, "device id")] {
            if part.is_empty() || part.len() > MAX_ID_LEN {
                return Err(IdentityError::InvalidAddress(what));
            }
        }
        Ok(Self { user_id, device_id })
    }

    /// The user id.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The device id.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.string(&self.user_id).string(&self.device_id);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let user_id = r.string("user id", MAX_ID_LEN)?;
        let device_id = r.string("device id", MAX_ID_LEN)?;
        Self::new(user_id, device_id).map_err(|_| DecodeError::Invalid("device address"))
    }

    /// The canonical byte encoding (two `u16`-length-prefixed strings).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.write(&mut w);
        w.into_bytes()
    }

    /// Used as a store key: `<user id length in bytes>:<user id><device id>`.
    /// The length prefix makes the join unambiguous for any ids, without
    /// control characters that SQLite's text functions mishandle.
    pub(crate) fn store_key(&self) -> String {
        format!("{}:{}{}", self.user_id.len(), self.user_id, self.device_id)
    }

    pub(crate) fn from_store_key(key: &str) -> Option<Self> {
        let (length, rest) = key.split_once(':')?;
        let length: usize = length.parse().ok()?;
        let user = rest.get(..length)?;
        let device = rest.get(length..)?;
        Self::new(user, device).ok()
    }
}

impl fmt::Display for DeviceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.user_id, self.device_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_overlong_ids_are_rejected() {
        assert!(DeviceAddress::new("", "phone").is_err());
        assert!(DeviceAddress::new("alice", "").is_err());
        assert!(DeviceAddress::new("a".repeat(MAX_ID_LEN), "phone").is_ok());
        assert!(DeviceAddress::new("a".repeat(MAX_ID_LEN + 1), "phone").is_err());
    }

    #[test]
    fn store_key_round_trips() {
        for (user, device) in [("alice@example.org", "phone 1"), ("a:1", "2:b"), ("ü", "x")] {
            let address = DeviceAddress::new(user, device).unwrap();
            assert_eq!(
                DeviceAddress::from_store_key(&address.store_key()),
                Some(address)
            );
        }
        assert_eq!(DeviceAddress::from_store_key("9:ab"), None);
        assert_eq!(DeviceAddress::from_store_key("no colon"), None);
    }
}
