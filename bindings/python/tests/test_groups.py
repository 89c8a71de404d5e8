"""Groups (MLS) and their media frames (SFrame) through the generated
bindings: three devices form a group and talk in every direction, a member is
removed and reads nothing afterwards, a joiner reads nothing from before, a
device reopened from SQLite between steps, leaving, early messages, losing
concurrent commits, typed errors for tampered, garbage and replayed messages,
and media frames that round-trip, rekey after a removal and stay closed to
the removed member."""

import gc

import pytest

from sealkit import (
    GroupCipherSuite,
    GroupEvent,
    MemberTrust,
    ProposalKind,
    SealkitClient,
    SealkitError,
    post_quantum_groups_available,
)

GROUP = "team"
STORAGE_KEY = bytes(range(32))
TAG_LEN = 16  # AES-128-GCM, in MLS messages and SFrame frames alike
# Above the core's MAX_BUFFERED_MESSAGES (messages kept for a future epoch).
MORE_THAN_THE_BUFFER_HOLDS = 300


def device(user):
    return SealkitClient.open_in_memory(user, "phone")


@pytest.fixture
def alice():
    return device("alice")


@pytest.fixture
def bob():
    return device("bob")


@pytest.fixture
def carol():
    return device("carol")


def form_group(creator, others):
    """`creator` creates the group and adds `others` in one commit; the
    delivery service accepts it and the others join from the welcome."""
    creator.create_group(GROUP)
    packages = [other.key_packages(1)[0] for other in others]
    commit = creator.add_group_members(GROUP, packages)
    creator.confirm_group_commit(GROUP)
    for other in others:
        other.join_group(commit.welcome)
    return commit


def messages(events):
    """(sender, plaintext) of the application messages among `events`."""
    return [(event.sender, event.plaintext) for event in events if event.is_message()]


def flip_byte(data, index):
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def test_three_devices_form_a_group_and_every_message_names_its_sender(alice, bob, carol):
    alice.create_group(GROUP)
    packages = [bob.key_packages(1)[0], carol.key_packages(1)[0]]
    commit = alice.add_group_members(GROUP, packages)
    events = alice.confirm_group_commit(GROUP)
    added = [event for event in events if event.is_members_added()]
    assert [member.device for member in added[0].members] == [bob.address(), carol.address()]
    assert GroupEvent.EPOCH_CHANGED(group_id=GROUP, epoch=1) in events

    for member in (bob, carol):
        joined = member.join_group(commit.welcome)
        assert (joined.group_id, joined.epoch) == (GROUP, 1)
        assert joined.members == [alice.address(), bob.address(), carol.address()]
        # Everyone else is known to this device only from the group.
        assert {device.user_id for device in joined.unverified} == (
            {"alice", "bob", "carol"} - {member.address().user_id}
        )

    clients = {"alice": alice, "bob": bob, "carol": carol}
    for member in clients.values():
        assert member.groups() == [GROUP]
        assert member.group_epoch(GROUP) == 1
        listed = {m.device.user_id: m for m in member.group_members(GROUP)}
        assert set(listed) == set(clients)
        for name, client in clients.items():
            assert listed[name].identity == client.identity()
        assert len({m.leaf_index for m in listed.values()}) == 3

    for sender_name, sender in clients.items():
        text = f"hello from {sender_name}".encode()
        sealed = sender.encrypt_group(GROUP, text)
        for receiver_name, receiver in clients.items():
            if receiver_name == sender_name:
                continue
            events = receiver.process_group_message(sealed)
            assert events == [
                GroupEvent.MESSAGE(group_id=GROUP, sender=sender.address(), epoch=1, plaintext=text)
            ]

    secrets = {c.export_group_secret(GROUP, "call key", b"", 32) for c in clients.values()}
    assert len(secrets) == 1 and len(secrets.pop()) == 32


