// Handwritten (not generated): Swift concurrency for Sealkit.
//
// Every Sealkit call is synchronous and thread-safe: `SealkitClient` and
// `MediaContext` serialise their calls inside Rust, so one client may be
// shared by many tasks and threads. Most calls take microseconds; the ones
// below can take much longer (a 1,000-member add takes about a third of a
// second, a large file takes as long as its disk, opening a store waits
// while another client holds it), so each is also offered as an `async`
// function, named with the suffix `Async`, that runs the call on a detached
// task instead of the caller's thread or actor (for instance the main
// actor). The call itself cannot be cancelled: once started it finishes,
// and its result is dropped if nobody awaits it.

import Foundation

// The generated records and enums are `Sendable` for Swift 6 compilers
// (`#if compiler(>=6)` in Sealkit.swift); these are the same conformances
// for Swift 5.9 and 5.10, so results can leave a detached task there too.
// They are `@unchecked` because a checked `Sendable` conformance must be
// declared in the type's own file (the generated one, which is never
// edited); every stored value of these types is a `String`, `Data`, an
// integer or another type of this list. (`SealkitError` is `Sendable`
// already: `Error` refines `Sendable`.)
#if !compiler(>=6)
extension BundleSplit: @unchecked Sendable {}
extension Decrypted: @unchecked Sendable {}
extension DeviceAddress: @unchecked Sendable {}
extension GroupCommit: @unchecked Sendable {}
extension GroupMember: @unchecked Sendable {}
extension JoinedGroup: @unchecked Sendable {}
extension MediaFrame: @unchecked Sendable {}
extension Received: @unchecked Sendable {}
extension GroupCipherSuite: @unchecked Sendable {}
extension GroupEvent: @unchecked Sendable {}
extension MemberTrust: @unchecked Sendable {}
extension ProposalKind: @unchecked Sendable {}
#endif

/// Runs `work` on a detached task at the caller's priority and returns (or
/// throws) its result.
func runDetached<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: Task.currentPriority) {
        try work()
    }.value
}

extension SealkitClient {
    /// `openSqlite(path:storageKey:userId:deviceId:)` off the caller's thread.
    public static func openSqliteAsync(
        path: String, storageKey: Data, userId: String, deviceId: String
    ) async throws -> SealkitClient {
        try await runDetached {
            try SealkitClient.openSqlite(path: path, storageKey: storageKey, userId: userId, deviceId: deviceId)
        }
    }

    /// `openSqliteAnchored(path:storageKey:userId:deviceId:anchor:)` off the
    /// caller's thread.
    public static func openSqliteAnchoredAsync(
        path: String, storageKey: Data, userId: String, deviceId: String, anchor: UInt64
    ) async throws -> SealkitClient {
        try await runDetached {
            try SealkitClient.openSqliteAnchored(
                path: path, storageKey: storageKey, userId: userId, deviceId: deviceId, anchor: anchor)
        }
    }

    /// `close()` off the caller's thread: it checkpoints and closes the
    /// SQLite store, waiting for a call under way.
    public func closeAsync() async throws {
        try await runDetached { try self.close() }
    }

    /// `prekeyBundle(oneTimeCount:)` off the caller's thread.
    public func prekeyBundleAsync(oneTimeCount: UInt32) async throws -> Data {
        try await runDetached { try self.prekeyBundle(oneTimeCount: oneTimeCount) }
    }

    /// `keyPackages(count:)` off the caller's thread.
    public func keyPackagesAsync(count: UInt32) async throws -> [Data] {
        try await runDetached { try self.keyPackages(count: count) }
    }

    /// `joinGroup(welcome:)` off the caller's thread.
    public func joinGroupAsync(welcome: Data) async throws -> JoinedGroup {
        try await runDetached { try self.joinGroup(welcome: welcome) }
    }

    /// `addGroupMembers(groupId:keyPackages:)` off the caller's thread.
    public func addGroupMembersAsync(groupId: String, keyPackages: [Data]) async throws -> GroupCommit {
        try await runDetached { try self.addGroupMembers(groupId: groupId, keyPackages: keyPackages) }
    }

