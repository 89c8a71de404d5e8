//! Sealkit's fuzz targets as plain functions: each module's `run` is the
//! body of the `cargo fuzz` target of the same name (`fuzz_targets/*.rs` are
//! one-line wrappers), and its `seeds` are the initial inputs written to
//! `fuzz/corpus/<target>/`. Keeping the bodies here lets a stable
//! `cargo test` replay every corpus (`tests/replay.rs`) without nightly or
//! libFuzzer. Each module's documentation says what it feeds and checks.

pub mod common;

pub mod client_decrypt;
pub mod envelope;
pub mod envelope_mutated;
pub mod file_body;
pub mod file_header;
pub mod file_recipients;
pub mod group_message;
pub mod identity_key;
pub mod media_decrypt;
pub mod open_chunk;
pub mod prekey_bundle;
pub mod recipient_string;
pub mod safety_qr;
pub mod session_record;
pub mod stored_records;

/// Initial inputs of a target: (file name, contents).
pub type Seeds = Vec<(String, Vec<u8>)>;

/// One fuzz target.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// The `cargo fuzz` target (its `[[bin]]` name) and corpus directory.
    pub name: &'static str,
    /// One input.
    pub run: fn(&[u8]),
    /// The initial inputs.
    pub seeds: fn() -> Seeds,
}

macro_rules! targets {
    ($($name:ident),* $(,)?) => {
        /// Every target, by name.
        pub const TARGETS: &[Target] = &[$(Target {
            name: stringify!($name),
            run: $name::run,
            seeds: $name::seeds,
        }),*];
    };
}

targets![
    client_decrypt,
    envelope,
    envelope_mutated,
    file_body,
    file_header,
    file_recipients,
    group_message,
    identity_key,
    media_decrypt,
    open_chunk,
    prekey_bundle,
    recipient_string,
    safety_qr,
    session_record,
    stored_records,
];
