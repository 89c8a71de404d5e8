"""Exactly-once delivery: a message decrypted with a receipt is kept until
the app acknowledges it, so an app that crashes between the decrypt and
storing the message gets it again, with the same id, after it restarts."""

import pytest

from sealkit import SealkitClient, SealkitError, take_bundle_for_session

STORAGE_KEY = bytes(range(32))


def open_bob(path):
    return SealkitClient.open_sqlite(str(path), STORAGE_KEY, "bob", "laptop")


def conversation(path):
    alice = SealkitClient.open_in_memory("alice", "phone")
    bob = open_bob(path)
    split = take_bundle_for_session(bob.prekey_bundle(1))
    bob.decrypt(alice.encrypt(bob.address(), split.for_session, b"hi"))
    return alice, bob


def test_a_message_lost_in_a_crash_comes_back_until_acknowledged(tmp_path):
    path = tmp_path / "bob.db"
    alice, bob = conversation(path)
    envelope = alice.encrypt(bob.address(), None, b"kept")
    first = bob.decrypt_with_receipt(envelope)
    assert first.plaintext == b"kept"
    assert first.sender == alice.address()
    assert len(first.id) == 32
    bob.close()  # the app dies before it stored the message

    bob = open_bob(path)
    assert bob.unacknowledged() == [first]
    assert bob.decrypt_with_receipt(envelope) == first
    assert bob.acknowledge(first.id) is True
    assert bob.acknowledge(first.id) is False
    assert bob.unacknowledged() == []
    with pytest.raises(SealkitError.Duplicate):
        bob.decrypt_with_receipt(envelope)


def test_the_app_recipe_stores_each_message_once(tmp_path):
    path = tmp_path / "bob.db"
    alice, bob = conversation(path)
    envelopes = [alice.encrypt(bob.address(), None, f"m{i}".encode()) for i in range(5)]
    app_store = {}
    # The server delivers some envelopes twice (it never saw our ack).
    for envelope in envelopes + envelopes[1:3]:
        try:
            received = bob.decrypt_with_receipt(envelope)
        except SealkitError.Duplicate:
            continue  # acknowledged earlier: the app has it
        app_store.setdefault(received.id, received.plaintext)
        bob.acknowledge(received.id)
    assert sorted(app_store.values()) == [f"m{i}".encode() for i in range(5)]


def test_a_message_id_of_the_wrong_length_is_invalid_input(tmp_path):
    _, bob = conversation(tmp_path / "bob.db")
    with pytest.raises(SealkitError.InvalidInput):
        bob.acknowledge(b"short")
