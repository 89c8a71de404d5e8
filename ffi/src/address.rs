//! Device addresses as a uniffi record, converted to and from
//! [`sealkit::DeviceAddress`].

use crate::error::SealkitError;

/// A device: a user id and a device id, each 1 to 255 bytes of UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct DeviceAddress {
    /// The user the device belongs to.
    pub user_id: String,
    /// The device, unique among the user's devices.
    pub device_id: String,
}

impl DeviceAddress {
    /// The core address.
    ///
    /// # Errors
    /// [`SealkitError::InvalidInput`] when a part is empty or too long.
    pub(crate) fn to_core(&self) -> Result<sealkit::DeviceAddress, SealkitError> {
        Ok(sealkit::DeviceAddress::new(
            self.user_id.as_str(),
            self.device_id.as_str(),
        )?)
    }
}

impl From<&sealkit::DeviceAddress> for DeviceAddress {
    fn from(address: &sealkit::DeviceAddress) -> Self {
        Self {
            user_id: address.user_id().to_owned(),
            device_id: address.device_id().to_owned(),
        }
    }
}
