//! `cargo fuzz run open_chunk`: the body, and what it feeds and checks, are in
//! `fuzz/src/open_chunk.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::open_chunk::run(data));
