import Foundation
import TestProcesses
import XCTest

@testable import GRPCSync

/// Every option key grpc acts on (Tests/Peers/grpc_option_keys.txt, from grpc's headers) is either
/// implemented or named as unsupported, with its reason, in the code and in `docs/porting.md`.
final class OptionCatalogTests: XCTestCase {
    static func grpcKeys() throws -> [String] {
        let text = try String(contentsOfFile: Repository.path("Tests/Peers/grpc_option_keys.txt"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    func testEveryKeyGrpcActsOnIsImplementedOrNamedUnsupported() throws {
        let keys = try Self.grpcKeys()
        XCTAssertGreaterThan(keys.count, 90)
        for key in keys {
            let supported = OptionCatalog.supported.contains(key)
            let unsupported = OptionCatalog.unsupported[key] != nil
            XCTAssertTrue(supported != unsupported, "\(key): supported \(supported), unsupported \(unsupported)")
        }
        let listed = Set(keys)
        for key in OptionCatalog.supported.union(OptionCatalog.unsupported.keys) {
            XCTAssertTrue(listed.contains(key), "\(key) is not one of grpc's keys")
        }
        for key in OptionCatalog.own {
            XCTAssertFalse(listed.contains(key), "\(key) is one of grpc's keys, not this runtime's own")
        }
    }

    /// Each supported key changes what the options hold; each unsupported one is kept to be
    /// logged; a key grpc does not know is neither.
    func testSupportedKeysTakeEffectAndUnsupportedOnesAreKept() throws {
        let untouched = String(reflecting: ChannelOptions())
        for key in OptionCatalog.supported.union(OptionCatalog.own).sorted() {
            let options = try ChannelOptions([(key, Self.value(for: key))])
            XCTAssertNotEqual(String(reflecting: options), untouched, "\(key) has no effect")
            XCTAssertEqual(options.unsupportedKeys, [], key)
        }
        for key in OptionCatalog.unsupported.keys.sorted() {
            XCTAssertEqual(try ChannelOptions([(key, 1)]).unsupportedKeys, [key])
        }
        XCTAssertEqual(try ChannelOptions([("my.own.key", 1)]).unsupportedKeys, [])
    }

    /// A value that differs from the default for `key`.
    static func value(for key: String) -> OptionValue {
        switch key {
        case "grpc.so_reuseport", "grpc.enable_retries": 0
        case "grpc.default_compression_algorithm": 2
        case "grpc.keepalive_permit_without_calls": 1
        case "grpc.primary_user_agent", "grpc.secondary_user_agent", "grpc.default_authority",
            "grpc.ssl_target_name_override":
            "x"
        case "grpc.lb_policy_name": "round_robin"
        case "grpc.service_config": #"{"methodConfig":[{"name":[{}],"timeout":"1s"}]}"#
        default: 123_457
        }
    }

    /// docs/porting.md's "Options" section has a row for every key: the unsupported ones with
    /// the reason the code gives.
    func testPortingGuideListsEveryKey() throws {
        let guide = try String(contentsOfFile: Repository.path("docs/porting.md"), encoding: .utf8)
        let rows = guide.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
        for key in OptionCatalog.supported.union(OptionCatalog.own) {
            XCTAssertTrue(rows.contains { $0.contains("`\(key)`") }, "porting.md has no row for \(key)")
        }
        for (key, reason) in OptionCatalog.unsupported {
            XCTAssertTrue(
                rows.contains { $0.hasPrefix("| `\(key)` |") && $0.contains(reason) },
                "porting.md has no row `| \(key) | … \(reason) |`")
        }
    }

    /// `grpc.primary_user_agent` goes before the runtime's user agent and
    /// `grpc.secondary_user_agent` after it, as a grpcio client places them (both clients call the
    /// same Swift server, which answers the `user-agent` it received).
    func testUserAgentOptionsSurroundTheRuntimesOwn() throws {
        let handler = methodHandlersGenericHandler(
            "ua.Test",
            [
                "Get": unaryUnaryRPCMethodHandler { _, context in
                    Array((context.invocationMetadata()["user-agent"] ?? "").utf8)
                }
            ])
        let server = Server(ThreadPoolExecutor(maxWorkers: 2), handlers: [handler])
        let port = try server.addInsecurePort("localhost:0")
        try server.start()
        defer { server.stop(grace: nil).wait() }
        let channel = insecureChannel(
            "localhost:\(port)",
            options: [("grpc.primary_user_agent", "first/1"), ("grpc.secondary_user_agent", "last/2")])
        defer { channel.close() }
        let swift = String(decoding: try channel.unaryUnary("/ua.Test/Get")([], timeout: 10), as: UTF8.self)
        XCTAssertEqual(swift, "first/1 \(GRPCHeaders.userAgent) last/2")

        let (status, output) = try ChildProcess.run(
            Repository.python,
            [
                "-c",
                """
                import grpc
                options = [("grpc.primary_user_agent", "first/1"), ("grpc.secondary_user_agent", "last/2")]
                with grpc.insecure_channel("localhost:\(port)", options=options) as channel:
                    print("UA " + channel.unary_unary("/ua.Test/Get")(b"", timeout=10).decode())
                """,
            ], timeout: 60)
        XCTAssertEqual(status, 0, output)
        let grpcio = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("UA ") }).dropFirst(3)
        XCTAssertTrue(grpcio.hasPrefix("first/1 grpc-python/") && grpcio.hasSuffix(" last/2"), String(grpcio))
    }
}
