//! `cargo fuzz run file_recipients`: the body, and what it feeds and checks, are in
//! `fuzz/src/file_recipients.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::file_recipients::run(data));
