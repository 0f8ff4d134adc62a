import Foundation
import Synchronization
import TestProcesses
import XCTest

@testable import GRPCSync

/// ``ReceiveBudget`` as a value, and on the wire: a client that fills thousands of never-ending
/// messages as windows allow (Tests/Peers/flood_client.py) against the server's budget.
final class ReceiveBudgetTests: XCTestCase {
    private let mib = 1 << 20

    func testWindowGoesBackAtOnceWhileTheBufferAndTheWindowFitTheLimit() {
        var budget = ReceiveBudget(limit: 64 * mib, window: 16 * mib)
        XCTAssertEqual(budget.received(1000), 1000)
        XCTAssertEqual(budget.held, 1000)
        XCTAssertFalse(budget.isWithholding)
        XCTAssertEqual(budget.released(1000), 0)
        XCTAssertEqual(budget.held, 0)
    }

    func testPastTheLimitWindowIsWithheldUntilBytesAreReleased() {
        var budget = ReceiveBudget(limit: 64 * mib, window: 16 * mib)
        XCTAssertEqual(budget.received(48 * mib), 48 * mib, "held + window = the limit: everything goes back")
        XCTAssertEqual(budget.received(mib), 0, "one more MiB would let the peer send past the limit")
        XCTAssertTrue(budget.isWithholding)
        XCTAssertEqual(budget.withheld, mib)
        XCTAssertEqual(budget.received(15 * mib), 0)
        XCTAssertEqual(budget.held, 64 * mib, "the peer has no window left: the buffer is at the limit")
        XCTAssertEqual(budget.released(4 * mib), 4 * mib, "released bytes let as much window go back")
        XCTAssertEqual(budget.released(20 * mib), 12 * mib, "never more than was withheld")
        XCTAssertFalse(budget.isWithholding)
        XCTAssertEqual(budget.held, 40 * mib)
    }

    func testTheLimitNeverHoldsUpOneLargestMessage() {
        XCTAssertEqual(
            ReceiveBudget.effectiveLimit(
                requested: nil, maxMessageLength: 4 * mib, window: 16 * mib, streamWindow: mib),
            ReceiveBudget.defaultLimit)
        XCTAssertEqual(
            ReceiveBudget.effectiveLimit(
                requested: mib, maxMessageLength: 4 * mib, window: 16 * mib, streamWindow: mib),
            21 * mib)
        XCTAssertEqual(
            ReceiveBudget.effectiveLimit(
                requested: nil, maxMessageLength: 100 * mib, window: 16 * mib, streamWindow: mib), 117 * mib)
        XCTAssertEqual(
            ReceiveBudget.effectiveLimit(requested: nil, maxMessageLength: .max, window: 16 * mib, streamWindow: mib),
            .max)
    }

    /// A stream counts what it holds for the budget: the incomplete message and the unread ones,
    /// as they arrived, freed as messages are taken, all of it when the stream closes.
    func testAStreamCountsTheBytesItHolds() throws {
        var inbound = InboundMessages(maxMessageLength: 4 * mib)
        let one: [UInt8] = [0, 0, 0, 0, 3, 1, 2, 3]  // a whole 3-byte message
        let partial: [UInt8] = [0, 0, 0, 0, 10, 1, 2]  // 2 of 10 bytes
        _ = try (one + one + partial).withUnsafeBytes { try inbound.receive($0) }
        XCTAssertEqual(inbound.bufferedBytes, 23)
        XCTAssertEqual(inbound.take()?.freed, 0, "a message is still queued")
        XCTAssertEqual(inbound.take()?.freed, 16, "the queue emptied: all but the incomplete message")
        XCTAssertEqual(inbound.bufferedBytes, 7)
        XCTAssertEqual(inbound.streamClosed(), 7)
        XCTAssertEqual(inbound.bufferedBytes, 0)
        XCTAssertFalse(inbound.hasPartialMessage, "the incomplete message is dropped with the stream")
        _ = try partial.withUnsafeBytes { try inbound.receive($0) }
        XCTAssertEqual(inbound.dropAll().freed, 7)
        XCTAssertEqual(inbound.bufferedBytes, 0)
    }

