"""Files sealed through the generated bindings: round trips in memory and on
disk (default and small chunks), plaintext ranges read back from a sealed
file, rejection of tampered, truncated and wrongly keyed files without
leaving an output behind, and files sealed to X25519, post-quantum and
device recipients, including a client device opening what was sealed to it."""

import random

import pytest

from sealkit import (
    SealkitClient,
    SealkitError,
    decrypt_bytes,
    decrypt_file,
    decrypt_file_with_identity,
    decrypt_range,
    encrypt_bytes,
    encrypt_file,
    encrypt_file_to_recipients,
    generate_file_identity,
    generate_file_key,
)

SEED = 20250301
DEFAULT_CHUNK_SIZE = 64 * 1024
SMALL_CHUNK_SIZE = 16 * 1024
TAG_LEN = 16
# About 3 MB, not a multiple of either chunk size, so the last chunk is short.
FILE_LEN = 3 * 1024 * 1024 + 12345


@pytest.fixture(scope="module")
def plaintext():
    return random.Random(SEED).randbytes(FILE_LEN)


@pytest.fixture
def original(tmp_path, plaintext):
    path = tmp_path / "original.bin"
    path.write_bytes(plaintext)
    return path


@pytest.fixture
def key():
    return generate_file_key()


def sealed_with(key, original, tmp_path, chunk_size=None):
    sealed = tmp_path / "original.bin.sealed"
    if chunk_size is None:
        encrypt_file(str(original), str(sealed), key)  # the default chunk size
    else:
        encrypt_file(str(original), str(sealed), key, chunk_size)
    return sealed


def test_file_key_is_32_random_bytes():
    first, second = generate_file_key(), generate_file_key()
    assert len(first) == 32
    assert first != second


def test_bytes_round_trip_under_a_file_key(key):
    for message in [b"", b"x", b"attachment bytes", bytes(200_000)]:
        sealed = encrypt_bytes(message, key)
        if len(message) >= 16:  # shorter strings occur in random bytes by chance
            assert message not in sealed
        assert decrypt_bytes(sealed, key) == message


def test_sealing_the_same_bytes_twice_gives_different_files(key):
    assert encrypt_bytes(b"same", key) != encrypt_bytes(b"same", key)


