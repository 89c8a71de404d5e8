//! `cargo fuzz run identity_key`: the body, and what it feeds and checks, are in
//! `fuzz/src/identity_key.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::identity_key::run(data));
