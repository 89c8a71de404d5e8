//! Fault injection: Alice and Bob, each its own OS process on its own
//! SQLite file, exchange a long conversation in both directions through a
//! file-system "server", and the parent kills them with SIGKILL at random
//! moments, many times, restarting them each time. Each app receives with
//! `decrypt_with_receipt`, stores a message by its id, acknowledges it,
//! then marks the envelope done on the server; on start it first stores
//! and acknowledges whatever `unacknowledged()` lists. At the end every
//! message has reached each app exactly once, no `(ratchet key, index)`
//! was used for two envelopes, and nothing was refused but as an
//! acknowledged duplicate.
//!
//! CI runs a small count. The longer run (documented in
//! `docs/adr/0012-exactly-once-delivery.md`):
//! `SEALKIT_FAULT_ROUNDS=400 SEALKIT_FAULT_MESSAGES=4000 cargo test
//! -p sealkit --test fault_injection -- --nocapture`; a run is
//! repeated with `SEALKIT_FAULT_SEED` (printed). The same kills against
//! plain `decrypt`: the ignored test `plain_decrypt_under_the_same_kills`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![cfg(all(feature = "sqlite", unix))]

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use sealkit::session::Envelope;
use sealkit::store::SqliteStore;
use sealkit::{Client, DeviceAddress, ErrorKind};

const STORAGE_KEY: [u8; 32] = [0x3C; 32];
/// How long one child may run before it counts as stuck.
const CHILD_DEADLINE: Duration = Duration::from_secs(60);

/// One party of the conversation and where it keeps everything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Party {
    Alice,
    Bob,
}

impl Party {
    fn name(self) -> &'static str {
        match self {
            Party::Alice => "alice",
            Party::Bob => "bob",
        }
    }

    fn device(self) -> &'static str {
        match self {
            Party::Alice => "phone",
            Party::Bob => "laptop",
        }
    }

    fn peer(self) -> Party {
        match self {
            Party::Alice => Party::Bob,
            Party::Bob => Party::Alice,
        }
    }

    fn address(self) -> DeviceAddress {
        DeviceAddress::new(self.name(), self.device()).unwrap()
    }

    fn parse(name: &str) -> Party {
        match name {
            "alice" => Party::Alice,
            "bob" => Party::Bob,
            other => panic!("unknown party {other}"),
        }
    }

    fn open(self, dir: &Path) -> Client {
        let store = SqliteStore::open(dir.join(format!("{}.db", self.name())), &STORAGE_KEY)
            .expect("open the SQLite store");
        Client::open(store, self.name(), self.device()).expect("open the client")
    }

    /// The server's queue of envelopes to this party, one file per message
    /// number.
    fn inbox(self, dir: &Path) -> PathBuf {
        dir.join(format!("to-{}", self.name()))
    }

    /// The server's marks: the envelopes this party has acknowledged.
    fn done(self, dir: &Path) -> PathBuf {
        dir.join(format!("done-{}", self.name()))
    }

    /// The app's own message store: one file per message id.
    fn app(self, dir: &Path) -> PathBuf {
        dir.join(format!("app-{}", self.name()))
    }

    /// One line per message a crash would have lost without receipts.
    fn recovered_log(self, dir: &Path) -> PathBuf {
        dir.join(format!("recovered-{}.log", self.name()))
    }

    /// Every `(ratchet key, index)` this party's client handed out.
    fn sent_log(self, dir: &Path) -> PathBuf {
        dir.join(format!("sent-{}.log", self.name()))
    }
}

fn message(from: Party, number: u32) -> String {
    format!("{}->{} #{number}", from.name(), from.peer().name())
}

