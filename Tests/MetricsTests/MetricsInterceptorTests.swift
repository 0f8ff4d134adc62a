import Foundation
import GRPCSync
import GRPCSyncMetrics
import MetricsTestKit
import TestProcesses
import XCTest

/// The metrics interceptors with swift-metrics' `TestMetrics`: each instrument of gRPC's
/// OpenTelemetry metrics (gRFC A66) with its labels, for every RPC kind, OK and error statuses,
/// with and without compression; the client against grpcio's server (peer_server.py), the server
/// against grpcio's client, whose gzip bytes are compared with zlib's.
final class MetricsInterceptorTests: XCTestCase {
    private typealias Names = GRPCMetricNames
    static let peerService = "grpcsync.testing.TestService"
    static let service = "metrics.Test"

    // MARK: client

    func testClientInstrumentsAgainstAGRPCIOServer() throws {
        let peer = try ChildProcess(
            Repository.python, [Repository.path("Tests/Peers/peer_server.py"), "--port", "0"], keepsInputOpen: true)
        defer { peer.terminate() }
        let port = try peer.waitForPort(prefix: "PORT ")
        let metrics = TestMetrics()
        let channel = interceptChannel(insecureChannel("localhost:\(port)"), ClientMetricsInterceptor(factory: metrics))
        defer { channel.close() }
        let target = "dns:///localhost:\(port)"
        let path = { (method: String) in "/\(Self.peerService)/\(method)" }

        // Unary, OK, uncompressed: 100 bytes each way.
        let hundred = [UInt8](repeating: 7, count: 100)
        XCTAssertEqual(try channel.unaryUnary(path("Unary"))(hundred, timeout: 10), hundred)
        try expectClientCall(
            metrics, "\(Self.peerService)/Unary", target: target, status: "OK", sent: 100, received: 100)

        // Unary, an error status: the request went out, no response came back.
        XCTAssertThrowsError(
            try channel.unaryUnary(path("Unary"))(hundred, timeout: 10, metadata: [("x-status-code", .text("5"))]))
        try expectClientCall(
            metrics, "\(Self.peerService)/Unary", target: target, status: "NOT_FOUND", sent: 100, received: 0)

        // Server streaming: 4 responses of 25 bytes.
        let stream = try channel.unaryStream(path("ServerStream"))(
            [1, 2, 3], timeout: 10, metadata: [("x-count", .text("4")), ("x-size", .text("25"))])
        while try stream.next() != nil {}
        try expectClientCall(
            metrics, "\(Self.peerService)/ServerStream", target: target, status: "OK", sent: 3, received: 100)

        // Client streaming: 3 requests of 10 bytes; the answer is "count=3 bytes=30".
        let summary = try channel.streamUnary(path("ClientStream"))(
            Array(repeating: [UInt8](repeating: 1, count: 10), count: 3), timeout: 10)
        try expectClientCall(
            metrics, "\(Self.peerService)/ClientStream", target: target, status: "OK", sent: 30,
            received: summary.count)

        // Bidirectional streaming: 5 messages of 8 bytes echoed.
        let bidi = try channel.streamStream(path("Bidi"))(
            Array(repeating: [UInt8](repeating: 2, count: 8), count: 5), timeout: 10)
        while try bidi.next() != nil {}
        try expectClientCall(metrics, "\(Self.peerService)/Bidi", target: target, status: "OK", sent: 40, received: 40)

        // Compressed both ways (gzip): the bytes on the wire are the compressed ones, as zlib makes them.
        let compressible = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        let metricsGzip = TestMetrics()
        let gzipChannel = interceptChannel(
            insecureChannel("localhost:\(port)"), ClientMetricsInterceptor(factory: metricsGzip))
        defer { gzipChannel.close() }
        XCTAssertEqual(
            try gzipChannel.unaryUnary(path("Unary"))(
                compressible, timeout: 10, metadata: [("x-compression", .text("gzip"))], compression: .gzip),
            compressible)
        let gzipSize = try Self.zlibGzipSize(of: 1000)
        XCTAssertLessThan(gzipSize, 1000)
        try expectClientCall(
            metricsGzip, "\(Self.peerService)/Unary", target: target, status: "OK", sent: gzipSize, received: gzipSize)

        XCTAssertEqual(
            try metrics.expectCounter(
                Names.clientAttemptStarted,
                [(Names.methodLabel, "\(Self.peerService)/Unary"), (Names.targetLabel, target)]
            ).totalValue, 2)
    }