    func testTheOptionsMakeTheLimits() throws {
        let defaults = ChannelOptions().connectionLimits(for: .server)
        XCTAssertEqual(defaults.maxConcurrentStreams, 100)
        XCTAssertEqual(defaults.receiveBufferLimit, 64 * mib)
        let set = try ChannelOptions([
            ("grpc.max_connection_receive_buffer_bytes", .int(32 * mib)), ("grpc.max_concurrent_streams", 10),
        ]).connectionLimits(for: .server)
        XCTAssertEqual(set.receiveBufferLimit, 32 * mib)
        XCTAssertEqual(set.maxConcurrentStreams, 10)
        let unlimited = try ChannelOptions([
            ("grpc.max_connection_receive_buffer_bytes", -1), ("grpc.max_concurrent_streams", .int(Int(Int32.max))),
        ]).connectionLimits(for: .server)
        XCTAssertEqual(unlimited.receiveBufferLimit, Int.max)
        XCTAssertNil(unlimited.maxConcurrentStreams)
    }

    /// The attack: 4,000 unary calls on one connection, each declaring a 4 MiB message
    /// filled as windows allow and never finished. The server advertises 100 concurrent streams,
    /// holds no more than its 64 MiB budget (its resident memory is watched), ends the stream
    /// holding the most RESOURCE_EXHAUSTED whenever the budget is spent on incomplete messages,
    /// and meanwhile answers another client's unary calls.
    func testAFloodOfIncompleteMessagesIsHeldUnderTheBudgetWhileOthersAreServed() throws {
        let server = try SwiftTestServer(workers: 4)
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        XCTAssertEqual(try unary(Array("warm".utf8), timeout: 10), Array("warm".utf8))
        let before = try Self.residentBytes(of: "self")
        ReceiveBudget.mostHeldWhileWithholding.store(0, ordering: .relaxed)

        let flood = try ChildProcess(
            Repository.python, [Peers.script("flood_client.py"), "--target", server.target, "--seconds", "10"])
        var peak = before
        var served = 0
        let end = Date().addingTimeInterval(10)
        while Date() < end {
            XCTAssertEqual(try unary(Array("ping".utf8), timeout: 10), Array("ping".utf8))
            served += 1
            peak = max(peak, try Self.residentBytes(of: "self"))
            Thread.sleep(forTimeInterval: 0.05)
        }
        let (status, output) = flood.waitForExit(timeout: 30)
        peak = max(peak, try Self.residentBytes(of: "self"))
        let mostHeld = ReceiveBudget.mostHeldWhileWithholding.load(ordering: .relaxed)
        print(
            "flood against the Swift server: \(output.trimmingCharacters(in: .whitespacesAndNewlines)); "
                + "most held \(mostHeld / mib) MiB; resident memory grew \((peak - before) / mib) MiB; "
                + "\(served) unary calls served meanwhile")
        XCTAssertEqual(status, 0, output)
        let report = try Self.floodReport(output)
        XCTAssertEqual(report["max_concurrent"], "100", output)
        XCTAssertEqual(report["goaway"], "none", "flow control was honoured, the connection stays: \(output)")
        let sent = Int(report["sent"] ?? "") ?? 0
        XCTAssertGreaterThan(sent, 2 * ReceiveBudget.defaultLimit, "the client sent more than the budget: \(output)")
        XCTAssertTrue(report["statuses"]?.contains("8:") == true, "streams ended RESOURCE_EXHAUSTED: \(output)")
        // The connection held no more than its budget, and reached it: window was withheld.
        XCTAssertLessThanOrEqual(mostHeld, ReceiveBudget.defaultLimit, output)
        XCTAssertGreaterThan(mostHeld, ReceiveBudget.defaultLimit / 2, output)
        // The process's memory agrees, with room for the allocator's slack (freed message buffers
        // it keeps) and the test's own calls; without the budget the server held 100 streams of
        // 4 MiB (400 MiB), and without the stream limit everything sent (gigabytes in seconds).
        XCTAssertLessThan(peak - before, 4 * ReceiveBudget.defaultLimit, output)
        XCTAssertGreaterThan(served, 0)
    }

