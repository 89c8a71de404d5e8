//! `cargo fuzz run file_header`: the body, and what it feeds and checks, are in
//! `fuzz/src/file_header.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::file_header::run(data));
