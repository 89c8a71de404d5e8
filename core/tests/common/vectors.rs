//! Reading the test vectors kept in `vectors/` at the repository root
//! (`vectors/README.md` gives each set's source, version and licence).
//!
//! The one implementation for every test that reads a vector file: the
//! integration tests include it with `#[path = "common/vectors.rs"] mod
//! vectors;`, the crate's unit tests from `core/src/crypto/tests/mod.rs`.
//! Each test binary that includes it calls all four functions, so none is
//! dead code; it is kept apart from `common/mod.rs` (which the store tests
//! include) for the same reason.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

/// The path of `relative` inside `vectors/`. Panics when the file is
/// missing: a vector test must not pass without its data.
pub(crate) fn vector_path(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors")
        .join(relative);
    assert!(
        path.is_file(),
        "test vector file {} is missing (vectors/README.md lists the sets)",
        path.display()
    );
    path
}

/// The JSON vector file `relative`, parsed as `T`: a [`Value`], or
/// `Vec<Value>` for a file that is an array of vectors.
pub(crate) fn read_json<T: DeserializeOwned>(relative: &str) -> T {
    let path = vector_path(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", path.display()))
}

/// The bytes of the hex string field `name` of `vector`.
pub(crate) fn hex_field(vector: &Value, name: &str) -> Vec<u8> {
    let text = vector[name]
        .as_str()
        .unwrap_or_else(|| panic!("field {name} missing or not a string"));
    hex::decode(text).unwrap_or_else(|e| panic!("field {name} is not hex: {e}"))
}

/// The unsigned integer field `name` of `vector`.
pub(crate) fn u64_field(vector: &Value, name: &str) -> u64 {
    vector[name]
        .as_u64()
        .unwrap_or_else(|| panic!("field {name} missing or not an unsigned integer"))
}
