//! `sealfile`: encrypt and decrypt files with Sealkit's streaming file
//! format (`sealkit::file`), to X25519 or post-quantum X-Wing recipients,
//! in the manner of age's `rage`. See the README.

mod cli;
mod output;
mod progress;

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use sealkit::file::{
    FileDecryptor, FileEncryptor, FileError, FileIdentity, FileOptions, MAX_CHUNK_SIZE,
    MIN_CHUNK_SIZE, Recipient, StreamDecryptor, SystemRng,
};
use zeroize::Zeroizing;

use cli::{Cli, Command, DecryptArgs, EncryptArgs, KeygenArgs};
use output::Sink;
use progress::Progress;

/// Bytes moved per read and buffered per write: large enough that the
/// throughput is not bound by system calls, small and fixed so that memory
/// stays constant whatever the file size.
pub(crate) const IO_BUFFER: usize = 1 << 20;

/// Identity files larger than this are not identity files.
const MAX_IDENTITY_FILE: u64 = 64 * 1024;

/// Why the command failed: one line for stderr.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// `context: <FileError>` when the I/O error carries a [`FileError`]
    /// (authentication, truncation, ...), else `context: <io error>`.
    fn io(context: &str, error: &io::Error) -> Self {
        match FileError::from_io(error) {
            Some(file_error) => Self(format!("{context}: {file_error}")),
            None => Self(format!("{context}: {error}")),
        }
    }

    fn file(context: &str, error: &FileError) -> Self {
        Self(format!("{context}: {error}"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => keygen(args),
        Command::Encrypt(args) => encrypt(args),
        Command::Decrypt(args) => decrypt(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("sealfile: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Fails if the system generator could not serve a request since `rng`
/// was made (what was drawn is then zeros, so it is not used).
fn check_randomness(rng: &SystemRng) -> Result<(), Failure> {
    rng.check()
        .map_err(|error| Failure::new(format!("no system randomness: {error}")))
}

fn keygen(args: KeygenArgs) -> Result<(), Failure> {
    let mut rng = SystemRng::new();
    let identity = if args.pq {
        FileIdentity::generate_xwing(&mut rng)
    } else {
        FileIdentity::generate_x25519(&mut rng)
    };
    check_randomness(&rng)?;
    let secret = identity.to_secret_string();
    match args
        .output
        .as_deref()
        .filter(|path| *path != Path::new("-"))
    {
        Some(path) => write_new_secret_file(path, secret.as_str())?,
        None => {
            let mut stdout = io::stdout().lock();
            writeln!(stdout, "{}", secret.as_str())
                .and_then(|()| stdout.flush())
                .map_err(|error| Failure::new(format!("writing stdout: {error}")))?;
        }
    }
    eprintln!("Public key: {}", identity.recipient());
    Ok(())
}

/// Creates `path` (mode 0600 on unix, never over an existing file) holding
/// `secret` and a newline; removes it again if writing fails.
fn write_new_secret_file(path: &Path, secret: &str) -> Result<(), Failure> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|error| {
        if error.kind() == ErrorKind::AlreadyExists {
            Failure::new(format!(
                "{} already exists; refusing to overwrite it",
                path.display()
            ))
        } else {
            Failure::new(format!("cannot create {}: {error}", path.display()))
        }
    })?;
    let written = file
        .write_all(secret.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all());
    if let Err(error) = written {
        drop(file);
        // Best effort: the write error is what gets reported.
        let _ = std::fs::remove_file(path);
        return Err(Failure::new(format!("writing {}: {error}", path.display())));
    }
    Ok(())
}

/// The input: a file (with its length, for the progress bar) or stdin.
enum Input {
    File { file: File, path: PathBuf },
    Stdin,
}

impl Input {
    fn open(path: Option<&Path>) -> Result<Self, Failure> {
        match path.filter(|path| *path != Path::new("-")) {
            None => Ok(Self::Stdin),
            Some(path) => {
                let file = File::open(path).map_err(|error| {
                    Failure::new(format!("cannot open {}: {error}", path.display()))
                })?;
                Ok(Self::File {
                    file,
                    path: path.to_path_buf(),
                })
            }
        }
    }

    fn name(&self) -> String {
        match self {
            Self::File { path, .. } => path.display().to_string(),
            Self::Stdin => "stdin".to_owned(),
        }
    }
}

/// Where [`pump`] failed.
enum PumpError {
    Read(io::Error),
    Write(io::Error),
}

/// Copies `reader` into `writer` through one fixed buffer of [`IO_BUFFER`]
/// bytes, advancing the progress bar.
fn pump(
    reader: &mut dyn Read,
    writer: &mut dyn Write,
    progress: &Progress,
) -> Result<(), PumpError> {
    let mut buffer = vec![0u8; IO_BUFFER];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(PumpError::Read(error)),
        };
        writer
            .write_all(buffer.get(..n).unwrap_or_default())
            .map_err(PumpError::Write)?;
        progress.inc(n as u64);
    }
}

/// Parses the `-r` recipients and every recipient line of the `-R` files.
fn collect_recipients(args: &EncryptArgs) -> Result<Vec<Recipient>, Failure> {
    let mut recipients = Vec::new();
    for text in &args.recipients {
        recipients.push(parse_recipient(text.trim(), "-r")?);
    }
    for path in &args.recipients_files {
        let text = std::fs::read_to_string(path)
            .map_err(|error| Failure::new(format!("cannot read {}: {error}", path.display())))?;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let place = format!("{}:{}", path.display(), number + 1);
            recipients.push(parse_recipient(line, &place)?);
        }
    }
    Ok(recipients)
}

