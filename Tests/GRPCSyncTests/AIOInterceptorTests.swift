import Foundation
import XCTest

@testable import GRPCSync

/// The async channel's client interceptors (grpc.aio's four interceptor classes), observation by
/// observation as grpcio's asyncio client sees them (`Tests/Peers/aio_interceptor_client.py`, whose
/// docstring lists the cases), then what only this runtime does.
final class AIOInterceptorTests: XCTestCase {
    private static let timeout = 10.0

    // MARK: against grpcio's asyncio client

    /// Every case of aio_interceptor_client.py, line by line. One line differs on purpose: grpc.aio
    /// lets a write after `done_writing()` on an intercepted call return (the request is dropped,
    /// or not, depending on timing); here it is refused as on a call without interceptors
    /// (docs/porting.md).
    func testInterceptorsAsGrpcio() async throws {
        let grpcio = try PythonPeerServer()
        let (status, output) = try Peers.run("aio_interceptor_client.py", ["--target", grpcio.target])
        XCTAssertEqual(status, 0, output)
        let expected = output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.map {
            $0 == "writes after_done_writing ok"
                ? "writes after_done_writing \(AsyncRequestWriter<[UInt8]>.writeAfterDoneWriting.message)" : $0
        }
        XCTAssertEqual(expected.count, 31, output)

        let target = grpcio.target
        var observed: [String] = []
        observed += try await Self.order(target)
        observed += try await Self.callObject(target)
        observed += try await Self.answered(target)
        observed += await Self.raised(target)
        observed += await Self.failed(target)
        observed += try await Self.cancelled(target)
        observed += try await Self.retry(target)
        observed += try await Self.unaryStream(target)
        observed += try await Self.streamUnary(target)
        observed += try await Self.streamStream(target)
        observed += try await Self.writes(target)
        XCTAssertEqual(observed, expected)
    }

    private static func order(_ target: String) async throws -> [String] {
        let log = Log()
        let channel = AIO.insecureChannel(target, interceptors: [Logging("a", log), Logging("b", log)])
        defer { Task { await channel.close() } }
        let call = try channel.unaryUnary(TestService.path("Unary")).call(Array("hi".utf8), timeout: timeout)
        let response = try await call.response
        let echoed = await call.initialMetadata().filter { $0.key.hasPrefix("x-echo-") }
            .map { "\($0.key)=\($0.value)" }.sorted()
        return [
            "order log \(log.lines.joined(separator: " "))",
            "order response \(String(decoding: response, as: UTF8.self))",
            "order echoed \(echoed.joined(separator: ","))",
        ]
    }

