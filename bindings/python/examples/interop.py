"""The Python node of the interop ring of ``bindings/SCENARIO.md``: one step
per run, on a device kept in ``<dir>/python.db``, exchanging files with the
nodes of the other bindings (a port of ``examples/src/bin/interop.rs``).

    interop.py init <dir> python
    interop.py send <dir> python <to>
    interop.py receive <dir> python <from>
    interop.py check <dir> python <to>

Prints ``interop <step> python ok`` when the step's checks passed; exits
non-zero with a message on standard error otherwise.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import List, Sequence

from sealkit import (
    DeviceAddress,
    GroupEvent,
    SealkitClient,
    SealkitError,
    encrypt_file_to_recipients,
    take_bundle_for_session,
)

STORAGE_KEY = bytes([0x07]) * 32
DEVICE = "interop"
NODE = "python"
FILE_LEN = 150_000


class Failure(Exception):
    """A check of the step failed."""

    def __init__(self, at: str, what: str) -> None:
        super().__init__(f"{at}: {what}")


def check(condition: bool, at: str, what: str) -> None:
    if not condition:
        raise Failure(at, what)


def pattern(length: int) -> bytes:
    """Pattern(n) of SCENARIO.md: b[i] = (i * 7 + 3) mod 256."""
    return bytes((i * 7 + 3) % 256 for i in range(length))


def open_node(directory: Path) -> SealkitClient:
    return SealkitClient.open_sqlite(str(directory / f"{NODE}.db"), STORAGE_KEY, NODE, DEVICE)


def read(directory: Path, name: str) -> bytes:
    try:
        return (directory / name).read_bytes()
    except OSError as error:
        raise Failure(name, str(error)) from error


def write(directory: Path, name: str, data: bytes) -> None:
    (directory / name).write_bytes(data)


def address(node: str) -> DeviceAddress:
    return DeviceAddress(user_id=node, device_id=DEVICE)


def expect_message(events: Sequence[GroupEvent], sender: DeviceAddress, text: str, at: str) -> None:
    check(len(events) == 1, at, f"expected one event, got {len(events)}")
    event = events[0]
    if not isinstance(event, GroupEvent.MESSAGE):
        raise Failure(at, f"expected a message, got {event}")
    check(event.sender == sender, at, "group sender")
    check(event.plaintext == text.encode(), at, "group text")


def init(directory: Path) -> None:
    client = open_node(directory)
    bundle = take_bundle_for_session(client.prekey_bundle(3)).for_session
    write(directory, f"{NODE}.bundle", bundle)
    write(directory, f"{NODE}.keypackage", client.key_packages(1)[0])
    write(directory, f"{NODE}.recipient", client.file_recipient().encode())
    client.close()


def send(directory: Path, to: str) -> None:
    client = open_node(directory)
    stem = f"{NODE}-{to}"
    envelope = client.encrypt(
        address(to), read(directory, f"{to}.bundle"), f"hello {to} from {NODE}".encode()
    )
    write(directory, f"{stem}.envelope", envelope)

    group = f"{NODE}-group"
    client.create_group(group)
    commit = client.add_group_members(group, [read(directory, f"{to}.keypackage")])
    client.confirm_group_commit(group)
    if commit.welcome is None:
        raise Failure("send", "an add without a welcome")
    write(directory, f"{stem}.welcome", commit.welcome)
    write(directory, f"{stem}.group", client.encrypt_group(group, f"group hello from {NODE}".encode()))

    recipient = read(directory, f"{to}.recipient").decode().strip()
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        plain = Path(scratch) / "plain"
        plain.write_bytes(pattern(FILE_LEN))
        encrypt_file_to_recipients(str(plain), str(directory / f"{stem}.file"), [recipient])

    media = client.group_media(group)
    write(directory, f"{stem}.frame", media.encrypt_frame(f"frame from {NODE}".encode(), b"hdr"))
    client.close()


def receive(directory: Path, sender_node: str) -> None:
    at = "receive"
    client = open_node(directory)
    stem = f"{sender_node}-{NODE}"
    sender = address(sender_node)
    decrypted = client.decrypt(read(directory, f"{stem}.envelope"))
    check(decrypted.sender == sender, at, "envelope sender")
    check(decrypted.plaintext == f"hello {NODE} from {sender_node}".encode(), at, "envelope text")

    group = f"{sender_node}-group"
    joined = client.join_group(read(directory, f"{stem}.welcome"))
    check(joined.group_id == group, at, "group id")
    events = client.process_group_message(read(directory, f"{stem}.group"))
    expect_message(events, sender, f"group hello from {sender_node}", at)

    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        opened = Path(scratch) / "opened"
        client.decrypt_file(str(directory / f"{stem}.file"), str(opened))
        check(opened.read_bytes() == pattern(FILE_LEN), at, "file")

    media = client.group_media(group)
    frame = media.decrypt_frame(read(directory, f"{stem}.frame"))
    check(frame.frame == f"frame from {sender_node}".encode(), at, "frame")
    check(frame.clear_header == b"hdr", at, "frame header")

    reply = client.encrypt(sender, None, f"reply to {sender_node} from {NODE}".encode())
    write(directory, f"{NODE}-{sender_node}.reply", reply)
    group_reply = client.encrypt_group(group, f"group reply from {NODE}".encode())
    write(directory, f"{NODE}-{sender_node}.group-reply", group_reply)
    client.close()


def check_replies(directory: Path, to: str) -> None:
    at = "check"
    client = open_node(directory)
    peer = address(to)
    reply = client.decrypt(read(directory, f"{to}-{NODE}.reply"))
    check(reply.sender == peer, at, "reply sender")
    check(reply.plaintext == f"reply to {NODE} from {to}".encode(), at, "reply text")
    events = client.process_group_message(read(directory, f"{to}-{NODE}.group-reply"))
    expect_message(events, peer, f"group reply from {to}", at)
    client.close()


USAGE = "interop.py init|send|receive|check <dir> python [<peer>]"


def run(args: List[str]) -> None:
    if len(args) == 3 and args[0] == "init":
        step, directory, node = args
        check(node == NODE, "usage", "this program is the python node")
        init(Path(directory))
    elif len(args) == 4 and args[0] in ("send", "receive", "check"):
        step, directory, node, peer = args
        check(node == NODE, "usage", "this program is the python node")
        {"send": send, "receive": receive, "check": check_replies}[step](Path(directory), peer)
    else:
        raise Failure("usage", USAGE)


def main() -> int:
    args = sys.argv[1:]
    try:
        run(args)
    except Failure as failure:
        print(f"interop {NODE}: {failure}", file=sys.stderr)
        return 1
    except SealkitError as error:
        print(f"interop {NODE}: {args[0]}: {error!r}", file=sys.stderr)
        return 1
    print(f"interop {args[0]} {NODE} ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
