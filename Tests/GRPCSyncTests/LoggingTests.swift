import Foundation
import Logging
import TestProcesses
import XCTest

@testable import GRPCSync

/// The runtime's log: what a channel and a server log to a logger they are given, what the
/// default log takes from `GRPC_VERBOSITY` and `GRPC_TRACE`, and handler failures logged as
/// grpcio logs them (Tests/Peers/logging_peer.py).
final class LoggingTests: XCTestCase {
    // MARK: the environment

    func testGRPCVerbosityNamesALevelAndDefaultsToError() {
        XCTAssertEqual(RuntimeLog.level(grpcVerbosity: nil), .error)
        XCTAssertEqual(RuntimeLog.level(grpcVerbosity: "ERROR"), .error)
        XCTAssertEqual(RuntimeLog.level(grpcVerbosity: "info"), .info)
        XCTAssertEqual(RuntimeLog.level(grpcVerbosity: " Debug "), .debug)
        XCTAssertEqual(RuntimeLog.level(grpcVerbosity: "loud"), .error, "an unknown value: grpc's default")
        XCTAssertNil(RuntimeLog.level(grpcVerbosity: "NONE"))
    }

    func testGRPCTraceTurnsTracersOnAndOff() {
        typealias Tracers = RuntimeLog.Tracers
        XCTAssertEqual(Tracers(grpcTrace: ""), [])
        XCTAssertEqual(Tracers(grpcTrace: "http"), .http)
        XCTAssertEqual(Tracers(grpcTrace: "http, connectivity_state,api"), [.http, .connectivityState, .api])
        XCTAssertEqual(Tracers(grpcTrace: "all,-api"), [.http, .connectivityState, .keepalive])
        XCTAssertEqual(Tracers(grpcTrace: "tcp,http_keepalive,round_robin"), .keepalive, "unknown names pass")
    }

    func testTheDefaultLogKeepsTracerEventsForItsTracersAtInfo() {
        let quiet = RuntimeLog(grpcVerbosity: nil, grpcTrace: "http")
        XCTAssertFalse(quiet.isOn(.http), "GRPC_TRACE alone: tracer events are info, below ERROR")
        let tracing = RuntimeLog(grpcVerbosity: "INFO", grpcTrace: "http")
        XCTAssertTrue(tracing.isOn(.http))
        XCTAssertFalse(tracing.isOn(.api))
        let none = RuntimeLog(grpcVerbosity: "NONE", grpcTrace: "all")
        XCTAssertFalse(none.isOn(.http))
        let given = RuntimeLog(logger: LogRecorder().logger(level: .debug))
        XCTAssertTrue(given.isOn(.http) && given.isOn(.api), "a given logger gets every tracer, at debug")
        XCTAssertFalse(RuntimeLog(logger: LogRecorder().logger(level: .info)).isOn(.http))
    }

    // MARK: handler failures, against grpcio

