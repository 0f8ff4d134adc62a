import XCTest

/// user-service-server, user-service-client and user-service-async-client against their grpcio
/// counterparts in Tests/Peers/examples (the async ones on grpc.aio). Each server fails its first two CreateUser calls with UNAVAILABLE, so
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

    func testSwiftAsyncClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("user-service-server", flaky)
        XCTAssertEqual(
            try Examples.runSwiftClient("user-service-async-client", target: server.target), Self.expected)
    }

    func testSwiftAsyncClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("user_service_server.py", flaky)
        XCTAssertEqual(
            try Examples.runSwiftClient("user-service-async-client", target: server.target), Self.expected)
    }

    func testGRPCIOAsyncClientAgainstSwiftServer() throws {
        let server = try Examples.swiftServer("user-service-server", flaky)
        XCTAssertEqual(
            try Examples.runGRPCIOClient("user_service_async_client.py", target: server.target), Self.expected)
    }

    func testGRPCIOAsyncClientAgainstGRPCIOServer() throws {
        let server = try Examples.grpcioServer("user_service_server.py", flaky)
        XCTAssertEqual(
            try Examples.runGRPCIOClient("user_service_async_client.py", target: server.target), Self.expected)
    }

    /// With `--print-telemetry`, the client prints, after its usual output, the metrics and spans
    /// its interceptors recorded: each attempt of the retry interceptor counted, timed and sized,
    /// and traced (the server records its side with the process's no-op backends).
    func testSwiftClientPrintsItsMetricsAndSpans() throws {
        let server = try Examples.swiftServer("user-service-server", flaky)
        let output = try Examples.runSwiftClient("user-service-client", target: server.target, ["--print-telemetry"])
        XCTAssertTrue(output.hasPrefix(Self.expected), output)
        let target = "grpc.target=dns:///\(server.target)"
        let create = "grpc.method=userservice.UsersService/CreateUser"
        let get = "grpc.method=userservice.UsersService/GetUsers"
        for line in [
            "[metric] grpc.client.attempt.started{\(create), \(target)} 5",
            "[metric] grpc.client.attempt.started{\(get), \(target)} 2",
            "[metric] grpc.client.attempt.duration{\(create), grpc.status=UNAVAILABLE, \(target)} 2 timings",
            "[metric] grpc.client.attempt.duration{\(create), grpc.status=OK, \(target)} 3 timings",
            "[metric] grpc.client.call.duration{\(get), grpc.status=NOT_FOUND, \(target)} 1 timings",
            "[span] userservice.UsersService/CreateUser client UNAVAILABLE",
            "[span] userservice.UsersService/GetUsers client NOT_FOUND",
        ] {
            XCTAssertTrue(output.contains(line + "\n"), "\(line)\n\(output)")
        }
        let sizes = output.split(separator: "\n").filter {
            $0.hasPrefix("[metric] grpc.client.attempt.rcvd_total_compressed_message_size{\(get), grpc.status=OK")
        }
        XCTAssertEqual(sizes.count, 1, output)
        XCTAssertFalse(sizes.first?.hasSuffix("bytes 0") ?? true, "two users came back: \(output)")
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
