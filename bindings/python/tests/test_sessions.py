"""Two devices talk through the generated bindings: session set-up from a
published bundle, out-of-order delivery across DH steps, rejection of
tampered, replayed and misaddressed envelopes, safety numbers, and a SQLite
store that survives re-opening."""

import gc
import random

import pytest

from sealkit import DeviceAddress, SealkitClient, SealkitError, take_bundle_for_session

MESSAGES_EACH_WAY = 20
ROUNDS = 4  # each round both sides send MESSAGES_EACH_WAY / ROUNDS messages
SEED = 20240917
STORAGE_KEY = bytes(range(32))
TAG_LEN = 16


def start_session(alice, bob):
    """Bob publishes a bundle; the server hands Alice one; Alice's first
    message starts the session on both sides."""
    published = bob.prekey_bundle(5)
    split = take_bundle_for_session(published)
    assert split.remaining != published
    envelope = alice.encrypt(bob.address(), split.for_session, b"hello Bob")
    received = bob.decrypt(envelope)
    assert received.plaintext == b"hello Bob"
    assert received.sender == alice.address()


def flip_ciphertext_byte(envelope):
    """The envelope ends with ciphertext || 16-byte tag: flip the last
    ciphertext byte."""
    tampered = bytearray(envelope)
    tampered[-TAG_LEN - 1] ^= 0x01
    return bytes(tampered)


@pytest.fixture
def alice():
    return SealkitClient.open_in_memory("alice", "phone")


@pytest.fixture
def bob():
    return SealkitClient.open_in_memory("bob", "laptop")


