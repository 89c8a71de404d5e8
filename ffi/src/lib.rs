//! uniffi layer (placeholder).