    private static func callObject(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [Passing()])
        defer { Task { await channel.close() } }
        let call = try channel.unaryUnary(TestService.path("Unary")).call(Array("obj".utf8), timeout: timeout)
        return [
            "call_object response \(String(decoding: try await call.response, as: UTF8.self))",
            "call_object status \(await call.code().grpcName) \(repr(await call.details()))",
            "call_object done \(py(call.done())) cancelled \(py(call.cancelled())) cancel \(py(call.cancel()))",
        ]
    }

    private static func answered(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [Answering()])
        defer { Task { await channel.close() } }
        let call = try channel.unaryUnary(TestService.path("Unary")).call(Array("ignored".utf8), timeout: timeout)
        return [
            "answered response \(String(decoding: try await call.response, as: UTF8.self))",
            "answered status \(await call.code().grpcName) \(repr(await call.details()))",
            "answered metadata \(await call.initialMetadata().count) \(await call.trailingMetadata().count)",
            "answered done \(py(call.done())) cancelled \(py(call.cancelled())) cancel \(py(call.cancel()))",
        ]
    }

    private static func raised(_ target: String) async -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [Raising()])
        defer { Task { await channel.close() } }
        do {
            _ = try await channel.unaryUnary(TestService.path("Unary"))([], timeout: timeout)
            return ["raised ok"]
        } catch {
            return ["raised \(describe(error))"]
        }
    }

    private static func failed(_ target: String) async -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [Passing()])
        defer { Task { await channel.close() } }
        var lines: [String] = []
        do {
            let call = try channel.unaryUnary(TestService.path("Unary")).call(
                [], timeout: timeout,
                metadata: [("x-status-code", "3"), ("x-status-details-bin", .binary(Array("bad".utf8)))])
            do {
                _ = try await call.response
                lines.append("failed ok")
            } catch {
                lines.append("failed \(describe(error))")
            }
            lines.append("failed status \(await call.code().grpcName) \(await call.details())")
        } catch {
            lines.append("failed call \(error)")
        }
        return lines
    }

    private static func cancelled(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [Sleeping()])
        defer { Task { await channel.close() } }
        let call = try channel.unaryUnary(TestService.path("Unary")).call([], timeout: timeout)
        try await Task.sleep(nanoseconds: 100_000_000)
        var lines = ["cancelled cancel \(py(call.cancel()))"]
        do {
            _ = try await call.response
            lines.append("cancelled ok")
        } catch {
            lines.append("cancelled awaited \(describe(error))")
        }
        lines.append("cancelled status \(await call.code().grpcName) \(await call.details())")
        lines.append("cancelled cancelled \(py(call.cancelled())) done \(py(call.done()))")
        return lines
    }

    private static func retry(_ target: String) async throws -> [String] {
        let log = Log()
        let channel = AIO.insecureChannel(target, interceptors: [Retrying(log)])
        defer { Task { await channel.close() } }
        let response = try await channel.unaryUnary(TestService.path("Flaky"))(
            Array("again".utf8), timeout: timeout, metadata: [("x-flaky-key", .text("aio-retry-\(UUID())"))])
        return log.lines.map { "retry \($0)" } + ["retry response \(String(decoding: response, as: UTF8.self))"]
    }

    private static func unaryStream(_ target: String) async throws -> [String] {
        let metadata: Metadata = [("x-count", "3"), ("x-size", "4")]
        let passing = AIO.insecureChannel(target, interceptors: [StreamPassing()])
        let replacing = AIO.insecureChannel(target, interceptors: [StreamReplacing()])
        defer {
            Task {
                await passing.close()
                await replacing.close()
            }
        }
        let call = try passing.unaryStream(TestService.path("ServerStream"))([], timeout: timeout, metadata: metadata)
        var sizes: [String] = []
        for try await response in call { sizes.append("\(response.count)") }
        let replaced = try replacing.unaryStream(TestService.path("ServerStream"))(
            [], timeout: timeout, metadata: metadata)
        var lengths: [String] = []
        for try await response in replaced { lengths.append("'\(String(decoding: response, as: UTF8.self))'") }
        return [
            "unary_stream passed [\(sizes.joined(separator: ", "))] \(await call.code().grpcName)",
            "unary_stream replaced [\(lengths.joined(separator: ", "))] \(await replaced.code().grpcName)",
        ]
    }

    private static func streamUnary(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [RequestChanging()])
        defer { Task { await channel.close() } }
        let clientStream = channel.streamUnary(TestService.path("ClientStream"))
        let call = try clientStream.call(timeout: timeout)
        for request in ["a", "bb", "ccc"] { try await call.write(Array(request.utf8)) }
        try await call.doneWriting()
        let written = String(decoding: try await call.response, as: UTF8.self)
        let iterated = try await clientStream([Array("a".utf8), Array("bb".utf8)], timeout: timeout)
        return [
            "stream_unary written \(written)", "stream_unary iterated \(String(decoding: iterated, as: UTF8.self))",
        ]
    }

    private static func streamStream(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [BidiReplacing()])
        defer { Task { await channel.close() } }
        let call = try channel.streamStream(TestService.path("Bidi"))(timeout: timeout)
        var read: [String] = []
        for request in ["one", "two"] {
            try await call.write(Array(request.utf8))
            read.append("'\(String(decoding: try await call.read() ?? [], as: UTF8.self))'")
        }
        try await call.doneWriting()
        let end = try await call.read()
        return [
            "stream_stream read [\(read.joined(separator: ", "))] end \(py(end == nil))",
            "stream_stream status \(await call.code().grpcName)",
        ]
    }

    private static func writes(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target, interceptors: [BidiPassing()])
        defer { Task { await channel.close() } }
        let bidi = channel.streamStream(TestService.path("Bidi"))
        var lines: [String] = []
        let call = try bidi(timeout: timeout)
        try await call.write(Array("x".utf8))
        try await call.doneWriting()
        do {
            try await call.write(Array("y".utf8))
            lines.append("writes after_done_writing ok")
        } catch let error as UsageError {
            lines.append("writes after_done_writing \(error.message)")
        }
        lines.append("writes responses \(try await strings(call))")
        let mixed = try bidi([Array("z".utf8)], timeout: timeout)
        do {
            try await mixed.write(Array("y".utf8))
            lines.append("writes mixed ok")
        } catch let error as UsageError {
            lines.append("writes mixed \(error.message)")
        }
        lines.append("writes mixed_responses \(try await strings(mixed))")
        return lines
    }

    // MARK: what only this runtime does

    /// An interceptor adopting two kinds takes part in both (grpc.aio registers it for the first
    /// kind it subclasses only; docs/porting.md).
    func testAnInterceptorTakesPartInEveryKindItAdopts() async throws {
        let grpcio = try PythonPeerServer()
        let log = Log()
        let channel = AIO.insecureChannel(grpcio.target, interceptors: [TwoKinds(log)])
        defer { Task { await channel.close() } }
        _ = try await channel.unaryUnary(TestService.path("Unary"))([1], timeout: Self.timeout)
        for try await _ in try channel.unaryStream(TestService.path("ServerStream"))([], timeout: Self.timeout) {}
        XCTAssertEqual(
            log.lines,
            [
                "unary-unary /grpcsync.testing.TestService/Unary",
                "unary-stream /grpcsync.testing.TestService/ServerStream",
            ])
    }

    /// A task cancelled while its awaited call's interceptor runs gets `CancellationError`, and no
    /// call goes out; a task cancelled once the call runs cancels it.
    func testCancellingTheAwaitingTaskCancelsTheInterceptorsAndTheCall() async throws {
        let grpcio = try PythonPeerServer()
        let channel = AIO.insecureChannel(grpcio.target, interceptors: [Sleeping()])
        defer { Task { await channel.close() } }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let early = Task { await AIOInterceptorTests.outcome(unary, []) }
        try await Task.sleep(nanoseconds: 100_000_000)
        early.cancel()
        let earlyOutcome = await early.value
        XCTAssertEqual(earlyOutcome, "CancelledError")

        let waitForCancel = channel.unaryUnary(TestService.path("WaitForCancel"))
        let key = Array("aio-interceptor-\(UUID())".utf8)
        let late = Task { await AIOInterceptorTests.outcome(waitForCancel, key) }
        try await Task.sleep(nanoseconds: 1_500_000_000)  // past the interceptor's second
        late.cancel()
        let lateOutcome = await late.value
        XCTAssertEqual(lateOutcome, "CancelledError")
        // The server saw the call end: its record says it was no longer active.
        let seen = AIO.insecureChannel(grpcio.target)
        defer { Task { await seen.close() } }
        var record: [UInt8] = []
        for _ in 0..<50 {
            record = try await seen.unaryUnary(TestService.path("CancelSeen"))(key, timeout: Self.timeout)
            if record != Array("none".utf8) { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertEqual(String(decoding: record, as: UTF8.self), "active=false callback=true")
    }

    /// A call object dropped while its interceptors run cancels them, as grpc.aio cancels one it
    /// collects.
    func testDroppingTheCallObjectCancelsTheInterceptors() async throws {
        let grpcio = try PythonPeerServer()
        let flag = CancelFlag()
        let channel = AIO.insecureChannel(grpcio.target, interceptors: [WaitingForCancel(flag)])
        defer { Task { await channel.close() } }
        do {
            _ = try channel.unaryUnary(TestService.path("Unary")).call([], timeout: Self.timeout)
        }
        for _ in 0..<100 where !flag.isSet { try await Task.sleep(nanoseconds: 50_000_000) }
        XCTAssertTrue(flag.isSet)
    }

    /// What a call object reports while its interceptors still run, and the error they threw
    /// once they end: done callbacks wait for the end; an error that is not an RPCError is
    /// INTERNAL "Exception raised while intercepting the RPC".
    func testACallObjectWhileItsInterceptorsRunAndAfterTheyThrew() async throws {
        let grpcio = try PythonPeerServer()
        let channel = AIO.insecureChannel(grpcio.target, interceptors: [SleepingThenRaising()])
        defer { Task { await channel.close() } }
        let call = try channel.unaryUnary(TestService.path("Unary")).call([], timeout: 5)
        XCTAssertFalse(call.done())
        XCTAssertFalse(call.cancelled())
        XCTAssertLessThanOrEqual(call.timeRemaining() ?? 0, 5)
        XCTAssertGreaterThan(call.timeRemaining() ?? 0, 0)
        let ended = expectation(description: "done callback")
        call.addDoneCallback { _ in ended.fulfill() }
        await fulfillment(of: [ended], timeout: 10)
        XCTAssertTrue(call.done())
        let code = await call.code()
        let details = await call.details()
        XCTAssertEqual(code, .internal)
        XCTAssertEqual(details, "Exception raised while intercepting the RPC")
        do {
            _ = try await call.response
            XCTFail("answered")
        } catch let error as Refusal {
            XCTAssertEqual(error, Refusal())
        }
        XCTAssertFalse(call.cancel())
    }

    /// A stream call returned by an interceptor with responses of its own and no call: OK, no
    /// metadata, writes refused.
    func testResponsesWithoutACall() async throws {
        let call = AIO.StreamStreamCall<[UInt8], [UInt8]>(nil, responses: AsyncRequests(requests: [[1], [2]]))
        var responses: [[UInt8]] = []
        for try await response in call { responses.append(response) }
        XCTAssertEqual(responses, [[1], [2]])
        let code = await call.code()
        XCTAssertEqual(code, .ok)
        XCTAssertTrue(call.done())
        do {
            try await call.write([3])
            XCTFail("written")
        } catch let error as UsageError {
            XCTAssertEqual(error.message, "RPC already finished.")
        }
    }

    // MARK: the written-requests queue, without sockets

    func testWrittenRequestsHoldOneRequestAndEndInOrder() async throws {
        let queue = WrittenRequests<Int>()
        let putFirst = await queue.put(1)
        XCTAssertTrue(putFirst)
        let second = Task { await queue.put(2) }  // waits: the slot is taken
        let end = Task {
            _ = await second.value
            return await queue.put(nil)
        }
        let first = try await queue.take()
        let next = try await queue.take()
        let last = try await queue.take()
        XCTAssertEqual([first, next, last], [1, 2, nil])
        let putSecond = await second.value
        let putEnd = await end.value
        XCTAssertTrue(putSecond && putEnd)
        let afterEnd = await queue.put(3)
        XCTAssertFalse(afterEnd, "nothing is read after the end")
    }

    func testClosingReleasesWaitingWritersAndReaders() async throws {
        let queue = WrittenRequests<Int>()
        _ = await queue.put(1)
        let writer = Task { await queue.put(2) }
        try await Task.sleep(nanoseconds: 50_000_000)
        queue.close()
        let written = await writer.value
        XCTAssertFalse(written)
        let reader = WrittenRequests<Int>()
        let reading = Task { try await reader.take() }
        try await Task.sleep(nanoseconds: 50_000_000)
        reader.close()
        do {
            _ = try await reading.value
            XCTFail("read after close")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
    }

    func testACancelledWriterLeavesTheQueue() async throws {
        let queue = WrittenRequests<Int>()
        _ = await queue.put(1)
        let writer = Task { await queue.put(2) }
        try await Task.sleep(nanoseconds: 50_000_000)
        writer.cancel()
        let written = await writer.value
        XCTAssertFalse(written)
        let first = try await queue.take()
        XCTAssertEqual(first, 1)
        let third = Task { await queue.put(3) }
        let next = try await queue.take()
        XCTAssertEqual(next, 3, "the cancelled request never arrives")
        _ = await third.value
    }

    // MARK: helpers

    /// An awaited call's outcome: `ok`, or its error as ``describe(_:)`` says it.
    private static func outcome(_ unary: AIO.UnaryUnaryMultiCallable<[UInt8], [UInt8]>, _ request: [UInt8]) async
        -> String
    {
        do {
            _ = try await unary(request, timeout: timeout)
            return "ok"
        } catch {
            return describe(error)
        }
    }

    private static func py(_ value: Bool) -> String { value ? "True" : "False" }

    private static func repr(_ text: String) -> String { "'\(text)'" }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case is CancellationError: return "CancelledError"
        case let error as RPCError: return "AioRpcError \(error.code.grpcName) \(error.details)"
        case let error as Refusal: return "ValueError \(error.message)"
        default: return "\(error)"
        }
    }

    private static func strings(_ call: AIO.StreamStreamCall<[UInt8], [UInt8]>) async throws -> String {
        var responses: [String] = []
        for try await response in call { responses.append("'\(String(decoding: response, as: UTF8.self))'") }
        return "[\(responses.joined(separator: ", "))]"
    }
}

