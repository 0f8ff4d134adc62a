import GRPCSync
import XCTest

/// The Swift client against the Swift server: every scenario of Tests/Peers/SPEC.md.
final class SwiftClientSwiftServerTests: XCTestCase {
    static let server = Result { try SwiftTestServer() }
    static let largeServer = Result {
        try SwiftTestServer(options: [
            ("grpc.max_receive_message_length", 33_554_432), ("grpc.max_send_message_length", 33_554_432),
        ])
    }

    private func run(_ scenario: String) throws {
        let server = try (scenario == "large_16mib" ? Self.largeServer : Self.server).get()
        try ClientScenarios(target: server.target).run(scenario)
    }

    func testUnary() throws { try run("unary") }
    func testUnaryEmpty() throws { try run("unary_empty") }
    func testServerStream() throws { try run("server_stream") }
    func testClientStream() throws { try run("client_stream") }
    func testBidi() throws { try run("bidi") }
    func testMetadata() throws { try run("metadata") }
    func testStatusCodes() throws { try run("status_codes") }
    func testDeadline() throws { try run("deadline") }
    func testTimeRemaining() throws { try run("time_remaining") }
    func testCancel() throws { try run("cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
}

/// The Swift client against a grpcio server (Tests/Peers/peer_server.py): every scenario.
final class SwiftClientGRPCIOServerTests: XCTestCase {
    static let server = Result { try PythonPeerServer() }
    static let largeServer = Result {
        try PythonPeerServer(arguments: ["--max-receive", "33554432", "--max-send", "33554432"])
    }

    private func run(_ scenario: String) throws {
        let server = try (scenario == "large_16mib" ? Self.largeServer : Self.server).get()
        try ClientScenarios(target: server.target).run(scenario)
    }

    func testUnary() throws { try run("unary") }
    func testUnaryEmpty() throws { try run("unary_empty") }
    func testServerStream() throws { try run("server_stream") }
    func testClientStream() throws { try run("client_stream") }
    func testBidi() throws { try run("bidi") }
    func testMetadata() throws { try run("metadata") }
    func testStatusCodes() throws { try run("status_codes") }
    func testDeadline() throws { try run("deadline") }
    func testTimeRemaining() throws { try run("time_remaining") }
    func testCancel() throws { try run("cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
}

/// A grpcio client (Tests/Peers/peer_client.py) against the Swift server: every scenario.
final class GRPCIOClientSwiftServerTests: XCTestCase {
    static let server = Result { try SwiftTestServer() }
    static let largeServer = Result {
        try SwiftTestServer(options: [
            ("grpc.max_receive_message_length", 33_554_432), ("grpc.max_send_message_length", 33_554_432),
        ])
    }

    private func run(_ scenario: String) throws {
        let server = try (scenario == "large_16mib" ? Self.largeServer : Self.server).get()
        let (status, output) = try Peers.run("peer_client.py", [scenario, "--target", server.target])
        XCTAssertEqual(status, 0, "peer_client.py \(scenario):\n\(output)")
    }

    func testUnary() throws { try run("unary") }
    func testUnaryEmpty() throws { try run("unary_empty") }
    func testServerStream() throws { try run("server_stream") }
    func testClientStream() throws { try run("client_stream") }
    func testBidi() throws { try run("bidi") }
    func testMetadata() throws { try run("metadata") }
    func testStatusCodes() throws { try run("status_codes") }
    func testDeadline() throws { try run("deadline") }
    func testTimeRemaining() throws { try run("time_remaining") }
    func testCancel() throws { try run("cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
}
