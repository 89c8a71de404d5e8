//! Runnable demos: see `src/bin/`. What the scenario and interop programs
//! (`bindings/SCENARIO.md`) share lives here.

use std::fmt;

use sealkit::ErrorKind;

/// Why a scenario step failed: a check that did not hold, or an error that
/// was not expected.
#[derive(Debug)]
pub struct Failure {
    at: Option<String>,
    what: String,
}

impl Failure {
    /// A failed check at checkpoint `at`.
    pub fn new(at: &str, what: impl Into<String>) -> Self {
        Self {
            at: Some(at.to_owned()),
            what: what.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}", self.what),
            None => write!(f, "unexpected error: {}", self.what),
        }
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        Self {
            at: None,
            what: error.to_string(),
        }
    }
}

/// `Ok` when `holds`, else a failure naming `what` at checkpoint `at`.
///
/// # Errors
/// When `holds` is false.
pub fn check(holds: bool, at: &str, what: &str) -> Result<(), Failure> {
    if holds {
        Ok(())
    } else {
        Err(Failure::new(at, format!("check failed: {what}")))
    }
}

/// An error that says its [`ErrorKind`].
pub trait Kinded {
    /// The kind of the error.
    fn error_kind(&self) -> ErrorKind;
}

impl Kinded for sealkit::Error {
    fn error_kind(&self) -> ErrorKind {
        self.kind()
    }
}

impl Kinded for sealkit::file::FileError {
    fn error_kind(&self) -> ErrorKind {
        self.kind()
    }
}

impl Kinded for sealkit::media::MediaError {
    fn error_kind(&self) -> ErrorKind {
        self.kind()
    }
}

/// `Ok` when `result` failed with an error of `kind`.
///
/// # Errors
/// When `result` succeeded or failed with another kind.
pub fn expect_kind<T, E: Kinded + fmt::Display>(
    result: Result<T, E>,
    kind: ErrorKind,
    at: &str,
) -> Result<(), Failure> {
    match result {
        Ok(_) => Err(Failure::new(at, format!("expected {kind:?}, got success"))),
        Err(error) if error.error_kind() == kind => Ok(()),
        Err(error) => Err(Failure::new(
            at,
            format!("expected {kind:?}, got {:?}: {error}", error.error_kind()),
        )),
    }
}

/// SCENARIO.md's Pattern(n): `b[i] = (i * 7 + 3) mod 256`.
#[must_use]
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 7 + 3) % 256).unwrap_or_default())
        .collect()
}
