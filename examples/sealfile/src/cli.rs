//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use sealkit::file::DEFAULT_CHUNK_SIZE;

const ALL_OR_NOTHING: &str = "\
OUTPUT: with -o FILE the output is all-or-nothing: it is written to a \
temporary file in FILE's directory and renamed to FILE only when the whole \
input has been processed (and, for decryption, every chunk authenticated). \
On any failure FILE is left untouched. Without -o the output goes to \
stdout as it is produced: if decryption then fails (tampered or truncated \
input), the plaintext before the failing chunk has already been written to \
the pipe. Every byte written is authenticated, but the output may be \
incomplete: check the exit status, or use -o for all-or-nothing output.

EXIT STATUS: 0 on success, 1 on any failure (a one-line message on \
stderr), 2 on a usage error.";

/// Encrypt and decrypt files with Sealkit (X25519 or post-quantum X-Wing
/// recipients), like age.
#[derive(Debug, Parser)]
#[command(name = "sealfile", version, after_help = ALL_OR_NOTHING)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generate an identity (secret key); print its public key on stderr.
    Keygen(KeygenArgs),
    /// Encrypt IN (or stdin) to one or more recipients.
    #[command(after_help = ALL_OR_NOTHING)]
    Encrypt(EncryptArgs),
    /// Decrypt IN (or stdin) with an identity.
    #[command(after_help = ALL_OR_NOTHING)]
    Decrypt(DecryptArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Generate a post-quantum hybrid identity (X-Wing: ML-KEM-768 + X25519)
    /// instead of X25519.
    #[arg(long)]
    pub(crate) pq: bool,
    /// Write the identity to FILE (created with mode 0600; never
    /// overwritten) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct EncryptArgs {
    /// Encrypt to RECIPIENT (`sealkit1-x25519-...` or `sealkit1-xwing-...`).
    /// May be repeated.
    #[arg(short = 'r', long = "recipient", value_name = "RECIPIENT")]
    pub(crate) recipients: Vec<String>,
    /// Encrypt to every recipient listed in FILE, one per line (blank lines
    /// and lines starting with `#` are ignored). May be repeated.
    #[arg(short = 'R', long = "recipients-file", value_name = "FILE")]
    pub(crate) recipients_files: Vec<PathBuf>,
    /// Write the ciphertext to OUT (all-or-nothing) instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,
    /// Plaintext bytes per chunk (1024 to 4194304).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_CHUNK_SIZE)]
    pub(crate) chunk_size: u32,
    /// The file to encrypt; stdin when absent or `-`.
    #[arg(value_name = "IN")]
    pub(crate) input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DecryptArgs {
    /// The identity file (as written by `sealfile keygen`).
    #[arg(short, long, value_name = "IDENTITY_FILE")]
    pub(crate) identity: PathBuf,
    /// Write the plaintext to OUT (all-or-nothing) instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,
    /// The file to decrypt; stdin when absent or `-`.
    #[arg(value_name = "IN")]
    pub(crate) input: Option<PathBuf>,
}