// MARK: the interceptors of aio_interceptor_client.py

/// Lines interceptors log, in order.
private final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    func append(_ line: String) { lock.withLock { recorded.append(line) } }
    var lines: [String] { lock.withLock { recorded } }
}

/// Set once an interceptor saw its task cancelled.
private final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    func raise() { lock.withLock { set = true } }
    var isSet: Bool { lock.withLock { set } }
}

/// What Raising throws (Python's `ValueError("nope")`).
private struct Refusal: Error, Equatable {
    var message = "nope"
}

private struct Logging: AIO.UnaryUnaryClientInterceptor {
    let name: String
    let log: Log
    init(_ name: String, _ log: Log) {
        self.name = name
        self.log = log
    }

    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        log.append(name + ">")
        var details = clientCallDetails
        details.metadata.add("x-echo-" + name, "1")
        let call = try await continuation(details, request)
        _ = try await call.response
        log.append(name + "<")
        return call
    }
}

private struct Answering: AIO.UnaryUnaryClientInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        AIO.UnaryUnaryCall(response: Array("cached".utf8) as! Response)
    }
}

private struct Raising: AIO.UnaryUnaryClientInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        throw Refusal()
    }
}

private struct Passing: AIO.UnaryUnaryClientInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        try await continuation(clientCallDetails, request)
    }
}

