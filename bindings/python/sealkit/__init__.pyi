"""Types of the public API of :mod:`sealkit` (PEP 561; ``py.typed`` marks it).

Everything except :class:`SealkitError` is the generated module's own
annotated classes and functions, re-exported. ``SealkitError`` is declared
here because the generated module builds its subclasses at run time, where a
type checker cannot see them: here each kind is a subclass, so
``except SealkitError.Decrypt`` and ``isinstance(error, SealkitError.Duplicate)``
type-check. ``tests/test_typing.py`` checks this file against the installed
package with ``mypy.stubtest`` and runs ``mypy --strict`` over a typed usage
file.
"""

from .sealkit_ffi import (
    BundleSplit as BundleSplit,
    Decrypted as Decrypted,
    DecryptOutcome as DecryptOutcome,
    DeviceAddress as DeviceAddress,
    EncryptedBatch as EncryptedBatch,
    FileIdentityKeys as FileIdentityKeys,
    GroupCipherSuite as GroupCipherSuite,
    GroupCommit as GroupCommit,
    GroupEvent as GroupEvent,
    GroupMember as GroupMember,
    InternalError as InternalError,
    JoinedGroup as JoinedGroup,
    MediaContext as MediaContext,
    MediaFrame as MediaFrame,
    MemberTrust as MemberTrust,
    ProposalKind as ProposalKind,
    Received as Received,
    SealkitClient as SealkitClient,
    decrypt_bytes as decrypt_bytes,
    decrypt_file as decrypt_file,
    decrypt_file_with_identity as decrypt_file_with_identity,
    decrypt_range as decrypt_range,
    encrypt_bytes as encrypt_bytes,
    encrypt_file as encrypt_file,
    encrypt_file_to_recipients as encrypt_file_to_recipients,
    generate_file_identity as generate_file_identity,
    generate_file_key as generate_file_key,
    max_batch as max_batch,
    post_quantum_groups_available as post_quantum_groups_available,
    take_bundle_for_session as take_bundle_for_session,
)

