import Foundation
import GRPCSync

/// The client-interceptor scenarios of Tests/Peers/interceptor_client.py, written with this
/// runtime's interceptors; both print the same observation lines for the same server.
enum InterceptorScenarios {
    static let timeout = 10.0

    /// Runs every scenario against `target`; `closedTarget` is an address where nothing listens.
    static func run(target: String, closedTarget: String) throws -> [String] {
        let out = Lines()
        try order(target, out)
        try metadata(target, out)
        try retry(target, closedTarget, out)
        try failure(target, out)
        try rewrite(target, out)
        return out.lines
    }

    // MARK: scenarios

    static func order(_ target: String, _ out: Lines) throws {
        let log = Lines()
        let channel = interceptChannel(
            insecureChannel(target), Recorder(name: "A", log: log), Recorder(name: "B", log: log))
        defer { channel.close() }
        let calls = Calls(channel)
        func report(_ kind: String, _ result: String) {
            out.add("order \(kind): \(log.joined()) \(result)")
            log.clear()
        }
        report("unary_unary", "response=" + text(try calls.unary(bytes("x"), timeout: timeout)))
        report("unary_unary_future", "response=" + text(try calls.unary.future(bytes("y"), timeout: timeout).result()))
        let responses = try calls.stream([], timeout: timeout, metadata: [("x-count", "2"), ("x-size", "1")])
        var logBefore = log.joined()
        let count = try drain(responses).count
        log.clear()
        out.add("order unary_stream: \(logBefore) responses=\(count)")
        report("stream_unary", "response=" + text(try calls.clientStream([bytes("a"), bytes("bb")], timeout: timeout)))
        let echoes = try calls.bidi([bytes("p"), bytes("q")], timeout: timeout)
        logBefore = log.joined()
        let joined = try drain(echoes).map(text).joined(separator: ",")
        log.clear()
        out.add("order stream_stream: \(logBefore) responses=\(joined)")
    }

    static func metadata(_ target: String, _ out: Lines) throws {
        let channel = interceptChannel(insecureChannel(target), MetadataInjector())
        defer { channel.close() }
        let (_, call) = try channel.unaryUnary(TestService.path("Unary")).withCall(bytes("m"))
        out.add(
            "metadata unary_unary: initial=\(custom(call.initialMetadata())) trailing=\(custom(call.trailingMetadata()))"
        )
        let remaining = try channel.unaryUnary(TestService.path("TimeRemaining"))([])
        out.add("metadata timeout: \(text(remaining) == "none" ? "none" : "set")")
        let responses = try channel.unaryStream(TestService.path("ServerStream"))([], metadata: [("x-count", "1")])
        _ = try drain(responses)
        out.add("metadata unary_stream: trailing=\(custom(responses.trailingMetadata()))")
    }

    static func retry(_ target: String, _ closedTarget: String, _ out: Lines) throws {
        for failures in [2, 10] {
            let retry = Retry(maxAttempts: 4)
            let channel = interceptChannel(insecureChannel(target), retry)
            defer { channel.close() }
            let metadata: Metadata = [
                ("x-flaky-key", .text(UUID().uuidString)), ("x-flaky-failures", .text("\(failures)")),
            ]
            let result: String
            do {
                let response = try channel.unaryUnary(TestService.path("Flaky"))(
                    bytes("r"), timeout: timeout, metadata: metadata)
                result = "code=OK response=\(text(response))"
            } catch let error as RPCError {
                result = "code=\(error.code.grpcName) details=\(error.details)"
            }
            out.add("retry failures=\(failures): attempts=\(retry.attempts) \(result)")
        }
        let retry = Retry(maxAttempts: 3)
        let channel = interceptChannel(insecureChannel(closedTarget), retry)
        defer { channel.close() }
        let result: String
        do {
            _ = try channel.unaryUnary(TestService.path("Unary"))([], timeout: timeout)
            result = "code=OK"
        } catch let error as RPCError {
            result = "code=\(error.code.grpcName)"
        }
        out.add("retry no server: attempts=\(retry.attempts) \(result)")
    }

    static func failure(_ target: String, _ out: Lines) throws {
        let channel = interceptChannel(insecureChannel(target), Failing())
        defer { channel.close() }
        let calls = Calls(channel)
        func raised(_ kind: String, _ body: () throws -> Void) {
            do {
                try body()
                out.add("failure \(kind): no error")
            } catch {
                out.add("failure \(kind): raised \(error is RPCError ? "RPCError" : "\(error)")")
            }
        }
        raised("unary_unary") { _ = try calls.unary(bytes("x"), timeout: timeout) }
        raised("unary_unary_with_call") { _ = try calls.unary.withCall(bytes("x"), timeout: timeout) }
        let future = try calls.unary.future(bytes("x"), timeout: timeout)
        out.add(
            "failure unary_unary_future: exception=\(try future.exception().map { "\($0)" } ?? "None")"
                + " code=\(future.code().grpcName) details=\(future.details()) done=\(future.done() ? "True" : "False")"
        )
        raised("unary_unary_future_result") { _ = try future.result() }
        let responses = try calls.stream([], timeout: timeout)
        raised("unary_stream_next") { _ = try responses.next() }
        out.add("failure unary_stream: code=\(responses.code().grpcName) details=\(responses.details())")
        raised("stream_unary") { _ = try calls.clientStream([bytes("a")], timeout: timeout) }
        let clientStream = try calls.clientStream.future([bytes("a")], timeout: timeout)
        out.add(
            "failure stream_unary_future: exception=\(try clientStream.exception().map { "\($0)" } ?? "None")"
                + " code=\(clientStream.code().grpcName)")
        let echoes = try calls.bidi([bytes("a")], timeout: timeout)
        raised("stream_stream_next") { _ = try echoes.next() }
    }

