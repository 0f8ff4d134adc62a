import GRPCSync
import XCTest

// Every scenario of Tests/Peers/SPEC.md in three combinations. XCTest on Linux finds only the test
// methods a class declares itself, so each class lists them.

/// The servers the scenarios run against, started once: `large_16mib` and `compression_sizes` need
/// 32 MiB limits, the other scenarios the defaults.
enum ScenarioServers {
    static let limit32MiB: [(String, OptionValue)] = [
        ("grpc.max_receive_message_length", 33_554_432), ("grpc.max_send_message_length", 33_554_432),
    ]
    static let swift = Result { try SwiftTestServer() }
    static let swiftLarge = Result { try SwiftTestServer(options: limit32MiB) }
    static let grpcio = Result { try PythonPeerServer() }
    static let grpcioLarge = Result {
        try PythonPeerServer(arguments: ["--max-receive", "33554432", "--max-send", "33554432"])
    }

    /// The scenarios that run against the servers with 32 MiB limits.
    static let large: Set = ["large_16mib", "compression_sizes"]

    static func swiftTarget(for scenario: String) throws -> String {
        try (large.contains(scenario) ? swiftLarge : swift).get().target
    }

    static func grpcioTarget(for scenario: String) throws -> String {
        try (large.contains(scenario) ? grpcioLarge : grpcio).get().target
    }
}

/// The Swift client against the Swift server.
final class SwiftClientSwiftServerTests: XCTestCase {
    private func run(_ scenario: String) throws {
        try ClientScenarios(target: ScenarioServers.swiftTarget(for: scenario)).run(scenario)
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
    func testServerCancel() throws { try run("server_cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
    func testCompression() throws { try run("compression") }
    func testRequestQueue() throws { try run("request_queue") }
    func testCompressionSizes() throws { try run("compression_sizes") }
}

/// The Swift client against a grpcio server (Tests/Peers/peer_server.py).
final class SwiftClientGRPCIOServerTests: XCTestCase {
    private func run(_ scenario: String) throws {
        try ClientScenarios(target: ScenarioServers.grpcioTarget(for: scenario)).run(scenario)
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
    func testServerCancel() throws { try run("server_cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
    func testCompression() throws { try run("compression") }
    func testRequestQueue() throws { try run("request_queue") }
    func testCompressionSizes() throws { try run("compression_sizes") }
}

/// A grpcio client (Tests/Peers/peer_client.py) against the Swift server.
final class GRPCIOClientSwiftServerTests: XCTestCase {
    private func run(_ scenario: String) throws {
        let target = try ScenarioServers.swiftTarget(for: scenario)
        let (status, output) = try Peers.run("peer_client.py", [scenario, "--target", target])
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
    func testServerCancel() throws { try run("server_cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
    func testCompression() throws { try run("compression") }
    func testRequestQueue() throws { try run("request_queue") }
    func testCompressionSizes() throws { try run("compression_sizes") }
}
