//! `cargo fuzz run envelope_mutated`: the body, and what it feeds and checks, are in
//! `fuzz/src/envelope_mutated.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::envelope_mutated::run(data));
