//! The crypto wrappers' suites that read published vectors: Wycheproof for
//! the primitives, and the ML-KEM-768 known answers. Each wrapper's small
//! unit tests are inline in its own file.

mod mlkem_known_answers;
#[path = "../../../tests/common/vectors.rs"]
mod vectors;
mod wycheproof;
