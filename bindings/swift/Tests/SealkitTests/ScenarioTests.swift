// The scenario of bindings/SCENARIO.md in Swift, a port of
// examples/src/bin/scenario.rs: two devices start a session from a
// published bundle, exchange messages out of order across ratchet steps,
// refuse a tampered and a replayed message, form a group with a third device
// and remove it, share a file and a media frame, and reopen from SQLite
// between steps. Prints one `checkpoint <name>` line per step, the same
// twelve lines as the Rust, Python and Kotlin versions; a failed check
// fails the test with the checkpoint's name.
//
// Written, not run in this repository's CI (there is no Swift compiler on
// its machines): `swift test` on macOS with SealkitFFI.xcframework built.

import Foundation
import XCTest
import Sealkit

private let team = "team"

/// A device kept in its own SQLite file (`<user>.db`), reopened between steps.
private final class Device {
    let path: String
    let userId: String
    let deviceId: String
    private(set) var client: SealkitClient

    init(in directory: TemporaryDirectory, userId: String, deviceId: String) throws {
        self.path = directory.path("\(userId).db")
        self.userId = userId
        self.deviceId = deviceId
        self.client = try SealkitClient.openSqlite(
            path: path, storageKey: storageKey, userId: userId, deviceId: deviceId)
    }

    /// Closes the client and opens the same device again from its file.
    func reopen() throws {
        try client.close()
        client = try SealkitClient.openSqlite(
            path: path, storageKey: storageKey, userId: userId, deviceId: deviceId)
    }

    var address: DeviceAddress { client.address() }

    /// Encrypts `text` for `peer`, starting the session from `bundle` if given.
    func send(_ text: String, to peer: Device, bundle: Data? = nil) throws -> Data {
        try client.encrypt(peer: peer.address, bundle: bundle, plaintext: utf8(text))
    }

    /// Decrypts `envelope` and checks its sender and plaintext.
    func receive(_ envelope: Data, from sender: Device, _ text: String, _ at: String) throws {
        let decrypted = try client.decrypt(envelope: envelope)
        try check(decrypted.sender == sender.address, at, "sender of \(text)")
        try check(decrypted.plaintext == utf8(text), at, "plaintext \(text)")
    }

    /// Processes a group message that must be one message event of `team`.
    func receiveGroup(_ message: Data, from sender: Device, _ text: String, _ at: String) throws {
        let events = try client.processGroupMessage(message: message)
        guard events.count == 1, case let .message(groupId, from, _, plaintext) = events[0] else {
            throw CheckFailure(step: at, what: "expected one message event for \(text), got \(events)")
        }
        try check(groupId == team, at, "group id of \(text)")
        try check(from == sender.address, at, "group sender of \(text)")
        try check(plaintext == utf8(text), at, "group plaintext \(text)")
    }

    func memberCount() throws -> Int {
        try client.groupMembers(groupId: team).count
    }
}

/// Prints the checkpoint line, after its checks passed.
private func checkpoint(_ name: String) {
    print("checkpoint \(name)")
}

final class ScenarioTests: XCTestCase {
    func testTwoDevicesAndAGroupShareMessagesFilesAndMediaAcrossReopens() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let alice = try Device(in: directory, userId: "alice", deviceId: "phone")
        let bob = try Device(in: directory, userId: "bob", deviceId: "laptop")
        let carol = try Device(in: directory, userId: "carol", deviceId: "tablet")

        // 1. Bob publishes; the server hands Alice one bundle for one session.
        var at = "bundle-published"
        let published = try bob.client.prekeyBundle(oneTimeCount: 5)
        let served = try takeBundleForSession(published: published)
        try check(served.remaining.count < published.count, at, "the rest is shorter")
        try check(served.forSession.count < published.count, at, "the session's bundle is shorter")
        checkpoint(at)