def test_removed_device_gets_removed_and_reads_nothing_sent_afterwards(alice, bob, carol):
    form_group(alice, [bob, carol])
    removal = alice.remove_group_members(GROUP, [carol.address()])
    assert removal.welcome is None
    events = alice.confirm_group_commit(GROUP)
    assert GroupEvent.MEMBERS_REMOVED(group_id=GROUP, members=[carol.address()]) in events

    assert GroupEvent.MEMBERS_REMOVED(group_id=GROUP, members=[carol.address()]) in (
        bob.process_group_message(removal.commit)
    )
    assert carol.process_group_message(removal.commit) == [GroupEvent.REMOVED(group_id=GROUP)]
    assert carol.groups() == []

    after = alice.encrypt_group(GROUP, b"carol has gone")
    assert messages(bob.process_group_message(after)) == [(alice.address(), b"carol has gone")]
    with pytest.raises(SealkitError.UnknownGroup):
        carol.process_group_message(after)
    with pytest.raises(SealkitError.UnknownGroup):
        carol.encrypt_group(GROUP, b"still here?")
    assert [m.device for m in bob.group_members(GROUP)] == [alice.address(), bob.address()]


def test_new_member_cannot_read_messages_sent_before_it_joined(alice, bob):
    form_group(alice, [bob])
    before = alice.encrypt_group(GROUP, b"before dave")
    bob.process_group_message(before)

    dave = device("dave")
    addition = bob.add_group_members(GROUP, dave.key_packages(1))
    bob.confirm_group_commit(GROUP)
    added = [e for e in alice.process_group_message(addition.commit) if e.is_members_added()]
    assert [m.device for m in added[0].members] == [dave.address()]
    joined = dave.join_group(addition.welcome)
    assert joined.epoch == 2

    with pytest.raises(SealkitError.WrongEpoch):
        dave.process_group_message(before)
    welcome = alice.encrypt_group(GROUP, b"welcome dave")
    assert messages(dave.process_group_message(welcome)) == [(alice.address(), b"welcome dave")]
    reply = dave.encrypt_group(GROUP, b"thanks")
    for member in (alice, bob):
        assert messages(member.process_group_message(reply)) == [(dave.address(), b"thanks")]


class SqliteDevice:
    """A device whose state lives only in its SQLite file: `reopen` drops the
    client and opens the file again."""

    def __init__(self, path, user):
        self.path, self.user = path, user
        self.client = None
        self.reopen()

    def reopen(self):
        self.client = None
        gc.collect()
        self.client = SealkitClient.open_sqlite(self.path, STORAGE_KEY, self.user, "laptop")
        return self.client


def test_device_reopened_from_sqlite_between_steps_keeps_its_groups_and_pending_commit(
    tmp_path, alice, carol
):
    bob_device = SqliteDevice(str(tmp_path / "bob.db"), "bob")
    package = bob_device.client.key_packages(1)[0]
    bob = bob_device.reopen()  # the key package's private keys are on disk

    alice.create_group(GROUP)
    addition = alice.add_group_members(GROUP, [package])
    alice.confirm_group_commit(GROUP)
    bob.join_group(addition.welcome)
    bob = bob_device.reopen()
    assert bob.groups() == [GROUP]
    assert bob.group_epoch(GROUP) == 1

    to_bob = alice.encrypt_group(GROUP, b"to bob")
    assert messages(bob.process_group_message(to_bob)) == [(alice.address(), b"to bob")]
    bob = bob_device.reopen()
    with pytest.raises(SealkitError.Duplicate):
        bob.process_group_message(to_bob)  # the used key stayed used

    # Bob adds Carol; his commit stays pending across the restart.
    carol_added = bob.add_group_members(GROUP, carol.key_packages(1))
    bob = bob_device.reopen()
    assert bob.group_epoch(GROUP) == 1
    bob.confirm_group_commit(GROUP)
    alice.process_group_message(carol_added.commit)
    carol.join_group(carol_added.welcome)
    bob = bob_device.reopen()

    from_bob = bob.encrypt_group(GROUP, b"from bob, epoch 2")
    for member in (alice, carol):
        events = member.process_group_message(from_bob)
        assert messages(events) == [(bob.address(), b"from bob, epoch 2")]
        assert events[0].epoch == 2
    assert bob.export_group_secret(GROUP, "x", b"", 16) == alice.export_group_secret(
        GROUP, "x", b"", 16
    )