    /// A target the interceptor is told not to record is `other`; a target with a scheme keeps it.
    func testTargetsAreCanonicalAndCanBeRecordedAsOther() throws {
        let (server, port) = try Self.server(metrics: TestMetrics())
        defer { server.stop(grace: nil).wait() }
        let metrics = TestMetrics()
        let kept = interceptChannel(
            insecureChannel("ipv4:127.0.0.1:\(port)"), ClientMetricsInterceptor(factory: metrics))
        defer { kept.close() }
        let hidden = interceptChannel(
            insecureChannel("localhost:\(port)"),
            ClientMetricsInterceptor(factory: metrics, recordTarget: { $0.hasPrefix("ipv4:") }))
        defer { hidden.close() }
        _ = try kept.unaryUnary("/\(Self.service)/Echo")([1], timeout: 10)
        _ = try hidden.unaryUnary("/\(Self.service)/Echo")([1], timeout: 10)
        for target in ["ipv4:127.0.0.1:\(port)", Names.otherTarget] {
            try expectClientCall(metrics, "\(Self.service)/Echo", target: target, status: "OK", sent: 1, received: 1)
        }
    }

    // MARK: server

    func testServerInstrumentsAgainstAGRPCIOClient() throws {
        let metrics = TestMetrics()
        let (server, port) = try Self.server(metrics: metrics)
        defer { server.stop(grace: nil).wait() }
        let (status, output) = try ChildProcess.run(
            Repository.python,
            [
                "-c",
                """
                import zlib, grpc
                def gzip_size(data):
                    z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 31)
                    return len(z.compress(data) + z.flush())
                with grpc.insecure_channel("localhost:\(port)") as channel:
                    path = lambda method: "/\(Self.service)/" + method
                    assert channel.unary_unary(path("Echo"))(b"x" * 100, timeout=10) == b"x" * 100
                    try:
                        channel.unary_unary(path("Fail"))(b"x" * 10, timeout=10)
                    except grpc.RpcError as error:
                        assert error.code() == grpc.StatusCode.NOT_FOUND
                    assert len(list(channel.unary_stream(path("Stream"))(b"y" * 20, timeout=10))) == 3
                    assert channel.stream_unary(path("Collect"))(iter([b"z" * 7] * 4), timeout=10) == b"z" * 28
                    assert len(list(channel.stream_stream(path("Bidi"))(iter([b"w" * 9] * 2), timeout=10))) == 2
                    data = b"a" * 1000
                    assert channel.unary_unary(path("EchoGzip"))(
                        data, timeout=10, compression=grpc.Compression.Gzip) == data
                    print("GZIP", gzip_size(data))
                    for method in ["/\(Self.service)/Missing", "/generic.Service/Anything", "/\(Self.service)/Refused"]:
                        try:
                            channel.unary_unary(method)(b"", timeout=10)
                        except grpc.RpcError as error:
                            print("CODE", error.code().name)
                print("DONE")
                """,
            ], timeout: 60)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("DONE"), output)
        let gzipSize = try XCTUnwrap(
            output.split(separator: "\n").first { $0.hasPrefix("GZIP ") }.flatMap { Int($0.dropFirst(5)) }, output)
        XCTAssertLessThan(gzipSize, 1000)
        XCTAssertTrue(output.contains("CODE UNIMPLEMENTED"), output)
        XCTAssertTrue(output.contains("CODE INVALID_ARGUMENT"), output)
        XCTAssertTrue(output.contains("CODE UNKNOWN"), output)

