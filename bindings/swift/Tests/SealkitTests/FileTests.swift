// Files through the Swift API: sealed under a file key (in memory, file to
// file, a range read back), sealed to recipients (a file identity, a
// device), and the typed errors of a wrong key or a tampered file.

import Foundation
import XCTest
import Sealkit

final class FileTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory.remove()
    }

    func testBytesSealedUnderAFileKeyOpenWithItAndNotWithAnother() throws {
        let key = try generateFileKey()
        XCTAssertEqual(key.count, 32)
        let plaintext = pattern(100_000)
        let sealed = try encryptBytes(plaintext: plaintext, fileKey: key)
        XCTAssertGreaterThan(sealed.count, plaintext.count)
        XCTAssertEqual(try decryptBytes(sealed: sealed, fileKey: key), plaintext)
        do {
            _ = try decryptBytes(sealed: sealed, fileKey: try generateFileKey())
            XCTFail("another key opened the file")
        } catch SealkitError.Decrypt {
            // A wrong key does not authenticate.
        }
    }

    func testAFileEncryptedInSmallChunksDecryptsWholeAndByRange() throws {
        let key = try generateFileKey()
        let plaintext = pattern(10_000)
        let plainPath = directory.path("notes.txt")
        let sealedPath = directory.path("notes.sealed")
        let openedPath = directory.path("notes.opened")
        try plaintext.write(to: URL(fileURLWithPath: plainPath))
        try encryptFile(inputPath: plainPath, outputPath: sealedPath, fileKey: key, chunkSize: 1024)
        try decryptFile(inputPath: sealedPath, outputPath: openedPath, fileKey: key)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: openedPath)), plaintext)
        let range = try decryptRange(inputPath: sealedPath, fileKey: key, offset: 1000, length: 100)
        XCTAssertEqual(range, plaintext.subdata(in: 1000..<1100))
        XCTAssertEqual(try decryptRange(inputPath: sealedPath, fileKey: key, offset: 9_990, length: 100).count, 10)
        XCTAssertEqual(try decryptRange(inputPath: sealedPath, fileKey: key, offset: 20_000, length: 5), Data())
    }

    func testATamperedFileIsDecryptAndLeavesNoOutput() throws {
        let key = try generateFileKey()
        let plainPath = directory.path("plain")
        let sealedPath = directory.path("sealed")
        let openedPath = directory.path("opened")
        try pattern(5000).write(to: URL(fileURLWithPath: plainPath))
        try encryptFile(inputPath: plainPath, outputPath: sealedPath, fileKey: key)
        var sealed = try Data(contentsOf: URL(fileURLWithPath: sealedPath))
        sealed[sealed.endIndex - 20] ^= 0x80
        try sealed.write(to: URL(fileURLWithPath: sealedPath))
        XCTAssertThrowsError(try decryptFile(inputPath: sealedPath, outputPath: openedPath, fileKey: key)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .decrypt)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: openedPath))
    }

    func testAFileKeyThatIsNot32BytesIsInvalidInput() throws {
        XCTAssertThrowsError(try encryptBytes(plaintext: utf8("x"), fileKey: Data(count: 31))) { error in
            guard case SealkitError.InvalidInput = error else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
        }
    }

    func testAFileSealedToRecipientsOpensForEachOfThemOnly() throws {
        let identity = try generateFileIdentity(postQuantum: false)
        XCTAssertTrue(identity.recipient().hasPrefix("sealkit1-x25519-"))
        let postQuantum = try generateFileIdentity(postQuantum: true)
        XCTAssertTrue(postQuantum.recipient().hasPrefix("sealkit1-xwing-"))
        let bob = try SealkitClient.openInMemory(userId: "bob", deviceId: "laptop")
        let carol = try SealkitClient.openInMemory(userId: "carol", deviceId: "tablet")
        let plaintext = pattern(70_000)
        let plainPath = directory.path("report.pdf")
        let sealedPath = directory.path("report.sealed")
        try plaintext.write(to: URL(fileURLWithPath: plainPath))
        try encryptFileToRecipients(
            inputPath: plainPath, outputPath: sealedPath,
            recipients: [identity.recipient(), postQuantum.recipient(), try bob.fileRecipient()])

        for (index, secret) in [identity.secret(), postQuantum.secret()].enumerated() {
            let openedPath = directory.path("opened-\(index)")
            try decryptFileWithIdentity(inputPath: sealedPath, outputPath: openedPath, identitySecret: secret)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: openedPath)), plaintext)
        }
        let bobPath = directory.path("opened-by-bob")
        try bob.decryptFile(inputPath: sealedPath, outputPath: bobPath)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: bobPath)), plaintext)

        let carolPath = directory.path("opened-by-carol")
        XCTAssertThrowsError(try carol.decryptFile(inputPath: sealedPath, outputPath: carolPath)) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .decrypt)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: carolPath))
        XCTAssertThrowsError(try encryptFileToRecipients(
            inputPath: plainPath, outputPath: directory.path("none"), recipients: [])) { error in
            XCTAssertEqual((error as? SealkitError)?.kind, .invalidInput)
        }
    }
}
