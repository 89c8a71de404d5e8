"""examples/interop.py, the python node of the interop ring, exchanges every
file of bindings/SCENARIO.md with a peer node played here with the package
itself (user id `peer`), one step per process as the ring driver runs it."""

import subprocess
import sys
from pathlib import Path

import pytest

from sealkit import (
    DeviceAddress,
    GroupEvent,
    SealkitClient,
    encrypt_file_to_recipients,
    take_bundle_for_session,
)

NODE = Path(__file__).resolve().parents[1] / "examples" / "interop.py"
KEY = bytes([0x07]) * 32
PYTHON = DeviceAddress(user_id="python", device_id="interop")


def pattern(length):
    return bytes((i * 7 + 3) % 256 for i in range(length))


def node(*args):
    result = subprocess.run([sys.executable, str(NODE), *map(str, args)], capture_output=True, text=True)
    return result


def step(*args):
    result = node(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"interop {args[0]} python ok\n"


def peer(directory):
    return SealkitClient.open_sqlite(str(directory / "peer.db"), KEY, "peer", "interop")


def only_message(events):
    assert len(events) == 1 and isinstance(events[0], GroupEvent.MESSAGE)
    return events[0]


def test_the_python_node_sends_to_receives_from_and_checks_the_replies_of_a_peer(tmp_path):
    me = peer(tmp_path)
    (tmp_path / "peer.bundle").write_bytes(take_bundle_for_session(me.prekey_bundle(3)).for_session)
    (tmp_path / "peer.keypackage").write_bytes(me.key_packages(1)[0])
    (tmp_path / "peer.recipient").write_text(me.file_recipient())

    step("init", tmp_path, "python")
    step("send", tmp_path, "python", "peer")

    # The peer receives what the python node sent, as the other nodes do.
    decrypted = me.decrypt((tmp_path / "python-peer.envelope").read_bytes())
    assert decrypted.sender == PYTHON and decrypted.plaintext == b"hello peer from python"
    assert me.join_group((tmp_path / "python-peer.welcome").read_bytes()).group_id == "python-group"
    message = only_message(me.process_group_message((tmp_path / "python-peer.group").read_bytes()))
    assert message.sender == PYTHON and message.plaintext == b"group hello from python"
    me.decrypt_file(str(tmp_path / "python-peer.file"), str(tmp_path / "opened"))
    assert (tmp_path / "opened").read_bytes() == pattern(150_000)
    frame = me.group_media("python-group").decrypt_frame((tmp_path / "python-peer.frame").read_bytes())
    assert (frame.frame, frame.clear_header) == (b"frame from python", b"hdr")

    # The peer sends its own set to the python node, which receives and answers.
    python_bundle = (tmp_path / "python.bundle").read_bytes()
    (tmp_path / "peer-python.envelope").write_bytes(me.encrypt(PYTHON, python_bundle, b"hello python from peer"))
    me.create_group("peer-group")
    commit = me.add_group_members("peer-group", [(tmp_path / "python.keypackage").read_bytes()])
    me.confirm_group_commit("peer-group")
    (tmp_path / "peer-python.welcome").write_bytes(commit.welcome)
    (tmp_path / "peer-python.group").write_bytes(me.encrypt_group("peer-group", b"group hello from peer"))
    (tmp_path / "plain").write_bytes(pattern(150_000))
    recipient = (tmp_path / "python.recipient").read_text().strip()
    encrypt_file_to_recipients(str(tmp_path / "plain"), str(tmp_path / "peer-python.file"), [recipient])
    media = me.group_media("peer-group")
    (tmp_path / "peer-python.frame").write_bytes(media.encrypt_frame(b"frame from peer", b"hdr"))
    step("receive", tmp_path, "python", "peer")

    reply = me.decrypt((tmp_path / "python-peer.reply").read_bytes())
    assert reply.sender == PYTHON and reply.plaintext == b"reply to peer from python"
    group_reply = only_message(me.process_group_message((tmp_path / "python-peer.group-reply").read_bytes()))
    assert group_reply.plaintext == b"group reply from python"

    # The peer answers the python node's messages; the node checks both.
    (tmp_path / "peer-python.reply").write_bytes(me.encrypt(PYTHON, None, b"reply to python from peer"))
    (tmp_path / "peer-python.group-reply").write_bytes(me.encrypt_group("python-group", b"group reply from peer"))
    me.close()
    step("check", tmp_path, "python", "peer")


def test_a_wrong_reply_fails_the_check_step(tmp_path):
    me = peer(tmp_path)
    (tmp_path / "peer.bundle").write_bytes(take_bundle_for_session(me.prekey_bundle(3)).for_session)
    (tmp_path / "peer.keypackage").write_bytes(me.key_packages(1)[0])
    (tmp_path / "peer.recipient").write_text(me.file_recipient())
    step("init", tmp_path, "python")
    step("send", tmp_path, "python", "peer")
    me.decrypt((tmp_path / "python-peer.envelope").read_bytes())
    me.join_group((tmp_path / "python-peer.welcome").read_bytes())
    (tmp_path / "peer-python.reply").write_bytes(me.encrypt(PYTHON, None, b"some other text"))
    (tmp_path / "peer-python.group-reply").write_bytes(me.encrypt_group("python-group", b"group reply from peer"))
    me.close()
    result = node("check", tmp_path, "python", "peer")
    assert result.returncode == 1 and result.stdout == ""


@pytest.mark.parametrize("args", [[], ["init", "."], ["init", ".", "kotlin"], ["fly", ".", "python", "x"]])
def test_a_wrong_command_line_is_refused(args):
    result = node(*args)
    assert result.returncode != 0 and result.stdout == ""
