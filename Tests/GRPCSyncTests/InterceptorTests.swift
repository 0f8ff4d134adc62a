import Foundation
import GRPCSync
import XCTest

/// Client and server interceptors, each scenario run against grpcio too (SPEC.md).
final class InterceptorTests: XCTestCase {
    /// What grpcio's client interceptors observe in interceptor_client.py's scenarios.
    static let expectedClientObservations = [
        "order unary_unary: A> B> <B <A response=x",
        "order unary_unary_future: A> B> <B <A response=y",
        "order unary_stream: A> B> <B <A responses=2",
        "order stream_unary: A> B> <B <A response=count=2 bytes=3",
        "order stream_stream: A> B> <B <A responses=p,q",
        "metadata unary_unary: initial=x-echo-injected=1 trailing=x-trail-injected=2",
        "metadata timeout: set",
        "metadata unary_stream: trailing=x-trail-injected=2",
        "retry failures=2: attempts=3 code=OK response=r",
        "retry failures=10: attempts=4 code=UNAVAILABLE details=flaky",
        "retry no server: attempts=3 code=UNAVAILABLE",
        "failure unary_unary: raised interceptor boom",
        "failure unary_unary_with_call: raised interceptor boom",
        "failure unary_unary_future: exception=interceptor boom code=INTERNAL"
            + " details=Exception raised while intercepting the RPC done=True",
        "failure unary_unary_future_result: raised interceptor boom",
        "failure unary_stream_next: raised interceptor boom",
        "failure unary_stream: code=INTERNAL details=Exception raised while intercepting the RPC",
        "failure stream_unary: raised interceptor boom",
        "failure stream_unary_future: exception=interceptor boom code=INTERNAL",
        "failure stream_stream_next: raised interceptor boom",
        "rewrite unary_unary: HELLO",
        "rewrite method: MOVED",
        "rewrite stream_unary: count=2 bytes=2",
        "rewrite stream_stream: A,B",
    ]

    /// A bound port that is never started, so connecting to it is refused.
    private func closedTarget() throws -> (Server, String) {
        let server = Server(ThreadPoolExecutor(maxWorkers: 1))
        let port = try server.addInsecurePort("127.0.0.1:0")
        return (server, "127.0.0.1:\(port)")
    }

    private func grpcioClientObservations(target: String, closedTarget: String) throws -> [String] {
        let (status, output) = try Peers.run(
            "interceptor_client.py", ["--target", target, "--closed-target", closedTarget])
        XCTAssertEqual(status, 0, output)
        return output.split(separator: "\n").map(String.init)
    }

    func testClientInterceptorsAgainstSwiftServerMatchGrpcio() throws {
        let server = try SwiftTestServer()
        let (closed, closedTarget) = try closedTarget()
        defer { closed.stop(grace: nil) }
        let swift = try InterceptorScenarios.run(target: server.target, closedTarget: closedTarget)
        XCTAssertEqual(swift, Self.expectedClientObservations)
        XCTAssertEqual(try grpcioClientObservations(target: server.target, closedTarget: closedTarget), swift)
    }

    func testClientInterceptorsAgainstGrpcioServerMatchGrpcio() throws {
        let server = try PythonPeerServer()
        defer { server.stop() }
        let (closed, closedTarget) = try closedTarget()
        defer { closed.stop(grace: nil) }
        let swift = try InterceptorScenarios.run(target: server.target, closedTarget: closedTarget)
        XCTAssertEqual(swift, Self.expectedClientObservations)
        XCTAssertEqual(try grpcioClientObservations(target: server.target, closedTarget: closedTarget), swift)
    }

