import Foundation
import GRPCSync
import InteropTesting
import TestProcesses
import XCTest

/// The flags of interop-server and interop-client, in both forms gRPC's interop programs take.
final class InteropProgramFlagsTests: XCTestCase {
    private let kinds: [String: CommandLineFlags.Kind] = [
        "server_port": .value, "test_case": .value, "use_tls": .boolean, "use_test_ca": .boolean,
    ]

    func testValueFlagsTakeBothForms() throws {
        let flags = try CommandLineFlags(
            parsing: ["--server_port=8081", "--test_case", "ping_pong"], kinds: kinds)
        XCTAssertEqual(try flags.int("server_port", default: 0), 8081)
        XCTAssertEqual(flags.string("test_case"), "ping_pong")
    }

    func testBooleanFlagsTakeAValueOrStandAlone() throws {
        let flags = try CommandLineFlags(
            parsing: ["--use_tls", "false", "--use_test_ca", "--server_port", "1"], kinds: kinds)
        XCTAssertFalse(try flags.bool("use_tls", default: true))
        XCTAssertTrue(try flags.bool("use_test_ca", default: false))
        XCTAssertEqual(try flags.int("server_port", default: 0), 1)
        XCTAssertTrue(try CommandLineFlags(parsing: ["--use_tls=true"], kinds: kinds).bool("use_tls", default: false))
    }

    func testBadFlagsAreErrors() {
        XCTAssertThrowsError(try CommandLineFlags(parsing: ["--port=1"], kinds: kinds))
        XCTAssertThrowsError(try CommandLineFlags(parsing: ["--server_port"], kinds: kinds))
        XCTAssertThrowsError(try CommandLineFlags(parsing: ["server_port=1"], kinds: kinds))
        XCTAssertThrowsError(
            try CommandLineFlags(parsing: ["--server_port=x"], kinds: kinds).int("server_port", default: 0))
        XCTAssertThrowsError(
            try CommandLineFlags(parsing: ["--use_tls=yes"], kinds: kinds).bool("use_tls", default: false))
    }

    /// `--server_option` and `--channel_option` may be given many times: `KEY=VALUE`, an int
    /// value when it parses as one, else a string.
    func testRepeatableOptionFlags() throws {
        let kinds: [String: CommandLineFlags.Kind] = ["channel_option": .repeatable, "test_case": .value]
        let flags = try CommandLineFlags(
            parsing: [
                "--channel_option=grpc.a_ms=100", "--test_case=x", "--channel_option", "grpc.b=text",
                "--channel_option=grpc.c=1=2", "--channel_option=grpc.d=",
            ], kinds: kinds)
        let options = try flags.options("channel_option")
        XCTAssertEqual(options.map(\.0), ["grpc.a_ms", "grpc.b", "grpc.c", "grpc.d"])
        XCTAssertEqual(options.map(\.1), [.int(100), .string("text"), .string("1=2"), .string("")])
        XCTAssertEqual(flags.strings("channel_option").count, 4)
        XCTAssertEqual(try flags.options("server_option").count, 0)
        for bad in ["--channel_option=novalue", "--channel_option==1"] {
            XCTAssertThrowsError(try CommandLineFlags(parsing: [bad], kinds: kinds).options("channel_option"), bad)
        }
        XCTAssertThrowsError(try CommandLineFlags(parsing: ["--channel_option"], kinds: kinds))
    }

    /// The options reach the programs' server and channels: a receive limit of 1000 bytes, on the
    /// server or on the client, fails large_unary (a 271828-byte request, a 314159-byte response).
    func testServerAndChannelOptionsReachThePrograms() throws {
        for (serverArguments, clientArguments) in [
            (["--server_option=grpc.max_receive_message_length=1000"], []),
            (
                [],
                ["--channel_option=grpc.max_receive_message_length=1000", "--channel_option=grpc.primary_user_agent=x"]
            ),
        ] {
            let server = try ChildProcess(
                InteropPrograms.program("interop-server"), ["--port=0"] + serverArguments, keepsInputOpen: true)
            defer { server.terminate() }
            let port = try server.waitForPort(prefix: "interop-server listening on port ")
            let (status, output) = try ChildProcess.run(
                InteropPrograms.program("interop-client"),
                ["--server_port=\(port)", "--test_case=large_unary"] + clientArguments)
            XCTAssertEqual(status, 1, output)
            XCTAssertTrue(output.contains("FAIL large_unary"), output)
            XCTAssertTrue(output.contains("larger than max"), output)
        }
        let server = try ChildProcess(InteropPrograms.program("interop-server"), ["--server_option=novalue"])
        XCTAssertEqual(server.waitForExit(timeout: 30).status, 2)
    }

