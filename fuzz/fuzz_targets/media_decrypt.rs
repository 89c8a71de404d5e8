//! `cargo fuzz run media_decrypt`: the body, and what it feeds and checks, are in
//! `fuzz/src/media_decrypt.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::media_decrypt::run(data));
