//! Known-answer tests (filled in below).
