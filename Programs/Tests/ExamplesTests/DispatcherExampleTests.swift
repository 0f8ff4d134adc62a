import XCTest

/// dispatcher-server and dispatcher-client against their grpcio counterparts in
/// Tests/Peers/examples: both servers serve Dispatch and leave DispatchEvent to the generated
/// servicer, so both clients see UNIMPLEMENTED "Method not implemented!" from both.
final class DispatcherExampleTests: XCTestCase {
    static let expected = """
        Dispatch returned: order-1 (order) is dispatched
        DispatchEvent failed: StatusCode.UNIMPLEMENTED Method not implemented!

        """

    func testBothClientsAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("dispatcher-server")
        XCTAssertEqual(try Examples.runSwiftClient("dispatcher-client", target: server.target), Self.expected)
        XCTAssertEqual(try Examples.runGRPCIOClient("dispatcher_client.py", target: server.target), Self.expected)
    }

    func testBothClientsAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("dispatcher_server.py")
        XCTAssertEqual(try Examples.runSwiftClient("dispatcher-client", target: server.target), Self.expected)
        XCTAssertEqual(try Examples.runGRPCIOClient("dispatcher_client.py", target: server.target), Self.expected)
    }

    /// The server serves health and reflection, as grpc's Python examples show: grpcio's clients
    /// find its service, health and reflection listed and every one SERVING.
    func testServerServesHealthAndReflection() throws {
        let server = try Examples.swiftServer("dispatcher-server")
        XCTAssertEqual(
            try Examples.askHealthAndReflection(server.target),
            Examples.expectedHealthAndReflection(["dispatcher.Dispatcher"]))
    }
}
