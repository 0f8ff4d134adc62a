import Foundation
import XCTest

@testable import GRPCSync

/// The async client (`AIO`, grpc.aio's client API) against grpcio's server (`peer_server.py`):
/// the four kinds of call, their call objects, deadlines, task cancellation in each phase of a
/// call, back-pressure on writes, abandoned calls, and thousands of awaiting calls holding no
/// thread.
final class AIOClientTests: XCTestCase {
    static let peer = Result { try PythonPeerServer(arguments: ["--workers", "4"]) }

    private func channel() throws -> AIO.Channel { AIO.insecureChannel(try Self.peer.get().target) }

    private func path(_ method: String) -> String { TestService.path(method) }

    func testUnaryCallAndItsCallObject() async throws {
        let channel = try channel()
        let unary = channel.unaryUnary(path("Unary"))
        let reply = try await unary([1, 2, 3], timeout: 10)
        XCTAssertEqual(reply, [1, 2, 3])

        let call = try unary.call([4], timeout: 10, metadata: [("x-echo-a", "1"), ("x-trail-b", "2")])
        let value1 = try await call.response
        XCTAssertEqual(value1, [4])
        let value2 = await call.initialMetadata()["x-echo-a"]
        XCTAssertEqual(value2, "1")
        let value3 = await call.trailingMetadata()["x-trail-b"]
        XCTAssertEqual(value3, "2")
        let value4 = await call.code()
        XCTAssertEqual(value4, .ok)
        let value5 = await call.details()
        XCTAssertEqual(value5, "")
        XCTAssertTrue(call.done())
        XCTAssertFalse(call.cancelled())
        XCTAssertFalse(call.cancel(), "an ended call is not cancelled")
        let ran = expectation(description: "done callback")
        call.addDoneCallback { ended in
            XCTAssertTrue(ended.done())
            ran.fulfill()
        }
        await fulfillment(of: [ran], timeout: 5)
        await channel.close()
    }

