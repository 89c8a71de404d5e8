// Threads and Swift concurrency: one client shared by many threads at once
// (its calls are serialised inside Rust), and the `async` variants of the
// long operations, which run off the caller's thread and throw the same
// typed errors.

import Foundation
import XCTest
import Sealkit

final class ConcurrencyTests: XCTestCase {
    func testOneClientEncryptsFromEightThreadsAtOnce() throws {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        let split = try takeBundleForSession(published: try bob.prekeyBundle(oneTimeCount: 1))
        _ = try bob.decrypt(envelope: try alice.encrypt(peer: bob.address(), bundle: split.forSession, text: "start"))

        let lock = NSLock()
        var envelopes: [Data] = []
        var failures: [Error] = []
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<20 {
                do {
                    let envelope = try alice.encrypt(peer: bob.address(), text: "thread \(thread) message \(index)")
                    lock.lock()
                    envelopes.append(envelope)
                    lock.unlock()
                } catch {
                    lock.lock()
                    failures.append(error)
                    lock.unlock()
                }
            }
        }
        XCTAssertTrue(failures.isEmpty, "\(failures)")
        XCTAssertEqual(envelopes.count, 160)
        var texts = Set<String>()
        for envelope in envelopes {
            texts.insert(try XCTUnwrap(try bob.decrypt(envelope: envelope).text))
        }
        XCTAssertEqual(texts.count, 160)
        XCTAssertTrue(texts.contains("thread 7 message 19"))
    }

    func testManyThreadsReadAGroupWhileItsOwnerSendsToIt() throws {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        try alice.createGroup(groupId: "busy")
        let commit = try alice.addGroupMembers(groupId: "busy", keyPackages: try bob.keyPackages(count: 1))
        _ = try alice.confirmGroupCommit(groupId: "busy")
        _ = try bob.joinGroup(welcome: try XCTUnwrap(commit.welcome))

        let lock = NSLock()
        var messages: [Data] = []
        var memberCounts: [Int] = []
        DispatchQueue.concurrentPerform(iterations: 6) { thread in
            if thread % 2 == 0 {
                let message = try? alice.encryptGroup(groupId: "busy", text: "from thread \(thread)")
                lock.lock()
                messages.append(message ?? Data())
                lock.unlock()
            } else {
                let count = (try? alice.groupMembers(groupId: "busy").count) ?? -1
                lock.lock()
                memberCounts.append(count)
                lock.unlock()
            }
        }
        XCTAssertEqual(memberCounts, [2, 2, 2])
        XCTAssertEqual(messages.count, 3)
        for message in messages {
            let events = try bob.processGroupMessage(message: message)
            XCTAssertEqual(events.count, 1)
        }
    }

    func testTheAsyncVariantsRunTheLongOperationsAndThrowTypedErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let alice = try await SealkitClient.openSqliteAsync(
            path: directory.path("alice.db"), storageKey: storageKey, userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        let published = try await bob.prekeyBundleAsync(oneTimeCount: 3)
        XCTAssertFalse(published.isEmpty)

        try alice.createGroup(groupId: "async")
        let packages = try await bob.keyPackagesAsync(count: 1)
        let commit = try await alice.addGroupMembersAsync(groupId: "async", keyPackages: packages)
        _ = try await alice.confirmGroupCommitAsync(groupId: "async")
        let joined = try await bob.joinGroupAsync(welcome: try XCTUnwrap(commit.welcome))
        XCTAssertEqual(joined.groupId, "async")
        let message = try alice.encryptGroup(groupId: "async", text: "awaited")
        let events = try await bob.processGroupMessageAsync(message: message)
        XCTAssertEqual(events.count, 1)

        let key = try generateFileKey()
        let sealed = try await encryptBytesAsync(plaintext: pattern(50_000), fileKey: key)
        let opened = try await decryptBytesAsync(sealed: sealed, fileKey: key)
        XCTAssertEqual(opened, pattern(50_000))
        do {
            _ = try await decryptBytesAsync(sealed: sealed, fileKey: try generateFileKey())
            XCTFail("another key opened the bytes")
        } catch SealkitError.Decrypt {
            // The async variant throws the same case as the call it wraps.
        }
        try await alice.closeAsync()
        do {
            _ = try await alice.keyPackagesAsync(count: 1)
            XCTFail("a closed client made key packages")
        } catch let error as SealkitError {
            XCTAssertEqual(error.kind, .closed)
        }
    }
}
