//! Runnable demos: see `src/bin/`.