    static func rewrite(_ target: String, _ out: Lines) throws {
        let channel = interceptChannel(insecureChannel(target), Rewriter())
        defer { channel.close() }
        let calls = Calls(channel)
        out.add("rewrite unary_unary: \(text(try calls.unary(bytes("hello"), timeout: timeout)))")
        let nope = channel.unaryUnary(TestService.path("Nope"))
        out.add("rewrite method: \(text(try nope(bytes("moved"), timeout: timeout)))")
        out.add("rewrite stream_unary: \(text(try calls.clientStream([bytes("a"), bytes("b")], timeout: timeout)))")
        let echoes = try drain(try calls.bidi([bytes("a"), bytes("b")], timeout: timeout))
        out.add("rewrite stream_stream: \(echoes.map(text).joined(separator: ","))")
    }

    /// interceptor_client.py's call_options scenario: `inspectTarget` is fake_h2_server.py in
    /// `inspect` mode, which answers with what it saw of the request.
    static func callOptions(inspectTarget: String, closedTarget: String) throws -> [String] {
        let out = Lines()
        let channel = interceptChannel(insecureChannel(inspectTarget), CallOptions())
        defer { channel.close() }
        let request = [UInt8](repeating: 0x61, count: 1000)
        let answer = try channel.unaryUnary("/x.Y/Z")(request, timeout: timeout)
        out.add("call_options unary_unary: \(inspected(answer))")
        let streamed = try channel.streamUnary("/x.Y/Z")([request, request], timeout: timeout)
        out.add("call_options stream_unary: \(inspected(streamed))")
        let closed = interceptChannel(insecureChannel(closedTarget), CallOptions())
        defer { closed.close() }
        do {
            _ = try closed.unaryUnary(TestService.path("Unary"))([], timeout: 0.5)
            out.add("call_options wait_for_ready, no server: OK")
        } catch let error as RPCError {
            out.add("call_options wait_for_ready, no server: \(error.code.grpcName)")
        }
        return out.lines
    }

    /// `encoding=E flags=F,…` of fake_h2_server.py's `inspect` answer.
    private static func inspected(_ answer: [UInt8]) -> String {
        let words = text(answer).split(separator: " ")
        let messages = (words.last ?? "").dropFirst("messages=".count).split(separator: ",")
        return "\(words.first ?? "") flags=\(messages.map { $0.prefix { $0 != ":" } }.joined(separator: ","))"
    }

    // MARK: interceptors, as in interceptor_client.py

    /// Asks every call for gzip compression and wait-for-ready.
    struct CallOptions: AllKindsInterceptor {
        func intercept<Input, Outcome>(
            _ continuation: (ClientCallDetails, Input) throws -> Outcome, _ details: ClientCallDetails, _ input: Input
        ) throws -> Outcome {
            var details = details
            details.compression = .gzip
            details.waitForReady = true
            return try continuation(details, input)
        }
    }

    /// Logs `name>` before the continuation and `<name` after it.
    struct Recorder: AllKindsInterceptor {
        let name: String
        let log: Lines

        func intercept<Input, Outcome>(
            _ continuation: (ClientCallDetails, Input) throws -> Outcome, _ details: ClientCallDetails, _ input: Input
        ) throws -> Outcome {
            log.add("\(name)>")
            let outcome = try continuation(details, input)
            log.add("<\(name)")
            return outcome
        }
    }

    /// Adds metadata and, to calls without one, a 30 s timeout.
    struct MetadataInjector: AllKindsInterceptor {
        func intercept<Input, Outcome>(
            _ continuation: (ClientCallDetails, Input) throws -> Outcome, _ details: ClientCallDetails, _ input: Input
        ) throws -> Outcome {
            var details = details
            details.metadata.add("x-echo-injected", "1")
            details.metadata.add("x-trail-injected", "2")
            details.timeout = details.timeout ?? 30
            return try continuation(details, input)
        }
    }

    /// Retries UNAVAILABLE with exponential backoff, as a user's retry interceptor does.
    final class Retry: UnaryUnaryClientInterceptor, @unchecked Sendable {  // `lock` protects `count`
        let maxAttempts: Int
        private let lock = NSLock()
        private var count = 0

        init(maxAttempts: Int) { self.maxAttempts = maxAttempts }

        var attempts: Int { lock.withLock { count } }

