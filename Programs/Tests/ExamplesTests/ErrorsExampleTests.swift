import XCTest

/// errors-server and errors-client against their grpcio counterparts in Tests/Peers/examples
/// (grpc's examples/python/errors, with grpcio-status): each client says hello to Alice twice; the
/// second call ends RESOURCE_EXHAUSTED with a rich status whose QuotaFailure the client prints.
/// Every client prints the same against every server (a fresh server each time: the names it has
/// greeted are its state).
final class ErrorsExampleTests: XCTestCase {
    static let expected = """
        Call success: Hello, Alice!
        Call failure: StatusCode.RESOURCE_EXHAUSTED Request limit exceeded.
        Quota failure: violations {
          subject: "name: Alice"
          description: "Limit one greeting per person"
        }


        """

    func testSwiftClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("errors-server")
        XCTAssertEqual(try Examples.runSwiftClient("errors-client", target: server.target), Self.expected)
    }

    func testGRPCIOClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("errors-server")
        XCTAssertEqual(try Examples.runGRPCIOClient("errors_client.py", target: server.target), Self.expected)
    }

    func testSwiftClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("errors_server.py")
        XCTAssertEqual(try Examples.runSwiftClient("errors-client", target: server.target), Self.expected)
    }

    func testGRPCIOClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("errors_server.py")
        XCTAssertEqual(try Examples.runGRPCIOClient("errors_client.py", target: server.target), Self.expected)
    }

    /// The server serves health and reflection, as grpc's Python examples show: grpcio's clients
    /// find its service, health and reflection listed and every one SERVING.
    func testServerServesHealthAndReflection() throws {
        let server = try Examples.swiftServer("errors-server")
        XCTAssertEqual(
            try Examples.askHealthAndReflection(server.target),
            Examples.expectedHealthAndReflection(["helloworld.Greeter"]))
    }
}