@pytest.mark.parametrize("chunk_size", [None, SMALL_CHUNK_SIZE])
def test_a_3_mb_file_round_trips_on_disk(key, original, plaintext, tmp_path, chunk_size):
    sealed = sealed_with(key, original, tmp_path, chunk_size)
    size = chunk_size or DEFAULT_CHUNK_SIZE
    chunks = -(-FILE_LEN // size)
    header_len = sealed.stat().st_size - FILE_LEN - chunks * TAG_LEN
    assert 0 < header_len < 1024, "one tag per chunk of the requested size"

    restored = tmp_path / "restored.bin"
    decrypt_file(str(sealed), str(restored), key)
    assert restored.read_bytes() == plaintext
    # The same bytes open in memory too.
    assert decrypt_bytes(sealed.read_bytes(), key) == plaintext


def test_a_file_sealed_on_disk_and_in_memory_share_the_format(key, plaintext, tmp_path):
    sealed = tmp_path / "from-memory.sealed"
    sealed.write_bytes(encrypt_bytes(plaintext, key))
    restored = tmp_path / "restored.bin"
    decrypt_file(str(sealed), str(restored), key)
    assert restored.read_bytes() == plaintext


@pytest.mark.parametrize("chunk_size", [None, SMALL_CHUNK_SIZE])
def test_ranges_read_from_a_sealed_file_equal_slices_of_the_original(
    key, original, plaintext, tmp_path, chunk_size
):
    sealed = str(sealed_with(key, original, tmp_path, chunk_size))
    ranges = [
        (0, 100),
        (0, FILE_LEN),
        (SMALL_CHUNK_SIZE - 10, 20),  # across a small-chunk boundary
        (DEFAULT_CHUNK_SIZE - 1, 2),  # across a default-chunk boundary
        (1_000_003, 300_000),  # several chunks from the middle of one
        (FILE_LEN - 50, 50),
    ]
    for offset, length in ranges:
        got = decrypt_range(sealed, key, offset, length)
        assert got == plaintext[offset : offset + length], (offset, length)

    # Past the end: fewer bytes, then none.
    assert decrypt_range(sealed, key, FILE_LEN - 10, 1000) == plaintext[-10:]
    assert decrypt_range(sealed, key, FILE_LEN, 10) == b""
    assert decrypt_range(sealed, key, FILE_LEN + 1_000_000, 10) == b""


def test_a_flipped_byte_fails_to_decrypt_and_leaves_no_output(key, original, tmp_path):
    sealed = sealed_with(key, original, tmp_path)
    tampered = bytearray(sealed.read_bytes())
    tampered[len(tampered) // 2] ^= 0x01
    sealed.write_bytes(bytes(tampered))
    files_before = sorted(tmp_path.iterdir())

    restored = tmp_path / "restored.bin"
    with pytest.raises(SealkitError.Decrypt) as failure:
        decrypt_file(str(sealed), str(restored), key)
    assert "authenticate" in str(failure.value)
    assert not restored.exists()
    assert sorted(tmp_path.iterdir()) == files_before, "no temporary file left behind"

    with pytest.raises(SealkitError.Decrypt):
        decrypt_bytes(bytes(tampered), key)


def test_a_failed_decryption_does_not_replace_an_existing_output(key, original, tmp_path):
    sealed = sealed_with(key, original, tmp_path)
    tampered = bytearray(sealed.read_bytes())
    tampered[-1] ^= 0x01
    sealed.write_bytes(bytes(tampered))
    restored = tmp_path / "restored.bin"
    restored.write_bytes(b"previous contents")

    with pytest.raises(SealkitError.Decrypt):
        decrypt_file(str(sealed), str(restored), key)
    assert restored.read_bytes() == b"previous contents"


def test_a_file_cut_at_a_chunk_boundary_is_reported_truncated(key, original, tmp_path):
    sealed = sealed_with(key, original, tmp_path, SMALL_CHUNK_SIZE)
    last_chunk = FILE_LEN % SMALL_CHUNK_SIZE + TAG_LEN
    truncated = tmp_path / "truncated.sealed"
    truncated.write_bytes(sealed.read_bytes()[:-last_chunk])

    restored = tmp_path / "restored.bin"
    with pytest.raises(SealkitError.Decrypt) as failure:
        decrypt_file(str(truncated), str(restored), key)
    assert "truncated" in str(failure.value)
    assert not restored.exists()


def test_a_file_cut_inside_a_chunk_fails_to_decrypt(key, original, tmp_path):
    sealed = sealed_with(key, original, tmp_path)
    truncated = sealed.read_bytes()[:-1000]
    with pytest.raises(SealkitError.Decrypt):
        decrypt_bytes(truncated, key)


def test_the_wrong_key_fails_to_decrypt(key, original, tmp_path):
    sealed = sealed_with(key, original, tmp_path)
    restored = tmp_path / "restored.bin"
    with pytest.raises(SealkitError.Decrypt) as failure:
        decrypt_file(str(sealed), str(restored), generate_file_key())
    assert "header authentication" in str(failure.value)
    assert not restored.exists()
    with pytest.raises(SealkitError.Decrypt):
        decrypt_range(str(sealed), generate_file_key(), 0, 10)


def test_a_key_that_is_not_32_bytes_is_invalid_input(key, original, tmp_path):
    short = key[:31]
    with pytest.raises(SealkitError.InvalidInput):
        encrypt_bytes(b"data", short)
    with pytest.raises(SealkitError.InvalidInput):
        decrypt_bytes(encrypt_bytes(b"data", key), short)
    with pytest.raises(SealkitError.InvalidInput):
        encrypt_file(str(original), str(tmp_path / "out"), short, None)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("chunk_size", [0, 1023, 4 * 1024 * 1024 + 1])
def test_a_chunk_size_out_of_range_is_invalid_input(key, original, tmp_path, chunk_size):
    output = tmp_path / "out"
    with pytest.raises(SealkitError.InvalidInput):
        encrypt_file(str(original), str(output), key, chunk_size)
    assert not output.exists()


def test_bytes_that_are_not_a_sealed_file_are_malformed(key):
    with pytest.raises(SealkitError.Decode):
        decrypt_bytes(b"not a sealed file at all", key)


def test_a_missing_input_file_is_an_io_error(key, tmp_path):
    with pytest.raises(SealkitError.Io) as failure:
        encrypt_file(str(tmp_path / "missing"), str(tmp_path / "out"), key, None)
    assert "missing" in str(failure.value)
    with pytest.raises(SealkitError.Io):
        decrypt_file(str(tmp_path / "missing"), str(tmp_path / "out"), key)


def test_x25519_and_post_quantum_recipients_each_open_the_file(original, plaintext, tmp_path):
    classic = generate_file_identity(False)
    post_quantum = generate_file_identity(True)
    assert classic.recipient().startswith("sealkit1-x25519-")
    assert classic.secret().startswith("SEALKIT1-X25519-SECRET-")
    assert post_quantum.recipient().startswith("sealkit1-xwing-")
    assert post_quantum.secret().startswith("SEALKIT1-XWING-SECRET-")
    assert classic.secret() not in repr(classic), "printing an identity never shows its secret"

    sealed = tmp_path / "for-both.sealed"
    encrypt_file_to_recipients(
        str(original), str(sealed), [classic.recipient(), post_quantum.recipient()]
    )
    for identity in (classic, post_quantum):
        restored = tmp_path / "restored.bin"
        decrypt_file_with_identity(str(sealed), str(restored), identity.secret())
        assert restored.read_bytes() == plaintext
        restored.unlink()

    outsider = generate_file_identity(False)
    restored = tmp_path / "restored.bin"
    with pytest.raises(SealkitError.Decrypt) as failure:
        decrypt_file_with_identity(str(sealed), str(restored), outsider.secret())
    assert "not a recipient" in str(failure.value)
    assert not restored.exists()


def test_recipients_must_be_given_and_well_formed(original, tmp_path):
    output = tmp_path / "out"
    with pytest.raises(SealkitError.InvalidInput):
        encrypt_file_to_recipients(str(original), str(output), [])
    identity = generate_file_identity(False)
    with pytest.raises(SealkitError.InvalidInput) as failure:
        encrypt_file_to_recipients(str(original), str(output), [identity.recipient(), "sealkit1-x25519-AAAA"])
    assert "recipient 1" in str(failure.value)
    with pytest.raises(SealkitError.InvalidInput) as failure:
        encrypt_file_to_recipients(str(original), str(output), [identity.secret()])
    assert identity.secret() not in str(failure.value), "a secret is never echoed"
    assert not output.exists()


def test_a_malformed_identity_is_invalid_input(original, tmp_path):
    sealed = tmp_path / "sealed"
    encrypt_file_to_recipients(str(original), str(sealed), [generate_file_identity(False).recipient()])
    with pytest.raises(SealkitError.InvalidInput):
        decrypt_file_with_identity(str(sealed), str(tmp_path / "out"), "SEALKIT1-X25519-SECRET-AAAA")


def test_a_file_under_a_raw_key_has_no_recipients_to_open(key, original, tmp_path):
    sealed = sealed_with(key, original, tmp_path)
    identity = generate_file_identity(False)
    with pytest.raises(SealkitError.InvalidInput) as failure:
        decrypt_file_with_identity(str(sealed), str(tmp_path / "out"), identity.secret())
    assert "no recipients" in str(failure.value)


def test_a_client_device_is_a_file_recipient(original, tmp_path):
    bob = SealkitClient.open_in_memory("bob", "laptop")
    recipient = bob.file_recipient()
    assert recipient.startswith("sealkit1-x25519-")
    assert recipient == bob.file_recipient(), "stable for the device"

    sealed = tmp_path / "for-bob.sealed"
    encrypt_file_to_recipients(str(original), str(sealed), [recipient])
    assert sealed.stat().st_size > original.stat().st_size
    # Another identity cannot open it.
    with pytest.raises(SealkitError.Decrypt):
        decrypt_file_with_identity(
            str(sealed), str(tmp_path / "out"), generate_file_identity(False).secret()
        )

    # The device itself opens it, with the identity key it never hands out.
    restored = tmp_path / "restored.bin"
    bob.decrypt_file(str(sealed), str(restored))
    assert restored.read_bytes() == original.read_bytes()

    # Another device cannot, and leaves no output behind.
    alice = SealkitClient.open_in_memory("alice", "phone")
    refused = tmp_path / "refused.bin"
    with pytest.raises(SealkitError.Decrypt):
        alice.decrypt_file(str(sealed), str(refused))
    assert not refused.exists()

    # A tampered file is refused by the device too.
    tampered = tmp_path / "tampered.sealed"
    data = bytearray(sealed.read_bytes())
    data[-100] ^= 1
    tampered.write_bytes(bytes(data))
    with pytest.raises(SealkitError.Decrypt):
        bob.decrypt_file(str(tampered), str(refused))
    assert not refused.exists()


def test_a_device_cannot_open_a_raw_key_file_with_its_identity(key, original, tmp_path):
    sealed = sealed_with(key, original, tmp_path)
    bob = SealkitClient.open_in_memory("bob", "laptop")
    with pytest.raises(SealkitError.InvalidInput) as failure:
        bob.decrypt_file(str(sealed), str(tmp_path / "out"))
    assert "no recipients" in str(failure.value)
    assert not (tmp_path / "out").exists()
