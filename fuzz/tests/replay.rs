//! Replays what the fuzzers found on every `cargo test` (CI runs it from
//! `scripts/test.sh`): for each target, its seeds, every file of its kept
//! corpus `fuzz/corpus/<target>/`, and every kept crash input
//! `fuzz/regressions/<target>/`, through the target's body. A panic fails
//! the target's test and names the input. Stable Rust, no libFuzzer:
//! `cargo test --manifest-path fuzz/Cargo.toml --no-default-features`.
//!
//! `cargo test --manifest-path fuzz/Cargo.toml --no-default-features --test
//! replay -- --ignored write_seeds` writes every target's seeds into its
//! corpus directory (see fuzz/README.md).

use std::path::{Path, PathBuf};

use sealkit_fuzz::{TARGETS, Target};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target(name: &str) -> &'static Target {
    TARGETS
        .iter()
        .find(|target| target.name == name)
        .unwrap_or_else(|| panic!("no target {name} in sealkit_fuzz::TARGETS"))
}

/// The files of `dir`, sorted (none if it does not exist).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("read corpus directory").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Names the input being replayed if it panics.
struct Replaying<'a>(&'a str);

impl Drop for Replaying<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("replaying {} panicked", self.0);
        }
    }
}

fn replay(name: &str) {
    let target = target(name);
    let mut count = 0;
    for (seed, input) in (target.seeds)() {
        let _guard = Replaying(&seed);
        (target.run)(&input);
        count += 1;
    }
    for kept in ["corpus", "regressions"] {
        for path in inputs(&fuzz_dir().join(kept).join(name)) {
            let input = std::fs::read(&path).expect("read input");
            let shown = path.display().to_string();
            let _guard = Replaying(&shown);
            (target.run)(&input);
            count += 1;
        }
    }
    eprintln!("{name}: {count} inputs replayed");
}

/// The source of `fuzz_targets/<name>.rs`.
fn wrapper(name: &str) -> String {
    format!(
        "//! `cargo fuzz run {name}`: the body, and what it feeds and checks, are in\n\
         //! `fuzz/src/{name}.rs`.\n\
         #![no_main]\n\
         \n\
         libfuzzer_sys::fuzz_target!(|data: &[u8]| sealkit_fuzz::{name}::run(data));\n"
    )
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay(stringify!($name));
            }
        )*

        /// Every target of the library has a replay test here, and a
        /// `[[bin]]` in Cargo.toml (what `cargo fuzz list` shows).
        #[test]
        fn every_target_is_replayed_and_fuzzable() {
            let mut replayed = vec![$(stringify!($name)),*];
            replayed.sort_unstable();
            let mut library: Vec<&str> = TARGETS.iter().map(|target| target.name).collect();
            library.sort_unstable();
            assert_eq!(replayed, library, "tests/replay.rs and TARGETS differ");
            let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml"))
                .expect("read Cargo.toml");
            let mut bins: Vec<&str> = manifest
                .split("[[bin]]")
                .skip(1)
                .filter_map(|bin| {
                    bin.lines()
                        .find_map(|line| line.strip_prefix("name = \""))
                        .and_then(|name| name.strip_suffix('"'))
                })
                .collect();
            bins.sort_unstable();
            assert_eq!(bins, library, "the [[bin]] targets and TARGETS differ");
            // CI builds no binary (no libFuzzer): each must be the one-line
            // wrapper of its own target's body.
            for name in library {
                let path = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
                let source = std::fs::read_to_string(&path).expect("read fuzz target");
                assert_eq!(source, wrapper(name), "{} is not the wrapper", path.display());
            }
        }
    };
}

replay_tests![
    client_decrypt,
    envelope,
    envelope_mutated,
    file_body,
    file_header,
    file_recipients,
    group_message,
    identity_key,
    media_decrypt,
    open_chunk,
    prekey_bundle,
    recipient_string,
    safety_qr,
    session_record,
    stored_records,
];

#[test]
#[ignore = "writes fuzz/corpus/<target>/seed_*; run it to (re)seed the corpora"]
fn write_seeds() {
    for target in TARGETS {
        let dir = fuzz_dir().join("corpus").join(target.name);
        std::fs::create_dir_all(&dir).expect("create corpus directory");
        for (name, input) in (target.seeds)() {
            std::fs::write(dir.join(format!("seed_{name}")), input).expect("write seed");
        }
    }
}
