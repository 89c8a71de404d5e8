//! `cargo fuzz run client_decrypt`: the body, and what it feeds and checks, are in
//! `fuzz/src/client_decrypt.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::client_decrypt::run(data));
