import Foundation
import GRPCSync
import XCTest

/// The options `grpc.primary_user_agent`, `grpc.default_authority` and `grpc.max_metadata_size`
/// against grpcio (`Tests/Peers/channel_options_peer.py`): what a grpcio server receives from
/// either client, and the codes either client gets from either server when metadata is over the
/// limit.
final class ChannelOptionsTests: XCTestCase {
    private static let script = "channel_options_peer.py"
    private static let primaryUserAgent = "my-agent/1.0"
    private static let authority = "foo.example:123"

    /// `grpc.primary_user_agent` goes before the runtime's own user agent, with a space, and
    /// `grpc.default_authority` is the `:authority`, as a grpcio server sees them from grpcio's client.
    func testUserAgentAndAuthorityAsGrpcio() throws {
        let grpcio = try PythonPeerServer(script: Self.script, ["server"])
        let options: [(String, OptionValue)] = [
            ("grpc.primary_user_agent", .string(Self.primaryUserAgent)),
            ("grpc.default_authority", .string(Self.authority)),
        ]
        let pythonOptions = [
            "--option", "grpc.primary_user_agent=\(Self.primaryUserAgent)",
            "--option", "grpc.default_authority=\(Self.authority)",
        ]

        let pythonDefault = try answer(try peer(["headers", "--target", grpcio.target]))
        let pythonWith = try answer(try peer(["headers", "--target", grpcio.target] + pythonOptions))
        let swiftDefault = try answer(try headers(grpcio.target, options: []))
        let swiftWith = try answer(try headers(grpcio.target, options: options))

        XCTAssertEqual(pythonDefault.authority, grpcio.target)
        XCTAssertEqual(swiftDefault.authority, pythonDefault.authority)
        XCTAssertEqual(pythonWith.authority, Self.authority)
        XCTAssertEqual(swiftWith.authority, pythonWith.authority)
        XCTAssertEqual(pythonWith.userAgent, "\(Self.primaryUserAgent) \(pythonDefault.userAgent)")
        XCTAssertEqual(swiftWith.userAgent, "\(Self.primaryUserAgent) \(swiftDefault.userAgent)")
        XCTAssertFalse(swiftDefault.userAgent.isEmpty)
    }

    /// Metadata within `grpc.max_metadata_size` (the whole header block, counted as HTTP/2's
    /// SETTINGS_MAX_HEADER_LIST_SIZE: name, value and 32 per field) passes and metadata past grpcio's hard limit (the
    /// larger of 16 KiB and 1.25 × the option) fails RESOURCE_EXHAUSTED, for request metadata on
    /// the server and initial or trailing metadata on the client, with the same code from every
    /// client × server pairing. In between, grpcio fails a call with a probability that grows
    /// towards the hard limit; this runtime fails every one over the option (docs/porting.md).
    func testMaxMetadataSizeAsGrpcio() throws {
        let configurations: [(server: Int?, client: Int?, sizes: [Int])] = [
            (1024, nil, [100, 20000]),
            (32768, nil, [30000, 50000]),
            (32768, 32768, [30000, 50000]),
            (32768, 1024, [100, 20000]),
        ]
        for (serverLimit, clientLimit, sizes) in configurations {
            let serverOptions = serverLimit.map { [("grpc.max_metadata_size", OptionValue.int($0))] } ?? []
            let clientOptions = clientLimit.map { [("grpc.max_metadata_size", OptionValue.int($0))] } ?? []
            let pythonServerArguments = serverLimit.map { ["--option", "grpc.max_metadata_size=\($0)"] } ?? []
            let pythonClientArguments =
                (clientLimit.map { ["--option", "grpc.max_metadata_size=\($0)"] } ?? [])
                + sizes.flatMap { ["--size", "\($0)"] }
            let grpcio = try PythonPeerServer(script: Self.script, ["server"] + pythonServerArguments)
            let swift = try ProbeServer(options: serverOptions)
            let label =
                "server limit \(serverLimit.map(String.init) ?? "default"), client limit "
                + (clientLimit.map(String.init) ?? "default")

            let expected = try peer(["metadata", "--target", grpcio.target] + pythonClientArguments)
            XCTAssertEqual(expected.count, 3 * sizes.count, "\(label): \(expected)")
            XCTAssertEqual(
                try peer(["metadata", "--target", swift.target] + pythonClientArguments), expected,
                "\(label), grpcio's client, Swift server")
            XCTAssertEqual(
                try codes(grpcio.target, options: clientOptions, sizes: sizes), expected,
                "\(label), Swift client, grpcio server")
            XCTAssertEqual(
                try codes(swift.target, options: clientOptions, sizes: sizes), expected,
                "\(label), Swift client, Swift server")
        }

        // Between the option and grpcio's hard limit: every call fails here.
        let strict = try ProbeServer(options: [("grpc.max_metadata_size", .int(1024))])
        XCTAssertEqual(
            try codes(strict.target, options: [("grpc.max_metadata_size", .int(1024))], sizes: [4096]),
            ["request 4096 RESOURCE_EXHAUSTED", "initial 4096 RESOURCE_EXHAUSTED", "trailing 4096 RESOURCE_EXHAUSTED"])
    }

