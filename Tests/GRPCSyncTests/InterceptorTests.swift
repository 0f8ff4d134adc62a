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
}