private struct Sleeping: AIO.UnaryUnaryClientInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        try await Task.sleep(nanoseconds: 1_000_000_000)
        return try await continuation(clientCallDetails, request)
    }
}

private struct SleepingThenRaising: AIO.UnaryUnaryClientInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        try await Task.sleep(nanoseconds: 300_000_000)
        throw Refusal()
    }
}

/// Waits (at most 10 s) for its task to be cancelled, and says so.
private struct WaitingForCancel: AIO.UnaryUnaryClientInterceptor {
    let flag: CancelFlag
    init(_ flag: CancelFlag) { self.flag = flag }

    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        do {
            try await Task.sleep(nanoseconds: 10_000_000_000)
        } catch {
            flag.raise()
            throw error
        }
        return try await continuation(clientCallDetails, request)
    }
}

private struct Retrying: AIO.UnaryUnaryClientInterceptor {
    let log: Log
    init(_ log: Log) { self.log = log }

    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        var attempt = 1
        while true {
            let call = try await continuation(clientCallDetails, request)
            let code = await call.code()
            log.append("attempt \(attempt) \(code.grpcName)")
            if code != .unavailable || attempt == 3 { return call }
            attempt += 1
        }
    }
}

private struct StreamPassing: AIO.UnaryStreamClientInterceptor {
    func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryStreamCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryStreamCall<Response> {
        try await continuation(clientCallDetails, request)
    }
}

