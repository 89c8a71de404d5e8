"""One client used from several threads at once: calls are serialised in
the library, and every message is delivered exactly once."""

from concurrent.futures import ThreadPoolExecutor

from sealkit import SealkitClient, take_bundle_for_session

THREADS = 4
PER_THREAD = 25


def test_threads_sharing_two_clients_deliver_every_message_once():
    alice = SealkitClient.open_in_memory("alice", "phone")
    bob = SealkitClient.open_in_memory("bob", "laptop")
    bundle = take_bundle_for_session(bob.prekey_bundle(1)).for_session
    bob.decrypt(alice.encrypt(bob.address(), bundle, b"start"))

    def send(thread):
        return [alice.encrypt(bob.address(), None, f"{thread}-{n}".encode()) for n in range(PER_THREAD)]

    with ThreadPoolExecutor(THREADS) as pool:
        envelopes = [e for batch in pool.map(send, range(THREADS)) for e in batch]
        texts = list(pool.map(lambda envelope: bob.decrypt(envelope).plaintext, envelopes))
    expected = {f"{t}-{n}".encode() for t in range(THREADS) for n in range(PER_THREAD)}
    assert sorted(texts) == sorted(expected)


def test_threads_sharing_a_media_context_each_get_their_frames_back():
    alice = SealkitClient.open_in_memory("alice", "phone")
    bob = SealkitClient.open_in_memory("bob", "laptop")
    alice.create_group("call")
    commit = alice.add_group_members("call", bob.key_packages(1))
    alice.confirm_group_commit("call")
    bob.join_group(commit.welcome)
    sending, receiving = alice.group_media("call"), bob.group_media("call")

    def round_trip(thread):
        frames = [f"{thread}-{n}".encode() for n in range(PER_THREAD)]
        return [receiving.decrypt_frame(sending.encrypt_frame(f, b"")).frame for f in frames] == frames

    with ThreadPoolExecutor(THREADS) as pool:
        assert all(pool.map(round_trip, range(THREADS)))
