import Foundation
import XCTest

@testable import GRPCSync

/// Targets of literal addresses (`ipv4:a:p,b:p`, `ipv6:[a]:p,[b]:p`) and abstract Unix sockets
/// (`unix-abstract:name`): parsed without sockets, then dialled as a grpcio client dials them
/// (`channel_options_peer.py targets`): the addresses tried in order, the `:authority` sent, and
/// the lame channel grpc makes of a list that does not parse.
final class TargetAddressListTests: XCTestCase {
    func testAddressListsParseAsGrpcReadsThem() throws {
        let list = try Target(parsing: "ipv4:127.0.0.1:1,10.0.0.2:80,", defaultPort: 443)
        XCTAssertEqual(try list.resolve().map(\.description), ["ipv4:127.0.0.1:1", "ipv4:10.0.0.2:80"])
        XCTAssertEqual(list.authority, "127.0.0.1:1,10.0.0.2:80,")
        let six = try Target(parsing: "ipv6:[::1]:5,[fe80::1]:6", defaultPort: 443)
        XCTAssertEqual(try six.resolve().map(\.description), ["ipv6:[::1]:5", "ipv6:[fe80::1]:6"])
        for invalid in [
            "ipv4:127.0.0.1", "ipv4:localhost:80", "ipv4:", "ipv4:1.2.3.4:70000", "ipv6:[::1]:1,127.0.0.1:2",
            "ipv6:::1:80", "ipv6:[::1]",
        ] {
            XCTAssertThrowsError(try Target(parsing: invalid, defaultPort: 443), invalid) {
                XCTAssertEqual(($0 as? Target.InvalidURI)?.reason, "the target uri is not valid: \(invalid)")
            }
        }
        // A server's address is one address, as before.
        XCTAssertEqual(try Target(parsing: "ipv4:127.0.0.1:0", defaultPort: nil).resolve().count, 1)
        let abstract = try Target(parsing: "unix-abstract:grpc-sync-name", defaultPort: 443)
        XCTAssertEqual(try abstract.resolve().map(\.description), ["unix-abstract:grpc-sync-name"])
        XCTAssertEqual(abstract.authority, "localhost")
    }

    /// Each target through grpcio's client and ours, against one grpcio server: calls succeed past
    /// a dead first address, the `:authority` is the address list, and a list that does not parse
    /// fails every call UNKNOWN with grpc's words.
    func testTargetsAsGrpcio() throws {
        let server = try PythonPeerServer(script: "channel_options_peer.py", ["server"])
        let port = server.port
        let targets = [
            "ipv4:127.0.0.1:\(port)", "ipv4:127.0.0.1:1,127.0.0.1:\(port)", "ipv4:127.0.0.1:\(port),",
            "ipv6:[::1]:\(port)", "ipv6:[::1]:1,[::1]:\(port)", "ipv4:localhost:\(port)", "ipv4:127.0.0.1",
            "ipv6:[::1]:1,127.0.0.1:\(port)",
        ]
        let (status, output) = try Peers.run("channel_options_peer.py", ["targets", "--targets"] + targets)
        XCTAssertEqual(status, 0, output)
        let expected = output.split(separator: "\n").map(String.init).filter { line in
            targets.contains { line.hasPrefix($0 + " ") }
        }
        XCTAssertEqual(expected.count, targets.count, output)
        for (target, theirs) in zip(targets, expected) {
            XCTAssertEqual(Self.headers(target), theirs)
        }
    }

    /// A server on an abstract Unix socket, called by grpcio's client and ours.
    func testAbstractUnixSocketsBothWays() throws {
        let name = "grpc-sync-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let grpcio = try PythonPeerServer(
            script: "channel_options_peer.py", ["server", "--address", "unix-abstract:\(name)"])
        XCTAssertEqual(Self.headers("unix-abstract:\(name)"), "unix-abstract:\(name) OK  | authority=localhost")
        grpcio.stop()

        let server = Server(ThreadPoolExecutor(maxWorkers: 2))
        server.addGenericRPCHandlers([
            methodHandlersGenericHandler(
                "options.Probe",
                [
                    "Headers": unaryUnaryRPCMethodHandler { (_: [UInt8], context: ServicerContext) in
                        Array("authority=\(context.invocationMetadata()[":authority"] ?? "localhost")".utf8)
                    }
                ])
        ])
        _ = try server.addInsecurePort("unix-abstract:\(name)")
        try server.start()
        defer { server.stop(grace: nil) }
        let (status, output) = try Peers.run(
            "channel_options_peer.py", ["targets", "--targets", "unix-abstract:\(name)"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("unix-abstract:\(name) OK "), output)
    }

    /// What `channel_options_peer.py targets` prints for `target`, from this runtime's client.
    static func headers(_ target: String) -> String {
        let channel = insecureChannel(target)
        defer { channel.close() }
        do {
            let answer = String(
                decoding: try channel.unaryUnary("/options.Probe/Headers")([], timeout: 10), as: UTF8.self)
            let authority = answer.split(separator: "\n").filter { $0.hasPrefix("authority=") }.joined()
            return "\(target) OK  | \(authority)"
        } catch let error as RPCError {
            return "\(target) \(error.code.grpcName) \(error.details) | "
        } catch {
            return "\(target) \(error)"
        }
    }
}
