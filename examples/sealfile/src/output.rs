//! Where the output goes: stdout, or a temporary file renamed over OUT only
//! on success (all-or-nothing).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{Failure, IO_BUFFER};

/// The output stream. Dropping a `Sink::File` without [`Sink::commit`]
/// deletes the temporary file, so a failure leaves nothing at OUT.
pub(crate) enum Sink {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File {
        temp: BufWriter<NamedTempFile>,
        path: PathBuf,
    },
}

impl Sink {
    /// Stdout when `path` is `None` or `-`; otherwise a new temporary file
    /// in `path`'s directory (mode 0600 on unix).
    pub(crate) fn create(path: Option<&Path>) -> Result<Self, Failure> {
        let Some(path) = path.filter(|path| *path != Path::new("-")) else {
            return Ok(Self::Stdout(BufWriter::with_capacity(
                IO_BUFFER,
                io::stdout().lock(),
            )));
        };
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."));
        let temp = tempfile::Builder::new()
            .prefix(".sealfile-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|error| {
                Failure::new(format!(
                    "cannot create a temporary file in {}: {error}",
                    dir.display()
                ))
            })?;
        Ok(Self::File {
            temp: BufWriter::with_capacity(IO_BUFFER, temp),
            path: path.to_path_buf(),
        })
    }

    /// A name for messages.
    pub(crate) fn name(&self) -> String {
        match self {
            Self::Stdout(_) => "stdout".to_owned(),
            Self::File { path, .. } => path.display().to_string(),
        }
    }

    /// Flushes, and for a file syncs it and renames it over OUT.
    pub(crate) fn commit(self) -> Result<(), Failure> {
        let name = self.name();
        let write_failure = |error: io::Error| Failure::new(format!("writing {name}: {error}"));
        match self {
            Self::Stdout(mut out) => out.flush().map_err(write_failure),
            Self::File { temp, path } => {
                let temp = temp
                    .into_inner()
                    .map_err(|error| write_failure(error.into_error()))?;
                temp.as_file().sync_all().map_err(write_failure)?;
                temp.persist(&path)
                    .map_err(|error| write_failure(error.error))?;
                Ok(())
            }
        }
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Self::Stdout(out) => out.write(data),
            Self::File { temp, .. } => temp.write(data),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Self::Stdout(out) => out.write_all(data),
            Self::File { temp, .. } => temp.write_all(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Stdout(out) => out.flush(),
            Self::File { temp, .. } => temp.flush(),
        }
    }
}
