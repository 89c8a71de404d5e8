//! The uniffi bindings generator, pinned to this crate's uniffi version.
//! Generates Swift, Kotlin and Python bindings from the compiled library:
//! `cargo run -p sealkit-ffi --bin uniffi-bindgen -- generate --library <lib> --language python --out-dir <dir>`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
