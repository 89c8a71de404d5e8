//! Stored session records (tampered storage is untrusted too).

use sealkit::session::SessionRecord;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(record) = SessionRecord::decode(data) {
        let _ = SessionRecord::decode(&record.encode()).unwrap();
    }
}