    /// The same three calls as logging_peer.py makes against grpcio: a handler that throws, one
    /// that aborts, a request that cannot be deserialized. The server logs what grpcio's logs
    /// (same levels, same texts; an abort is not logged) and the calls end with the same statuses.
    func testHandlerFailuresAreLoggedAsGrpcioLogsThem() throws {
        let (status, output) = try Peers.run("logging_peer.py", [])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n").map(String.init)
        guard let split = lines.firstIndex(of: "CODES") else { return XCTFail("no CODES line:\n\(output)") }
        let grpcioRecords = lines[..<split].filter { $0.hasPrefix("RECORD ") }
        let grpcioCodes = Array(lines[(split + 1)...])

        let recorder = LogRecorder()
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let handler = methodHandlersGenericHandler(
            "log.Test",
            [
                "Throw": unaryUnaryRPCMethodHandler { _, _ in throw Boom() },
                "Abort": unaryUnaryRPCMethodHandler { _, context in try context.abort(.notFound, "nothing here") },
                "BadRequest": unaryUnaryRPCMethodHandler(
                    { (_: [UInt8], _) -> [UInt8] in throw Boom() },
                    requestDeserializer: { _ in throw Boom() }, responseSerializer: { $0 }),
            ])
        let server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [handler], logger: recorder.logger())
        let port = try server.addInsecurePort("localhost:0")
        try server.start()
        defer { server.stop(grace: nil).wait() }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        var codes: [String] = []
        for method in ["Throw", "Abort", "BadRequest"] {
            do {
                _ = try channel.unaryUnary("/log.Test/\(method)")(Array("x".utf8), timeout: 10)
                codes.append("\(method) OK")
            } catch let error as RPCError {
                codes.append("\(method) \(error.code.grpcName) \(error.details)")
            }
        }
        XCTAssertEqual(codes, grpcioCodes)
        let swiftRecords = recorder.records.filter { $0.level >= .warning }.map {
            "RECORD \($0.level == .error ? "ERROR" : "\($0.level)") \($0.message)"
        }
        XCTAssertEqual(swiftRecords, grpcioRecords)
        XCTAssertEqual(
            recorder.records(containing: "Exception calling").first?.metadata["grpc.method"], "/log.Test/Throw")
    }

    // MARK: connection events

    /// A server and a channel given loggers log the connection's life: accepted and opened, the
    /// GOAWAY of the server's stop on both sides, and the closes, each with the peer's address.
    func testConnectionEventsReachTheGivenLoggers() throws {
        let serverLog = LogRecorder()
        let clientLog = LogRecorder()
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 4), handlers: [TestService.handler()], logger: serverLog.logger())
        let port = try server.addInsecurePort("localhost:0")
        try server.start()
        let channel = insecureChannel("localhost:\(port)", logger: clientLog.logger())
        defer { channel.close() }
        _ = try channel.unaryUnary(TestService.path("Unary"))(Array("hi".utf8), timeout: 10)
        server.stop(grace: 1).wait()

        XCTAssertNotNil(serverLog.waitForRecord(containing: "server started"))
        let accepted = try XCTUnwrap(serverLog.waitForRecord(containing: "connection accepted"))
        XCTAssertEqual(accepted.level, .debug)
        XCTAssertNotNil(accepted.metadata["grpc.peer"])
        XCTAssertNotNil(serverLog.waitForRecord(containing: "GOAWAY sent: NO_ERROR"))
        XCTAssertNotNil(serverLog.waitForRecord(containing: "connection closed"))

        XCTAssertNotNil(clientLog.waitForRecord(containing: "channel created"))
        XCTAssertNotNil(clientLog.waitForRecord(containing: "connection opened"))
        XCTAssertNotNil(clientLog.waitForRecord(containing: "IDLE -> CONNECTING"))
        XCTAssertNotNil(clientLog.waitForRecord(containing: "CONNECTING -> READY"))
        let goAway = try XCTUnwrap(clientLog.waitForRecord(containing: "GOAWAY received: NO_ERROR"))
        XCTAssertTrue("\(goAway.metadata["grpc.peer"] ?? "")".hasSuffix(":\(port)"), "\(goAway)")
        XCTAssertTrue(serverLog.records.allSatisfy { $0.level < .warning }, "\(serverLog.records)")
    }

    /// A peer that does not speak HTTP/2 is a protocol error logged with its address (info), and
    /// a TLS handshake that fails is logged too (info, as grpc logs it).
    func testProtocolErrorsAndHandshakeFailuresAreLoggedWithThePeer() throws {
        let recorder = LogRecorder()
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 2), handlers: [TestService.handler()], logger: recorder.logger(level: .info))
        let plaintext = try server.addInsecurePort("localhost:0")
        let credentials = try sslServerCredentials(
            [(privateKey: try TLSTests.pem("server.key"), certificateChain: try TLSTests.pem("server.pem"))])
        let tls = try server.addSecurePort("localhost:0", credentials)
        try server.start()
        defer { server.stop(grace: nil).wait() }

        for port in [plaintext, tls] { try Self.sendHTTP1Request(port: port) }
        let protocolError = try XCTUnwrap(recorder.waitForRecord(containing: "protocol error from the peer"))
        XCTAssertEqual(protocolError.level, .info)
        XCTAssertTrue("\(protocolError.metadata["grpc.peer"] ?? "")".contains("127.0.0.1"), "\(protocolError)")
        let handshake = try XCTUnwrap(recorder.waitForRecord(containing: "TLS handshake failed"))
        XCTAssertEqual(handshake.level, .info)
        XCTAssertNotNil(handshake.metadata["grpc.peer"])
        XCTAssertTrue(recorder.records(containing: "connection accepted").isEmpty, "debug events stay out at info")
    }

    /// Writes an HTTP/1.1 request to `localhost:port` and waits for the server to close.
    static func sendHTTP1Request(port: Int) throws {
        let (status, output) = try ChildProcess.run(
            Repository.python,
            [
                "-c",
                """
                import socket
                s = socket.create_connection(("127.0.0.1", \(port)), timeout=10)
                s.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                while s.recv(4096): pass
                """,
            ], timeout: 30)
        XCTAssertEqual(status, 0, output)
    }

    // MARK: options

    /// An option grpc acts on and this runtime does not is logged once per channel or server at
    /// warning level, naming the key; supported and unknown keys are not.
    func testUnsupportedOptionsAreLoggedOnceAtWarning() throws {
        let recorder = LogRecorder()
        let options: [(String, OptionValue)] = [
            ("grpc.use_local_subchannel_pool", 1), ("grpc.dscp", 10), ("grpc.use_local_subchannel_pool", 0),
            ("grpc.max_receive_message_length", 100), ("my.own.key", 1),
        ]
        let channel = insecureChannel("localhost:1", options: options, logger: recorder.logger())
        channel.close()
        let server = Server(ThreadPoolExecutor(maxWorkers: 1), options: options, logger: recorder.logger())
        server.stop(grace: nil).wait()
        let warnings = recorder.records.filter { $0.level == .warning }.map(\.message)
        XCTAssertEqual(warnings.count, 4, "\(warnings)")
        XCTAssertEqual(warnings.filter { $0.contains("grpc.use_local_subchannel_pool") }.count, 2)
        XCTAssertEqual(warnings.filter { $0.contains("grpc.dscp") }.count, 2)
    }
}
