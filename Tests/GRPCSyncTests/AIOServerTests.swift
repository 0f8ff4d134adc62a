import Foundation
import Synchronization
import XCTest

@testable import GRPCSync

/// The async server (`AIO.server`, grpc.aio's server API): async handlers of the four kinds run
/// as tasks, against the blocking and the async client; handler errors end calls as grpcio's
/// do; a call that ends first cancels its handler's task; a thousand awaiting handlers hold no
/// thread; `stop(grace:)` and `waitForTermination` are awaited.
final class AIOServerTests: XCTestCase {
    /// What the handlers record: which of them saw their task cancelled.
    final class Records: Sendable {
        let cancelledHandlers = Atomic<Int>(0)
        let runningHandlers = Atomic<Int>(0)
        let stubbornReturned = Atomic<Int>(0)
    }

    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    static let service = "grpcsync.testing.AsyncService"
    static func path(_ method: String) -> String { "/\(service)/\(method)" }

    /// The async service: echo, streams of either side, errors, and handlers that wait.
    static func handler(_ records: Records) -> GenericRPCHandler {
        methodHandlersGenericHandler(
            service,
            [
                "Unary": AIO.unaryUnaryRPCMethodHandler { request, context in
                    if let echo = context.invocationMetadata()["x-echo"] {
                        try context.sendInitialMetadata([("x-echo", .text(echo))])
                    }
                    return request
                },
                "ServerStream": AIO.unaryStreamRPCMethodHandler { request, responses, _ in
                    for index in 0..<Int(request.first ?? 0) { try await responses.write([UInt8(index)]) }
                },
                "ClientStream": AIO.streamUnaryRPCMethodHandler { requests, _ in
                    var count = 0
                    var bytes = 0
                    for try await request in requests {
                        count += 1
                        bytes += request.count
                    }
                    return Array("count=\(count) bytes=\(bytes)".utf8)
                },
                "Bidi": AIO.streamStreamRPCMethodHandler { requests, responses, _ in
                    for try await request in requests { try await responses.write(request) }
                },
                "Raise": AIO.unaryUnaryRPCMethodHandler { _, _ in throw Boom() },
                "StreamRaise": AIO.unaryStreamRPCMethodHandler { _, responses, _ in
                    try await responses.write([0])
                    throw Boom()
                },
                "Abort": AIO.unaryUnaryRPCMethodHandler { _, context in
                    try context.abort(.notFound, "no such thing")
                },
                // Awaits the client's requests, which never come: ends when the call does.
                "Wait": AIO.streamStreamRPCMethodHandler { requests, _, _ in
                    records.runningHandlers.add(1, ordering: .relaxed)
                    defer { records.runningHandlers.subtract(1, ordering: .relaxed) }
                    for try await _ in requests {}
                },
                // Waits a second whatever happens (it never looks at its task's cancellation), then
                // answers.
                "Stubborn": AIO.unaryUnaryRPCMethodHandler { request, _ in
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { done.resume() }
                    }
                    records.stubbornReturned.add(1, ordering: .relaxed)
                    return request
                },
                // Where the handler runs: on its connection's loop, or not.
                "Where": AIO.unaryUnaryRPCMethodHandler { _, context in
                    Array((context.call.connection.loop.isCurrent ? "loop" : "pool").utf8)
                },
                // Sleeps for a minute unless its task is cancelled.
                "Sleep": AIO.unaryUnaryRPCMethodHandler { request, _ in
                    do {
                        try await Task.sleep(nanoseconds: 60_000_000_000)
                    } catch {
                        records.cancelledHandlers.add(1, ordering: .relaxed)
                        throw error
                    }
                    return request
                },
            ])
    }

    private var records = Records()
    private var server: AIO.Server!
    private var port = 0

    override func setUp() async throws {
        records = Records()
        server = AIO.server(handlers: [Self.handler(records)])
        port = try server.addInsecurePort("127.0.0.1:0")
        try await server.start()
    }

    override func tearDown() async throws {
        await server.stop(grace: nil)
    }

    func testTheFourKindsAgainstTheBlockingClient() throws {
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        let (reply, call) = try channel.unaryUnary(Self.path("Unary")).withCall(
            [1, 2], timeout: 10, metadata: [("x-echo", "hi")])
        XCTAssertEqual(reply, [1, 2])
        XCTAssertEqual(call.initialMetadata()["x-echo"], "hi")
        let stream = try channel.unaryStream(Self.path("ServerStream"))([3], timeout: 10)
        var received: [[UInt8]] = []
        while let message = try stream.next() { received.append(message) }
        XCTAssertEqual(received, [[0], [1], [2]])
        let counted = try channel.streamUnary(Self.path("ClientStream"))([[1], [2, 3]], timeout: 10)
        XCTAssertEqual(String(decoding: counted, as: UTF8.self), "count=2 bytes=3")
        let echoed = try channel.streamStream(Self.path("Bidi"))([[7], [8]], timeout: 10)
        var back: [[UInt8]] = []
        while let message = try echoed.next() { back.append(message) }
        XCTAssertEqual(back, [[7], [8]])
    }

    func testTheFourKindsAgainstTheAsyncClient() async throws {
        let channel = AIO.insecureChannel("127.0.0.1:\(port)")
        try await Self.fourKinds(channel)
        let whereRun = try await channel.unaryUnary(Self.path("Where"))([], timeout: 10)
        XCTAssertEqual(String(decoding: whereRun, as: UTF8.self), "pool", "handlers run on the cooperative pool")
        await channel.close()
    }

    /// `handlersRunOnLoops: true` runs every handler on the loop that reads its connection, and a
    /// client task that prefers the channel's executor runs on the loop that reads the channel's
    /// connection: the four kinds work both ways.
    func testHandlersAndClientTasksOnTheLoops() async throws {
        let onLoops = AIO.server(handlers: [Self.handler(records)], handlersRunOnLoops: true)
        let port = try onLoops.addInsecurePort("127.0.0.1:0")
        try await onLoops.start()
        let channel = AIO.insecureChannel("127.0.0.1:\(port)")
        let loop = channel.transport.loop
        let onTheLoop = try await withTaskExecutorPreference(channel.executor) {
            try await Self.fourKinds(channel)
            let whereRun = try await channel.unaryUnary(Self.path("Where"))([], timeout: 10)
            XCTAssertEqual(String(decoding: whereRun, as: UTF8.self), "loop")
            return loop.isCurrent
        }
        XCTAssertTrue(onTheLoop, "the task ran on the channel's loop")
        XCTAssertFalse(loop.isCurrent)
        await channel.close()
        await onLoops.stop(grace: nil)
    }

    /// The four kinds of call, each checked.
    private static func fourKinds(_ channel: AIO.Channel) async throws {
        let reply = try await channel.unaryUnary(Self.path("Unary"))([5], timeout: 10)
        XCTAssertEqual(reply, [5])
        var received: [[UInt8]] = []
        for try await message in try channel.unaryStream(Self.path("ServerStream"))([2], timeout: 10) {
            received.append(message)
        }
        XCTAssertEqual(received, [[0], [1]])
        let counted = try await channel.streamUnary(Self.path("ClientStream"))([[1, 1, 1]], timeout: 10)
        XCTAssertEqual(String(decoding: counted, as: UTF8.self), "count=1 bytes=3")
        let bidi = try channel.streamStream(Self.path("Bidi"))(timeout: 10)
        for i in 0..<10 {
            try await bidi.write([UInt8(i)])
            let echoed = try await bidi.read()
            XCTAssertEqual(echoed, [UInt8(i)])
        }
        try await bidi.doneWriting()
        let end = try await bidi.read()
        XCTAssertNil(end)
    }

    /// Handler errors end calls with grpcio's statuses.
    func testHandlerErrorsEndCallsAsGrpcio() throws {
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary(Self.path("Raise"))([], timeout: 10)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unknown)
            XCTAssertEqual((error as? RPCError)?.details, "Exception calling application: boom")
        }
        let stream = try channel.unaryStream(Self.path("StreamRaise"))([], timeout: 10)
        XCTAssertEqual(try stream.next(), [0])
        XCTAssertThrowsError(try stream.next()) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unknown)
            XCTAssertEqual((error as? RPCError)?.details, "Exception iterating responses: boom")
        }
        XCTAssertThrowsError(try channel.unaryUnary(Self.path("Abort"))([], timeout: 10)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .notFound)
            XCTAssertEqual((error as? RPCError)?.details, "no such thing")
        }
        XCTAssertThrowsError(try channel.unaryUnary(Self.path("Missing"))([], timeout: 10)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unimplemented)
            XCTAssertEqual((error as? RPCError)?.details, "Method not found!")
        }
    }

    /// A handler that never returns ends at the client's deadline, its task cancelled; one that
    /// ignores cancellation still lets the call end, and the server serves others meanwhile.
    func testTheDeadlineCancelsTheHandlersTask() throws {
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary(Self.path("Sleep"))([1], timeout: 0.3)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .deadlineExceeded)
        }
        XCTAssertTrue(waitFor { self.records.cancelledHandlers.load(ordering: .relaxed) == 1 })
        XCTAssertEqual(try channel.unaryUnary(Self.path("Unary"))([9], timeout: 10), [9])
    }

    /// A handler that ignores its task's cancellation: its call still ends at the deadline, others
    /// are served meanwhile, and what it returns afterwards goes nowhere.
    func testAHandlerIgnoringCancellationDoesNotHoldItsCall() throws {
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary(Self.path("Stubborn"))([1], timeout: 0.2)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .deadlineExceeded)
        }
        // The call ended without waiting for the handler, which is still in its second.
        XCTAssertEqual(records.stubbornReturned.load(ordering: .relaxed), 0)
        XCTAssertEqual(try channel.unaryUnary(Self.path("Unary"))([2], timeout: 10), [2])
        XCTAssertTrue(waitFor { self.records.stubbornReturned.load(ordering: .relaxed) == 1 })
        XCTAssertEqual(try channel.unaryUnary(Self.path("Unary"))([3], timeout: 10), [3])
    }

    /// 1,000 handlers awaiting requests that never come hold no thread, and end with their calls.
    func testAThousandAwaitingHandlersHoldNoThread() async throws {
        let server = AIO.server(handlers: [Self.handler(records)], options: [("grpc.max_concurrent_streams", 2000)])
        let port = try server.addInsecurePort("127.0.0.1:0")
        try await server.start()
        let channel = AIO.insecureChannel("127.0.0.1:\(port)")
        let echoed = try await channel.unaryUnary(Self.path("Unary"))([1], timeout: 10)
        XCTAssertEqual(echoed, [1])
        let wait = channel.streamStream(Self.path("Wait"))
        let records = records
        // What does not grow with the calls starts first: the server's four workers, the task
        // pools, the runtime's timer threads (`eventually` sleeps).
        let warm = try (0..<20).map { _ in try wait(timeout: 60) }
        let warmRunning = await eventually { records.runningHandlers.load(ordering: .relaxed) == 20 }
        XCTAssertTrue(warmRunning)
        for call in warm { call.cancel() }
        let warmEnded = await eventually { records.runningHandlers.load(ordering: .relaxed) == 0 }
        XCTAssertTrue(warmEnded)
        let threadsBefore = try BadInputTests.threadCount()
        let namesBefore = BadInputTests.threadNames()
        let calls = try (0..<1000).map { _ in try wait(timeout: 60) }
        let allRunning = await eventually { records.runningHandlers.load(ordering: .relaxed) == 1000 }
        XCTAssertTrue(allRunning, "\(records.runningHandlers.load(ordering: .relaxed)) handlers running")
        XCTAssertLessThanOrEqual(
            try BadInputTests.threadCount(), threadsBefore + 4,
            "threads grew with the handlers: \(namesBefore) → \(BadInputTests.threadNames())")
        for call in calls { call.cancel() }
        let allEnded = await eventually { records.runningHandlers.load(ordering: .relaxed) == 0 }
        XCTAssertTrue(allEnded, "\(records.runningHandlers.load(ordering: .relaxed)) handlers still running")
        await channel.close()
        await server.stop(grace: nil)
    }

    /// `stop(grace:)` lets a running call finish within the grace, then the server is stopped:
    /// `waitForTermination` returns false once it has, true when its timeout passes first.
    func testStopAndWaitForTermination() async throws {
        let server: AIO.Server = server
        let timedOut = await server.waitForTermination(timeout: 0.1)
        XCTAssertTrue(timedOut)
        let channel = AIO.insecureChannel("127.0.0.1:\(port)")
        let call = try channel.streamUnary(Self.path("ClientStream")).call(timeout: 10)
        try await call.write([1])
        try await Task.sleep(nanoseconds: 200_000_000)
        let stopping = Task { await server.stop(grace: 5) }
        try await Task.sleep(nanoseconds: 200_000_000)
        try await call.doneWriting()
        let answer = try await call.response
        XCTAssertEqual(String(decoding: answer, as: UTF8.self), "count=1 bytes=1")
        await stopping.value
        let stillRunning = await server.waitForTermination(timeout: 5)
        XCTAssertFalse(stillRunning)
        await channel.close()
    }

    private func waitFor(_ condition: () -> Bool) -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.025)
        }
        return condition()
    }

    private func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 25_000_000)
        }
        return condition()
    }
}