        func interceptUnaryUnary<Request, Response>(
            _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
            _ clientCallDetails: ClientCallDetails, _ request: Request
        ) throws -> Future<Response> {
            var backoff = 0.01
            for attempt in 1...maxAttempts {
                lock.withLock { count = attempt }
                let outcome = try continuation(clientCallDetails, request)
                if outcome.code() != .unavailable || attempt == maxAttempts { return outcome }
                Thread.sleep(forTimeInterval: backoff)
                backoff *= 2
            }
            fatalError("unreachable")
        }
    }

    struct InterceptorBoom: Error, CustomStringConvertible {
        var description: String { "interceptor boom" }
    }

    struct Failing: AllKindsInterceptor {
        func intercept<Input, Outcome>(
            _ continuation: (ClientCallDetails, Input) throws -> Outcome, _ details: ClientCallDetails, _ input: Input
        ) throws -> Outcome {
            throw InterceptorBoom()
        }
    }

    /// Upper-cases every request and sends calls to `Nope` to `Unary` instead.
    struct Rewriter: UnaryUnaryClientInterceptor, StreamUnaryClientInterceptor, StreamStreamClientInterceptor {
        private func redirected(_ details: ClientCallDetails) -> ClientCallDetails {
            var details = details
            if details.method == TestService.path("Nope") { details.method = TestService.path("Unary") }
            return details
        }

        private static func upper<T>(_ request: T) -> T {
            guard let request = request as? [UInt8] else { return request }
            return Array(String(decoding: request, as: UTF8.self).uppercased().utf8) as! T
        }

        func interceptUnaryUnary<Request, Response>(
            _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
            _ clientCallDetails: ClientCallDetails, _ request: Request
        ) throws -> Future<Response> {
            try continuation(redirected(clientCallDetails), Self.upper(request))
        }

        func interceptStreamUnary<Request, Response>(
            _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> Future<Response>,
            _ clientCallDetails: ClientCallDetails, _ requests: AnySequence<Request>
        ) throws -> Future<Response> {
            try continuation(redirected(clientCallDetails), AnySequence(requests.lazy.map(Self.upper)))
        }

        func interceptStreamStream<Request, Response>(
            _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> ResponseStream<Response>,
            _ clientCallDetails: ClientCallDetails, _ requests: AnySequence<Request>
        ) throws -> ResponseStream<Response> {
            try continuation(redirected(clientCallDetails), AnySequence(requests.lazy.map(Self.upper)))
        }
    }

    // MARK: helpers

    /// The TestService methods the scenarios call.
    struct Calls {
        let unary: UnaryUnaryMultiCallable<[UInt8], [UInt8]>
        let stream: UnaryStreamMultiCallable<[UInt8], [UInt8]>
        let clientStream: StreamUnaryMultiCallable<[UInt8], [UInt8]>
        let bidi: StreamStreamMultiCallable<[UInt8], [UInt8]>

        init(_ channel: Channel) {
            unary = channel.unaryUnary(TestService.path("Unary"))
            stream = channel.unaryStream(TestService.path("ServerStream"))
            clientStream = channel.streamUnary(TestService.path("ClientStream"))
            bidi = channel.streamStream(TestService.path("Bidi"))
        }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func drain(_ responses: ResponseStream<[UInt8]>) throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        while let response = try responses.next() { all.append(response) }
        return all
    }

    /// `key=value` of the `x-` entries, comma-separated.
    static func custom(_ metadata: Metadata) -> String {
        metadata.filter { $0.key.hasPrefix("x-") }.map { "\($0.key)=\($0.value.text ?? "")" }.joined(separator: ",")
    }
}

/// An interceptor that does the same, `intercept`, for the four kinds of call.
protocol AllKindsInterceptor: UnaryUnaryClientInterceptor, UnaryStreamClientInterceptor,
    StreamUnaryClientInterceptor, StreamStreamClientInterceptor
{
    func intercept<Input, Outcome>(
        _ continuation: (ClientCallDetails, Input) throws -> Outcome, _ details: ClientCallDetails, _ input: Input
    ) throws -> Outcome
}

extension AllKindsInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) throws -> Future<Response> { try intercept(continuation, clientCallDetails, request) }

    func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) throws -> ResponseStream<Response> { try intercept(continuation, clientCallDetails, request) }

    func interceptStreamUnary<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails, _ requests: AnySequence<Request>
    ) throws -> Future<Response> { try intercept(continuation, clientCallDetails, requests) }

    func interceptStreamStream<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails, _ requests: AnySequence<Request>
    ) throws -> ResponseStream<Response> { try intercept(continuation, clientCallDetails, requests) }
}

/// A thread-safe list of lines.
final class Lines: @unchecked Sendable {  // `lock` protects `all`
    private let lock = NSLock()
    private var all: [String] = []
    func add(_ line: String) { lock.withLock { all.append(line) } }
    func clear() { lock.withLock { all.removeAll() } }
    var lines: [String] { lock.withLock { all } }
    func joined() -> String { lines.joined(separator: " ") }
}
