//! The session module's suites that span its files: the PQXDH and Double
//! Ratchet known answers. Each file's small unit tests are inline in it.

mod known_answers;
