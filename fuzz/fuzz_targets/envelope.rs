//! `cargo fuzz run envelope`: the body, and what it feeds and checks, are in
//! `fuzz/src/envelope.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::envelope::run(data));
