//! `cargo fuzz run group_message`: the body, and what it feeds and checks, are in
//! `fuzz/src/group_message.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::group_message::run(data));