/// Writes `bytes` to `path` so that a reader sees all of it or nothing
/// (a kill leaves at most a stray temporary file).
fn write_atomically(path: &Path, bytes: &[u8]) {
    let temporary = path.with_extension("partial");
    fs::write(&temporary, bytes).unwrap();
    fs::rename(&temporary, path).unwrap();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ------------------------------------------------------------- the child

/// The app: `SEALKIT_FAULT_CHILD` = `dir|party|messages|mode`. Exit code 0
/// when both directions are done, 3 when a message was refused, 4 when
/// stuck.
#[test]
#[ignore = "a child process of the fault-injection tests, run by them"]
fn fault_child() {
    let Ok(job) = std::env::var("SEALKIT_FAULT_CHILD") else {
        return;
    };
    let parts: Vec<&str> = job.split('|').collect();
    let dir = Path::new(parts[0]);
    let me = Party::parse(parts[1]);
    let count: u32 = parts[2].parse().unwrap();
    let receipts = parts[3] == "receipts";
    let peer = me.peer();
    let client = me.open(dir);
    let app = me.app(dir);

    // The app's recipe, step 1 on every start: whatever was decrypted but
    // not acknowledged when the last run died.
    let mut recovered = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(me.recovered_log(dir))
        .unwrap();
    if receipts {
        for received in client.unacknowledged().unwrap() {
            recovered.write_all(b"listed\n").unwrap();
            store_in_app(&app, &received.id.to_hex(), &received.plaintext);
            client.acknowledge(&received.id).unwrap();
        }
    }

    let outbox = peer.inbox(dir);
    let inbox = me.inbox(dir);
    let done = me.done(dir);
    let mut sent_log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(me.sent_log(dir))
        .unwrap();
    let (mut next_send, mut next_receive) = (0u32, 0u32);
    let deadline = Instant::now() + CHILD_DEADLINE;
    loop {
        while next_send < count && outbox.join(next_send.to_string()).exists() {
            next_send += 1;
        }
        while next_receive < count && done.join(next_receive.to_string()).exists() {
            next_receive += 1;
        }
        if next_send == count && next_receive == count {
            return;
        }
        if Instant::now() > deadline {
            eprintln!(
                "stuck at send {next_send}, receive {next_receive} (envelope there: {})",
                inbox.join(next_receive.to_string()).exists()
            );
            std::process::exit(4);
        }
        let mut progressed = false;
        if next_send < count {
            let envelope = client
                .encrypt(&peer.address(), None, message(me, next_send).as_bytes())
                .unwrap();
            let header = Envelope::decode(&envelope).unwrap().header;
            sent_log
                .write_all(format!("{} {}\n", hex(&header.ratchet_key), header.index).as_bytes())
                .unwrap();
            write_atomically(&outbox.join(next_send.to_string()), &envelope);
            progressed = true;
        }
        if next_receive < count
            && let Ok(envelope) = fs::read(inbox.join(next_receive.to_string()))
        {
            let outcome = if receipts {
                client.decrypt_with_receipt(&envelope).map(|received| {
                    if app.join(received.id.to_hex()).exists() {
                        // Stored, not acknowledged when the last run died.
                        recovered.write_all(b"redelivered\n").unwrap();
                    }
                    store_in_app(&app, &received.id.to_hex(), &received.plaintext);
                    client.acknowledge(&received.id).unwrap();
                })
            } else {
                client.decrypt(&envelope).map(|decrypted| {
                    store_in_app(&app, &next_receive.to_string(), &decrypted.plaintext);
                })
            };
            match outcome {
                Ok(()) => {}
                // Acknowledged before the last run died: the app has it.
                Err(error) if error.kind() == ErrorKind::Duplicate => {}
                Err(error) => {
                    eprintln!(
                        "message {next_receive} refused: {error} ({:?})",
                        error.kind()
                    );
                    std::process::exit(3);
                }
            }
            fs::write(done.join(next_receive.to_string()), b"").unwrap();
            progressed = true;
        }
        if !progressed {
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// The app stores a message idempotently, by id.
fn store_in_app(app: &Path, id: &str, plaintext: &[u8]) {
    let path = app.join(id);
    if !path.exists() {
        write_atomically(&path, plaintext);
    }
}

// ------------------------------------------------------------ the parent

/// A small deterministic generator for the kill schedule (not for keys).
struct Schedule(u64);

impl Schedule {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn spawn(dir: &Path, party: Party, count: u32, mode: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "fault_child", "--nocapture", "-q"])
        .env(
            "SEALKIT_FAULT_CHILD",
            format!("{}|{}|{count}|{mode}", dir.display(), party.name()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for both children; fails the test when one exited with an error
/// of its own (a kill is what the test does, not a failure), killing the
/// other. Returns how each ended.
fn reap(mut children: [Child; 2]) -> [ExitStatus; 2] {
    let deadline = Instant::now() + CHILD_DEADLINE;
    let mut statuses: [Option<ExitStatus>; 2] = [None, None];
    while statuses.iter().any(Option::is_none) {
        for (which, party) in [Party::Alice, Party::Bob].into_iter().enumerate() {
            if statuses[which].is_some() {
                continue;
            }
            let Some(status) = children[which].try_wait().unwrap() else {
                continue;
            };
            if status.signal() != Some(9) && !status.success() {
                let mut stderr = String::new();
                let _ = std::io::Read::read_to_string(
                    &mut children[which].stderr.take().unwrap(),
                    &mut stderr,
                );
                for child in &mut children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                panic!("{} failed ({status}): {stderr}", party.name());
            }
            statuses[which] = Some(status);
        }
        if Instant::now() > deadline {
            for child in &mut children {
                let _ = child.kill();
                let _ = child.wait();
            }
            panic!("the children did not finish");
        }
        thread::sleep(Duration::from_millis(2));
    }
    statuses.map(Option::unwrap)
}

/// Alice and Bob, each on its own SQLite file in `dir`, after one message
/// each way: both have a session.
fn set_up(dir: &Path) {
    for party in [Party::Alice, Party::Bob] {
        for folder in [party.inbox(dir), party.done(dir), party.app(dir)] {
            fs::create_dir_all(folder).unwrap();
        }
    }
    let alice = Party::Alice.open(dir);
    let bob = Party::Bob.open(dir);
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice.encrypt(bob.address(), Some(&bundle), b"hi").unwrap();
    bob.decrypt(&first).unwrap();
    let reply = bob.encrypt(alice.address(), None, b"hello").unwrap();
    alice.decrypt(&reply).unwrap();
}

struct Outcome {
    /// Kills that hit a running process.
    kills: u32,
    /// For each party, how many times each message reached its app.
    delivered: BTreeMap<&'static str, BTreeMap<String, u32>>,
}

/// Runs the conversation of `count` messages each way under `rounds`
/// rounds of random kills, then to the end without kills.
fn run_under_kills(dir: &Path, rounds: u64, count: u32, mode: &str) -> Outcome {
    set_up(dir);
    let seed = env_or(
        "SEALKIT_FAULT_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1,
    );
    println!("fault injection: seed {seed}, {rounds} rounds, {count} messages each way, {mode}");
    let mut schedule = Schedule(seed);
    let mut kills = 0;
    let mut progress = Vec::new();
    for _ in 0..rounds {
        let mut children = [
            spawn(dir, Party::Alice, count, mode),
            spawn(dir, Party::Bob, count, mode),
        ];
        // Kill each child at its own random moment (one waits for the
        // other's messages, so neither may outlive the round).
        let mut moments = [0, 1].map(|which| (10 + schedule.below(140), which));
        moments.sort_unstable();
        let start = Instant::now();
        for (moment, which) in moments {
            let wait = Duration::from_millis(moment).saturating_sub(start.elapsed());
            thread::sleep(wait);
            let _ = children[which].kill();
        }
        let statuses = reap(children);
        progress.push(fs::read_dir(Party::Bob.done(dir)).unwrap().count());
        kills += statuses
            .iter()
            .filter(|status| status.signal() == Some(9))
            .count() as u32;
    }
    // Each round moved the conversation on (the kills land mid-work).
    if progress.len() <= 40 {
        println!("messages Bob had after each round: {progress:?}");
    } else {
        println!(
            "messages Bob had after the kill rounds: {:?}",
            progress.last()
        );
    }
    // The last run: no kills, to the end.
    let last = reap([
        spawn(dir, Party::Alice, count, mode),
        spawn(dir, Party::Bob, count, mode),
    ]);
    assert!(last.iter().all(ExitStatus::success));

    let mut delivered = BTreeMap::new();
    for party in [Party::Alice, Party::Bob] {
        let mut counts = BTreeMap::new();
        for entry in fs::read_dir(party.app(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some() {
                continue; // a stray temporary file of a killed write
            }
            let text = String::from_utf8(fs::read(path).unwrap()).unwrap();
            *counts.entry(text).or_insert(0) += 1;
        }
        delivered.insert(party.name(), counts);
    }
    Outcome { kills, delivered }
}

/// Every `(ratchet key, index)` in a party's log, asserting none twice.
fn assert_no_message_key_reused(dir: &Path, party: Party) -> usize {
    let log = fs::read_to_string(party.sent_log(dir)).unwrap();
    let mut seen = HashSet::new();
    for line in log
        .split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
    {
        assert!(
            seen.insert(line.to_owned()),
            "{} used (ratchet key, index) {} twice",
            party.name(),
            line.trim_end()
        );
    }
    seen.len()
}

#[test]
fn receivers_and_senders_killed_at_random_deliver_every_message_exactly_once() {
    let rounds = env_or("SEALKIT_FAULT_ROUNDS", 20);
    let count = u32::try_from(env_or("SEALKIT_FAULT_MESSAGES", 400)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let outcome = run_under_kills(dir, rounds, count, "receipts");
    let recovered: usize = [Party::Alice, Party::Bob]
        .iter()
        .map(|party| {
            fs::read_to_string(party.recovered_log(dir))
                .unwrap()
                .lines()
                .count()
        })
        .sum();
    println!(
        "{} kills hit a running process; {recovered} messages were kept across a kill",
        outcome.kills
    );
    // A kill between a commit and the app's acknowledgement is common
    // (plain `decrypt` loses about one message in four kills here); a run
    // without one has not tested the receipts.
    assert!(
        recovered > 0,
        "no kill landed between a commit and an acknowledgement"
    );
    // The schedule kills most children while they work; a run in which
    // (nearly) every child had already finished proves nothing.
    assert!(
        outcome.kills as u64 >= rounds,
        "only {} kills in {rounds} rounds",
        outcome.kills
    );

    for party in [Party::Alice, Party::Bob] {
        let expected: BTreeMap<String, u32> = (0..count)
            .map(|number| (message(party.peer(), number), 1))
            .collect();
        assert_eq!(
            outcome.delivered[party.name()],
            expected,
            "{} did not get every message exactly once",
            party.name()
        );
        let envelopes = assert_no_message_key_reused(dir, party);
        assert!(envelopes >= count as usize);
        let client = party.open(dir);
        assert!(client.unacknowledged().unwrap().is_empty());
    }
}

/// The same kills against plain `decrypt` (at most once): prints how many
/// messages never reached the app. Not asserted (a loss needs a kill
/// between a commit and the app's write); run it to see the difference.
#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn plain_decrypt_under_the_same_kills() {
    let rounds = env_or("SEALKIT_FAULT_ROUNDS", 40);
    let count = u32::try_from(env_or("SEALKIT_FAULT_MESSAGES", 300)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outcome = run_under_kills(dir.path(), rounds, count, "plain");
    for party in [Party::Alice, Party::Bob] {
        let got = outcome.delivered[party.name()].len();
        println!(
            "{}: {} of {count} messages reached the app after {} kills",
            party.name(),
            got,
            outcome.kills
        );
    }
}
