//! `cargo fuzz run file_body`: the body, and what it feeds and checks, are in
//! `fuzz/src/file_body.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::file_body::run(data));
