import XCTest

/// user-service-server and user-service-client against their grpcio counterparts in
/// Tests/Peers/examples. Each server fails its first two CreateUser calls with UNAVAILABLE, so
/// each client's retry interceptor retries; its logging interceptor logs every call. Every client
/// prints the same against every server (a fresh server each time: the users are its state).
final class UserServiceExampleTests: XCTestCase {
    static let expected = """
        [log] -> /userservice.UsersService/CreateUser
        [retry] /userservice.UsersService/CreateUser: StatusCode.UNAVAILABLE, attempt 2 of 4 in 50 ms
        [retry] /userservice.UsersService/CreateUser: StatusCode.UNAVAILABLE, attempt 3 of 4 in 100 ms
        [log] <- /userservice.UsersService/CreateUser: StatusCode.OK
        Created user-1: Ada Lovelace <ada@example.com>, 36 (request req-1)
        [log] -> /userservice.UsersService/CreateUser
        [log] <- /userservice.UsersService/CreateUser: StatusCode.OK
        Created user-2: Grace Hopper <grace@example.com>, 85 (request req-2)
        [log] -> /userservice.UsersService/CreateUser
        [log] <- /userservice.UsersService/CreateUser: StatusCode.OK
        Created user-3: Alan Turing <alan@example.com>, 41 (request req-3)
        [log] -> /userservice.UsersService/GetUsers
        [log] <- /userservice.UsersService/GetUsers: stream open
        Got user-3: Alan Turing <alan@example.com>, 41
        Got user-1: Ada Lovelace <ada@example.com>, 36
        [log] -> /userservice.UsersService/GetUsers
        [log] <- /userservice.UsersService/GetUsers: stream open
        GetUsers failed: StatusCode.NOT_FOUND no user user-99

        """

    private let flaky = ["--fail-first", "2"]

    func testSwiftClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("user-service-server", flaky)
        XCTAssertEqual(try Examples.runSwiftClient("user-service-client", target: server.target), Self.expected)
    }

    func testGRPCIOClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("user-service-server", flaky)
        XCTAssertEqual(try Examples.runGRPCIOClient("user_service_client.py", target: server.target), Self.expected)
    }

    func testSwiftClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("user_service_server.py", flaky)
        XCTAssertEqual(try Examples.runSwiftClient("user-service-client", target: server.target), Self.expected)
    }

    func testGRPCIOClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("user_service_server.py", flaky)
        XCTAssertEqual(try Examples.runGRPCIOClient("user_service_client.py", target: server.target), Self.expected)
    }

    /// The server serves health and reflection, as grpc's Python examples show: grpcio's clients
    /// find its service, health and reflection listed and every one SERVING.
    func testServerServesHealthAndReflection() throws {
        let server = try Examples.swiftServer("user-service-server")
        XCTAssertEqual(
            try Examples.askHealthAndReflection(server.target),
            Examples.expectedHealthAndReflection(["userservice.UsersService"]))
    }
}