        // 2. The session starts from the bundle; Bob answers.
        at = "session-started"
        let a1 = try alice.send("a1", to: bob, bundle: served.forSession)
        try bob.receive(a1, from: alice, "a1", at)
        let b1 = try bob.send("b1", to: alice)
        try alice.receive(b1, from: bob, "b1", at)
        try check(try alice.client.sessions() == [bob.address], at, "alice's sessions")
        try check(try bob.client.sessions() == [alice.address], at, "bob's sessions")
        checkpoint(at)

        // 3. Out of order across two ratchet steps.
        at = "out-of-order"
        let a2 = try alice.send("a2", to: bob)
        let a3 = try alice.send("a3", to: bob)
        try bob.receive(a3, from: alice, "a3", at)
        let b2 = try bob.send("b2", to: alice)
        try alice.receive(b2, from: bob, "b2", at)
        let a4 = try alice.send("a4", to: bob)
        try bob.receive(a4, from: alice, "a4", at)
        try bob.receive(a2, from: alice, "a2", at)
        checkpoint(at)

        // 4. Both reopen from SQLite; the session goes on.
        at = "reopened-1"
        try alice.reopen()
        try bob.reopen()
        let a5 = try alice.send("a5", to: bob)
        try bob.receive(a5, from: alice, "a5", at)
        checkpoint(at)

        // 5. A tampered copy is refused and changes nothing.
        at = "tampered-rejected"
        let a6 = try alice.send("a6", to: bob)
        var tampered = a6
        tampered[tampered.endIndex - 1] ^= 0x01
        try expectKind(.decrypt, at, "tampered a6") { try bob.client.decrypt(envelope: tampered) }
        try bob.receive(a6, from: alice, "a6", at)
        checkpoint(at)

        // 6. A replay is refused.
        at = "replay-rejected"
        try expectKind(.duplicate, at, "a6 again") { try bob.client.decrypt(envelope: a6) }
        checkpoint(at)

        // 7. Alice forms a group with Bob and Carol.
        at = "group-formed"
        try alice.client.createGroup(groupId: team)
        let bobPackages = try bob.client.keyPackages(count: 1)
        let carolPackages = try carol.client.keyPackages(count: 1)
        let commit = try alice.client.addGroupMembers(groupId: team, keyPackages: bobPackages + carolPackages)
        _ = try alice.client.confirmGroupCommit(groupId: team)
        guard let welcome = commit.welcome else {
            throw CheckFailure(step: at, what: "an add without a welcome")
        }
        for joiner in [bob, carol] {
            let joined = try joiner.client.joinGroup(welcome: welcome)
            try check(joined.groupId == team, at, "joined group id")
        }
        let g1 = try alice.client.encryptGroup(groupId: team, plaintext: utf8("g1"))
        try bob.receiveGroup(g1, from: alice, "g1", at)
        try carol.receiveGroup(g1, from: alice, "g1", at)
        let g2 = try bob.client.encryptGroup(groupId: team, plaintext: utf8("g2"))
        try alice.receiveGroup(g2, from: bob, "g2", at)
        try carol.receiveGroup(g2, from: bob, "g2", at)
        for member in [alice, bob, carol] {
            try check(try member.memberCount() == 3, at, "three members")
        }
        checkpoint(at)

        // 8. All three reopen; the group goes on.
        at = "reopened-2"
        for device in [alice, bob, carol] {
            try device.reopen()
        }
        let g3 = try carol.client.encryptGroup(groupId: team, plaintext: utf8("g3"))
        try alice.receiveGroup(g3, from: carol, "g3", at)
        try bob.receiveGroup(g3, from: carol, "g3", at)
        checkpoint(at)

