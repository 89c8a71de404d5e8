"""App code written against the public API with every type spelled out.

``test_typing.py`` runs ``mypy --strict`` over this file (a wrong argument or
result type, or a name the package does not have, fails that test) and then
runs it, so the types it states are also the ones the installed package
returns. Not collected by pytest (its name does not start with ``test_``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import List, Optional

import sealkit
from sealkit import (
    BundleSplit,
    Decrypted,
    DeviceAddress,
    FileIdentityKeys,
    GroupCommit,
    GroupEvent,
    GroupMember,
    JoinedGroup,
    MediaContext,
    MediaFrame,
    MemberTrust,
    Received,
    SealkitClient,
    SealkitError,
    decrypt_bytes,
    decrypt_file_with_identity,
    decrypt_range,
    encrypt_bytes,
    encrypt_file,
    encrypt_file_to_recipients,
    generate_file_identity,
    generate_file_key,
    take_bundle_for_session,
)


def message_texts(events: List[GroupEvent]) -> List[bytes]:
    return [event.plaintext for event in events if isinstance(event, GroupEvent.MESSAGE)]


def kind_of(error: SealkitError) -> str:
    """What an app does with each kind it expects: a typed ``except`` chain."""
    try:
        raise error
    except SealkitError.Duplicate:
        return "drop the replay"
    except (SealkitError.Decrypt, SealkitError.Decode):
        return "drop the forgery"
    except SealkitError.KeyEvicted as evicted:
        reason: str = evicted.message
        return f"tell the user ({len(reason)})"
    except SealkitError:
        return "log it"


def main() -> None:
    alice: SealkitClient = SealkitClient.open_in_memory("alice", "phone")
    bob: SealkitClient = SealkitClient.open_in_memory("bob", "laptop")

    published: bytes = bob.prekey_bundle(3)
    split: BundleSplit = take_bundle_for_session(published)
    bob_address: DeviceAddress = bob.address()
    envelope: bytes = alice.encrypt(bob_address, split.for_session, b"hi Bob")
    received: Received = bob.decrypt_with_receipt(envelope)
    acknowledged: bool = bob.acknowledge(received.id)
    assert acknowledged and received.plaintext == b"hi Bob"
    reply: Decrypted = alice.decrypt(bob.encrypt(alice.address(), None, b"hi Alice"))
    assert reply.sender.user_id == "bob"
    digits: str = alice.safety_number(bob_address)
    assert len(digits) == 60
    trusted: Optional[bytes] = alice.trusted_identity(bob_address)
    assert trusted == bob.identity()
    sessions: List[DeviceAddress] = bob.sessions()
    assert sessions == [alice.address()]

    try:
        bob.decrypt(envelope)
        raise AssertionError("a replay decrypted")
    except SealkitError.Duplicate as duplicate:
        assert kind_of(duplicate) == "drop the replay"

    alice.create_group("team")
    commit: GroupCommit = alice.add_group_members("team", bob.key_packages(1))
    alice.confirm_group_commit("team")
    welcome: Optional[bytes] = commit.welcome
    assert welcome is not None
    joined: JoinedGroup = bob.join_group(welcome)
    epoch: int = joined.epoch
    assert message_texts(bob.process_group_message(alice.encrypt_group("team", b"g"))) == [b"g"]
    members: List[GroupMember] = alice.group_members("team")
    trust: List[MemberTrust] = [member.trust for member in members]
    assert len(trust) == 2 and alice.group_epoch("team") == epoch

    media: MediaContext = alice.group_media("team")
    frame: MediaFrame = bob.group_media("team").decrypt_frame(media.encrypt_frame(b"opus", b"h"))
    assert frame.frame == b"opus" and frame.epoch == epoch

    key: bytes = generate_file_key()
    assert decrypt_bytes(encrypt_bytes(b"attachment", key), key) == b"attachment"
    identity: FileIdentityKeys = generate_file_identity(False)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        (directory / "plain").write_bytes(bytes(5000))
        encrypt_file(str(directory / "plain"), str(directory / "sealed"), key, 1024)
        part: bytes = decrypt_range(str(directory / "sealed"), key, 1000, 100)
        assert part == bytes(100)
        recipients: List[str] = [identity.recipient(), bob.file_recipient()]
        encrypt_file_to_recipients(str(directory / "plain"), str(directory / "to"), recipients)
        decrypt_file_with_identity(str(directory / "to"), str(directory / "out"), identity.secret())
        assert (directory / "out").read_bytes() == bytes(5000)

    assert isinstance(sealkit.post_quantum_groups_available(), bool)
    alice.close()
    bob.close()


if __name__ == "__main__":
    main()
