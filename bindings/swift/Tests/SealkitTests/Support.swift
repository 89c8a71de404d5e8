// Shared by the tests: the conventions of bindings/SCENARIO.md (the test
// storage key, Pattern(n), a fresh temporary directory) and the check
// helpers that name the step that failed.

import Foundation
import XCTest
import Sealkit

/// The storage key of every SQLite store in the tests: 32 bytes of 0x07 (an
/// app takes its key from the keychain).
let storageKey = Data(repeating: 0x07, count: 32)

/// Pattern(n) of SCENARIO.md: the `n` bytes `b[i] = (i * 7 + 3) mod 256`.
func pattern(_ count: Int) -> Data {
    Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
}

/// The UTF-8 bytes of `text`.
func utf8(_ text: String) -> Data {
    Data(text.utf8)
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sealkit-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A failed check: the step (a checkpoint of the scenario, or a test's
/// stage) and what did not hold.
struct CheckFailure: Error, CustomStringConvertible, LocalizedError {
    let step: String
    let what: String

    var description: String { "\(step): \(what)" }
    var errorDescription: String? { description }
}

/// Throws a `CheckFailure` naming `step` unless `condition` holds.
func check(_ condition: Bool, _ step: String, _ what: String) throws {
    if !condition {
        throw CheckFailure(step: step, what: what)
    }
}

/// Runs `body`, which must fail with a `SealkitError` of `kind`; any other
/// outcome throws a `CheckFailure` naming `step`. Errors are told apart by
/// their kind, never by their message.
func expectKind<T>(_ kind: ErrorKind, _ step: String, _ what: String, _ body: () throws -> T) throws {
    let outcome: Result<T, Error> = Result { try body() }
    switch outcome {
    case .success:
        throw CheckFailure(step: step, what: "\(what): expected \(kind.rawValue), it succeeded")
    case .failure(let error as SealkitError):
        try check(error.kind == kind, step, "\(what): expected \(kind.rawValue), got \(error.kind.rawValue)")
    case .failure(let error):
        throw CheckFailure(step: step, what: "\(what): expected \(kind.rawValue), got \(error)")
    }
}
