import Foundation
import GRPCSync
import XCTest

/// Raw-socket attacks (Tests/Peers/bad_input.py) against the Swift server: each gets the spec's
/// answer, and afterwards the server still serves, with no leaked thread and no stuck worker.
final class BadInputTests: XCTestCase {
    /// Thrown when this process's threads cannot be counted.
    struct ThreadsNotCounted: Error, CustomStringConvertible {
        let description: String
    }

    func testEveryAttackGetsTheSpecAnswerAndTheServerKeepsServing() throws {
        // Every case bad_input.py has, so that a case added there is run here too.
        let cases = try Peers.list("bad_input.py")
        let server = try SwiftTestServer(workers: 4)
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        XCTAssertEqual(try unary(Array("warm".utf8), timeout: 10), Array("warm".utf8))
        try occupyEveryWorker(unary)
        let threadsBefore = try Self.threadCount()

        for name in cases {
            let (status, output) = try Peers.run("bad_input.py", [name, "--target", server.target], timeout: 60)
            XCTAssertEqual(status, 0, "bad_input.py \(name):\n\(output)")
            print(output, terminator: "")  // what the server answered, for the log
        }

        // Every worker is free again: as many slow calls as workers all finish together.
        try occupyEveryWorker(unary)
        XCTAssertEqual(try unary(Array("after".utf8), timeout: 10), Array("after".utf8))
        // Running the attack scripts starts a few helper threads of its own; a leak in the server
        // would be one per connection (over 500 here) or per call.
        XCTAssertLessThanOrEqual(try Self.threadCount(), threadsBefore + 16, "threads grew under attack")
    }

    /// Four calls of 200 ms on the server's four workers finish within one timeout.
    private func occupyEveryWorker(_ unary: UnaryUnaryMultiCallable<[UInt8], [UInt8]>) throws {
        let slow = try (0..<4).map { _ in try unary.future([], timeout: 10, metadata: [("x-sleep-ms", "200")]) }
        for future in slow { XCTAssertEqual(try future.result(timeout: 10), []) }
    }

    /// This process's threads, one entry each in /proc/self/task. Throws when they cannot be
    /// counted: a count of 0 would let the check for leaked threads pass whatever the server did.
    static func threadCount() throws -> Int {
        let tasks: [String]
        do {
            tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        } catch {
            throw ThreadsNotCounted(description: "/proc/self/task cannot be read: \(error)")
        }
        // The thread asking is one of them.
        guard !tasks.isEmpty else { throw ThreadsNotCounted(description: "/proc/self/task lists no thread") }
        return tasks.count
    }
}