    /// One call per line: its status and the `x-order` trailers the servers' interceptors added.
    private func serverInterceptorObservations(target: String) throws -> [String] {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let calls = InterceptorScenarios.Calls(channel)
        var lines: [String] = []
        func observe(_ name: String, _ body: () throws -> Call) {
            do {
                let call = try body()
                let order = call.trailingMetadata().values("x-order").compactMap(\.text).joined(separator: " ")
                lines.append("\(name): \(call.code().grpcName) \(call.details()) order=\(order)")
            } catch let error as RPCError {
                let order = error.trailingMetadata.values("x-order").compactMap(\.text).joined(separator: " ")
                lines.append("\(name): \(error.code.grpcName) \(error.details) order=\(order)")
            } catch {
                lines.append("\(name): \(error)")
            }
        }
        let x = InterceptorScenarios.bytes("x")
        for (flag, _) in [("x-intercept-reject", 0), ("x-intercept-raise", 0), ("x-intercept-hide", 0)] {
            observe("unary \(flag)") { try calls.unary.withCall(x, timeout: 10, metadata: [(flag, "1")]).1 }
            observe("server_stream \(flag)") {
                let responses = try calls.stream(x, timeout: 10, metadata: [(flag, "1")])
                _ = try InterceptorScenarios.drain(responses)
                return responses
            }
        }
        let order: Metadata = [("x-want-order", "1")]
        observe("unary order") { try calls.unary.withCall(x, timeout: 10, metadata: order).1 }
        observe("unary order abort") {
            try calls.unary.withCall(x, timeout: 10, metadata: order + [("x-status-code", "5")]).1
        }
        observe("server_stream order") {
            let responses = try calls.stream(x, timeout: 10, metadata: order + [("x-count", "2")])
            XCTAssertEqual(try InterceptorScenarios.drain(responses).count, 2)
            return responses
        }
        observe("client_stream order") { try calls.clientStream.withCall([x, x], timeout: 10, metadata: order).1 }
        observe("bidi order") {
            let responses = try calls.bidi([x, x], timeout: 10, metadata: order)
            XCTAssertEqual(try InterceptorScenarios.drain(responses).count, 2)
            return responses
        }
        return lines
    }

    func testServerInterceptorsMatchGrpcio() throws {
        let swiftServer = try SwiftTestServer(interceptors: TestServerInterceptors.all)
        let grpcioServer = try PythonPeerServer(arguments: ["--interceptors"])
        defer { grpcioServer.stop() }
        let swift = try serverInterceptorObservations(target: swiftServer.target)
        let grpcio = try serverInterceptorObservations(target: grpcioServer.target)
        XCTAssertEqual(swift, grpcio)
        XCTAssertEqual(
            swift,
            [
                "unary x-intercept-reject: UNAUTHENTICATED rejected by interceptor order=",
                "server_stream x-intercept-reject: UNAUTHENTICATED rejected by interceptor order=",
                "unary x-intercept-raise: UNKNOWN Error in service handler! order=",
                "server_stream x-intercept-raise: UNKNOWN Error in service handler! order=",
                "unary x-intercept-hide: UNIMPLEMENTED Method not found! order=",
                "server_stream x-intercept-hide: UNIMPLEMENTED Method not found! order=",
                "unary order: OK  order=outer> inner> <inner <outer",
                "unary order abort: NOT_FOUND  order=outer> inner> <inner <outer",
                "server_stream order: OK  order=outer> inner> <inner <outer",
                "client_stream order: OK  order=outer> inner> <inner <outer",
                "bidi order: OK  order=outer> inner> <inner <outer",
            ])
    }

