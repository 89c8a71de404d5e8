// Media frames (SFrame keyed from an MLS group) through the Swift API: a
// frame and its clear header, a replay, a tampered frame, and a rekey after
// the group's epoch moved.

import Foundation
import XCTest
import Sealkit

final class MediaTests: XCTestCase {
    private let groupId = "call"

    private func call() throws -> (alice: SealkitClient, bob: SealkitClient) {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        try alice.createGroup(groupId: groupId)
        let commit = try alice.addGroupMembers(groupId: groupId, keyPackages: try bob.keyPackages(count: 1))
        _ = try alice.confirmGroupCommit(groupId: groupId)
        _ = try bob.joinGroup(welcome: try XCTUnwrap(commit.welcome))
        return (alice, bob)
    }

    func testAFrameDecryptsOnceWithItsHeaderSenderAndEpoch() throws {
        let (alice, bob) = try call()
        let aliceMedia = try alice.groupMedia(groupId: groupId)
        let bobMedia = try bob.groupMedia(groupId: groupId)
        let sealed = try aliceMedia.encryptFrame(frame: utf8("video frame"), clearHeader: utf8("vp8"))
        XCTAssertLessThanOrEqual(UInt64(sealed.count), UInt64(utf8("video framevp8").count) + aliceMedia.maxOverhead())
        let heard = try bobMedia.decryptFrame(sealed: sealed)
        XCTAssertEqual(heard.text, "video frame")
        XCTAssertEqual(heard.clearHeader, utf8("vp8"))
        XCTAssertEqual(heard.senderIndex, aliceMedia.ownIndex())
        XCTAssertEqual(heard.epoch, bobMedia.epoch())
        do {
            _ = try bobMedia.decryptFrame(sealed: sealed)
            XCTFail("a replayed frame was accepted")
        } catch SealkitError.Duplicate {
            // The replay window refuses it.
        }
    }

    func testATamperedFrameIsDecrypt() throws {
        let (alice, bob) = try call()
        var sealed = try alice.groupMedia(groupId: groupId).encryptFrame(frame: utf8("audio"), clearHeader: Data())
        sealed[sealed.endIndex - 1] ^= 0x01
        XCTAssertThrowsError(try bob.groupMedia(groupId: groupId).decryptFrame(sealed: sealed)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .decrypt)
        }
    }

    func testAfterAnEpochChangeBothSidesRekeyAndFramesFlowAgain() throws {
        let (alice, bob) = try call()
        let aliceMedia = try alice.groupMedia(groupId: groupId)
        let bobMedia = try bob.groupMedia(groupId: groupId)
        let update = try alice.updateGroup(groupId: groupId)
        _ = try alice.confirmGroupCommit(groupId: groupId)
        let events = try bob.processGroupMessage(message: update.commit)
        XCTAssertTrue(events.contains { event in
            if case .epochChanged = event { return true }
            return false
        })
        let oldEpoch = bobMedia.epoch()
        XCTAssertTrue(try alice.rekeyGroupMedia(groupId: groupId, media: aliceMedia))
        XCTAssertFalse(try alice.rekeyGroupMedia(groupId: groupId, media: aliceMedia))
        let sealed = try aliceMedia.encryptFrame(frame: utf8("after rekey"), clearHeader: Data())
        XCTAssertThrowsError(try bobMedia.decryptFrame(sealed: sealed)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .unknownEpoch)
        }
        XCTAssertTrue(try bob.rekeyGroupMedia(groupId: groupId, media: bobMedia))
        XCTAssertEqual(bobMedia.previousEpoch(), oldEpoch)
        XCTAssertEqual(try bobMedia.decryptFrame(sealed: sealed).text, "after rekey")
        bobMedia.endOverlap()
        XCTAssertNil(bobMedia.previousEpoch())
    }
}
