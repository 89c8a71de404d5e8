//! `cargo fuzz run stored_records`: the body, and what it feeds and checks, are in
//! `fuzz/src/stored_records.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::stored_records::run(data));
