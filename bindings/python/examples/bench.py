"""Steady-state cost of the Python package: encrypt+decrypt of 100 bytes in
an established session between two in-memory clients, and a trivial call
(`address()`), each warmed up and then run for about two seconds.

Prints one line per measurement, in the format every binding's bench uses:

    bench python encrypt_decrypt_100b <ns_per_op> <iterations>
    bench python address <ns_per_op> <iterations>

Run against a wheel built with PROFILE=release (a dev build measures the
unoptimised library). ``--seconds`` sets the time per measurement,
``--profile`` prints a cProfile of the encrypt+decrypt loop to standard error.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from typing import Callable

from sealkit import SealkitClient, take_bundle_for_session

PLAINTEXT = bytes(range(100))
WARMUP = 500
# Checked between batches, so the clock is read rarely.
BATCH = 100
# A bound on the count, whatever the clock says.
MAX_ITERATIONS = 10_000_000


def measure(operation: Callable[[], None], seconds: float) -> tuple[float, int]:
    """Runs `operation` WARMUP times, then in batches until `seconds` passed;
    returns nanoseconds per operation and the count."""
    for _ in range(WARMUP):
        operation()
    iterations = 0
    start = time.perf_counter_ns()
    deadline = start + int(seconds * 1e9)
    now = start
    while now < deadline and iterations < MAX_ITERATIONS:
        for _ in range(BATCH):
            operation()
        iterations += BATCH
        now = time.perf_counter_ns()
    return (now - start) / iterations, iterations


def session() -> tuple[SealkitClient, SealkitClient]:
    alice = SealkitClient.open_in_memory("alice", "phone")
    bob = SealkitClient.open_in_memory("bob", "laptop")
    bundle = take_bundle_for_session(bob.prekey_bundle(1)).for_session
    bob.decrypt(alice.encrypt(bob.address(), bundle, b"hello"))
    alice.decrypt(bob.encrypt(alice.address(), None, b"hello"))
    return alice, bob


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    alice, bob = session()
    bob_address = bob.address()

    def encrypt_decrypt() -> None:
        decrypted = bob.decrypt(alice.encrypt(bob_address, None, PLAINTEXT))
        if decrypted.plaintext != PLAINTEXT:
            raise AssertionError("bench: decrypted text differs")

    def address() -> None:
        alice.address()

    for name, operation in (("encrypt_decrypt_100b", encrypt_decrypt), ("address", address)):
        ns_per_op, iterations = measure(operation, args.seconds)
        print(f"bench python {name} {ns_per_op:.0f} {iterations}", flush=True)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20_000):
            encrypt_decrypt()
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    alice.close()
    bob.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