    /// `--target` takes any target a channel takes: an address list whose first address is dead
    /// reaches the server at the second, with a service config given as a channel option.
    func testTargetFlagTakesAnyChannelTarget() throws {
        let server = try ChildProcess(InteropPrograms.program("interop-server"), ["--port=0"], keepsInputOpen: true)
        defer { server.terminate() }
        let port = try server.waitForPort(prefix: "interop-server listening on port ")
        let config = #"{"methodConfig":[{"name":[{}],"timeout":"30s"}]}"#
        let (status, output) = try ChildProcess.run(
            InteropPrograms.program("interop-client"),
            [
                "--target=ipv4:127.0.0.1:1,127.0.0.1:\(port)", "--test_case=large_unary",
                "--channel_option=grpc.service_config=\(config)",
            ])
        XCTAssertEqual(status, 0, output)
        let (badStatus, badOutput) = try ChildProcess.run(
            InteropPrograms.program("interop-client"), ["--target=ipv4:localhost:\(port)", "--test_case=empty_unary"])
        XCTAssertEqual(badStatus, 1, badOutput)
        XCTAssertTrue(badOutput.contains("the target uri is not valid"), badOutput)
    }

    func testAdditionalMetadata() throws {
        let metadata = try InteropClientSettings.parseAdditionalMetadata("X-User:ada;trace-bin:\u{1}\u{2};empty:")
        XCTAssertEqual(metadata, [("x-user", "ada"), ("trace-bin", .binary([1, 2])), ("empty", "")])
        XCTAssertThrowsError(try InteropClientSettings.parseAdditionalMetadata("no-colon"))
        XCTAssertThrowsError(try InteropClientSettings.parseAdditionalMetadata("bad key:v"))
    }

    /// TLS files that cannot be read are reported with their path, as a failure (exit 1).
    func testUnreadableTLSFilesAreNamed() throws {
        for (program, arguments) in [
            ("interop-server", ["--port=0", "--use_tls=true", "--tls_cert_file=/nonexistent/cert.pem"]),
            ("interop-client", ["--use_tls", "true", "--use_test_ca=true", "--ca_file=/nonexistent/ca.pem"]),
        ] {
            let (status, output) = try ChildProcess.run(InteropPrograms.program(program), arguments)
            XCTAssertEqual(status, 1, "\(program): \(output)")
            XCTAssertTrue(output.contains("/nonexistent/"), "\(program): \(output)")
        }
    }

    /// A case that fails exits 1 with "FAIL <case>: <what differed>", and `--additional_metadata`
    /// goes out with the case's calls: a server whose EmptyCall records the metadata and answers
    /// NOT_FOUND fails empty_unary.
    func testFailingCaseExitsOneNamingItAndSendsAdditionalMetadata() throws {
        final class Seen: @unchecked Sendable {  // `lock` protects `users`
            let lock = NSLock()
            var users: [String] = []
        }
        let seen = Seen()
        let emptyCall = unaryUnaryRPCMethodHandler { (_: [UInt8], context: ServicerContext) -> [UInt8] in
            seen.lock.withLock { seen.users.append(context.invocationMetadata()["x-user"] ?? "none") }
            try context.abort(.notFound, "not here")
        }
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 2),
            handlers: [methodHandlersGenericHandler("grpc.testing.TestService", ["EmptyCall": emptyCall])])
        defer { server.stop(grace: nil).wait(timeout: 5) }
        let port = try server.addInsecurePort("[::]:0")
        try server.start()
        let (status, output) = try ChildProcess.run(
            InteropPrograms.program("interop-client"),
            ["--server_port=\(port)", "--test_case=empty_unary", "--additional_metadata=x-user:ada"])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("FAIL empty_unary: "), output)
        XCTAssertTrue(output.contains("not here"), "what differed: \(output)")
        XCTAssertEqual(seen.lock.withLock { seen.users }, ["ada"])
    }

    func testUnknownTestCaseIsAUsageError() throws {
        let (status, output) = try ChildProcess.run(InteropPrograms.program("interop-client"), ["--test_case=nope"])
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("unknown test case \"nope\""), output)
    }
}
