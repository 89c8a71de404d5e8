"""The scenario of ``bindings/SCENARIO.md`` on the Python package: two devices
start a session from a published bundle, exchange messages out of order
across ratchet steps, refuse a tampered and a replayed message, form a group
with a third device and remove it, share a file and a media frame, and
reopen from SQLite between steps. Prints one ``checkpoint <name>`` line per
step, the same lines as the Rust, Kotlin and Swift versions (a port of
``examples/src/bin/scenario.rs``).

Run with the wheel installed: ``python bindings/python/examples/scenario.py``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Callable, List, Sequence, Type

from sealkit import (
    DeviceAddress,
    GroupEvent,
    SealkitClient,
    SealkitError,
    decrypt_bytes,
    decrypt_file,
    decrypt_range,
    encrypt_bytes,
    encrypt_file_to_recipients,
    generate_file_key,
    take_bundle_for_session,
)

# The test storage key of SCENARIO.md (an app takes it from the keychain).
STORAGE_KEY = bytes([0x07]) * 32
TEAM = "team"


class Failure(Exception):
    """A check of the scenario failed at a checkpoint."""

    def __init__(self, at: str, what: str) -> None:
        super().__init__(f"{at}: {what}")


def check(condition: bool, at: str, what: str) -> None:
    if not condition:
        raise Failure(at, what)


def expect_kind(call: Callable[[], object], kind: Type[SealkitError], at: str) -> None:
    """Runs `call` and checks that it raises the error of kind `kind`."""
    try:
        call()
    except kind:
        return
    except SealkitError as error:
        raise Failure(at, f"expected {kind.__name__}, got {type(error).__name__}") from error
    raise Failure(at, f"expected {kind.__name__}, got success")


def pattern(length: int) -> bytes:
    """Pattern(n) of SCENARIO.md: b[i] = (i * 7 + 3) mod 256."""
    return bytes((i * 7 + 3) % 256 for i in range(length))


# The step under way, named when a call fails outside a check.
_current_step = "setup"


def begin(name: str) -> str:
    global _current_step
    _current_step = name
    return name


def checkpoint(name: str) -> None:
    print(f"checkpoint {name}", flush=True)


class Device:
    """A device kept in its own SQLite file, reopened between steps."""

    def __init__(self, directory: Path, user: str, device: str) -> None:
        self.path = directory / f"{user}.db"
        self.user = user
        self.device = device
        self.client = self._open()

    def _open(self) -> SealkitClient:
        return SealkitClient.open_sqlite(str(self.path), STORAGE_KEY, self.user, self.device)

    def reopen(self) -> None:
        """Closes the client and opens the same device again from its file."""
        self.client.close()
        self.client = self._open()

    def address(self) -> DeviceAddress:
        return self.client.address()

    def receive(self, envelope: bytes, sender: Device, text: bytes, at: str) -> None:
        """Decrypts `envelope` and checks its sender and plaintext."""
        decrypted = self.client.decrypt(envelope)
        check(decrypted.sender == sender.address(), at, "sender")
        check(decrypted.plaintext == text, at, "plaintext")

    def receive_group(self, message: bytes, sender: Device, text: bytes, at: str) -> None:
        """Processes a group message that must be one message event."""
        events = self.client.process_group_message(message)
        check(len(events) == 1, at, f"expected one event, got {len(events)}")
        event = events[0]
        if not isinstance(event, GroupEvent.MESSAGE):
            raise Failure(at, f"expected a message, got {event}")
        check(event.group_id == TEAM, at, "group id")
        check(event.sender == sender.address(), at, "group sender")
        check(event.plaintext == text, at, "group plaintext")

    def member_count(self) -> int:
        return len(self.client.group_members(TEAM))


def removed_members(events: Sequence[GroupEvent]) -> List[DeviceAddress]:
    removed: List[DeviceAddress] = []
    for event in events:
        if isinstance(event, GroupEvent.MEMBERS_REMOVED):
            removed.extend(event.members)
    return removed


def run(directory: Path) -> None:
    alice = Device(directory, "alice", "phone")
    bob = Device(directory, "bob", "laptop")
    carol = Device(directory, "carol", "tablet")

    # 1. Bob publishes; the server hands Alice one bundle for one session.
    at = begin("bundle-published")
    published = bob.client.prekey_bundle(5)
    served = take_bundle_for_session(published)
    bundle = served.for_session
    check(len(served.remaining) < len(published), at, "rest shorter")
    check(len(bundle) < len(published), at, "session bundle shorter")
    checkpoint(at)

    # 2. The session starts from the bundle; Bob answers.
    at = begin("session-started")
    a1 = alice.client.encrypt(bob.address(), bundle, b"a1")
    bob.receive(a1, alice, b"a1", at)
    b1 = bob.client.encrypt(alice.address(), None, b"b1")
    alice.receive(b1, bob, b"b1", at)
    check(alice.client.sessions() == [bob.address()], at, "alice's sessions")
    check(bob.client.sessions() == [alice.address()], at, "bob's sessions")
    checkpoint(at)

    # 3. Out of order across two ratchet steps.
    at = begin("out-of-order")
    a2 = alice.client.encrypt(bob.address(), None, b"a2")
    a3 = alice.client.encrypt(bob.address(), None, b"a3")
    bob.receive(a3, alice, b"a3", at)
    b2 = bob.client.encrypt(alice.address(), None, b"b2")
    alice.receive(b2, bob, b"b2", at)
    a4 = alice.client.encrypt(bob.address(), None, b"a4")
    bob.receive(a4, alice, b"a4", at)
    bob.receive(a2, alice, b"a2", at)
    checkpoint(at)

    # 4. Both reopen from SQLite; the session goes on.
    at = begin("reopened-1")
    alice.reopen()
    bob.reopen()
    a5 = alice.client.encrypt(bob.address(), None, b"a5")
    bob.receive(a5, alice, b"a5", at)
    checkpoint(at)

    # 5. A tampered copy is refused and changes nothing.
    at = begin("tampered-rejected")
    a6 = alice.client.encrypt(bob.address(), None, b"a6")
    tampered = a6[:-1] + bytes([a6[-1] ^ 0x01])
    expect_kind(lambda: bob.client.decrypt(tampered), SealkitError.Decrypt, at)
    bob.receive(a6, alice, b"a6", at)
    checkpoint(at)

    # 6. A replay is refused.
    at = begin("replay-rejected")
    expect_kind(lambda: bob.client.decrypt(a6), SealkitError.Duplicate, at)
    checkpoint(at)

    # 7. Alice forms a group with Bob and Carol.
    at = begin("group-formed")
    alice.client.create_group(TEAM)
    packages = [bob.client.key_packages(1)[0], carol.client.key_packages(1)[0]]
    commit = alice.client.add_group_members(TEAM, packages)
    alice.client.confirm_group_commit(TEAM)
    welcome = commit.welcome
    if welcome is None:
        raise Failure(at, "an add without a welcome")
    for joiner in (bob, carol):
        joined = joiner.client.join_group(welcome)
        check(joined.group_id == TEAM, at, "joined group id")
    g1 = alice.client.encrypt_group(TEAM, b"g1")
    bob.receive_group(g1, alice, b"g1", at)
    carol.receive_group(g1, alice, b"g1", at)
    g2 = bob.client.encrypt_group(TEAM, b"g2")
    alice.receive_group(g2, bob, b"g2", at)
    carol.receive_group(g2, bob, b"g2", at)
    for member in (alice, bob, carol):
        check(member.member_count() == 3, at, "three members")
    checkpoint(at)

    # 8. All three reopen; the group goes on.
    at = begin("reopened-2")
    for device in (alice, bob, carol):
        device.reopen()
    g3 = carol.client.encrypt_group(TEAM, b"g3")
    alice.receive_group(g3, carol, b"g3", at)
    bob.receive_group(g3, carol, b"g3", at)
    checkpoint(at)

    # 9. Alice removes Carol, who reads nothing after.
    at = begin("member-removed")
    removal = alice.client.remove_group_members(TEAM, [carol.address()])
    alice.client.confirm_group_commit(TEAM)
    bob_events = bob.client.process_group_message(removal.commit)
    check(removed_members(bob_events) == [carol.address()], at, "bob sees carol removed")
    carol_events = carol.client.process_group_message(removal.commit)
    check(
        any(isinstance(event, GroupEvent.REMOVED) and event.group_id == TEAM for event in carol_events),
        at,
        "carol is told she was removed",
    )
    check(carol.client.groups() == [], at, "carol's groups")
    g4 = alice.client.encrypt_group(TEAM, b"g4")
    bob.receive_group(g4, alice, b"g4", at)
    expect_kind(lambda: carol.client.process_group_message(g4), SealkitError.UnknownGroup, at)
    check(alice.member_count() == 2, at, "alice: two members")
    check(bob.member_count() == 2, at, "bob: two members")
    checkpoint(at)

    # 10. A file under a key sent in the session, then one sealed to Bob.
    at = begin("file-shared")
    photo = pattern(200_000)
    key = generate_file_key()
    sealed = encrypt_bytes(photo, key)
    key_message = alice.client.encrypt(bob.address(), None, key)
    bob_key = bob.client.decrypt(key_message).plaintext
    check(len(bob_key) == 32, at, "the key message is 32 bytes")
    check(decrypt_bytes(sealed, bob_key) == photo, at, "bytes decrypted")
    photo_path = directory / "photo.sealed"
    photo_path.write_bytes(sealed)
    check(
        decrypt_range(str(photo_path), bob_key, 131_000, 1000) == photo[131_000:132_000],
        at,
        "range read",
    )
    plain_path = directory / "photo"
    plain_path.write_bytes(photo)
    to_bob_path = directory / "to-bob.sealed"
    encrypt_file_to_recipients(str(plain_path), str(to_bob_path), [bob.client.file_recipient()])
    opened_path = directory / "opened-by-bob"
    bob.client.decrypt_file(str(to_bob_path), str(opened_path))
    check(opened_path.read_bytes() == photo, at, "opened by bob's client")
    expect_kind(
        lambda: decrypt_file(str(to_bob_path), str(directory / "opened-with-key"), bob_key),
        SealkitError.Decrypt,
        at,
    )
    expect_kind(
        lambda: carol.client.decrypt_file(str(to_bob_path), str(directory / "opened-by-carol")),
        SealkitError.Decrypt,
        at,
    )
    checkpoint(at)

    # 11. A media frame keyed from the group; its replay is refused.
    at = begin("media-frame")
    alice_media = alice.client.group_media(TEAM)
    bob_media = bob.client.group_media(TEAM)
    frame = alice_media.encrypt_frame(b"frame-1", b"hdr")
    heard = bob_media.decrypt_frame(frame)
    check(heard.frame == b"frame-1", at, "frame")
    check(heard.clear_header == b"hdr", at, "clear header")
    check(heard.epoch == bob.client.group_epoch(TEAM), at, "epoch")
    expect_kind(lambda: bob_media.decrypt_frame(frame), SealkitError.Duplicate, at)
    checkpoint(at)

    # 12. Done.
    at = begin("done")
    for device in (alice, bob, carol):
        device.client.close()
    checkpoint(at)


def main() -> int:
    try:
        with tempfile.TemporaryDirectory(prefix="sealkit-scenario-") as directory:
            run(Path(directory))
    except Failure as failure:
        print(f"scenario failed: {failure}", file=sys.stderr)
        return 1
    except SealkitError as error:
        print(f"scenario failed: {_current_step}: {error!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