    /// An interceptor that replaces `compression` and `waitForReady` changes the call as it does
    /// in grpcio: the request goes out gzip-compressed, and a call to a closed port waits out its
    /// timeout instead of failing UNAVAILABLE at once.
    func testInterceptorReplacesCompressionAndWaitForReadyAsGrpcio() throws {
        let inspect = try PythonPeerServer.fakeH2(mode: "inspect")
        defer { inspect.stop() }
        let (closed, closedTarget) = try closedTarget()
        defer { closed.stop(grace: nil) }
        let inspectTarget = "127.0.0.1:\(inspect.port)"
        let swift = try InterceptorScenarios.callOptions(inspectTarget: inspectTarget, closedTarget: closedTarget)
        XCTAssertEqual(
            swift,
            [
                "call_options unary_unary: encoding=gzip flags=1",
                "call_options stream_unary: encoding=gzip flags=1,1",
                "call_options wait_for_ready, no server: DEADLINE_EXCEEDED",
            ])
        let (status, output) = try Peers.run(
            "interceptor_client.py", ["--call-options", "--target", inspectTarget, "--closed-target", closedTarget])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output.split(separator: "\n").map(String.init), swift)
    }

    func testInterceptChannelSharesTheConnectionAndCloses() throws {
        let server = try SwiftTestServer()
        let base = insecureChannel(server.target)
        let log = Lines()
        let outer = interceptChannel(
            interceptChannel(base, InterceptorScenarios.Recorder(name: "inner", log: log)),
            InterceptorScenarios.Recorder(name: "outer", log: log))
        XCTAssertEqual(try outer.unaryUnary(TestService.path("Unary"))([1], timeout: 10), [1])
        XCTAssertEqual(log.joined(), "outer> inner> <inner <outer")
        XCTAssertEqual(try base.unaryUnary(TestService.path("Unary"))([2], timeout: 10), [2])
        outer.close()
        XCTAssertThrowsError(try base.unaryUnary(TestService.path("Unary"))([3], timeout: 10)) { error in
            XCTAssertTrue(error is UsageError, "\(error)")
        }
    }

    // MARK: server interceptors run with no runtime lock held

    /// A server interceptor that waits until released, for calls that ask it to.
    private final class Gate: ServerInterceptor, @unchecked Sendable {  // the semaphores are thread-safe
        let entered = DispatchSemaphore(value: 0)
        let released = DispatchSemaphore(value: 0)

        func interceptService(
            _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?, _ details: HandlerCallDetails
        ) throws -> RPCMethodHandler? {
            if details.invocationMetadata["x-gate"] != nil {
                entered.signal()
                if released.wait(timeout: .now() + 20) == .timedOut { throw TestService.Boom() }
            }
            return try continuation(details)
        }
    }

    /// A server interceptor runs on the call's worker with no connection lock held (grpcio runs
    /// it on its one serving thread): while one waits, calls on the same connection are read,
    /// handled and answered. If it ran on the thread reading the connection, or under its lock,
    /// none of them would be answered until the interceptor gave up, and the held call would fail.
    func testAWaitingServerInterceptorHoldsUpNoOtherCallOnItsConnection() throws {
        let gate = Gate()
        let server = try SwiftTestServer(interceptors: [gate], workers: 4)
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        XCTAssertEqual(try unary([0], timeout: 10), [0], "the connection is up")
        let held = try unary.future([1], timeout: 30, metadata: [("x-gate", "1")])
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success, "the interceptor runs")
        for i in 2..<7 {
            XCTAssertEqual(try unary([UInt8(i)], timeout: 10), [UInt8(i)], "call \(i) while the interceptor waits")
        }
        gate.released.signal()
        XCTAssertEqual(try held.result(timeout: 30), [1])
    }

    /// A server interceptor that itself calls the server, over the very connection its call came
    /// on, does not deadlock.
    func testAServerInterceptorThatCallsBackIntoTheRuntimeDoesNotDeadlock() throws {
        final class CallsBack: ServerInterceptor, @unchecked Sendable {  // `channel` is set before any call
            var channel: Channel?

            func interceptService(
                _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?, _ details: HandlerCallDetails
            ) throws -> RPCMethodHandler? {
                if details.invocationMetadata["x-call-back"] != nil, let channel {
                    let nested = try channel.unaryUnary(TestService.path("Unary"))(Array("nested".utf8), timeout: 10)
                    guard nested == Array("nested".utf8) else { throw TestService.Boom() }
                }
                return try continuation(details)
            }
        }
        let interceptor = CallsBack()
        let server = try SwiftTestServer(interceptors: [interceptor], workers: 4)
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        interceptor.channel = channel
        let unary = channel.unaryUnary(TestService.path("Unary"))
        XCTAssertEqual(try unary([7], timeout: 20, metadata: [("x-call-back", "1")]), [7])
    }
}
