//! `cargo fuzz run session_record`: the body, and what it feeds and checks, are in
//! `fuzz/src/session_record.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::session_record::run(data));
