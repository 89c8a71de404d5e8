//! Stored session records (tampered storage is untrusted too).

use sealkit::session::SessionRecord;

/// One input.
pub fn run(data: &[u8]) {
    if let Ok(record) = SessionRecord::decode(data) {
        let _ = SessionRecord::decode(&record.encode()).unwrap();
    }
}

/// Seeds: the real session records of the `stored_records` store.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    crate::stored_records::real_records(sealkit::store::RecordKind::Session)
        .into_iter()
        .enumerate()
        .map(|(i, record)| (format!("real_session_record_{i}"), record))
        .collect()
}
