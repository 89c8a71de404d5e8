//! `cargo fuzz run recipient_string`: the body, and what it feeds and checks, are in
//! `fuzz/src/recipient_string.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::recipient_string::run(data));