    // MARK: the Swift client's side of channel_options_peer.py

    private func peer(_ arguments: [String]) throws -> [String] {
        let (status, output) = try Peers.run(Self.script, arguments)
        XCTAssertEqual(status, 0, output)
        return output.split(separator: "\n").map(String.init)
    }

    private func headers(_ target: String, options: [(String, OptionValue)]) throws -> [String] {
        let channel = insecureChannel(target, options: options)
        defer { channel.close() }
        let answer = try channel.unaryUnary(ProbeServer.path("Headers"))([], timeout: 30)
        return String(decoding: answer, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The `user-agent=` and `authority=` lines of a Headers answer.
    private func answer(_ lines: [String]) throws -> (userAgent: String, authority: String) {
        let userAgent = try XCTUnwrap(lines.first { $0.hasPrefix("user-agent=") }).dropFirst("user-agent=".count)
        let authority = try XCTUnwrap(lines.first { $0.hasPrefix("authority=") }).dropFirst("authority=".count)
        return (String(userAgent), String(authority))
    }

    private func codes(_ target: String, options: [(String, OptionValue)], sizes: [Int]) throws -> [String] {
        let channel = insecureChannel(target, options: options)
        defer { channel.close() }
        func code(_ call: () throws -> Void) -> String {
            do {
                try call()
                return "OK"
            } catch let error as RPCError {
                return error.code.grpcName
            } catch {
                return "unexpected \(error)"
            }
        }
        var observed: [String] = []
        for size in sizes {
            let big = String(repeating: "a", count: size)
            let request = channel.unaryUnary(ProbeServer.path("Request"))
            observed.append(
                "request \(size) \(code { _ = try request([], timeout: 30, metadata: [("x-big", .text(big))]) })")
            for (kind, name) in [("initial", "InitialMetadata"), ("trailing", "TrailingMetadata")] {
                let method = channel.unaryUnary(ProbeServer.path(name))
                observed.append("\(kind) \(size) \(code { _ = try method(Array(String(size).utf8), timeout: 30) })")
            }
        }
        return observed
    }
}

/// The Swift side of `channel_options_peer.py server`, without Headers (the `:authority` is
/// observed on grpcio's server).
private final class ProbeServer: @unchecked Sendable {  // immutable after init
    static func path(_ method: String) -> String { "/options.Probe/\(method)" }

    /// The size a request asks for (decimal ASCII).
    static func size(_ request: [UInt8]) -> Int { Int(String(decoding: request, as: UTF8.self)) ?? 0 }

    let server: Server
    let port: Int

    init(options: [(String, OptionValue)]) throws {
        let handlers: [String: RPCMethodHandler] = [
            "Request": unaryUnaryRPCMethodHandler { _, _ in Array("ok".utf8) },
            "InitialMetadata": unaryUnaryRPCMethodHandler { request, context in
                try context.sendInitialMetadata([("x-big", .text(String(repeating: "a", count: Self.size(request))))])
                return Array("ok".utf8)
            },
            "TrailingMetadata": unaryUnaryRPCMethodHandler { request, context in
                try context.setTrailingMetadata([("x-big", .text(String(repeating: "a", count: Self.size(request))))])
                return Array("ok".utf8)
            },
        ]
        server = Server(
            ThreadPoolExecutor(maxWorkers: 4), handlers: [methodHandlersGenericHandler("options.Probe", handlers)],
            options: options)
        port = try server.addInsecurePort("[::]:0")
        try server.start()
    }

    var target: String { "localhost:\(port)" }

    deinit { server.stop(grace: nil).wait(timeout: 10) }
}