fn parse_recipient(text: &str, place: &str) -> Result<Recipient, Failure> {
    text.parse::<Recipient>().map_err(|_| {
        if text.to_ascii_uppercase().contains("-SECRET-") {
            // Never echo a secret key back.
            Failure::new(format!(
                "{place}: this is a secret identity, not a recipient; \
                 use its public key (`sealkit1-...`, printed by `sealfile keygen`)"
            ))
        } else {
            Failure::new(format!(
                "{place}: invalid recipient {text:?} (expected sealkit1-x25519-... or sealkit1-xwing-...)"
            ))
        }
    })
}

fn encrypt(args: EncryptArgs) -> Result<(), Failure> {
    let recipients = collect_recipients(&args)?;
    if recipients.is_empty() {
        return Err(Failure::new(
            "no recipients: pass -r RECIPIENT or -R RECIPIENTS_FILE",
        ));
    }
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&args.chunk_size) {
        return Err(Failure::new(format!(
            "--chunk-size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} bytes"
        )));
    }
    let to_stdout = args
        .output
        .as_deref()
        .is_none_or(|path| path == Path::new("-"));
    if to_stdout && io::stdout().is_terminal() {
        return Err(Failure::new(
            "refusing to write binary ciphertext to a terminal; use -o OUT or redirect stdout",
        ));
    }
    let input = Input::open(args.input.as_deref())?;
    let input_name = input.name();
    let (mut reader, total): (Box<dyn Read>, Option<u64>) = match input {
        Input::File { file, .. } => {
            let total = file
                .metadata()
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|metadata| metadata.len());
            (Box::new(file), total)
        }
        Input::Stdin => (Box::new(io::stdin().lock()), None),
    };

    let mut rng = SystemRng::new();
    let sink = Sink::create(args.output.as_deref())?;
    let out_name = sink.name();
    let options = FileOptions {
        chunk_size: args.chunk_size,
    };
    let (mut encryptor, file_key) =
        FileEncryptor::to_recipients(sink, &recipients, options, &mut rng)
            .map_err(|error| Failure::file(&format!("writing {out_name}"), &error))?;
    drop(file_key);
    // The header is all the generator made; the output is committed only
    // after this.
    check_randomness(&rng)?;

    let progress = Progress::new(total, "encrypting");
    pump(&mut reader, &mut encryptor, &progress).map_err(|error| match error {
        PumpError::Read(error) => Failure::io(&format!("reading {input_name}"), &error),
        PumpError::Write(error) => Failure::io(&format!("writing {out_name}"), &error),
    })?;
    let sink = encryptor
        .finish()
        .map_err(|error| Failure::file(&format!("writing {out_name}"), &error))?;
    sink.commit()?;
    progress.clear();
    Ok(())
}

/// Reads the one identity in an identity file (blank lines and lines
/// starting with `#` are ignored).
fn read_identity(path: &Path) -> Result<FileIdentity, Failure> {
    let cannot_read = |error: io::Error| {
        Failure::new(format!(
            "cannot read identity file {}: {error}",
            path.display()
        ))
    };
    let file = File::open(path).map_err(cannot_read)?;
    let mut text = Zeroizing::new(String::with_capacity(1024));
    file.take(MAX_IDENTITY_FILE + 1)
        .read_to_string(&mut text)
        .map_err(cannot_read)?;
    if text.len() as u64 > MAX_IDENTITY_FILE {
        return Err(Failure::new(format!(
            "{} is too large to be an identity file",
            path.display()
        )));
    }
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return Err(Failure::new(format!(
            "{} must contain exactly one identity",
            path.display()
        )));
    };
    FileIdentity::from_secret_string(line)
        .map_err(|error| Failure::file(&path.display().to_string(), &error))
}

fn decrypt(args: DecryptArgs) -> Result<(), Failure> {
    let identity = read_identity(&args.identity)?;
    let input = Input::open(args.input.as_deref())?;
    let input_name = input.name();
    let context = format!("cannot decrypt {input_name}");
    // The header (and, for a regular file, the last chunk) is checked before any
    // output is created.
    let seekable = match &input {
        Input::File { file, .. } => file.metadata().is_ok_and(|metadata| metadata.is_file()),
        Input::Stdin => false,
    };
    let (mut reader, total): (Box<dyn Read>, Option<u64>) = match input {
        Input::File { file, .. } if seekable => {
            let mut decryptor = FileDecryptor::with_identity(file, &identity)
                .map_err(|error| Failure::file(&context, &error))?;
            let total = decryptor
                .plaintext_len()
                .map_err(|error| Failure::file(&context, &error))?;
            (Box::new(decryptor), Some(total))
        }
        // Pipes, FIFOs, process substitution: sequential decryption.
        Input::File { file, .. } => {
            let file = io::BufReader::with_capacity(IO_BUFFER, file);
            let decryptor = StreamDecryptor::with_identity(file, &identity)
                .map_err(|error| Failure::file(&context, &error))?;
            (Box::new(decryptor), None)
        }
        Input::Stdin => {
            let stdin = io::BufReader::with_capacity(IO_BUFFER, io::stdin().lock());
            let decryptor = StreamDecryptor::with_identity(stdin, &identity)
                .map_err(|error| Failure::file(&context, &error))?;
            (Box::new(decryptor), None)
        }
    };
    drop(identity);

    let mut sink = Sink::create(args.output.as_deref())?;
    let out_name = sink.name();
    let progress = Progress::new(total, "decrypting");
    pump(&mut reader, &mut sink, &progress).map_err(|error| match error {
        PumpError::Read(error) => Failure::io(&context, &error),
        PumpError::Write(error) => Failure::io(&format!("writing {out_name}"), &error),
    })?;
    sink.commit()?;
    progress.clear();
    Ok(())
}