        // 9. Alice removes Carol, who reads nothing after.
        at = "member-removed"
        let removal = try alice.client.removeGroupMembers(groupId: team, members: [carol.address])
        _ = try alice.client.confirmGroupCommit(groupId: team)
        let bobEvents = try bob.client.processGroupMessage(message: removal.commit)
        try check(bobEvents.contains { event in
            if case let .membersRemoved(_, removed) = event { return removed == [carol.address] }
            return false
        }, at, "bob sees carol removed")
        let carolEvents = try carol.client.processGroupMessage(message: removal.commit)
        try check(carolEvents.contains { event in
            if case let .removed(groupId) = event { return groupId == team }
            return false
        }, at, "carol is told she was removed")
        try check(try carol.client.groups().isEmpty, at, "carol's groups")
        let g4 = try alice.client.encryptGroup(groupId: team, plaintext: utf8("g4"))
        try bob.receiveGroup(g4, from: alice, "g4", at)
        try expectKind(.unknownGroup, at, "carol processes g4") {
            try carol.client.processGroupMessage(message: g4)
        }
        try check(try alice.memberCount() == 2, at, "alice: two members")
        try check(try bob.memberCount() == 2, at, "bob: two members")
        checkpoint(at)

        // 10. A file under a key sent in the session, then one sealed to Bob.
        at = "file-shared"
        let photo = pattern(200_000)
        let fileKey = try generateFileKey()
        let sealed = try encryptBytes(plaintext: photo, fileKey: fileKey)
        let keyMessage = try alice.client.encrypt(peer: bob.address, bundle: nil, plaintext: fileKey)
        let receivedKey = try bob.client.decrypt(envelope: keyMessage).plaintext
        try check(receivedKey.count == 32, at, "the key message is 32 bytes")
        let opened = try decryptBytes(sealed: sealed, fileKey: receivedKey)
        try check(opened == photo, at, "bytes decrypted")
        let photoPath = directory.path("photo.sealed")
        try sealed.write(to: URL(fileURLWithPath: photoPath))
        let range = try decryptRange(inputPath: photoPath, fileKey: receivedKey, offset: 131_000, length: 1000)
        try check(range == photo.subdata(in: 131_000..<132_000), at, "range read")
        let plainPath = directory.path("photo.plain")
        try photo.write(to: URL(fileURLWithPath: plainPath))
        let toBobPath = directory.path("to-bob.sealed")
        let bobRecipient = try bob.client.fileRecipient()
        try encryptFileToRecipients(inputPath: plainPath, outputPath: toBobPath, recipients: [bobRecipient])
        let openedPath = directory.path("to-bob.opened")
        try bob.client.decryptFile(inputPath: toBobPath, outputPath: openedPath)
        try check(try Data(contentsOf: URL(fileURLWithPath: openedPath)) == photo, at, "opened by bob's client")
        try expectKind(.decrypt, at, "the photo's file key on a file sealed to recipients") {
            try decryptFile(inputPath: toBobPath, outputPath: directory.path("with-photo-key.out"), fileKey: receivedKey)
        }
        try expectKind(.decrypt, at, "carol is not a recipient") {
            try carol.client.decryptFile(inputPath: toBobPath, outputPath: directory.path("carol.out"))
        }
        checkpoint(at)

        // 11. A media frame keyed from the group; its replay is refused.
        at = "media-frame"
        let aliceMedia = try alice.client.groupMedia(groupId: team)
        let bobMedia = try bob.client.groupMedia(groupId: team)
        let sealedFrame = try aliceMedia.encryptFrame(frame: utf8("frame-1"), clearHeader: utf8("hdr"))
        let heard = try bobMedia.decryptFrame(sealed: sealedFrame)
        try check(heard.frame == utf8("frame-1"), at, "frame")
        try check(heard.clearHeader == utf8("hdr"), at, "clear header")
        try check(heard.epoch == (try bob.client.groupEpoch(groupId: team)), at, "epoch")
        try expectKind(.duplicate, at, "the same frame again") { try bobMedia.decryptFrame(sealed: sealedFrame) }
        checkpoint(at)

        // 12. Done.
        at = "done"
        for device in [alice, bob, carol] {
            try device.client.close()
        }
        checkpoint(at)
    }
}