def test_alice_and_bob_recover_from_shuffled_delivery_across_dh_steps(alice, bob):
    rng = random.Random(SEED)
    start_session(alice, bob)
    clients = {"alice": alice, "bob": bob}
    peers = {"alice": bob, "bob": alice}
    # (sender name, plaintext, envelope) not yet delivered
    pending = []
    delivered = []
    per_round = MESSAGES_EACH_WAY // ROUNDS

    def deliver(item):
        sender, plaintext, envelope = item
        received = peers[sender].decrypt(envelope)
        assert received.plaintext == plaintext
        assert received.sender == clients[sender].address()
        delivered.append(item)

    for round_number in range(ROUNDS):
        for sender in ("alice", "bob"):
            batch = []
            for index in range(per_round):
                plaintext = f"{sender} round {round_number} message {index}".encode()
                envelope = clients[sender].encrypt(peers[sender].address(), None, plaintext)
                batch.append((sender, plaintext, envelope))
            # Deliver one message of each new chain at once, so the receiver
            # takes a DH step and its next replies start a new chain; hold
            # the rest back.
            early = batch.pop(rng.randrange(len(batch)))
            deliver(early)
            pending.extend(batch)

    rng.shuffle(pending)
    senders_in_order = [sender for sender, _, _ in pending]
    assert "alice" in senders_in_order[:10] and "bob" in senders_in_order[:10]

    # One tampered copy is rejected and changes nothing; the original opens later.
    victim = pending[len(pending) // 2]
    with pytest.raises(SealkitError.Decrypt):
        peers[victim[0]].decrypt(flip_ciphertext_byte(victim[2]))

    for item in pending:
        deliver(item)

    sent = {
        (sender, f"{sender} round {round_number} message {index}".encode())
        for sender in ("alice", "bob")
        for round_number in range(ROUNDS)
        for index in range(per_round)
    }
    received = [(sender, plaintext) for sender, plaintext, _ in delivered]
    assert len(received) == 2 * MESSAGES_EACH_WAY
    assert set(received) == sent, "every message decrypts exactly once"

    # Every message was consumed: delivering any again is a replay.
    for sender, _, envelope in rng.sample(delivered, 3):
        with pytest.raises(SealkitError.Duplicate):
            peers[sender].decrypt(envelope)

    # The session still works in both directions.
    still_here = alice.encrypt(bob.address(), None, b"still here?")
    assert bob.decrypt(still_here).plaintext == b"still here?"
    assert alice.decrypt(bob.encrypt(alice.address(), None, b"yes")).plaintext == b"yes"


def test_tampered_message_is_rejected_and_the_session_continues(alice, bob):
    start_session(alice, bob)
    envelope = alice.encrypt(bob.address(), None, b"pay 10 euros")
    with pytest.raises(SealkitError.Decrypt) as raised:
        bob.decrypt(flip_ciphertext_byte(envelope))
    assert isinstance(raised.value, SealkitError)
    assert raised.value.message
    assert bob.decrypt(envelope).plaintext == b"pay 10 euros"
    reply = bob.encrypt(alice.address(), None, b"paid")
    assert alice.decrypt(reply).plaintext == b"paid"


def test_replayed_envelope_is_a_duplicate(alice, bob):
    start_session(alice, bob)
    envelope = alice.encrypt(bob.address(), None, b"once")
    assert bob.decrypt(envelope).plaintext == b"once"
    with pytest.raises(SealkitError.Duplicate):
        bob.decrypt(envelope)


def test_envelope_for_another_device_is_refused(alice, bob):
    start_session(alice, bob)
    carol = SealkitClient.open_in_memory("carol", "tablet")
    envelope = alice.encrypt(bob.address(), None, b"for Bob only")
    with pytest.raises(SealkitError.WrongRecipient):
        carol.decrypt(envelope)
    assert bob.decrypt(envelope).plaintext == b"for Bob only"


def test_errors_for_missing_session_and_bad_input(alice, bob):
    with pytest.raises(SealkitError.NoSession):
        alice.encrypt(bob.address(), None, b"no bundle")
    with pytest.raises(SealkitError.InvalidInput):
        alice.encrypt(DeviceAddress(user_id="", device_id="x"), None, b"")
    with pytest.raises(SealkitError.Decode):
        bob.decrypt(b"\x01\x02garbage")
    with pytest.raises(SealkitError.Decode):
        take_bundle_for_session(b"not a bundle")
    with pytest.raises(SealkitError.InvalidInput):
        SealkitClient.open_in_memory("", "phone")


def test_a_safety_number_needs_a_known_identity(alice, bob):
    with pytest.raises(SealkitError.UnknownIdentity) as raised:
        alice.safety_number(bob.address())
    assert "bob" in str(raised.value)
    start_session(alice, bob)
    assert alice.safety_number(bob.address()) == bob.safety_number(alice.address())


def test_safety_numbers_match_and_qr_payloads_verify(alice, bob):
    start_session(alice, bob)
    alice_number = alice.safety_number(bob.address())
    assert alice_number == bob.safety_number(alice.address())
    assert len(alice_number) == 60 and alice_number.isdigit()

    shown_by_alice = alice.safety_qr_payload(bob.address())
    shown_by_bob = bob.safety_qr_payload(alice.address())
    assert bob.verify_safety_qr(alice.address(), shown_by_alice)
    assert alice.verify_safety_qr(bob.address(), shown_by_bob)
    assert not alice.verify_safety_qr(bob.address(), shown_by_alice)

    assert len(alice.identity()) == 64
    assert alice.trusted_identity(bob.address()) == bob.identity()
    assert bob.trusted_identity(alice.address()) == alice.identity()
    assert alice.sessions() == [bob.address()]


def test_changed_identity_is_untrusted_until_the_user_accepts_it(alice, bob):
    start_session(alice, bob)
    new_bob = SealkitClient.open_in_memory("bob", "laptop")
    bundle = take_bundle_for_session(new_bob.prekey_bundle(1)).for_session
    alice_bundle = take_bundle_for_session(alice.prekey_bundle(1)).for_session
    envelope = new_bob.encrypt(alice.address(), alice_bundle, b"it's me")
    with pytest.raises(SealkitError.UntrustedIdentity):
        alice.decrypt(envelope)
    alice.trust_identity(bob.address(), new_bob.identity())
    assert alice.trusted_identity(bob.address()) == new_bob.identity()
    assert alice.sessions() == []
    first = alice.encrypt(bob.address(), bundle, b"welcome back")
    assert new_bob.decrypt(first).plaintext == b"welcome back"


def test_sqlite_store_keeps_the_session_across_reopening(tmp_path, bob):
    path = str(tmp_path / "alice.db")
    alice = SealkitClient.open_sqlite(path, STORAGE_KEY, "alice", "phone")
    identity = alice.identity()
    start_session(alice, bob)
    assert bob.decrypt(alice.encrypt(bob.address(), None, b"before")).plaintext == b"before"
    held_back = bob.encrypt(alice.address(), None, b"sent while Alice was closed")
    del alice
    gc.collect()

    alice = SealkitClient.open_sqlite(path, STORAGE_KEY, "alice", "phone")
    assert alice.identity() == identity
    assert alice.sessions() == [bob.address()]
    assert alice.decrypt(held_back).plaintext == b"sent while Alice was closed"
    assert bob.decrypt(alice.encrypt(bob.address(), None, b"after")).plaintext == b"after"


def test_sqlite_store_needs_its_32_byte_key(tmp_path):
    path = str(tmp_path / "alice.db")
    with pytest.raises(SealkitError.InvalidInput):
        SealkitClient.open_sqlite(path, b"short", "alice", "phone")
    alice = SealkitClient.open_sqlite(path, STORAGE_KEY, "alice", "phone")
    del alice
    gc.collect()
    with pytest.raises(SealkitError.Storage):
        SealkitClient.open_sqlite(path, bytes(32), "alice", "phone")