    /// `removeGroupMembers(groupId:members:)` off the caller's thread.
    public func removeGroupMembersAsync(groupId: String, members: [DeviceAddress]) async throws -> GroupCommit {
        try await runDetached { try self.removeGroupMembers(groupId: groupId, members: members) }
    }

    /// `updateGroup(groupId:)` off the caller's thread.
    public func updateGroupAsync(groupId: String) async throws -> GroupCommit {
        try await runDetached { try self.updateGroup(groupId: groupId) }
    }

    /// `commitGroupProposals(groupId:)` off the caller's thread.
    public func commitGroupProposalsAsync(groupId: String) async throws -> GroupCommit {
        try await runDetached { try self.commitGroupProposals(groupId: groupId) }
    }

    /// `confirmGroupCommit(groupId:)` off the caller's thread.
    public func confirmGroupCommitAsync(groupId: String) async throws -> [GroupEvent] {
        try await runDetached { try self.confirmGroupCommit(groupId: groupId) }
    }

    /// `processGroupMessage(message:)` off the caller's thread.
    public func processGroupMessageAsync(message: Data) async throws -> [GroupEvent] {
        try await runDetached { try self.processGroupMessage(message: message) }
    }

    /// `decryptFile(inputPath:outputPath:)` (a file sealed to this device)
    /// off the caller's thread.
    public func decryptFileAsync(inputPath: String, outputPath: String) async throws {
        try await runDetached { try self.decryptFile(inputPath: inputPath, outputPath: outputPath) }
    }
}

/// `encryptFile(inputPath:outputPath:fileKey:chunkSize:)` off the caller's
/// thread.
public func encryptFileAsync(
    inputPath: String, outputPath: String, fileKey: Data, chunkSize: UInt32? = nil
) async throws {
    try await runDetached {
        try encryptFile(inputPath: inputPath, outputPath: outputPath, fileKey: fileKey, chunkSize: chunkSize)
    }
}

/// `decryptFile(inputPath:outputPath:fileKey:)` off the caller's thread.
public func decryptFileAsync(inputPath: String, outputPath: String, fileKey: Data) async throws {
    try await runDetached {
        try decryptFile(inputPath: inputPath, outputPath: outputPath, fileKey: fileKey)
    }
}

/// `encryptFileToRecipients(inputPath:outputPath:recipients:)` off the
/// caller's thread.
public func encryptFileToRecipientsAsync(
    inputPath: String, outputPath: String, recipients: [String]
) async throws {
    try await runDetached {
        try encryptFileToRecipients(inputPath: inputPath, outputPath: outputPath, recipients: recipients)
    }
}

/// `decryptFileWithIdentity(inputPath:outputPath:identitySecret:)` off the
/// caller's thread.
public func decryptFileWithIdentityAsync(
    inputPath: String, outputPath: String, identitySecret: String
) async throws {
    try await runDetached {
        try decryptFileWithIdentity(inputPath: inputPath, outputPath: outputPath, identitySecret: identitySecret)
    }
}

/// `decryptRange(inputPath:fileKey:offset:length:)` off the caller's thread.
public func decryptRangeAsync(inputPath: String, fileKey: Data, offset: UInt64, length: UInt64) async throws -> Data {
    try await runDetached {
        try decryptRange(inputPath: inputPath, fileKey: fileKey, offset: offset, length: length)
    }
}

/// `encryptBytes(plaintext:fileKey:)` off the caller's thread.
public func encryptBytesAsync(plaintext: Data, fileKey: Data) async throws -> Data {
    try await runDetached { try encryptBytes(plaintext: plaintext, fileKey: fileKey) }
}

/// `decryptBytes(sealed:fileKey:)` off the caller's thread.
public func decryptBytesAsync(sealed: Data, fileKey: Data) async throws -> Data {
    try await runDetached { try decryptBytes(sealed: sealed, fileKey: fileKey) }
}