private struct StreamReplacing: AIO.UnaryStreamClientInterceptor {
    func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryStreamCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryStreamCall<Response> {
        let call = try await continuation(clientCallDetails, request)
        let lengths = call.map { Array("len=\(($0 as! [UInt8]).count)".utf8) as! Response }
        return AIO.UnaryStreamCall(call, responses: lengths)
    }
}

private struct RequestChanging: AIO.StreamUnaryClientInterceptor {
    func interceptStreamUnary<Request, Response>(
        _ continuation: (ClientCallDetails, AIO.Requests<Request>) async throws ->
            AIO.StreamUnaryCall<Request, Response>,
        _ clientCallDetails: ClientCallDetails, _ requests: AIO.Requests<Request>
    ) async throws -> AIO.StreamUnaryCall<Request, Response> {
        let changed = requests.map { (($0 as! [UInt8]) + Array("!".utf8)) as! Request }
        return try await continuation(clientCallDetails, AIO.Requests(changed))
    }
}

private struct BidiReplacing: AIO.StreamStreamClientInterceptor {
    func interceptStreamStream<Request, Response>(
        _ continuation: (ClientCallDetails, AIO.Requests<Request>) async throws ->
            AIO.StreamStreamCall<Request, Response>,
        _ clientCallDetails: ClientCallDetails, _ requests: AIO.Requests<Request>
    ) async throws -> AIO.StreamStreamCall<Request, Response> {
        let call = try await continuation(clientCallDetails, requests)
        let upper = call.map { Array(String(decoding: $0 as! [UInt8], as: UTF8.self).uppercased().utf8) as! Response }
        return AIO.StreamStreamCall(call, responses: upper)
    }
}

private struct BidiPassing: AIO.StreamStreamClientInterceptor {
    func interceptStreamStream<Request, Response>(
        _ continuation: (ClientCallDetails, AIO.Requests<Request>) async throws ->
            AIO.StreamStreamCall<Request, Response>,
        _ clientCallDetails: ClientCallDetails, _ requests: AIO.Requests<Request>
    ) async throws -> AIO.StreamStreamCall<Request, Response> {
        try await continuation(clientCallDetails, requests)
    }
}

/// Logs the kind and method of every call it sees.
private struct TwoKinds: AIO.UnaryUnaryClientInterceptor, AIO.UnaryStreamClientInterceptor {
    let log: Log
    init(_ log: Log) { self.log = log }

    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        log.append("unary-unary \(clientCallDetails.method)")
        return try await continuation(clientCallDetails, request)
    }

    func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryStreamCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryStreamCall<Response> {
        log.append("unary-stream \(clientCallDetails.method)")
        return try await continuation(clientCallDetails, request)
    }
}
