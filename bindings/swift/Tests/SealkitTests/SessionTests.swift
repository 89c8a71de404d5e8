// 1:1 sessions through the Swift API: a session started from a bundle,
// messages delivered out of order and across ratchet steps, receipts, safety
// numbers, and a client reopened from its SQLite file.

import Foundation
import XCTest
import Sealkit

final class SessionTests: XCTestCase {
    private func pair() throws -> (alice: SealkitClient, bob: SealkitClient) {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        let split = try takeBundleForSession(published: try bob.prekeyBundle(oneTimeCount: 2))
        let first = try alice.encrypt(peer: bob.address(), bundle: split.forSession, text: "hello")
        let decrypted = try bob.decrypt(envelope: first)
        XCTAssertEqual(decrypted.text, "hello")
        XCTAssertEqual(decrypted.sender, alice.address())
        return (alice, bob)
    }

    func testMessagesDeliveredInReverseOrderAcrossRatchetStepsAllDecrypt() throws {
        let (alice, bob) = try pair()
        let reply = try bob.encrypt(peer: alice.address(), bundle: nil, plaintext: utf8("reply"))
        XCTAssertEqual(try alice.decrypt(envelope: reply).plaintext, utf8("reply"))
        let texts = (1...20).map { "message \($0)" }
        var envelopes: [Data] = []
        for text in texts {
            envelopes.append(try alice.encrypt(peer: bob.address(), bundle: nil, plaintext: utf8(text)))
        }
        for (text, envelope) in zip(texts, envelopes).reversed() {
            XCTAssertEqual(try bob.decrypt(envelope: envelope).text, text)
        }
        XCTAssertEqual(try bob.sessions(), [alice.address()])
    }

    func testWithoutASessionOrBundleEncryptFailsWithNoSession() throws {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        let stranger = DeviceAddress(userId: "mallory", deviceId: "pc")
        XCTAssertThrowsError(try alice.encrypt(peer: stranger, bundle: nil, plaintext: utf8("hi"))) { error in
            guard case SealkitError.NoSession = error else {
                return XCTFail("expected NoSession, got \(error)")
            }
        }
        XCTAssertEqual(try alice.sessions(), [])
    }

    func testAReceiptKeepsTheMessageUntilAcknowledged() throws {
        let (alice, bob) = try pair()
        let envelope = try alice.encrypt(peer: bob.address(), bundle: nil, plaintext: utf8("kept"))
        let received = try bob.decryptWithReceipt(envelope: envelope)
        XCTAssertEqual(received.id.count, 32)
        XCTAssertEqual(received.text, "kept")
        XCTAssertEqual(try bob.decryptWithReceipt(envelope: envelope), received)
        XCTAssertEqual(try bob.unacknowledged(), [received])
        XCTAssertTrue(try bob.acknowledge(id: received.id))
        XCTAssertFalse(try bob.acknowledge(id: received.id))
        XCTAssertEqual(try bob.unacknowledged(), [])
        XCTAssertThrowsError(try bob.decryptWithReceipt(envelope: envelope)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .duplicate)
        }
    }

    func testBothDevicesComputeTheSameSafetyNumberAndVerifyEachOthersQr() throws {
        let (alice, bob) = try pair()
        let reply = try bob.encrypt(peer: alice.address(), bundle: nil, plaintext: utf8("reply"))
        _ = try alice.decrypt(envelope: reply)
        let digits = try alice.safetyNumber(peer: bob.address())
        XCTAssertEqual(digits.count, 60)
        XCTAssertEqual(try bob.safetyNumber(peer: alice.address()), digits)
        let shown = try bob.safetyQrPayload(peer: alice.address())
        XCTAssertTrue(try alice.verifySafetyQr(peer: bob.address(), scanned: shown))
        XCTAssertEqual(try alice.trustedIdentity(peer: bob.address()), bob.identity())
        XCTAssertEqual(bob.identity().count, 64)
    }

    func testASessionContinuesAfterTheClientIsReopenedFromSqlite() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("alice.db")
        var alice = try SealkitClient.openSqlite(path: path, storageKey: storageKey, userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        let split = try takeBundleForSession(published: try bob.prekeyBundle(oneTimeCount: 1))
        _ = try bob.decrypt(envelope: try alice.encrypt(peer: bob.address(), bundle: split.forSession, text: "one"))
        let generation = try alice.storeGeneration()
        try alice.close()
        XCTAssertThrowsError(try alice.sessions()) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .closed)
        }
        alice = try SealkitClient.openSqliteAnchored(
            path: path, storageKey: storageKey, userId: "alice", deviceId: "phone", anchor: generation)
        let two = try alice.encrypt(peer: bob.address(), text: "two")
        XCTAssertEqual(try bob.decrypt(envelope: two).text, "two")
        try alice.close()
    }

    func testAStorageKeyThatIsNot32BytesIsInvalidInput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            _ = try SealkitClient.openSqlite(
                path: directory.path("short.db"), storageKey: Data(count: 16), userId: "alice", deviceId: "phone")
            XCTFail("a 16-byte storage key was accepted")
        } catch SealkitError.InvalidInput {
            // The kind the API documents for a wrong key length.
        }
    }
}
