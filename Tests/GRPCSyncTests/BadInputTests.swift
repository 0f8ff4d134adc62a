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

    /// The malformed-input cases against grpcio's server, whose answers docs/porting.md puts
    /// beside ours: a malformed `grpc-timeout` gets the same answer from both (but nine digits,
    /// which grpcio accepts); a bad flag byte and a second request message grpcio serves OK, and
    /// a stream id that does not increase it ignores.
    func testMalformedInputAnsweredAsGrpcioDoesOrAsDocumented() throws {
        let grpcio = try PythonPeerServer()
        defer { grpcio.stop() }
        let swift = try SwiftTestServer(workers: 4)
        func info(_ name: String, _ target: String) throws -> (passed: Bool, info: String) {
            let (status, output) = try Peers.run("bad_input.py", [name, "--target", target], timeout: 60)
            let line = output.split(separator: "\n").first { $0.hasPrefix("INFO \(name):") }
            return (status == 0, line.map(String.init) ?? output)
        }
        // grpc-timeout: each variant's answer, `'abc': HEADERS(…) -> …`, the same from both but nine digits.
        func answers(_ info: String) -> [Substring: Substring] {
            var byValue: [Substring: Substring] = [:]
            for part in info.dropFirst("INFO bad_grpc_timeout: ".count).split(separator: "; ") {
                guard let colon = part.firstRange(of: ": ") else { continue }
                byValue[part[..<colon.lowerBound]] =
                    part[colon.upperBound...]
                    .split(separator: " (grpc-message")[0]
            }
            return byValue
        }
        let (grpcioTimeoutPassed, grpcioTimeout) = try info("bad_grpc_timeout", grpcio.target)
        let (swiftTimeoutPassed, swiftTimeout) = try info("bad_grpc_timeout", swift.target)
        XCTAssertTrue(swiftTimeoutPassed, swiftTimeout)
        XCTAssertFalse(grpcioTimeoutPassed, "grpcio accepts nine digits: \(grpcioTimeout)")
        let (grpcioAnswers, swiftAnswers) = (answers(grpcioTimeout), answers(swiftTimeout))
        XCTAssertEqual(grpcioAnswers.count, 5, grpcioTimeout)
        // A trailing RST_STREAM(NO_ERROR) depends on timing; the status is what counts.
        func status(_ answer: Substring?) -> String? { answer.map { String($0.split(separator: " -> ")[0]) } }
        for value in ["'abc'", "'10x'", "'-1S'", "'S'"] {
            XCTAssertEqual(status(swiftAnswers[Substring(value)]), status(grpcioAnswers[Substring(value)]), value)
            XCTAssertEqual(
                status(grpcioAnswers[Substring(value)]),
                "HEADERS(stream 1, :status=200 content-type=application/grpc grpc-status=13 "
                    + "grpc-message=Error parsing 'grpc-timeout' metadata, END_STREAM)", value)
        }
        XCTAssertTrue(grpcioAnswers["'123456789S'"]?.contains("grpc-status=0") == true, grpcioTimeout)

        // Where the answers differ on purpose (docs/porting.md): grpcio serves the call OK or ignores
        // the frame; a bad flag byte it takes as an empty request or drops the message (the call
        // then has none: UNIMPLEMENTED), from one run to the next.
        let (flagPassed, flag) = try info("bad_message_flag", grpcio.target)
        XCTAssertFalse(flagPassed, flag)
        XCTAssertTrue(flag.contains("grpc-status=0") || flag.contains("grpc-status=12"), flag)
        let (twoPassed, two) = try info("unary_two_requests", grpcio.target)
        XCTAssertFalse(twoPassed, two)
        XCTAssertTrue(two.contains("grpc-status=0"), two)
        let (regressionPassed, regression) = try info("stream_id_regression", grpcio.target)
        XCTAssertFalse(regressionPassed, regression)
        XCTAssertEqual(regression, "INFO stream_id_regression: 3 after 5: nothing; 1 after 1, 3: nothing")
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

    /// The names of the process's threads (`/proc/self/task/*/comm`), sorted: what a failed
    /// thread count shows.
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.map { task in
            let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
            return name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        }.sorted()
    }
}