        let method = { (name: String) in "\(Self.service)/\(name)" }
        try expectServerCall(metrics, method("Echo"), status: "OK", sent: 100, received: 100)
        try expectServerCall(metrics, method("Fail"), status: "NOT_FOUND", sent: 0, received: 10)
        try expectServerCall(metrics, method("Stream"), status: "OK", sent: 60, received: 20)
        try expectServerCall(metrics, method("Collect"), status: "OK", sent: 28, received: 28)
        try expectServerCall(metrics, method("Bidi"), status: "OK", sent: 18, received: 18)
        try expectServerCall(metrics, method("EchoGzip"), status: "OK", sent: gzipSize, received: gzipSize)
        // The unknown path and the one a generic handler serves are `other`.
        try expectServerCall(metrics, Names.otherMethod, status: "UNIMPLEMENTED", sent: 0, received: 0)
        try expectServerCall(metrics, Names.otherMethod, status: "INVALID_ARGUMENT", sent: 0, received: 0)
        // An interceptor behind the metrics one threw: UNKNOWN, with no handler.
        try expectServerCall(metrics, Names.otherMethod, status: "UNKNOWN", sent: 0, received: 0)
        XCTAssertEqual(
            try metrics.expectCounter(Names.serverCallStarted, [(Names.methodLabel, method("Echo"))]).totalValue, 1)
        XCTAssertEqual(
            try metrics.expectCounter(Names.serverCallStarted, [(Names.methodLabel, Names.otherMethod)]).totalValue, 3)
    }

    /// With `recordGenericMethod`, a generic handler's method keeps its name.
    func testGenericMethodsCanBeRecordedByName() throws {
        let metrics = TestMetrics()
        let (server, port) = try Self.server(metrics: metrics, recordGenericMethod: { $0.hasPrefix("generic.") })
        defer { server.stop(grace: nil).wait() }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary("/generic.Service/Anything")([], timeout: 10))
        XCTAssertThrowsError(try channel.unaryUnary("/\(Self.service)/Missing")([], timeout: 10))
        try expectServerCall(metrics, "generic.Service/Anything", status: "INVALID_ARGUMENT", sent: 0, received: 0)
        try expectServerCall(metrics, Names.otherMethod, status: "UNIMPLEMENTED", sent: 0, received: 0)
    }

    /// A Swift client and server, both measured: a deadline ends the call, DEADLINE_EXCEEDED on
    /// the client.
    func testADeadlineIsRecordedOnBothSides() throws {
        let serverMetrics = TestMetrics()
        let (server, port) = try Self.server(metrics: serverMetrics)
        defer { server.stop(grace: nil).wait() }
        let clientMetrics = TestMetrics()
        let channel = interceptChannel(
            insecureChannel("localhost:\(port)"), ClientMetricsInterceptor(factory: clientMetrics))
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary("/\(Self.service)/Sleep")([1, 2], timeout: 0.2)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .deadlineExceeded)
        }
        try expectClientCall(
            clientMetrics, "\(Self.service)/Sleep", target: "dns:///localhost:\(port)", status: "DEADLINE_EXCEEDED",
            sent: 2, received: 0)
        // The server's own deadline or the client's RST_STREAM, whichever comes first, ends it there.
        let end = Date().addingTimeInterval(10)
        while serverMetrics.timers(label: Names.serverCallDuration).isEmpty && Date() < end {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let status = try XCTUnwrap(
            serverMetrics.timers(label: Names.serverCallDuration).first?.dimensions.first { $0.0 == Names.statusLabel }
        ).1
        XCTAssertTrue(["DEADLINE_EXCEEDED", "CANCELLED"].contains(status), status)
        try expectServerCall(serverMetrics, "\(Self.service)/Sleep", status: status, sent: 0, received: 2)
    }

    // MARK: helpers

    /// A server with `Echo`, `EchoGzip` (answers gzip-compressed), `Fail` (aborts NOT_FOUND),
    /// `Stream` (three copies), `Collect` (the requests joined), `Bidi` (echoes), `Sleep` (until
    /// cancelled), and a generic handler answering INVALID_ARGUMENT for `generic.Service`, behind
    /// `ServerMetricsInterceptor` and then an interceptor that throws for `Refused`.
    static func server(
        metrics: TestMetrics, recordGenericMethod: @escaping @Sendable (String) -> Bool = { _ in false }
    ) throws -> (Server, Int) {
        let handler = methodHandlersGenericHandler(
            service,
            [
                "Echo": unaryUnaryRPCMethodHandler { request, _ in request },
                "EchoGzip": unaryUnaryRPCMethodHandler { request, context in
                    context.setCompression(.gzip)
                    return request
                },
                "Fail": unaryUnaryRPCMethodHandler { _, context in try context.abort(.notFound, "nothing here") },
                "Stream": unaryStreamRPCMethodHandler { request, responses, _ in
                    for _ in 0..<3 { try responses.send(request) }
                },
                "Collect": streamUnaryRPCMethodHandler { requests, _ in
                    var joined: [UInt8] = []
                    for request in requests { joined += request }
                    return joined
                },
                "Bidi": streamStreamRPCMethodHandler { requests, responses, _ in
                    for request in requests { try responses.send(request) }
                },
                "Sleep": unaryUnaryRPCMethodHandler { request, context in
                    while context.isActive() { Thread.sleep(forTimeInterval: 0.01) }
                    return request
                },
            ])
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 4), handlers: [handler, GenericService()],
            interceptors: [
                ServerMetricsInterceptor(factory: metrics, recordGenericMethod: recordGenericMethod),
                RefusingInterceptor(),
            ])
        let port = try server.addInsecurePort("localhost:0")
        try server.start()
        return (server, port)
    }

    /// Throws for `Refused`, before any handler is looked up.
    struct RefusingInterceptor: ServerInterceptor {
        func interceptService(
            _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?, _ handlerCallDetails: HandlerCallDetails
        ) throws -> RPCMethodHandler? {
            if handlerCallDetails.method == "/\(MetricsInterceptorTests.service)/Refused" { throw RefusedError() }
            return try continuation(handlerCallDetails)
        }
    }

    struct RefusedError: Error {}

    /// Serves every method of `generic.Service` with INVALID_ARGUMENT.
    struct GenericService: GenericRPCHandler {
        func service(_ handlerCallDetails: HandlerCallDetails) -> RPCMethodHandler? {
            guard handlerCallDetails.method.hasPrefix("/generic.Service/") else { return nil }
            return unaryUnaryRPCMethodHandler { (_: [UInt8], context) -> [UInt8] in
                try context.abort(.invalidArgument, "generic")
            }
        }
    }

    /// The size of `count` bytes `a` compressed by zlib in the gzip format, as grpc's cores do it.
    static func zlibGzipSize(of count: Int) throws -> Int {
        let (status, output) = try ChildProcess.run(
            Repository.python,
            [
                "-c",
                "import zlib; z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 31); "
                    + "print(len(z.compress(b'a' * \(count)) + z.flush()))",
            ], timeout: 30)
        XCTAssertEqual(status, 0, output)
        return try XCTUnwrap(Int(output.trimmingCharacters(in: .whitespacesAndNewlines)), output)
    }

    /// A client call's attempt counted, and its durations and sizes recorded with exactly these labels.
    private func expectClientCall(
        _ metrics: TestMetrics, _ method: String, target: String, status: String, sent: Int, received: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let started = [(Names.methodLabel, method), (Names.targetLabel, target)]
        let ended = started + [(Names.statusLabel, status)]
        let sizes = try waitForRecorders(
            metrics,
            [Names.clientAttemptSentTotalCompressedMessageSize, Names.clientAttemptReceivedTotalCompressedMessageSize],
            ended)
        XCTAssertEqual(sizes[0].values.last, Double(sent), "sent, \(method) \(status)", file: file, line: line)
        XCTAssertEqual(sizes[1].values.last, Double(received), "received, \(method) \(status)", file: file, line: line)
        XCTAssertGreaterThan(try metrics.expectCounter(Names.clientAttemptStarted, started).totalValue, 0)
        for name in [Names.clientAttemptDuration, Names.clientCallDuration] {
            let timer = try metrics.expectTimer(name, ended)
            XCTAssertEqual(timer.displayUnit, .seconds, file: file, line: line)
            XCTAssertGreaterThan(timer.values.last ?? 0, 0, "\(name), \(method) \(status)", file: file, line: line)
        }
    }

    /// A server call counted, and its duration and sizes recorded with exactly these labels.
    private func expectServerCall(
        _ metrics: TestMetrics, _ method: String, status: String, sent: Int, received: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let ended = [(Names.methodLabel, method), (Names.statusLabel, status)]
        let sizes = try waitForRecorders(
            metrics,
            [Names.serverCallSentTotalCompressedMessageSize, Names.serverCallReceivedTotalCompressedMessageSize],
            ended)
        XCTAssertEqual(sizes[0].values.last, Double(sent), "sent, \(method) \(status)", file: file, line: line)
        XCTAssertEqual(sizes[1].values.last, Double(received), "received, \(method) \(status)", file: file, line: line)
        XCTAssertGreaterThan(
            try metrics.expectCounter(Names.serverCallStarted, [(Names.methodLabel, method)]).totalValue, 0)
        let timer = try metrics.expectTimer(Names.serverCallDuration, ended)
        XCTAssertEqual(timer.displayUnit, .seconds, file: file, line: line)
        XCTAssertGreaterThan(timer.values.last ?? 0, 0, "duration, \(method) \(status)", file: file, line: line)
    }

    /// The recorders of `labels`, once each has a value (a call is recorded just after it ends).
    private func waitForRecorders(
        _ metrics: TestMetrics, _ labels: [String], _ dimensions: [(String, String)]
    ) throws -> [TestRecorder] {
        let end = Date().addingTimeInterval(10)
        while Date() < end {
            let found = labels.compactMap { try? metrics.expectRecorder($0, dimensions) }
            if found.count == labels.count && found.allSatisfy({ !$0.values.isEmpty }) { return found }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return try labels.map { try metrics.expectRecorder($0, dimensions) }
    }
}
