"""The Python side of scripts/bindings-bench.sh: steady-state encrypt+decrypt
of 100 bytes between two in-memory clients, one message per call and in
batches (encrypt_batch / decrypt_batch), the same loop as the Rust peer
(examples/src/bin/bindings_bench.rs). Prints
``bench python <name> <ns per message> <messages>`` lines.

Imports ``sealkit_ffi`` from the path the script puts on PYTHONPATH (the
release library and the bindings generated from it)."""

import time

import sealkit_ffi as sealkit

RUN_SECONDS = 2.0
MAX_MESSAGES = 1_000_000
WARM_UP = 2048
MESSAGE = b"m" * 100


def main() -> None:
    alice = sealkit.SealkitClient.open_in_memory("alice", "phone")
    bob = sealkit.SealkitClient.open_in_memory("bob", "laptop")
    split = sealkit.take_bundle_for_session(bob.prekey_bundle(3))
    bob_address = bob.address()
    bob.decrypt(alice.encrypt(bob_address, split.for_session, b"hello"))
    alice.decrypt(bob.encrypt(alice.address(), None, b"hi"))

    def one_by_one(count: int) -> None:
        for _ in range(count):
            bob.decrypt(alice.encrypt(bob_address, None, MESSAGE))

    def batched(size: int):
        messages = [MESSAGE] * size

        def run(count: int) -> None:
            for _ in range(count // size):
                sent = alice.encrypt_batch(bob_address, None, messages)
                assert sent.error is None
                for outcome in bob.decrypt_batch(sent.envelopes):
                    assert outcome.is_decrypted()
        return run, size

    def address(count: int) -> None:
        for _ in range(count):
            alice.address()

    report("encrypt_decrypt_100b", one_by_one, 1)
    for size in (16, 64, 256):
        run, step = batched(size)
        report(f"encrypt_decrypt_100b_batch{size}", run, step)
    report("address", address, 1)


def report(name: str, run, step: int) -> None:
    run(WARM_UP - WARM_UP % step)
    done = 0
    start = time.perf_counter()
    chunk = 256 - 256 % step if step <= 256 else step
    while done < MAX_MESSAGES and time.perf_counter() - start < RUN_SECONDS:
        run(chunk)
        done += chunk
    elapsed = time.perf_counter() - start
    print(f"bench python {name} {int(elapsed / done * 1e9)} {done}")


if __name__ == "__main__":
    main()
