// Handwritten (not generated): small conveniences over the generated API.
//
// The generated API is already idiomatic where it matters: byte strings are
// `Data` in and out (never `[UInt8]`), optional arguments are optionals,
// records are `Equatable`/`Hashable` structs, `GroupEvent` is an enum with
// associated values, failures are `throws` with the `SealkitError` enum,
// and `SealkitClient` / `MediaContext` are classes that free their Rust
// object when the last reference goes (or, for the client, on `close()`).
// What follows adds text helpers and a printable address.

import Foundation

extension DeviceAddress: CustomStringConvertible {
    /// The device written `user/device`, as logs and the scenario write it.
    public var description: String { "\(userId)/\(deviceId)" }
}

extension Decrypted {
    /// The plaintext as UTF-8 text, or `nil` when it is not valid UTF-8.
    public var text: String? { String(data: plaintext, encoding: .utf8) }
}

extension Received {
    /// The plaintext as UTF-8 text, or `nil` when it is not valid UTF-8.
    public var text: String? { String(data: plaintext, encoding: .utf8) }
}

extension MediaFrame {
    /// The frame as UTF-8 text, or `nil` when it is not valid UTF-8.
    public var text: String? { String(data: frame, encoding: .utf8) }
}

extension GroupEvent {
    /// The group the event is about; `nil` only for `.unknown`.
    public var groupId: String? {
        switch self {
        case let .message(groupId, _, _, _),
             let .membersAdded(groupId, _),
             let .membersRemoved(groupId, _),
             let .epochChanged(groupId, _),
             let .removed(groupId),
             let .proposal(groupId, _, _),
             let .buffered(groupId, _),
             let .bufferedDropped(groupId, _, _),
             let .ownCommitDiscarded(groupId):
            return groupId
        case .unknown:
            return nil
        }
    }
}

extension SealkitClient {
    /// Encrypts the UTF-8 bytes of `text` for `peer`; see
    /// `encrypt(peer:bundle:plaintext:)`.
    public func encrypt(peer: DeviceAddress, bundle: Data? = nil, text: String) throws -> Data {
        try encrypt(peer: peer, bundle: bundle, plaintext: Data(text.utf8))
    }

    /// Encrypts the UTF-8 bytes of `text` for every member of the group; see
    /// `encryptGroup(groupId:plaintext:)`.
    public func encryptGroup(groupId: String, text: String) throws -> Data {
        try encryptGroup(groupId: groupId, plaintext: Data(text.utf8))
    }
}
