//! `cargo fuzz run prekey_bundle`: the body, and what it feeds and checks, are in
//! `fuzz/src/prekey_bundle.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::prekey_bundle::run(data));
