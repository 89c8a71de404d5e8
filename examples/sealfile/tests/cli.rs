//! End-to-end tests of the `sealfile` binary: keygen, encrypt, decrypt, and
//! the failure paths (exit status 1, one clear line, no output file).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

const CHUNK: usize = 64 * 1024;
/// Four full default chunks and a short last one.
const LEN: usize = 4 * CHUNK + 1000;

fn sealfile() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sealfile"))
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn run_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Write from another thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_success(output: &Output) {
    assert!(output.status.success(), "failed: {}", stderr(output));
}

/// Exit status 1 and exactly one line on stderr, in the `sealfile: error:` form.
fn assert_failure(output: &Output) -> String {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(1), "stderr: {message}");
    assert!(
        message.starts_with("sealfile: error: "),
        "message: {message}"
    );
    assert_eq!(message.trim_end().lines().count(), 1, "message: {message}");
    message
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// `sealfile keygen [--pq] -o dir/name`; returns (identity path, recipient).
fn keygen(dir: &Path, name: &str, pq: bool) -> (PathBuf, String) {
    let path = dir.join(name);
    let mut command = sealfile();
    command.arg("keygen").arg("-o").arg(&path);
    if pq {
        command.arg("--pq");
    }
    let output = run(&mut command);
    assert_success(&output);
    let message = stderr(&output);
    let recipient = message
        .trim()
        .strip_prefix("Public key: ")
        .unwrap_or_else(|| panic!("unexpected keygen stderr: {message}"))
        .to_owned();
    let prefix = if pq {
        "sealkit1-xwing-"
    } else {
        "sealkit1-x25519-"
    };
    assert!(recipient.starts_with(prefix), "{recipient}");
    (path, recipient)
}

/// Encrypts `plaintext` (written to dir/plain) to dir/sealed.
fn encrypt_file(dir: &Path, plaintext: &[u8], recipients: &[&str]) -> PathBuf {
    let plain = dir.join("plain");
    let sealed = dir.join("sealed");
    std::fs::write(&plain, plaintext).unwrap();
    let mut command = sealfile();
    command.arg("encrypt");
    for recipient in recipients {
        command.arg("-r").arg(recipient);
    }
    assert_success(&run(command.arg("-o").arg(&sealed).arg(&plain)));
    sealed
}

fn decrypt_file(identity: &Path, sealed: &Path, out: &Path) -> Output {
    run(sealfile()
        .arg("decrypt")
        .arg("-i")
        .arg(identity)
        .arg("-o")
        .arg(out)
        .arg(sealed))
}

/// Nothing at `out`, and no temporary file left beside it.
fn assert_no_output(dir: &Path, out: &Path) {
    assert!(!out.exists(), "{} exists", out.display());
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(
            !name.to_string_lossy().starts_with(".sealfile-"),
            "temporary file left: {name:?}"
        );
    }
}

#[test]
fn file_to_file_round_trip_x25519_and_pq() {
    for pq in [false, true] {
        let dir = TempDir::new().unwrap();
        let (identity, recipient) = keygen(dir.path(), "id", pq);
        let plaintext = data(LEN);
        let sealed = encrypt_file(dir.path(), &plaintext, &[&recipient]);
        let ciphertext = std::fs::read(&sealed).unwrap();
        assert!(ciphertext.len() > LEN);
        assert!(!ciphertext.windows(64).any(|w| w == &plaintext[..64]));
        let out = dir.path().join("out");
        assert_success(&decrypt_file(&identity, &sealed, &out));
        assert_eq!(std::fs::read(&out).unwrap(), plaintext, "pq: {pq}");
    }
}

#[test]
fn stdin_to_stdout_round_trip_x25519_and_pq() {
    for pq in [false, true] {
        let dir = TempDir::new().unwrap();
        let (identity, recipient) = keygen(dir.path(), "id", pq);
        let plaintext = data(LEN + 7);
        let sealed = run_with_stdin(
            sealfile()
                .args(["encrypt", "-r", &recipient])
                .args(["--chunk-size", "4096"]),
            &plaintext,
        );
        assert_success(&sealed);
        let opened = run_with_stdin(
            sealfile().arg("decrypt").arg("-i").arg(&identity),
            &sealed.stdout,
        );
        assert_success(&opened);
        assert_eq!(opened.stdout, plaintext, "pq: {pq}");
        assert!(opened.stderr.is_empty(), "no progress bar off a terminal");
        // A non-seekable IN (a pipe named by path) is decrypted sequentially.
        #[cfg(target_os = "linux")]
        {
            let opened = run_with_stdin(
                sealfile()
                    .arg("decrypt")
                    .arg("-i")
                    .arg(&identity)
                    .arg("/dev/stdin"),
                &sealed.stdout,
            );
            assert_success(&opened);
            assert_eq!(opened.stdout, plaintext, "pq: {pq} (pipe path)");
        }
    }
}

