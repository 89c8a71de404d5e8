//! Stored session records (tampered storage is untrusted too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::session::SessionRecord;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = SessionRecord::decode(data) {
        let _ = SessionRecord::decode(&record.encode()).unwrap();
    }
});
