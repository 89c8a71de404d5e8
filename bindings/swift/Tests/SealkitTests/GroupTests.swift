// Groups (MLS) through the Swift API: forming a group from key packages,
// messages, members added and removed, the events as a Swift enum, epochs and
// exported secrets.

import Foundation
import XCTest
import Sealkit

final class GroupTests: XCTestCase {
    private let groupId = "crew"

    /// Alice's group with Bob and Carol, every member joined.
    private func crew() throws -> (alice: SealkitClient, bob: SealkitClient, carol: SealkitClient) {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        let carol = try SealkitClient.openInMemory(userId: "carol", deviceId: "tablet")
        try alice.createGroup(groupId: groupId)
        let packages = try bob.keyPackages(count: 1) + carol.keyPackages(count: 1)
        let commit = try alice.addGroupMembers(groupId: groupId, keyPackages: packages)
        let confirmed = try alice.confirmGroupCommit(groupId: groupId)
        XCTAssertTrue(confirmed.contains { $0.groupId == groupId })
        let welcome = try XCTUnwrap(commit.welcome)
        for joiner in [bob, carol] {
            let joined = try joiner.joinGroup(welcome: welcome)
            XCTAssertEqual(joined.groupId, groupId)
            XCTAssertEqual(joined.members.count, 3)
            XCTAssertEqual(joined.epoch, try alice.groupEpoch(groupId: groupId))
        }
        return (alice, bob, carol)
    }

    /// A description of every event, through an exhaustive `switch`.
    private func describe(_ events: [GroupEvent]) -> [String] {
        events.map { event in
            switch event {
            case let .message(groupId, sender, epoch, plaintext):
                return "message \(groupId) \(sender) \(epoch) \(String(decoding: plaintext, as: UTF8.self))"
            case let .membersAdded(groupId, members):
                return "added \(groupId) \(members.map { $0.device.description })"
            case let .membersRemoved(groupId, members):
                return "removed \(groupId) \(members.map { $0.description })"
            case let .epochChanged(groupId, epoch):
                return "epoch \(groupId) \(epoch)"
            case let .removed(groupId):
                return "this device removed from \(groupId)"
            case let .proposal(groupId, sender, kind):
                return "proposal \(groupId) \(sender) \(kind)"
            case let .buffered(groupId, epoch):
                return "buffered \(groupId) \(epoch)"
            case let .bufferedDropped(groupId, epoch, reason):
                return "dropped \(groupId) \(epoch) \(reason)"
            case let .ownCommitDiscarded(groupId):
                return "own commit discarded \(groupId)"
            case .unknown:
                return "unknown"
            }
        }
    }

    func testEveryMemberReadsEveryOthersMessages() throws {
        let (alice, bob, carol) = try crew()
        let hello = try alice.encryptGroup(groupId: groupId, text: "hello crew")
        for reader in [bob, carol] {
            XCTAssertEqual(describe(try reader.processGroupMessage(message: hello)),
                           ["message crew alice/phone 1 hello crew"])
        }
        let answer = try carol.encryptGroup(groupId: groupId, plaintext: utf8("hi"))
        let events = try alice.processGroupMessage(message: answer)
        guard case let .message(_, sender, _, plaintext) = try XCTUnwrap(events.first) else {
            return XCTFail("expected a message, got \(events)")
        }
        XCTAssertEqual(sender, carol.address())
        XCTAssertEqual(plaintext, utf8("hi"))
        let members = try bob.groupMembers(groupId: groupId)
        XCTAssertEqual(Set(members.map { $0.device }), [alice.address(), bob.address(), carol.address()])
        XCTAssertEqual(members.first { $0.device == bob.address() }?.trust, .trusted)
        XCTAssertEqual(try bob.groups(), [groupId])
    }

    func testARemovedMemberIsToldAndReadsNothingAfter() throws {
        let (alice, bob, carol) = try crew()
        let epochBefore = try alice.groupEpoch(groupId: groupId)
        let removal = try alice.removeGroupMembers(groupId: groupId, members: [carol.address()])
        XCTAssertNil(removal.welcome)
        _ = try alice.confirmGroupCommit(groupId: groupId)
        XCTAssertEqual(try alice.groupEpoch(groupId: groupId), epochBefore + 1)
        XCTAssertTrue(describe(try bob.processGroupMessage(message: removal.commit))
            .contains("removed crew [\"carol/tablet\"]"))
        XCTAssertTrue(describe(try carol.processGroupMessage(message: removal.commit))
            .contains("this device removed from crew"))
        XCTAssertEqual(try carol.groups(), [])
        let after = try alice.encryptGroup(groupId: groupId, plaintext: utf8("after"))
        XCTAssertThrowsError(try carol.processGroupMessage(message: after)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .unknownGroup)
        }
        XCTAssertEqual(try bob.groupMembers(groupId: groupId).count, 2)
    }

    func testAMemberAddedLaterJoinsAtTheCurrentEpoch() throws {
        let (alice, bob, _) = try crew()
        let dave = try SealkitClient.openInMemory(userId: "dave", deviceId: "watch")
        let commit = try alice.addGroupMembers(groupId: groupId, keyPackages: try dave.keyPackages(count: 1))
        _ = try alice.confirmGroupCommit(groupId: groupId)
        let added = describe(try bob.processGroupMessage(message: commit.commit))
        XCTAssertTrue(added.contains("added crew [\"dave/watch\"]"), "\(added)")
        let joined = try dave.joinGroup(welcome: try XCTUnwrap(commit.welcome))
        XCTAssertEqual(joined.epoch, try bob.groupEpoch(groupId: groupId))
        XCTAssertEqual(joined.members.count, 4)
        let secret = try alice.exportGroupSecret(groupId: groupId, label: "test", context: Data(), length: 32)
        XCTAssertEqual(secret.count, 32)
        XCTAssertEqual(try dave.exportGroupSecret(groupId: groupId, label: "test", context: Data(), length: 32), secret)
    }

    func testCreatingAGroupTwiceIsGroupExistsAndAStrangerGroupIsUnknownGroup() throws {
        let alice = try SealkitClient.openInMemory(userId: "alice", deviceId: "phone")
        try alice.createGroup(groupId: groupId)
        XCTAssertThrowsError(try alice.createGroup(groupId: groupId)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .groupExists)
        }
        XCTAssertThrowsError(try alice.encryptGroup(groupId: "nowhere", plaintext: utf8("x"))) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .unknownGroup)
        }
        XCTAssertThrowsError(try alice.confirmGroupCommit(groupId: groupId)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .noPendingCommit)
        }
    }
}
