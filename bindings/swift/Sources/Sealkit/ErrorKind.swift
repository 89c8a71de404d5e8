// Handwritten (not generated): the kind of a `SealkitError`, for code that
// wants to branch on the kind without a 29-case `switch`, log it, or carry
// it across a boundary as a string.
//
// `SealkitError` (generated) has one case per kind of the core's
// `sealkit::ErrorKind` (docs/adr/0009-error-kinds.md), each with a
// `message`. The `switch`es below are exhaustive on purpose: a case added to
// the Rust enum regenerates `SealkitError` with it, and this file stops
// compiling until the new case has its kind (scripts/swift-bindings.sh checks
// the same statically on Linux).

import Foundation

/// Why a Sealkit call failed, as the core classifies it (`sealkit::ErrorKind`).
/// The raw value is the core's stable name (`ErrorKind::as_str`), the same in
/// every binding and in logs.
public enum ErrorKind: String, CaseIterable, Hashable, Sendable {
    case invalidInput = "invalid_input"
    case decode = "decode"
    case decrypt = "decrypt"
    case duplicate = "duplicate"
    case keyEvicted = "key_evicted"
    case tooFarAhead = "too_far_ahead"
    case untrustedIdentity = "untrusted_identity"
    case wrongRecipient = "wrong_recipient"
    case noSession = "no_session"
    case unknownIdentity = "unknown_identity"
    case prekeyUnavailable = "prekey_unavailable"
    case badSignature = "bad_signature"
    case unknownGroup = "unknown_group"
    case groupExists = "group_exists"
    case wrongEpoch = "wrong_epoch"
    case unknownEpoch = "unknown_epoch"
    case groupRejected = "group_rejected"
    case badCredential = "bad_credential"
    case unknownSender = "unknown_sender"
    case notAMember = "not_a_member"
    case pendingCommit = "pending_commit"
    case noPendingCommit = "no_pending_commit"
    case bufferFull = "buffer_full"
    case storage = "storage"
    case rolledBack = "rolled_back"
    case closed = "closed"
    case io = "io"
    case `protocol` = "protocol"
    case `internal` = "internal"
}

extension SealkitError {
    /// The kind of this error: one kind per case.
    public var kind: ErrorKind {
        switch self {
        case .InvalidInput: return .invalidInput
        case .Decode: return .decode
        case .Decrypt: return .decrypt
        case .Duplicate: return .duplicate
        case .KeyEvicted: return .keyEvicted
        case .TooFarAhead: return .tooFarAhead
        case .UntrustedIdentity: return .untrustedIdentity
        case .WrongRecipient: return .wrongRecipient
        case .NoSession: return .noSession
        case .UnknownIdentity: return .unknownIdentity
        case .PrekeyUnavailable: return .prekeyUnavailable
        case .BadSignature: return .badSignature
        case .UnknownGroup: return .unknownGroup
        case .GroupExists: return .groupExists
        case .WrongEpoch: return .wrongEpoch
        case .UnknownEpoch: return .unknownEpoch
        case .GroupRejected: return .groupRejected
        case .BadCredential: return .badCredential
        case .UnknownSender: return .unknownSender
        case .NotAMember: return .notAMember
        case .PendingCommit: return .pendingCommit
        case .NoPendingCommit: return .noPendingCommit
        case .BufferFull: return .bufferFull
        case .Storage: return .storage
        case .RolledBack: return .rolledBack
        case .Closed: return .closed
        case .Io: return .io
        case .Protocol: return .`protocol`
        case .Internal: return .`internal`
        }
    }

    /// The inner error's text, for logs. It never holds a secret; match on
    /// the case (or `kind`), never on this text.
    public var message: String {
        switch self {
        case let .InvalidInput(message),
             let .Decode(message),
             let .Decrypt(message),
             let .Duplicate(message),
             let .KeyEvicted(message),
             let .TooFarAhead(message),
             let .UntrustedIdentity(message),
             let .WrongRecipient(message),
             let .NoSession(message),
             let .UnknownIdentity(message),
             let .PrekeyUnavailable(message),
             let .BadSignature(message),
             let .UnknownGroup(message),
             let .GroupExists(message),
             let .WrongEpoch(message),
             let .UnknownEpoch(message),
             let .GroupRejected(message),
             let .BadCredential(message),
             let .UnknownSender(message),
             let .NotAMember(message),
             let .PendingCommit(message),
             let .NoPendingCommit(message),
             let .BufferFull(message),
             let .Storage(message),
             let .RolledBack(message),
             let .Closed(message),
             let .Io(message),
             let .Protocol(message),
             let .Internal(message):
            return message
        }
    }
}
