"""An app and its background service open one SQLite file: their calls take
turns and continue one ratchet, so no message key is used twice. close()
lets go of the store; an older copy of the database is refused against the
generation the app kept outside it."""

import shutil

import pytest

from sealkit import SealkitClient, SealkitError, take_bundle_for_session

STORAGE_KEY = bytes(range(32))


def open_alice(path, anchor=0):
    return SealkitClient.open_sqlite_anchored(str(path), STORAGE_KEY, "alice", "phone", anchor)


@pytest.fixture
def bob():
    return SealkitClient.open_in_memory("bob", "laptop")


def start_session(path, bob):
    alice = open_alice(path)
    split = take_bundle_for_session(bob.prekey_bundle(1))
    bob.decrypt(alice.encrypt(bob.address(), split.for_session, b"hello"))
    alice.close()


def test_two_clients_on_one_file_take_turns_on_one_ratchet(tmp_path, bob):
    path = tmp_path / "alice.db"
    start_session(path, bob)
    app, service = open_alice(path), open_alice(path)
    envelopes = [
        (app if i % 2 else service).encrypt(bob.address(), None, bytes([i])) for i in range(10)
    ]
    assert len(set(envelopes)) == 10
    assert [bob.decrypt(e).plaintext for e in envelopes] == [bytes([i]) for i in range(10)]
    reply = bob.encrypt(app.address(), None, b"once")
    assert service.decrypt(reply).plaintext == b"once"
    with pytest.raises(SealkitError.Duplicate):
        app.decrypt(reply)


def test_a_closed_client_raises_closed(tmp_path, bob):
    path = tmp_path / "alice.db"
    start_session(path, bob)
    alice = open_alice(path)
    alice.close()
    alice.close()
    with pytest.raises(SealkitError.Closed):
        alice.encrypt(bob.address(), None, b"x")
    with pytest.raises(SealkitError.Closed):
        alice.store_generation()


def test_an_older_copy_of_the_database_is_rolled_back(tmp_path, bob):
    path = tmp_path / "alice.db"
    start_session(path, bob)
    shutil.copy(path, tmp_path / "backup.db")
    alice = open_alice(path)
    bob.decrypt(alice.encrypt(bob.address(), None, b"after the backup"))
    anchor = alice.store_generation()
    alice.close()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"alice.db{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "backup.db", path)
    with pytest.raises(SealkitError.RolledBack):
        open_alice(path, anchor)
