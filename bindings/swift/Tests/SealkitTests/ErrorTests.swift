// Typed errors through the Swift API: a `catch` per case, a `switch` over the
// cases, and the ErrorKind view (one kind per case, named as the core names
// them). Errors are told apart by their case, never by their message.

import Foundation
import XCTest
import Sealkit

final class ErrorTests: XCTestCase {
    /// Alice and Bob with a session, and one envelope from Alice that Bob
    /// has not read yet.
    private func unread() throws -> (bob: SealkitClient, envelope: Data) {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        let split = try takeBundleForSession(published: try bob.prekeyBundle(oneTimeCount: 1))
        let envelope = try alice.encrypt(peer: bob.address(), bundle: split.forSession, plaintext: utf8("hi"))
        return (bob, envelope)
    }

    func testEachFailureIsCaughtByItsOwnCase() throws {
        let (bob, envelope) = try unread()
        var tampered = envelope
        tampered[tampered.endIndex - 1] ^= 0x01
        do {
            _ = try bob.decrypt(envelope: tampered)
            XCTFail("a tampered envelope decrypted")
        } catch SealkitError.Decrypt {
            // Tampered: it does not authenticate.
        }
        XCTAssertEqual(try bob.decrypt(envelope: envelope).text, "hi")
        do {
            _ = try bob.decrypt(envelope: envelope)
            XCTFail("a replay decrypted")
        } catch SealkitError.Duplicate(let message) {
            XCTAssertFalse(message.isEmpty)
        }
        do {
            _ = try bob.decrypt(envelope: Data([1, 2, 3]))
            XCTFail("three bytes decrypted")
        } catch let error as SealkitError {
            XCTAssertEqual(error.kind, .decode)
        }
    }

    func testASwitchOverTheCasesTellsTheAppWhatToDo() throws {
        let (bob, envelope) = try unread()
        _ = try bob.decrypt(envelope: envelope)
        var advice = ""
        do {
            _ = try bob.decrypt(envelope: envelope)
        } catch let error as SealkitError {
            switch error {
            case .Duplicate:
                advice = "drop it: delivered before"
            case .Decrypt, .Decode:
                advice = "drop it: not for us or tampered"
            case .UntrustedIdentity:
                advice = "ask the user to verify the new identity"
            case .Storage, .Closed:
                advice = "retry later"
            default:
                advice = "report \(error.kind.rawValue)"
            }
        }
        XCTAssertEqual(advice, "drop it: delivered before")
    }

    func testEveryKindHasTheCoreNameAndACallAfterCloseIsClosed() throws {
        XCTAssertEqual(ErrorKind.allCases.count, 29)
        XCTAssertEqual(Set(ErrorKind.allCases.map { $0.rawValue }).count, 29)
        XCTAssertEqual(ErrorKind.unknownGroup.rawValue, "unknown_group")
        XCTAssertEqual(SealkitError.Decrypt(message: "x").kind, .decrypt)
        XCTAssertEqual(SealkitError.Internal(message: "why").message, "why")

        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        try alice.close()
        try alice.close()
        XCTAssertThrowsError(try alice.prekeyBundle(oneTimeCount: 1)) { error in
            guard case SealkitError.Closed = error else {
                return XCTFail("expected Closed, got \(error)")
            }
        }
        XCTAssertThrowsError(try SealkitClient.openInMemory(userId: "", deviceId: "phone")) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .invalidInput)
        }
    }
}