    /// grpcio's server against a smaller flood: it advertises no concurrent-stream limit and holds
    /// every byte sent (docs/porting.md, Limits and defences).
    func testGrpcioHoldsEveryByteOfTheFlood() throws {
        let grpcio = try PythonPeerServer()
        defer { grpcio.stop() }
        let pid = String(grpcio.process.processIdentifier)
        let before = try Self.residentBytes(of: pid)
        let flood = try ChildProcess(
            Repository.python,
            [
                Peers.script("flood_client.py"), "--target", grpcio.target, "--streams", "120", "--message-bytes",
                "\(mib)", "--seconds", "4",
            ])
        // Sampled while the flood runs: grpcio lets go of it all when the connection closes.
        var peak = before
        let end = Date().addingTimeInterval(4)
        while Date() < end {
            peak = max(peak, try Self.residentBytes(of: pid))
            Thread.sleep(forTimeInterval: 0.05)
        }
        let (status, output) = flood.waitForExit(timeout: 30)
        let grown = peak - before
        print(
            "flood against grpcio: \(output.trimmingCharacters(in: .whitespacesAndNewlines)); "
                + "resident memory grew \(grown / mib) MiB")
        XCTAssertEqual(status, 0, output)
        let report = try Self.floodReport(output)
        XCTAssertEqual(report["max_concurrent"], "none", output)
        XCTAssertEqual(report["ended"], "0", output)
        XCTAssertGreaterThan(grown, 100 * mib, "grpcio holds the 120 MiB sent: \(output)")
    }

    /// The client side: a server (fake_h2_server.py `incomplete_flood`) answers 100 calls with
    /// messages of 4 MiB that it never finishes, sending as much as the windows let through. The
    /// channel's connection holds no more than its 64 MiB budget, ends the stream holding the
    /// most RESOURCE_EXHAUSTED whenever the budget is spent on incomplete messages, and the rest
    /// end at their deadline; the process's memory stays bounded.
    func testAServerFloodingIncompleteMessagesIsHeldUnderTheClientsBudget() throws {
        let server = try PythonPeerServer.fakeH2(mode: "incomplete_flood")
        defer { server.stop() }
        let channel = insecureChannel("127.0.0.1:\(server.port)")
        defer { channel.close() }
        let before = try Self.residentBytes(of: "self")
        ReceiveBudget.mostHeldWhileWithholding.store(0, ordering: .relaxed)
        let unary = channel.unaryUnary("/x.Y/Z")
        let futures = try (0..<100).map { _ in try unary.future(Array("hi".utf8), timeout: 8) }
        var peak = before
        var outcomes: [StatusCode: Int] = [:]
        for future in futures {
            _ = try? future.exception(timeout: 30)
            outcomes[future.code(), default: 0] += 1
            peak = max(peak, try Self.residentBytes(of: "self"))
        }
        let mostHeld = ReceiveBudget.mostHeldWhileWithholding.load(ordering: .relaxed)
        print(
            "incomplete flood against the Swift client: \(outcomes); most held \(mostHeld / mib) MiB; "
                + "resident memory grew \((peak - before) / mib) MiB")
        XCTAssertEqual(outcomes.values.reduce(0, +), 100)
        XCTAssertGreaterThan(outcomes[.resourceExhausted] ?? 0, 0, "the budget ended the largest streams: \(outcomes)")
        XCTAssertEqual(
            Set(outcomes.keys), [.resourceExhausted, .deadlineExceeded], "no other outcome: \(outcomes)")
        XCTAssertLessThanOrEqual(mostHeld, ReceiveBudget.defaultLimit)
        XCTAssertGreaterThan(mostHeld, ReceiveBudget.defaultLimit / 2, "the flood reached the budget")
        XCTAssertLessThan(peak - before, 4 * ReceiveBudget.defaultLimit)
    }

    /// `key=value` pairs of flood_client.py's `FLOOD` line.
    static func floodReport(_ output: String) throws -> [String: String] {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("FLOOD ") }) else {
            throw ChildProcessFailure("flood_client.py printed no FLOOD line:\n\(output)")
        }
        var report: [String: String] = [:]
        for pair in line.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { report[String(parts[0])] = String(parts[1]) }
        }
        return report
    }

    /// A process's resident memory, from /proc/<pid>/statm (`self` for this one).
    static func residentBytes(of pid: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8)
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else {
            throw ChildProcessFailure("/proc/\(pid)/statm unreadable: \(text)")
        }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
