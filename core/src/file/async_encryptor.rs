//! [`AsyncFileEncryptor`] (feature `async`): the same encryption as
//! [`FileEncryptor`], writing to a `futures_io::AsyncWrite` — so it works
//! with any runtime (tokio through `tokio_util::compat`, async-std, smol).
//!
//! It runs the synchronous encryptor into an in-memory buffer and writes
//! that buffer out as the writer allows, accepting new plaintext only once
//! the previous ciphertext is written: memory stays at one batch.

use std::future::poll_fn;
use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncWrite;
use rand_core::CryptoRng;

use super::encryptor::FileEncryptor;
use super::key::FileKey;
use super::recipients::Recipient;
use super::{FileError, FileOptions};

/// Encrypts into an asynchronous writer. Call [`AsyncFileEncryptor::finish`]
/// at the end, as with the synchronous encryptor.
pub struct AsyncFileEncryptor<W: AsyncWrite + Unpin> {
    inner: Option<FileEncryptor<Vec<u8>>>,
    pending: Vec<u8>,
    written: usize,
    out: W,
}

impl<W: AsyncWrite + Unpin> std::fmt::Debug for AsyncFileEncryptor<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncFileEncryptor")
            .field("pending", &(self.pending.len() - self.written))
            .finish_non_exhaustive()
    }
}

impl<W: AsyncWrite + Unpin> AsyncFileEncryptor<W> {
    /// As [`FileEncryptor::with_options`]; the header is written on the
    /// first write or at `finish`.
    ///
    /// # Errors
    /// [`FileError::InvalidChunkSize`].
    pub fn with_options<R: CryptoRng>(
        out: W,
        key: &FileKey,
        options: FileOptions,
        rng: &mut R,
    ) -> Result<Self, FileError> {
        let mut inner = FileEncryptor::with_options(Vec::new(), key, options, rng)?;
        let pending = inner.take_output();
        Ok(Self {
            inner: Some(inner),
            pending,
            written: 0,
            out,
        })
    }

    /// As [`FileEncryptor::to_recipients`].
    ///
    /// # Errors
    /// As [`FileEncryptor::to_recipients`].
    pub fn to_recipients<R: CryptoRng>(
        out: W,
        recipients: &[Recipient],
        options: FileOptions,
        rng: &mut R,
    ) -> Result<(Self, FileKey), FileError> {
        let (mut inner, key) = FileEncryptor::to_recipients(Vec::new(), recipients, options, rng)?;
        let pending = inner.take_output();
        Ok((
            Self {
                inner: Some(inner),
                pending,
                written: 0,
                out,
            },
            key,
        ))
    }

    /// Writes out buffered ciphertext.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while self.written < self.pending.len() {
            let rest = self.pending.get(self.written..).unwrap_or_default();
            match Pin::new(&mut self.out).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// Seals the final chunk, writes everything, flushes and closes the
    /// writer, and returns it.
    ///
    /// # Errors
    /// [`FileError::Io`], [`FileError::EmptyResume`].
    pub async fn finish(mut self) -> Result<W, FileError> {
        poll_fn(|cx| self.poll_drain(cx)).await?;
        let inner = self
            .inner
            .take()
            .ok_or_else(|| FileError::Io("already finished".into()))?;
        self.pending = inner.finish_into_buffer()?;
        self.written = 0;
        poll_fn(|cx| self.poll_drain(cx)).await?;
        poll_fn(|cx| Pin::new(&mut self.out).poll_flush(cx)).await?;
        poll_fn(|cx| Pin::new(&mut self.out).poll_close(cx)).await?;
        Ok(self.out)
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for AsyncFileEncryptor<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
            Poll::Pending => return Poll::Pending,
        }
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(Err(FileError::Io("write after finish".into()).into_io()));
        };
        let accepted = inner.write(data)?;
        this.pending = inner.take_output();
        this.written = 0;
        Poll::Ready(Ok(accepted))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.out).poll_flush(cx),
            other => other,
        }
    }

    /// Closing without [`AsyncFileEncryptor::finish`] leaves the file
    /// without its last chunk; readers report it truncated.
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.out).poll_close(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use std::future::Future;
    use std::task::Waker;

    /// An async writer that is `Pending` every other call and accepts at
    /// most 1,000 bytes at a time, to exercise every path.
    #[derive(Default)]
    struct SlowWriter {
        bytes: Vec<u8>,
        calls: usize,
        closed: bool,
    }

    impl AsyncWrite for SlowWriter {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            data: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            self.calls += 1;
            if self.calls.is_multiple_of(2) {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let n = data.len().min(1000);
            self.bytes.extend_from_slice(&data[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_close(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            self.closed = true;
            Poll::Ready(Ok(()))
        }
    }

    /// Polls a future to completion on this thread (the writer wakes itself).
    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
    }

    async fn write_all<W: AsyncWrite + Unpin>(
        writer: &mut W,
        mut data: &[u8],
    ) -> std::io::Result<()> {
        while !data.is_empty() {
            let n = poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, data)).await?;
            data = &data[n..];
        }
        Ok(())
    }

    #[test]
    fn async_encryption_writes_the_same_bytes_as_the_sync_encryptor() {
        let key = FileKey::from_bytes([6; 32]);
        let options = FileOptions { chunk_size: 1024 };
        let plaintext: Vec<u8> = (0..1_500_000u32).map(|i| (i % 253) as u8).collect();
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let mut sync = FileEncryptor::with_options(Vec::new(), &key, options, &mut rng).unwrap();
        sync.write_all(&plaintext).unwrap();
        let expected = sync.finish().unwrap();

        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let mut encryptor =
            AsyncFileEncryptor::with_options(SlowWriter::default(), &key, options, &mut rng)
                .unwrap();
        let writer = block_on(async {
            for piece in plaintext.chunks(70_000) {
                write_all(&mut encryptor, piece).await.unwrap();
            }
            encryptor.finish().await.unwrap()
        });
        assert!(writer.closed);
        assert_eq!(writer.bytes, expected);
    }

    #[test]
    fn async_encryption_to_more_recipients_than_a_header_holds_is_refused() {
        let mut rng = ChaCha20Rng::from_seed([2; 32]);
        let recipient = crate::file::FileIdentity::generate_x25519(&mut rng).recipient();
        let recipients = vec![recipient; crate::file::MAX_RECIPIENTS + 1];
        let result = AsyncFileEncryptor::to_recipients(
            SlowWriter::default(),
            &recipients,
            FileOptions::default(),
            &mut rng,
        );
        assert_eq!(
            result.err(),
            Some(FileError::TooManyRecipients {
                count: 257,
                max: 256
            })
        );
    }
}
