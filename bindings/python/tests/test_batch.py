"""Batches (ADR 0018): many messages per call through the installed wheel.
A failing envelope has its own outcome and does not stop the others; an
encrypt batch that fails part-way returns the envelopes it made."""

from sealkit import SealkitClient, SealkitError, max_batch, take_bundle_for_session


def started_pair():
    alice = SealkitClient.open_in_memory("alice", "phone")
    bob = SealkitClient.open_in_memory("bob", "laptop")
    bundle = take_bundle_for_session(bob.prekey_bundle(2)).for_session
    return alice, bob, bundle


def test_a_batch_starts_the_session_and_arrives_in_order_with_a_replay_failing_alone():
    alice, bob, bundle = started_pair()
    texts = [f"message {i}".encode() for i in range(20)]
    sent = alice.encrypt_batch(bob.address(), bundle, texts)
    assert sent.error is None and len(sent.envelopes) == 20

    tampered = bytearray(sent.envelopes[3])
    tampered[-1] ^= 0x01
    outcomes = bob.decrypt_batch(
        sent.envelopes[:3] + [bytes(tampered), sent.envelopes[0]] + sent.envelopes[3:]
    )
    assert isinstance(outcomes[3].error, SealkitError.Decrypt)
    assert isinstance(outcomes[4].error, SealkitError.Duplicate)
    received = [o.message.plaintext for o in outcomes if o.is_decrypted()]
    assert received == texts
    assert all(o.message.sender == alice.address() for o in outcomes if o.is_decrypted())


def test_an_encrypt_batch_that_fails_part_way_keeps_the_envelopes_it_made():
    alice, bob, bundle = started_pair()
    oversized = bytes(1 << 20 | 1)
    sent = alice.encrypt_batch(bob.address(), bundle, [b"one", b"two", oversized, b"four"])
    assert isinstance(sent.error, SealkitError.InvalidInput)
    assert [o.message.plaintext for o in bob.decrypt_batch(sent.envelopes)] == [b"one", b"two"]


def test_a_batch_above_the_bound_is_refused_whole():
    alice, bob, bundle = started_pair()
    too_many = [b"x"] * (max_batch() + 1)
    try:
        alice.encrypt_batch(bob.address(), bundle, too_many)
    except SealkitError.InvalidInput:
        pass
    else:
        raise AssertionError("an oversized batch was accepted")
    assert alice.sessions() == []