#[test]
fn empty_input_round_trips() {
    let dir = TempDir::new().unwrap();
    let (identity, recipient) = keygen(dir.path(), "id", false);
    let sealed = encrypt_file(dir.path(), b"", &[&recipient]);
    let out = dir.path().join("out");
    assert_success(&decrypt_file(&identity, &sealed, &out));
    assert_eq!(std::fs::read(&out).unwrap(), b"");
}

#[test]
fn several_recipients_each_decrypt() {
    let dir = TempDir::new().unwrap();
    let (alice, alice_recipient) = keygen(dir.path(), "alice", false);
    let (bob, bob_recipient) = keygen(dir.path(), "bob", true);
    let (carol, carol_recipient) = keygen(dir.path(), "carol", false);
    let plaintext = data(100_000);
    // Alice with -r; Bob and Carol from a recipients file.
    let list = dir.path().join("recipients.txt");
    std::fs::write(
        &list,
        format!("# team\n{bob_recipient}\n\n  {carol_recipient}  \n"),
    )
    .unwrap();
    let plain = dir.path().join("plain");
    std::fs::write(&plain, &plaintext).unwrap();
    let sealed = dir.path().join("sealed");
    assert_success(&run(sealfile()
        .args(["encrypt", "-r", &alice_recipient, "-R"])
        .arg(&list)
        .arg("-o")
        .arg(&sealed)
        .arg(&plain)));
    for (name, identity) in [("alice", &alice), ("bob", &bob), ("carol", &carol)] {
        let out = dir.path().join(format!("out-{name}"));
        assert_success(&decrypt_file(identity, &sealed, &out));
        assert_eq!(std::fs::read(&out).unwrap(), plaintext, "{name}");
        // Streaming from stdin too.
        let opened = run_with_stdin(
            sealfile().arg("decrypt").arg("-i").arg(identity),
            &std::fs::read(&sealed).unwrap(),
        );
        assert_success(&opened);
        assert_eq!(opened.stdout, plaintext, "{name} (stdin)");
    }
}

#[test]
fn wrong_identity_fails_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let (_, recipient) = keygen(dir.path(), "id", false);
    let (stranger, _) = keygen(dir.path(), "stranger", false);
    let (pq_stranger, _) = keygen(dir.path(), "pq-stranger", true);
    let sealed = encrypt_file(dir.path(), &data(LEN), &[&recipient]);
    let out = dir.path().join("out");
    for identity in [&stranger, &pq_stranger] {
        let message = assert_failure(&decrypt_file(identity, &sealed, &out));
        assert!(message.contains("not a recipient"), "{message}");
        assert_no_output(dir.path(), &out);
        let streamed = run_with_stdin(
            sealfile().arg("decrypt").arg("-i").arg(identity),
            &std::fs::read(&sealed).unwrap(),
        );
        assert!(assert_failure(&streamed).contains("not a recipient"));
        assert!(streamed.stdout.is_empty());
    }
}

#[test]
fn tampered_body_fails_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let (identity, recipient) = keygen(dir.path(), "id", false);
    let sealed = encrypt_file(dir.path(), &data(LEN), &[&recipient]);
    let mut ciphertext = std::fs::read(&sealed).unwrap();
    let middle = ciphertext.len() / 2;
    ciphertext[middle] ^= 0x01;
    std::fs::write(&sealed, &ciphertext).unwrap();

    let out = dir.path().join("out");
    let message = assert_failure(&decrypt_file(&identity, &sealed, &out));
    assert!(message.contains("failed to authenticate"), "{message}");
    assert_no_output(dir.path(), &out);

    // An existing OUT is left as it was.
    std::fs::write(&out, b"previous contents").unwrap();
    assert_failure(&decrypt_file(&identity, &sealed, &out));
    assert_eq!(std::fs::read(&out).unwrap(), b"previous contents");

    // Streaming: the same failure, and only authenticated chunks before it.
    let streamed = run_with_stdin(
        sealfile().arg("decrypt").arg("-i").arg(&identity),
        &ciphertext,
    );
    assert!(assert_failure(&streamed).contains("failed to authenticate"));
    assert!(streamed.stdout.len() < LEN);
    assert_eq!(streamed.stdout, data(LEN)[..streamed.stdout.len()]);
}

