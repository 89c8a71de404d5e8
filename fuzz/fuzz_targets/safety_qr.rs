//! `cargo fuzz run safety_qr`: the body, and what it feeds and checks, are in
//! `fuzz/src/safety_qr.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::safety_qr::run(data));
