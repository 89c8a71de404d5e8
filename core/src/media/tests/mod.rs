//! The media module's suites that span its files. Scenarios through the
//! public API run in `core/tests/media.rs`, published vectors in
//! `core/tests/media_vectors.rs`.

mod internals;