    func testFailedCallsThrowTheStatusGrpcioSends() async throws {
        let channel = try channel()
        do {
            _ = try await channel.unaryUnary(path("Raise"))([], timeout: 10)
            XCTFail("Raise answered")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .unknown)
            XCTAssertEqual(error.details, "Exception calling application: boom")
        }
        let aborted = try channel.unaryUnary(path("Unary")).call(
            [], timeout: 10, metadata: [("x-status-code", "5"), ("x-status-details-bin", .binary(Array("gone".utf8)))])
        await assertThrowsRPCError(try await aborted.response, .notFound, "gone")
        let value6 = await aborted.code()
        XCTAssertEqual(value6, .notFound)
        do {
            _ = try await channel.unaryUnary(path("Unary"))([], timeout: 0.3, metadata: [("x-sleep-ms", "3000")])
            XCTFail("the deadline passed unnoticed")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .deadlineExceeded)
        }
        await channel.close()
        do {
            _ = try await channel.unaryUnary(path("Unary"))([], timeout: 10)
            XCTFail("a closed channel took a call")
        } catch {
            XCTAssertTrue(error is UsageError, "\(error)")
        }
        XCTAssertThrowsError(try channel.unaryStream(path("ServerStream"))([])) { XCTAssertTrue($0 is UsageError) }
    }

    func testServerStreamingIsAnAsyncSequence() async throws {
        let channel = try channel()
        defer { Task { await channel.close() } }
        let stream = channel.unaryStream(path("ServerStream"))
        var received: [[UInt8]] = []
        for try await message in try stream([], timeout: 10, metadata: [("x-count", "5"), ("x-size", "3")]) {
            received.append(message)
        }
        XCTAssertEqual(received, (0..<5).map { [UInt8](repeating: UInt8($0), count: 3) })

        let call = try stream([], timeout: 10, metadata: [("x-count", "2"), ("x-size", "1")])
        let first = try await call.read()
        let second = try await call.read()
        let end = try await call.read()
        XCTAssertEqual(first, [0])
        XCTAssertEqual(second, [1])
        XCTAssertNil(end)
        let value7 = await call.code()
        XCTAssertEqual(value7, .ok)

        var beforeError: [[UInt8]] = []
        do {
            for try await message in try channel.unaryStream(path("StreamRaise"))([], timeout: 10) {
                beforeError.append(message)
            }
            XCTFail("StreamRaise ended OK")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .unknown)
            XCTAssertEqual(error.details, "Exception iterating responses: boom")
        }
        XCTAssertEqual(beforeError, [[0], [1]])
    }

    func testClientStreamingFromSequencesAndWrites() async throws {
        let channel = try channel()
        defer { Task { await channel.close() } }
        let clientStream = channel.streamUnary(path("ClientStream"))
        let fromArray = try await clientStream([[1], [2, 3]], timeout: 10)
        XCTAssertEqual(String(decoding: fromArray, as: UTF8.self), "count=2 bytes=3")

        let (requests, continuation) = AsyncStream<[UInt8]>.makeStream()
        let call = try clientStream.call(requests, timeout: 10)
        for size in 1...4 { continuation.yield([UInt8](repeating: 7, count: size)) }
        continuation.finish()
        let value8 = String(decoding: try await call.response, as: UTF8.self)
        XCTAssertEqual(value8, "count=4 bytes=10")
        do {
            try await call.write([1])
            XCTFail("a write on a call fed by a sequence")
        } catch let error as UsageError {
            XCTAssertEqual(error.message, "The iterator and read/write APIs may not be mixed on a single RPC.")
        }

        // The server sleeps before it reads: the call is still running when the last write comes.
        let written = try clientStream.call(timeout: 10, metadata: [("x-sleep-ms", "1000")])
        try await written.write([1, 1])
        try await written.write([2])
        try await written.doneWriting()
        do {
            try await written.write([3])
            XCTFail("a write after doneWriting")
        } catch let error as UsageError {
            XCTAssertEqual(error.message, "RPC is half closed after calling \"done_writing\".")
        }
        let value9 = String(decoding: try await written.response, as: UTF8.self)
        XCTAssertEqual(value9, "count=2 bytes=3")
        do {
            try await written.write([3])
            XCTFail("a write after the end")
        } catch let error as UsageError {
            XCTAssertEqual(error.message, "RPC already finished.")
        }
    }

    /// A request sequence that throws cancels the call, as grpc.aio does with an iterator that raises.
    func testARequestSequenceThatThrowsCancelsTheCall() async throws {
        let channel = try channel()
        defer { Task { await channel.close() } }
        struct Broken: Error {}
        let requests = AsyncThrowingStream<[UInt8], any Error> { continuation in
            continuation.yield([1])
            continuation.finish(throwing: Broken())
        }
        let call = try channel.streamUnary(path("ClientStream")).call(requests, timeout: 10)
        do {
            _ = try await call.response
            XCTFail("the call ended OK")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        let value10 = await call.code()
        XCTAssertEqual(value10, .cancelled)
        let value11 = await call.details()
        XCTAssertEqual(value11, "Locally cancelled by application!")
        XCTAssertTrue(call.cancelled())
    }

    func testBidirectionalPingPongAndIteration() async throws {
        let channel = try channel()
        defer { Task { await channel.close() } }
        let bidi = channel.streamStream(path("Bidi"))
        let call = try bidi(timeout: 10)
        for i in 0..<20 {
            try await call.write([UInt8(i)])
            let echoed = try await call.read()
            XCTAssertEqual(echoed, [UInt8(i)])
        }
        try await call.doneWriting()
        let end = try await call.read()
        XCTAssertNil(end)

        var echoed: [[UInt8]] = []
        for try await message in try bidi([[1], [2], [3]], timeout: 10) { echoed.append(message) }
        XCTAssertEqual(echoed, [[1], [2], [3]])
    }

    func testConnectivityIsAwaited() async throws {
        let channel = try channel()
        XCTAssertEqual(channel.getState(), .idle)
        try await channel.channelReady()
        XCTAssertEqual(channel.getState(), .ready)

        let unused = Server(ThreadPoolExecutor(maxWorkers: 1))
        let port = try unused.addInsecurePort("127.0.0.1:0")  // bound, never started: refuses
        let refused = AIO.insecureChannel("127.0.0.1:\(port)")
        XCTAssertEqual(refused.getState(tryToConnect: true), .connecting)
        try await refused.waitForStateChange(.connecting)
        XCTAssertEqual(refused.getState(), .transientFailure)
        let waiting = Task { try await refused.channelReady() }
        try await Task.sleep(nanoseconds: 200_000_000)
        waiting.cancel()
        await assertCancelled(try await waiting.value)

        await channel.close()
        XCTAssertEqual(channel.getState(), .shutdown)
        do {
            try await channel.channelReady()
            XCTFail("a closed channel got ready")
        } catch {
            XCTAssertTrue(error is UsageError, "\(error)")
        }
        await refused.close()
    }

    // MARK: cancellation

    /// A task cancelled before its call starts, while it waits for the response headers, while it
    /// reads a stream and while its write is suspended: each call ends CANCELLED here, the task
    /// gets `CancellationError`, and the server sees the call cancelled.
    func testCancellingTheTaskCancelsTheCallInEveryPhase() async throws {
        let channel = try channel()
        defer { Task { await channel.close() } }
        let unary = channel.unaryUnary(path("Unary"))

        let beforeStart = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await unary([1], timeout: 10)
        }
        await assertCancelled(try await beforeStart.value)

        let marker = Array("aio-cancel-\(UUID().uuidString)".utf8)
        let waitForCancel = channel.unaryUnary(path("WaitForCancel"))
        let waiting = Task { try await waitForCancel(marker, timeout: 20) }
        try await Task.sleep(nanoseconds: 300_000_000)
        waiting.cancel()
        await assertCancelled(try await waiting.value)
        let record = try await eventually {
            let answer = String(
                decoding: try await channel.unaryUnary(path("CancelSeen"))(marker, timeout: 5), as: UTF8.self)
            return answer == "none" ? nil : answer
        }
        XCTAssertEqual(record, "active=false callback=true")

        let stream = channel.unaryStream(path("ServerStream"))
        let reading = Task {
            var count = 0
            for try await _ in try stream([], timeout: 20, metadata: [("x-count", "1000"), ("x-interval-ms", "10")]) {
                count += 1
            }
            return count
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        reading.cancel()
        await assertCancelled(try await reading.value)

        // The server sleeps before it reads, and (unlike grpcio's) takes no more than the stream's
        // window meanwhile: a write suspends on the stream's flow control.
        let server = try SwiftTestServer(workers: 2)
        let slowChannel = AIO.insecureChannel(server.target)
        defer { Task { await slowChannel.close() } }
        let clientStream = slowChannel.streamUnary(path("ClientStream"))
        let call = try clientStream.call(timeout: 20, metadata: [("x-sleep-ms", "5000")])
        let suspendedWrites = Task {
            for _ in 0..<64 { try await call.write([UInt8](repeating: 1, count: 64 * 1024)) }
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        XCTAssertTrue(call.timeRemaining() ?? 0 > 0 && !call.done(), "the writes are held back, not failed")
        suspendedWrites.cancel()
        await assertCancelled(try await suspendedWrites.value)
        let value12 = await call.code()
        XCTAssertEqual(value12, .cancelled)
        XCTAssertTrue(call.cancelled())
    }

    /// A cancelled task gets `CancellationError` from its call even when something else ended the
    /// call first (the server's GOAWAY as the task was cancelled, say), as asyncio raises
    /// `CancelledError` in a task cancelled while it waited; the call keeps its own status.
    func testACancelledTaskGetsCancellationErrorWhateverEndedItsCall() async throws {
        let channel = AIO.insecureChannel("127.0.0.1:1")  // nothing listens: UNAVAILABLE
        defer { Task { await channel.close() } }
        let call = try channel.unaryUnary(path("Unary")).call([1], timeout: 10)
        let code = await call.code()
        XCTAssertEqual(code, .unavailable)
        let awaited = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await call.response
        }
        await assertCancelled(try await awaited.value)
        XCTAssertFalse(call.cancelled(), "the call itself ended UNAVAILABLE")
        do {
            _ = try await call.response
            XCTFail("the call failed")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .unavailable, "a task that is not cancelled gets the call's error")
        }
    }

    /// A response stream dropped without being drained is reset: its stream closes, nothing is
    /// left on the connection.
    func testAnAbandonedResponseStreamIsReset() async throws {
        let channel = try channel()
        defer { Task { await channel.close() } }
        do {
            let call = try channel.unaryStream(path("ServerStream"))(
                [], timeout: 20, metadata: [("x-count", "1000"), ("x-size", "100000")])
            _ = try await call.read()
        }
        let open = try await eventually { () async throws -> Bool? in
            channel.transport.connectionIfReady()?.hasOpenStreams == false ? false : nil
        }
        XCTAssertEqual(open, false)
    }

    // MARK: scale

    /// 10,000 calls awaiting on one channel leave the process's thread count where it was, and a
    /// channel closed under 1,000 awaiting calls cancels each one (`CancellationError`).
    func testThousandsOfAwaitingCallsHoldNoThread() async throws {
        // One worker that sleeps: the calls queue at the server (or wait for a stream of the
        // connection), open and unanswered. (grpcio's server cancels calls past 1,000 pending.)
        let peer = try SwiftTestServer(workers: 1)
        let channel = AIO.insecureChannel(peer.target)
        let unary = channel.unaryUnary(path("Unary"))
        _ = try await unary([], timeout: 10)
        let warm = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<100 { group.addTask { try await unary([], timeout: 10) } }
            return try await group.reduce(into: 0) { count, _ in count += 1 }
        }
        XCTAssertEqual(warm, 100)
        // `Task.sleep` starts the runtime's timer threads (default QoS): count them before.
        try await Task.sleep(nanoseconds: 10_000_000)
        let threadsBefore = try BadInputTests.threadCount()
        let namesBefore = BadInputTests.threadNames()

        let (outcomes, threadsDuring, namesDuring) = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10_000 {
                group.addTask {
                    do {
                        _ = try await unary([], timeout: 60, metadata: [("x-sleep-ms", "20000")])
                        return "answered"
                    } catch is CancellationError {
                        return "cancelled"
                    }
                }
            }
            try await Task.sleep(nanoseconds: 1_000_000_000)
            let threads = try BadInputTests.threadCount()
            let names = BadInputTests.threadNames()
            group.cancelAll()
            let outcomes = try await group.reduce(into: [String: Int]()) { counts, outcome in
                counts[outcome, default: 0] += 1
            }
            return (outcomes, threads, names)
        }
        XCTAssertLessThanOrEqual(
            threadsDuring, threadsBefore + 2, "threads grew with the calls: \(namesBefore) → \(namesDuring)")
        XCTAssertEqual(outcomes, ["cancelled": 10_000], "every call awaited until its task was cancelled")

        let closing = AIO.insecureChannel(peer.target)
        let waiting = closing.unaryUnary(path("Unary"))
        _ = try await waiting([], timeout: 10)
        let closed = await withTaskGroup(of: String.self) { group in
            for _ in 0..<1000 {
                group.addTask {
                    do {
                        _ = try await waiting([], timeout: 60, metadata: [("x-sleep-ms", "20000")])
                        return "ok"
                    } catch is CancellationError {
                        return "cancelled"
                    } catch {
                        return "\(error)"
                    }
                }
            }
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            await closing.close()
            return await group.reduce(into: [String: Int]()) { counts, outcome in counts[outcome, default: 0] += 1 }
        }
        XCTAssertEqual(closed, ["cancelled": 1000], "close() cancels every call, as grpc.aio's does")
        await channel.close()
    }

    // MARK: helpers

    /// Asks `probe` every 50 ms (for up to 10 s) until it answers.
    private func eventually<T>(_ probe: () async throws -> T?) async throws -> T? {
        for _ in 0..<200 {
            if let answer = try await probe() { return answer }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return nil
    }
}

/// Fails unless `body` throws `CancellationError`.
func assertCancelled<T>(
    _ body: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line
) async {
    do {
        _ = try await body()
        XCTFail("not cancelled", file: file, line: line)
    } catch {
        XCTAssertTrue(error is CancellationError, "\(error)", file: file, line: line)
    }
}

/// Fails unless `body` throws ``RPCError`` with `code` and `details`.
func assertThrowsRPCError<T>(
    _ body: @autoclosure () async throws -> T, _ code: StatusCode, _ details: String,
    file: StaticString = #filePath, line: UInt = #line
) async {
    do {
        _ = try await body()
        XCTFail("no error", file: file, line: line)
    } catch let error as RPCError {
        XCTAssertEqual(error.code, code, file: file, line: line)
        XCTAssertEqual(error.details, details, file: file, line: line)
    } catch {
        XCTFail("\(error)", file: file, line: line)
    }
}