class SealkitError(Exception):
    """Why a Sealkit call failed: one subclass per kind of ``sealkit::ErrorKind``.

    After any error the client's stored state is as it was before the call.
    Match on the subclass; ``message`` is for logs and never holds secrets.
    ``docs/adr/0009-error-kinds.md`` says for each kind whether retrying can
    help and what the app should do.
    """

    message: str

    class InvalidInput(SealkitError):
        """An argument from the app is invalid: an empty or too long id, a storage or file
        key that is not 32 bytes, a bundle for another device, an oversized
        plaintext, a chunk size out of range, a malformed recipient or file
        identity, a file under a raw file key given to an identity's decryption,
        a group ciphersuite this build lacks, an exporter length the hash cannot
        produce, a media clear header above its bound, more file recipients than
        the bound."""

        message: str
        def __init__(self, message: str) -> None: ...

    class Decode(SealkitError):
        """Received bytes (envelope, bundle, identity, QR payload, file header, group
        message, key package, welcome, media frame) are malformed."""

        message: str
        def __init__(self, message: str) -> None: ...

    class Decrypt(SealkitError):
        """The message failed to authenticate: tampered, or not for this session. For
        files: a wrong file key, a tampered or truncated file, or an identity
        that is not a recipient (the message says which). For media: a tampered
        frame, or one of another group. (A group message that does not
        authenticate is `GroupRejected`.)"""

        message: str
        def __init__(self, message: str) -> None: ...

    class Duplicate(SealkitError):
        """The message was already decrypted (a replay). Also a replayed group message, and
        a replayed media frame or one behind the replay window. Ignore it: its
        plaintext was delivered before."""

        message: str
        def __init__(self, message: str) -> None: ...

    class TooFarAhead(SealkitError):
        """The message is further ahead in its chain than the skipped-key bound."""

        message: str
        def __init__(self, message: str) -> None: ...

    class UntrustedIdentity(SealkitError):
        """The peer's identity differs from the trusted one; verify it and call
        `trust_identity` before talking to it again."""

        message: str
        def __init__(self, message: str) -> None: ...

    class WrongRecipient(SealkitError):
        """The envelope is addressed to another device, or a group welcome is for none of
        this device's key packages."""

        message: str
        def __init__(self, message: str) -> None: ...

    class NoSession(SealkitError):
        """No session with the peer (and no bundle given to start one), or an envelope of a
        session this device does not have."""

        message: str
        def __init__(self, message: str) -> None: ...

    class PrekeyUnavailable(SealkitError):
        """An initial message names a one-time prekey that is used up or unknown."""

        message: str
        def __init__(self, message: str) -> None: ...

    class BadSignature(SealkitError):
        """A signature in a prekey bundle does not verify."""

        message: str
        def __init__(self, message: str) -> None: ...

    class UnknownGroup(SealkitError):
        """No group with that id on this device (never created or joined, or this device
        was removed from it)."""

        message: str
        def __init__(self, message: str) -> None: ...

    class GroupExists(SealkitError):
        """A group with that id exists on this device already."""

        message: str
        def __init__(self, message: str) -> None: ...

    class WrongEpoch(SealkitError):
        """The group message belongs to an epoch whose keys are gone (older than the kept
        past epochs, or before this device joined), or is too far ahead of the
        group's epoch to be kept. For media: a frame of an epoch whose keys are
        gone (the overlap after a rekey ended)."""

        message: str
        def __init__(self, message: str) -> None: ...

    class UnknownEpoch(SealkitError):
        """A media frame of an epoch this context does not have yet: a commit this device
        has not processed. Hold the frame and retry after `rekey_group_media`. A
        device removed from the group gets this for every frame of the epochs
        after its removal."""

        message: str
        def __init__(self, message: str) -> None: ...

    class GroupRejected(SealkitError):
        """The group message, welcome or key package does not authenticate (signature,
        membership tag or decryption failed) or breaks the MLS rules."""

        message: str
        def __init__(self, message: str) -> None: ...

    class BadCredential(SealkitError):
        """A group member's credential is not a Sealkit device credential, or its signature
        key is not the identity key it names."""

        message: str
        def __init__(self, message: str) -> None: ...

    class UnknownSender(SealkitError):
        """The group message's sender is not a member of the group at the message's epoch
        (a removed device, for instance)."""

        message: str
        def __init__(self, message: str) -> None: ...

    class NotAMember(SealkitError):
        """The device to remove is not a member of the group."""

        message: str
        def __init__(self, message: str) -> None: ...

    class PendingCommit(SealkitError):
        """This device has a commit awaiting `confirm_group_commit` or
        `discard_group_commit`; a new change must wait."""

        message: str
        def __init__(self, message: str) -> None: ...

    class NoPendingCommit(SealkitError):
        """There is no pending commit to confirm or discard."""

        message: str
        def __init__(self, message: str) -> None: ...

    class BufferFull(SealkitError):
        """The group already keeps as many future-epoch messages as it may; the message was
        not kept. Deliver the missing commit first."""

        message: str
        def __init__(self, message: str) -> None: ...

    class Storage(SealkitError):
        """The store failed (I/O, wrong storage key, corrupt record); nothing was changed."""

        message: str
        def __init__(self, message: str) -> None: ...

    class RolledBack(SealkitError):
        """The store is older than it should be: the database is older than the anchored
        generation (a restored backup or copy), or one of its records was
        written back from an older copy. Using it would reuse keys. Treat it as
        a security event; do not retry."""

        message: str
        def __init__(self, message: str) -> None: ...

    class Closed(SealkitError):
        """The client was closed (`close()`); open a new one."""

        message: str
        def __init__(self, message: str) -> None: ...

    class Io(SealkitError):
        """Reading or writing a file failed (it cannot be opened, the disk is full, ...)."""

        message: str
        def __init__(self, message: str) -> None: ...

    class Protocol(SealkitError):
        """Any other protocol failure (an invalid key, a weak Diffie-Hellman output, an
        exhausted counter, a failure inside openmls or the SFrame backend that
        is not the message's fault)."""

        message: str
        def __init__(self, message: str) -> None: ...

    class KeyEvicted(SealkitError):
        """The message was never decrypted, but its key is gone: a later message arrived
        first, and its skipped key was then evicted by the bound on stored
        skipped keys (2,000 per session). Retrying cannot help: the message is
        lost; tell the user, or ask the sender to send it again."""

        message: str
        def __init__(self, message: str) -> None: ...

    class UnknownIdentity(SealkitError):
        """No identity is known for the device (a safety number of a device this one never
        had a session with, nor trusted). Start a session with it, or trust its
        verified identity, first."""

        message: str
        def __init__(self, message: str) -> None: ...

    class Internal(SealkitError):
        """A bug or a broken platform, not the input's fault: the system has no randomness,
        or a primitive failed where it cannot. Retrying rarely helps. (A panic
        in a call does not break the client: the next call reloads its state
        from the store.)"""

        message: str
        def __init__(self, message: str) -> None: ...

__all__ = [
    "BundleSplit",
    "Decrypted",
    "DecryptOutcome",
    "DeviceAddress",
    "EncryptedBatch",
    "FileIdentityKeys",
    "GroupCipherSuite",
    "GroupCommit",
    "GroupEvent",
    "GroupMember",
    "InternalError",
    "JoinedGroup",
    "MediaContext",
    "MediaFrame",
    "MemberTrust",
    "ProposalKind",
    "Received",
    "SealkitClient",
    "SealkitError",
    "decrypt_bytes",
    "decrypt_file",
    "decrypt_file_with_identity",
    "decrypt_range",
    "encrypt_bytes",
    "encrypt_file",
    "encrypt_file_to_recipients",
    "generate_file_identity",
    "generate_file_key",
    "max_batch",
    "post_quantum_groups_available",
    "take_bundle_for_session",
]