#[test]
fn truncated_ciphertext_fails_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let (identity, recipient) = keygen(dir.path(), "id", false);
    let sealed = encrypt_file(dir.path(), &data(LEN), &[&recipient]);
    let ciphertext = std::fs::read(&sealed).unwrap();
    // Drop the last chunk (1000 bytes of plaintext + 16-byte tag): the file
    // now ends at a chunk boundary.
    let cut = &ciphertext[..ciphertext.len() - (1000 + 16)];
    let truncated = dir.path().join("truncated");
    std::fs::write(&truncated, cut).unwrap();

    let out = dir.path().join("out");
    let message = assert_failure(&decrypt_file(&identity, &truncated, &out));
    assert!(message.contains("truncated"), "{message}");
    assert_no_output(dir.path(), &out);

    let streamed = run_with_stdin(sealfile().arg("decrypt").arg("-i").arg(&identity), cut);
    assert!(assert_failure(&streamed).contains("truncated"));

    // Cut inside the header, or inside a chunk: also a clean failure.
    for len in [10, ciphertext.len() - 500] {
        std::fs::write(&truncated, &ciphertext[..len]).unwrap();
        assert_failure(&decrypt_file(&identity, &truncated, &out));
        assert_no_output(dir.path(), &out);
    }
}

#[test]
fn empty_or_garbage_input_fails_cleanly() {
    let dir = TempDir::new().unwrap();
    let (identity, _) = keygen(dir.path(), "id", false);
    let out = dir.path().join("out");
    let input = dir.path().join("input");
    for bytes in [&b""[..], b"not a sealkit file at all", &data(5000)] {
        std::fs::write(&input, bytes).unwrap();
        assert_failure(&decrypt_file(&identity, &input, &out));
        assert_no_output(dir.path(), &out);
        let streamed = run_with_stdin(sealfile().arg("decrypt").arg("-i").arg(&identity), bytes);
        assert_failure(&streamed);
        assert!(streamed.stdout.is_empty());
    }
}

#[test]
fn keygen_refuses_to_overwrite_and_writes_a_private_file() {
    let dir = TempDir::new().unwrap();
    let (identity, _) = keygen(dir.path(), "id", false);
    let before = std::fs::read(&identity).unwrap();
    assert!(before.starts_with(b"SEALKIT1-X25519-SECRET-"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&identity).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let output = run(sealfile().arg("keygen").arg("-o").arg(&identity));
    assert!(assert_failure(&output).contains("already exists"));
    assert_eq!(std::fs::read(&identity).unwrap(), before);

    // To stdout: the secret on stdout, the public key on stderr.
    let output = run(sealfile().args(["keygen", "--pq"]));
    assert_success(&output);
    assert!(output.stdout.starts_with(b"SEALKIT1-XWING-SECRET-"));
    assert!(stderr(&output).starts_with("Public key: sealkit1-xwing-"));
}

#[test]
fn bad_recipients_and_identities_fail_cleanly() {
    let dir = TempDir::new().unwrap();
    let (identity, _) = keygen(dir.path(), "id", false);
    let plain = dir.path().join("plain");
    std::fs::write(&plain, b"hello").unwrap();
    let out = dir.path().join("out");

    let output = run(sealfile()
        .args(["encrypt", "-r", "sealkit1-x25519-nope", "-o"])
        .arg(&out)
        .arg(&plain));
    assert!(assert_failure(&output).contains("invalid recipient"));
    assert_no_output(dir.path(), &out);

    // A secret passed as a recipient is refused without being echoed.
    let secret = std::fs::read_to_string(&identity).unwrap();
    let output = run(sealfile()
        .args(["encrypt", "-r", secret.trim(), "-o"])
        .arg(&out)
        .arg(&plain));
    let message = assert_failure(&output);
    assert!(!message.contains(secret.trim()), "{message}");

    let output = run(sealfile().arg("encrypt").arg("-o").arg(&out).arg(&plain));
    assert!(assert_failure(&output).contains("no recipients"));

    let not_identity = dir.path().join("not-identity");
    std::fs::write(&not_identity, "hello\n").unwrap();
    let sealed = dir.path().join("sealed");
    std::fs::write(&sealed, b"whatever").unwrap();
    assert!(
        assert_failure(&decrypt_file(&not_identity, &sealed, &out)).contains("invalid identity")
    );
    assert_no_output(dir.path(), &out);
}
