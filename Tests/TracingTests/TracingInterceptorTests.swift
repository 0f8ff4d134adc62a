import Foundation
import GRPCSync
import GRPCSyncTracing
import InMemoryTracing
import TestProcesses
import Tracing
import XCTest

/// The tracing interceptors: a span per call on each side, the server's the child of the client's
/// through `traceparent` in the metadata; the header as a grpcio server receives it, and a grpcio
/// client's header taken by the Swift server.
final class TracingInterceptorTests: XCTestCase {
    static let service = "tracing.Test"

    /// A server with `Echo` (unary), `Fail` (aborts NOT_FOUND) and `Headers` (answers the
    /// invocation metadata's `traceparent`), behind `ServerTracingInterceptor`.
    static func server(tracer: W3CTestTracer) throws -> (Server, Int) {
        let handler = methodHandlersGenericHandler(
            service,
            [
                "Echo": unaryUnaryRPCMethodHandler { request, _ in request },
                "Fail": unaryUnaryRPCMethodHandler { _, context in try context.abort(.notFound, "nothing here") },
                "Stream": unaryStreamRPCMethodHandler { request, responses, _ in
                    for _ in 0..<3 { try responses.send(request) }
                },
            ])
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 4), handlers: [handler],
            interceptors: [ServerTracingInterceptor(tracer: tracer)])
        let port = try server.addInsecurePort("localhost:0")
        try server.start()
        return (server, port)
    }

    func testTheServerSpanIsTheChildOfTheClientSpan() throws {
        let tracer = W3CTestTracer()
        let (server, port) = try Self.server(tracer: tracer)
        defer { server.stop(grace: nil).wait() }
        let channel = interceptChannel(
            insecureChannel("localhost:\(port)"), ClientTracingInterceptor(tracer: tracer))
        defer { channel.close() }

        XCTAssertEqual(try channel.unaryUnary("/\(Self.service)/Echo")(Array("hi".utf8), timeout: 10), Array("hi".utf8))
        XCTAssertThrowsError(try channel.unaryUnary("/\(Self.service)/Fail")([], timeout: 10))
        let stream = try channel.unaryStream("/\(Self.service)/Stream")([1], timeout: 10)
        while try stream.next() != nil {}

        let spans = waitForSpans(tracer, count: 6)
        for method in ["Echo", "Fail", "Stream"] {
            let named = spans.filter { $0.operationName == "\(Self.service)/\(method)" }
            guard let client = named.first(where: { $0.kind == .client }),
                let serverSpan = named.first(where: { $0.kind == .server })
            else { return XCTFail("\(method): \(named.map(\.kind))") }
            XCTAssertEqual(serverSpan.traceID, client.traceID, method)
            XCTAssertEqual(serverSpan.parentSpanID, client.spanID, method)
            for span in [client, serverSpan] {
                XCTAssertEqual(span.attributes["rpc.system"]?.toSpanAttribute(), "grpc")
                XCTAssertEqual(span.attributes["rpc.service"]?.toSpanAttribute(), .string(Self.service))
                XCTAssertEqual(span.attributes["rpc.method"]?.toSpanAttribute(), .string(method))
                let code: Int64 = method == "Fail" ? 5 : 0
                XCTAssertEqual(span.attributes["rpc.grpc.status_code"]?.toSpanAttribute(), .int64(code), method)
            }
            XCTAssertEqual(client.status?.code, method == "Fail" ? .error : nil, method)
            XCTAssertNil(serverSpan.status, "NOT_FOUND is not a server error")
        }
    }

    /// The `traceparent` a traced Swift client sends, as a grpcio server's handler reads it
    /// (peer_server.py's `Metadata` answers the invocation metadata).
    func testAGRPCIOServerReceivesTheTraceparent() throws {
        let tracer = W3CTestTracer()
        let peer = try ChildProcess(
            Repository.python, [Repository.path("Tests/Peers/peer_server.py"), "--port", "0"], keepsInputOpen: true)
        defer { peer.terminate() }
        let port = try peer.waitForPort(prefix: "PORT ")
        let channel = interceptChannel(insecureChannel("localhost:\(port)"), ClientTracingInterceptor(tracer: tracer))
        defer { channel.close() }
        let answer = String(
            decoding: try channel.unaryUnary("/grpcsync.testing.TestService/Metadata")([], timeout: 10), as: UTF8.self)
        let span = try XCTUnwrap(waitForSpans(tracer, count: 1).first)
        XCTAssertTrue(answer.contains("traceparent=00-\(span.traceID)-\(span.spanID)-01"), answer)
    }

    /// A grpcio client that sends a `traceparent` (as one instrumented with OpenTelemetry does)
    /// gets a server span in that trace, the child of the span the header names.
    func testAGRPCIOClientsTraceparentParentsTheServerSpan() throws {
        let tracer = W3CTestTracer()
        let (server, port) = try Self.server(tracer: tracer)
        defer { server.stop(grace: nil).wait() }
        let traceID = W3CTestTracer.hex(bytes: 16)
        let parentID = W3CTestTracer.hex(bytes: 8)
        let (status, output) = try ChildProcess.run(
            Repository.python,
            [
                "-c",
                """
                import grpc
                with grpc.insecure_channel("localhost:\(port)") as channel:
                    reply = channel.unary_unary("/\(Self.service)/Echo")(
                        b"hi", timeout=10, metadata=[("traceparent", "00-\(traceID)-\(parentID)-01")])
                    print("REPLY " + reply.decode())
                """,
            ], timeout: 60)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("REPLY hi"), output)
        let span = try XCTUnwrap(waitForSpans(tracer, count: 1).first)
        XCTAssertEqual(span.kind, .server)
        XCTAssertEqual(span.traceID, traceID)
        XCTAssertEqual(span.parentSpanID, parentID)
    }

    /// The finished spans, once there are `count` (a server span ends just after its response left).
    private func waitForSpans(_ tracer: W3CTestTracer, count: Int) -> [FinishedInMemorySpan] {
        let end = Date().addingTimeInterval(10)
        while tracer.spans.finishedSpans.count < count && Date() < end { Thread.sleep(forTimeInterval: 0.01) }
        return tracer.spans.finishedSpans
    }
}
