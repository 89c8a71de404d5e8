//! Integration tests: a panic inside an operation (here from a store that
//! panics on purpose, standing in for a panic in openmls, in a dependency,
//! or in an app's store) does not break the client. The operation's store
//! transaction rolls back as the panic unwinds, nothing half-done reaches
//! the caches, and the next call reloads from the store and works (issue
//! 12, point 9).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use sealkit::store::{Changeset, MemoryStore, RecordKind, Store, StoreError, Zeroizing};
use sealkit::{Client, Error, GroupEvent};

const GROUP: &str = "team";

/// When the store panics: never, at the next read of a kind, at the next
/// commit before applying it, or at the next commit after applying it.
#[derive(Clone, Copy)]
#[repr(u8)]
enum PanicAt {
    Never = 0,
    NextMlsRead = 1,
    CommitBefore = 2,
    CommitAfter = 3,
}

/// A memory store that panics once, where it is told to.
#[derive(Default)]
struct PanickingStore {
    inner: MemoryStore,
    at: AtomicU8,
}

impl PanickingStore {
    fn panic_at(&self, at: PanicAt) {
        self.at.store(at as u8, Ordering::SeqCst);
    }

    /// Whether the armed panic is `at`; disarms it if so.
    fn fires(&self, at: PanicAt) -> bool {
        self.at
            .compare_exchange(
                at as u8,
                PanicAt::Never as u8,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
    }
}

impl Store for PanickingStore {
    fn begin(&self) -> Result<u64, StoreError> {
        self.inner.begin()
    }

    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        if kind == RecordKind::Mls && self.fires(PanicAt::NextMlsRead) {
            panic!("injected panic while openmls reads its state");
        }
        self.inner.get(kind, key)
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        self.inner.keys(kind)
    }

    fn commit(&self, changes: Changeset) -> Result<u64, StoreError> {
        if self.fires(PanicAt::CommitBefore) {
            panic!("injected panic before the commit");
        }
        let generation = self.inner.commit(changes)?;
        if self.fires(PanicAt::CommitAfter) {
            panic!("injected panic after the commit");
        }
        Ok(generation)
    }

    fn rollback(&self) {
        self.inner.rollback();
    }
}

/// Runs `call`, which must panic.
fn panics<R>(call: impl FnOnce() -> R) {
    let caught = catch_unwind(AssertUnwindSafe(call));
    assert!(caught.is_err(), "the call was meant to panic");
}

fn devices() -> (Client, Arc<PanickingStore>, Client) {
    let alice = Client::open(MemoryStore::new(), "alice", "phone").unwrap();
    let store = Arc::new(PanickingStore::default());
    let bob = Client::open(Arc::clone(&store), "bob", "laptop").unwrap();
    (alice, store, bob)
}

#[test]
fn a_panic_before_the_commit_leaves_the_client_working_and_the_message_unread() {
    let (alice, store, bob) = devices();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice
        .encrypt(bob.address(), Some(&bundle), b"first")
        .unwrap();
    let generation = bob.store_generation().unwrap();

    store.panic_at(PanicAt::CommitBefore);
    panics(|| bob.decrypt(&first));

    // Nothing was committed, and the client is not poisoned: the same
    // message opens, and the conversation goes on both ways.
    assert_eq!(bob.store_generation().unwrap(), generation);
    assert_eq!(bob.decrypt(&first).unwrap().plaintext, b"first");
    let reply = bob.encrypt(alice.address(), None, b"reply").unwrap();
    assert_eq!(alice.decrypt(&reply).unwrap().plaintext, b"reply");
    let next = alice.encrypt(bob.address(), None, b"next").unwrap();
    assert_eq!(bob.decrypt(&next).unwrap().plaintext, b"next");
    bob.close().unwrap();
}

#[test]
fn a_panic_after_the_commit_loses_no_message_kept_with_a_receipt() {
    let (alice, store, bob) = devices();
    let bundle = bob.prekey_bundle(1).unwrap().take_for_session();
    let first = alice
        .encrypt(bob.address(), Some(&bundle), b"first")
        .unwrap();

    // The store commits, then panics before the client hands anything out.
    store.panic_at(PanicAt::CommitAfter);
    panics(|| bob.decrypt_with_receipt(&first));

    // The message was consumed, so it does not decrypt twice, and it was
    // kept: the app finds it among the unacknowledged ones.
    assert!(matches!(bob.decrypt(&first), Err(Error::Session(_))));
    let kept = bob.unacknowledged().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].plaintext, b"first");
    bob.acknowledge(&kept[0].id).unwrap();
    let next = alice.encrypt(bob.address(), None, b"next").unwrap();
    assert_eq!(bob.decrypt(&next).unwrap().plaintext, b"next");
}

#[test]
fn a_panic_inside_a_group_operation_leaves_the_group_working() {
    let (alice, store, bob) = devices();
    alice.create_group(GROUP).unwrap();
    let commit = alice
        .add_group_members(GROUP, &[bob.key_packages(1).unwrap().remove(0)])
        .unwrap();
    alice.confirm_group_commit(GROUP).unwrap();
    bob.join_group(commit.welcome.as_ref().unwrap()).unwrap();
    let sealed = alice.encrypt_group(GROUP, b"hello team").unwrap();

    // openmls reads its state through the store and the read panics. A
    // panic inside a group operation (openmls asserts on state it reads
    // back) is caught: the call fails with a typed error, and the client
    // reloads the group from the store on the next call.
    store.panic_at(PanicAt::NextMlsRead);
    let reopened = Client::open(Arc::clone(&store), "bob", "laptop").unwrap();
    let caught = reopened.process_group_message(&sealed).unwrap_err();
    assert_eq!(caught.kind(), sealkit::ErrorKind::Protocol);
    assert!(
        caught
            .to_string()
            .contains("panic inside the group operation")
    );
    let events = reopened.process_group_message(&sealed).unwrap();
    assert!(events.iter().any(|event| matches!(
        event,
        GroupEvent::Message { plaintext, .. } if plaintext == b"hello team"
    )));
    // And a commit panicking on its way into the store (after the group
    // operation, so not caught) changes nothing.
    store.panic_at(PanicAt::CommitBefore);
    panics(|| reopened.update_group(GROUP));
    let epoch = reopened.group_epoch(GROUP).unwrap();
    let update = reopened.update_group(GROUP).unwrap();
    reopened.confirm_group_commit(GROUP).unwrap();
    assert_eq!(reopened.group_epoch(GROUP).unwrap(), epoch + 1);
    alice.process_group_message(&update.commit).unwrap();
    let after = reopened.encrypt_group(GROUP, b"after").unwrap();
    assert!(!alice.process_group_message(&after).unwrap().is_empty());
}