def test_tampered_garbage_and_replayed_group_messages_raise_typed_errors(alice, bob, carol):
    commit = form_group(alice, [bob])
    sealed = alice.encrypt_group(GROUP, b"genuine")

    with pytest.raises(SealkitError.GroupRejected):
        bob.process_group_message(flip_byte(sealed, len(sealed) - TAG_LEN - 1))
    with pytest.raises(SealkitError.GroupRejected):
        bob.process_group_message(flip_byte(sealed, len(sealed) - 1))
    with pytest.raises(SealkitError.Decode):
        bob.process_group_message(b"not an MLS message")
    with pytest.raises(SealkitError.Decode):
        bob.process_group_message(sealed[: len(sealed) // 2])
    with pytest.raises(SealkitError.Decode):
        bob.process_group_message(commit.welcome)  # a welcome is for join_group
    with pytest.raises(SealkitError.Decode):
        bob.join_group(b"\x00\x01garbage")

    # None of that changed anything: the genuine message still opens, once.
    assert messages(bob.process_group_message(sealed)) == [(alice.address(), b"genuine")]
    with pytest.raises(SealkitError.Duplicate):
        bob.process_group_message(sealed)

    # A welcome for Bob is for none of Carol's key packages.
    carol.key_packages(1)
    with pytest.raises(SealkitError.WrongRecipient):
        carol.join_group(commit.welcome)
    with pytest.raises(SealkitError.UnknownGroup):
        carol.process_group_message(sealed)


def test_group_calls_in_the_wrong_state_raise_typed_errors(alice, bob, carol):
    with pytest.raises(SealkitError.InvalidInput):
        alice.create_group("")
    with pytest.raises(SealkitError.UnknownGroup):
        alice.encrypt_group("nobody", b"hi")
    form_group(alice, [bob])
    with pytest.raises(SealkitError.GroupExists):
        alice.create_group(GROUP)
    with pytest.raises(SealkitError.NoPendingCommit):
        alice.confirm_group_commit(GROUP)
    with pytest.raises(SealkitError.NotAMember):
        alice.remove_group_members(GROUP, [carol.address()])
    with pytest.raises(SealkitError.InvalidInput):
        alice.key_packages(1_000_000)

    # A refused commit is discarded and leaves the group as it was.
    alice.add_group_members(GROUP, carol.key_packages(1))
    alice.discard_group_commit(GROUP)
    with pytest.raises(SealkitError.NoPendingCommit):
        alice.discard_group_commit(GROUP)
    assert alice.group_epoch(GROUP) == 1
    assert len(alice.group_members(GROUP)) == 2
    sealed = alice.encrypt_group(GROUP, b"still epoch 1")
    assert messages(bob.process_group_message(sealed)) == [(alice.address(), b"still epoch 1")]


def test_a_pending_commit_blocks_further_changes_with_pending_commit(alice, bob, carol):
    form_group(alice, [bob])
    alice.update_group(GROUP)
    changes = [
        lambda: alice.add_group_members(GROUP, carol.key_packages(1)),
        lambda: alice.remove_group_members(GROUP, [bob.address()]),
        lambda: alice.update_group(GROUP),
        lambda: alice.commit_group_proposals(GROUP),
    ]
    for change in changes:
        with pytest.raises(SealkitError.PendingCommit):
            change()


def test_a_member_leaves_by_proposal_and_another_commits_it(alice, bob, carol):
    form_group(alice, [bob, carol])
    proposal = carol.leave_group(GROUP)
    for member in (alice, bob):
        assert member.process_group_message(proposal) == [
            GroupEvent.PROPOSAL(group_id=GROUP, sender=carol.address(), kind=ProposalKind.REMOVE)
        ]
    commit = alice.commit_group_proposals(GROUP)
    alice.confirm_group_commit(GROUP)
    assert GroupEvent.MEMBERS_REMOVED(group_id=GROUP, members=[carol.address()]) in (
        bob.process_group_message(commit.commit)
    )
    assert carol.process_group_message(commit.commit) == [GroupEvent.REMOVED(group_id=GROUP)]
    assert alice.group_epoch(GROUP) == bob.group_epoch(GROUP) == 2


def test_message_of_the_next_epoch_waits_for_its_commit(alice, bob):
    form_group(alice, [bob])
    update = alice.update_group(GROUP)
    alice.confirm_group_commit(GROUP)
    early = alice.encrypt_group(GROUP, b"from epoch 2")

    assert bob.process_group_message(early) == [GroupEvent.BUFFERED(group_id=GROUP, epoch=2)]
    with pytest.raises(SealkitError.Duplicate):
        bob.process_group_message(early)  # kept once
    events = bob.process_group_message(update.commit)
    assert GroupEvent.EPOCH_CHANGED(group_id=GROUP, epoch=2) in events
    assert messages(events) == [(alice.address(), b"from epoch 2")]


def test_early_messages_beyond_the_buffer_bound_are_refused_with_buffer_full(alice, bob):
    form_group(alice, [bob])
    update = alice.update_group(GROUP)
    alice.confirm_group_commit(GROUP)
    kept = []
    for number in range(MORE_THAN_THE_BUFFER_HOLDS):
        early = alice.encrypt_group(GROUP, b"early %d" % number)
        try:
            bob.process_group_message(early)
        except SealkitError.BufferFull:
            break
        kept.append(b"early %d" % number)
    else:
        pytest.fail(f"{MORE_THAN_THE_BUFFER_HOLDS} early messages were all kept")
    assert kept  # the bound is not zero

    events = bob.process_group_message(update.commit)
    assert [text for _, text in messages(events)] == kept


def test_losing_concurrent_commit_is_discarded_with_an_event(alice, bob):
    form_group(alice, [bob])
    from_alice = alice.update_group(GROUP)
    bob.update_group(GROUP)
    # The delivery service orders Alice's first and returns it to her too.
    assert GroupEvent.EPOCH_CHANGED(group_id=GROUP, epoch=2) in (
        alice.process_group_message(from_alice.commit)
    )
    events = bob.process_group_message(from_alice.commit)
    assert GroupEvent.OWN_COMMIT_DISCARDED(group_id=GROUP) in events
    with pytest.raises(SealkitError.NoPendingCommit):
        bob.confirm_group_commit(GROUP)
    assert alice.export_group_secret(GROUP, "x", b"", 16) == bob.export_group_secret(
        GROUP, "x", b"", 16
    )


def test_post_quantum_suite_is_refused_exactly_when_the_build_lacks_it(alice):
    alice.create_group_with("classic", GroupCipherSuite.CLASSIC)
    assert len(alice.key_packages_for(GroupCipherSuite.CLASSIC, 2)) == 2
    if post_quantum_groups_available():
        alice.create_group_with("pq", GroupCipherSuite.POST_QUANTUM)
        assert "pq" in alice.groups()
    else:
        with pytest.raises(SealkitError.InvalidInput):
            alice.create_group_with("pq", GroupCipherSuite.POST_QUANTUM)
        with pytest.raises(SealkitError.InvalidInput):
            alice.key_packages_for(GroupCipherSuite.POST_QUANTUM, 1)
        assert alice.groups() == ["classic"]


# Media (SFrame) ---------------------------------------------------------------


def leaf_indices(client):
    return {m.device.user_id: m.leaf_index for m in client.group_members(GROUP)}


def test_media_frames_with_a_clear_header_round_trip_between_members(alice, bob, carol):
    form_group(alice, [bob, carol])
    clients = {"alice": alice, "bob": bob, "carol": carol}
    media = {name: client.group_media(GROUP) for name, client in clients.items()}
    indices = leaf_indices(alice)
    for name, context in media.items():
        assert context.epoch() == 1
        assert context.previous_epoch() is None
        assert context.own_index() == indices[name]

    for sender in clients:
        for frame_number in range(3):
            frame = f"{sender} frame {frame_number}".encode() * 10
            header = bytes([0x90, frame_number])
            sealed = media[sender].encrypt_frame(frame, header)
            assert sealed[3 : 3 + len(header)] == header  # readable by an SFU
            assert len(sealed) <= len(frame) + len(header) + media[sender].max_overhead()
            for receiver in clients:
                if receiver == sender:
                    continue
                opened = media[receiver].decrypt_frame(sealed)
                assert opened.frame == frame
                assert opened.clear_header == header
                assert opened.epoch == 1
                assert opened.sender_index == indices[sender]

    # No header at all is fine too.
    assert media["bob"].decrypt_frame(media["alice"].encrypt_frame(b"audio", b"")).frame == b"audio"


def test_tampered_garbage_and_replayed_media_frames_raise_typed_errors(alice, bob):
    form_group(alice, [bob])
    send, receive = alice.group_media(GROUP), bob.group_media(GROUP)
    sealed = send.encrypt_frame(b"a video frame", b"\x01\x02")

    with pytest.raises(SealkitError.Decrypt):
        receive.decrypt_frame(flip_byte(sealed, len(sealed) - TAG_LEN - 1))
    with pytest.raises(SealkitError.Decrypt):
        receive.decrypt_frame(flip_byte(sealed, 3))  # the clear header is authenticated
    with pytest.raises(SealkitError.Decode):
        receive.decrypt_frame(b"\x01")
    with pytest.raises(SealkitError.Decode):
        receive.decrypt_frame(b"")
    with pytest.raises(SealkitError.InvalidInput):
        send.encrypt_frame(b"frame", bytes(70_000))

    # Frames of another group, at the same epoch and leaf index, do not open.
    other, other_member = device("other"), device("other member")
    form_group(other, [other_member])
    with pytest.raises(SealkitError.Decrypt):
        receive.decrypt_frame(other.group_media(GROUP).encrypt_frame(b"x", b""))

    assert receive.decrypt_frame(sealed).frame == b"a video frame"
    with pytest.raises(SealkitError.Duplicate):
        receive.decrypt_frame(sealed)


def test_a_member_with_two_media_contexts_is_heard_from_both_and_a_reopened_receiver_takes_no_replay(
    tmp_path, alice
):
    bob_device = SqliteDevice(str(tmp_path / "bob.db"), "bob")
    form_group(alice, [bob_device.client])
    hearing = bob_device.client.group_media(GROUP)
    # Alice's app holds two contexts at once (say, camera and screen share
    # built separately): each has its own key id, neither is a replay.
    camera, screen = alice.group_media(GROUP), alice.group_media(GROUP)
    recorded = []
    for n in range(5):
        for name, context in (("camera", camera), ("screen", screen)):
            sealed = context.encrypt_frame(f"{name} {n}".encode(), b"")
            assert hearing.decrypt_frame(sealed).frame == f"{name} {n}".encode()
            recorded.append(sealed)

    # Bob's app restarts: the new context refuses everything heard before.
    del hearing
    bob = bob_device.reopen()
    hearing = bob.group_media(GROUP)
    for sealed in recorded:
        with pytest.raises(SealkitError.Duplicate):
            hearing.decrypt_frame(sealed)
    # A context Alice builds now is heard at once.
    fresh = alice.group_media(GROUP)
    assert hearing.decrypt_frame(fresh.encrypt_frame(b"fresh", b"")).frame == b"fresh"

    # Once Bob's client is closed, a frame needing a new replay floor is withheld.
    bob.close()
    with pytest.raises(SealkitError.Closed):
        hearing.decrypt_frame(alice.group_media(GROUP).encrypt_frame(b"late", b""))


def test_media_rekeys_after_a_removal_and_the_removed_member_opens_no_new_frames(
    alice, bob, carol
):
    form_group(alice, [bob, carol])
    clients = {"alice": alice, "bob": bob, "carol": carol}
    media = {name: client.group_media(GROUP) for name, client in clients.items()}
    old_from_carol = media["carol"].encrypt_frame(b"carol, epoch 1", b"")

    removal = alice.remove_group_members(GROUP, [carol.address()])
    alice.confirm_group_commit(GROUP)
    assert alice.rekey_group_media(GROUP, media["alice"]) is True
    assert alice.rekey_group_media(GROUP, media["alice"]) is False  # already there
    new_from_alice = media["alice"].encrypt_frame(b"alice, epoch 2", b"hdr")

    # Bob has not seen the commit yet: hold the frame, rekey, retry.
    with pytest.raises(SealkitError.UnknownEpoch):
        media["bob"].decrypt_frame(new_from_alice)
    assert GroupEvent.EPOCH_CHANGED(group_id=GROUP, epoch=2) in bob.process_group_message(
        removal.commit
    )
    assert bob.rekey_group_media(GROUP, media["bob"]) is True
    opened = media["bob"].decrypt_frame(new_from_alice)
    assert (opened.frame, opened.epoch) == (b"alice, epoch 2", 2)
    assert media["bob"].epoch() == 2
    assert media["bob"].previous_epoch() == 1

    # Carol is out: her context stays at epoch 1 and the group is gone.
    assert carol.process_group_message(removal.commit) == [GroupEvent.REMOVED(group_id=GROUP)]
    with pytest.raises(SealkitError.UnknownGroup):
        carol.rekey_group_media(GROUP, media["carol"])
    assert media["carol"].epoch() == 1
    with pytest.raises(SealkitError.UnknownEpoch):
        media["carol"].decrypt_frame(new_from_alice)
    with pytest.raises(SealkitError.UnknownEpoch):
        media["carol"].decrypt_frame(media["bob"].encrypt_frame(b"bob, epoch 2", b""))

    # Frames of epoch 1 in flight still open during the overlap, and not after it.
    assert media["bob"].decrypt_frame(old_from_carol).frame == b"carol, epoch 1"
    late_from_carol = media["carol"].encrypt_frame(b"carol, late", b"")
    media["bob"].end_overlap()
    assert media["bob"].previous_epoch() is None
    with pytest.raises(SealkitError.WrongEpoch):
        media["bob"].decrypt_frame(late_from_carol)


def test_a_trust_change_reaches_the_group_and_refuses_the_old_identity(alice, bob):
    form_group(alice, [bob])
    (alice_leaf,) = [m for m in bob.group_members(GROUP) if m.device == alice.address()]
    # Known only from the group: unverified, and not trusted for sessions.
    assert alice_leaf.trust == MemberTrust.UNVERIFIED
    assert bob.trusted_identity(alice.address()) is None

    # Bob verifies the key the group shows: trusted.
    bob.trust_identity(alice.address(), alice_leaf.identity)
    trust = {m.device.user_id: m.trust for m in bob.group_members(GROUP)}
    assert trust == {"alice": MemberTrust.TRUSTED, "bob": MemberTrust.TRUSTED}

    # Then he trusts another key for alice/phone: the old leaf is untrusted,
    # its messages are refused, and the refusal changed nothing.
    bob.trust_identity(alice.address(), device("alice").identity())
    (alice_leaf,) = [m for m in bob.group_members(GROUP) if m.device == alice.address()]
    assert alice_leaf.trust == MemberTrust.UNTRUSTED
    sealed = alice.encrypt_group(GROUP, b"still me")
    with pytest.raises(SealkitError.UntrustedIdentity):
        bob.process_group_message(sealed)
    bob.trust_identity(alice.address(), alice.identity())
    assert messages(bob.process_group_message(sealed)) == [(alice.address(), b"still me")]
