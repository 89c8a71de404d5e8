//! Wycheproof tests of the primitives we call (filled in below).
