import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// Keepalive, PING enforcement and connection idle and age limits on the wire, each run against
/// a grpcio peer and this runtime with the same options (Tests/Peers/keepalive_peer.py).
final class KeepaliveTests: XCTestCase {
    /// A Swift test server with `options`.
    private func swiftServer(_ options: [(String, OptionValue)]) throws -> SwiftTestServer {
        try SwiftTestServer(options: options)
    }

    /// peer_server.py with the same options.
    private func grpcioServer(_ options: [(String, OptionValue)]) throws -> PythonPeerServer {
        try PythonPeerServer(arguments: options.flatMap { ["--option", "\($0.0)=\(Self.text($0.1))"] })
    }

    private static func text(_ value: OptionValue) -> String {
        switch value {
        case .int(let v): String(v)
        case .string(let s): s
        }
    }

    /// Runs a keepalive_peer.py client mode against `target`; returns its RESULT text.
    private func peer(_ mode: String, _ target: String, _ arguments: [String] = []) throws -> String {
        let (status, output) = try Peers.run("keepalive_peer.py", [mode, "--target", target] + arguments, timeout: 60)
        XCTAssertEqual(status, 0, output)
        let line = output.split(separator: "\n").first { $0.hasPrefix("RESULT ") }
        return line.map { String($0.dropFirst("RESULT ".count)) } ?? output
    }

    /// Both servers with `options`: `body` gets each one's target and what it is called.
    private func bothServers(_ options: [(String, OptionValue)], _ body: (String, String) throws -> Void) throws {
        let swift = try swiftServer(options)
        try body(swift.target, "swift")
        let grpcio = try grpcioServer(options)
        defer { grpcio.stop() }
        try body(grpcio.target, "grpcio")
    }

    /// A client that sends PINGs without calls, far more often than
    /// `grpc.http2.min_ping_interval_without_data_ms` (5 minutes by default) allows, gets GOAWAY
    /// ENHANCE_YOUR_CALM `too_many_pings` from both servers; the server serves others meanwhile.
    func testPingFloodIsToldTooManyPings() throws {
        try bothServers([]) { target, name in
            XCTAssertEqual(try peer("ping_flood", target), "goaway code=11 debug=too_many_pings", name)
            let channel = insecureChannel(target)
            defer { channel.close() }
            XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 10), [1], name)
        }
    }

    /// `grpc.max_connection_idle_ms`: a connection without calls is ended with GOAWAY. This
    /// server drains it as for age (GOAWAY NO_ERROR with 2^31-1 first); grpcio sends
    /// GOAWAY(0, INTERNAL_ERROR, "connection idle") and closes (docs/porting.md).
    func testAnIdleConnectionIsDrained() throws {
        try bothServers([("grpc.max_connection_idle_ms", 300)]) { target, name in
            let result = try peer("idle", target)
            if name == "swift" {
                XCTAssertEqual(result, "goaway code=0 last=2147483647")
            } else {
                XCTAssertEqual(result, "goaway code=2 last=0")
            }
        }
    }

    /// A server's keepalive (`grpc.keepalive_time_ms`, `grpc.keepalive_timeout_ms`): a client
    /// that stops answering while its call is open is noticed and its connection closed.
    /// (grpcio 1.85 with the same options keeps such a connection open: its keepalive timeout is
    /// left to TCP, whose acknowledgements this peer's kernel still sends; docs/porting.md.)
    func testServerKeepaliveClosesASilentClient() throws {
        let server = try swiftServer([("grpc.keepalive_time_ms", 200), ("grpc.keepalive_timeout_ms", 200)])
        XCTAssertEqual(try peer("silent", server.target, ["--timeout", "15"]), "closed")
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 10), [1])
    }

    /// A client's keepalive notices a server that stopped answering (it exchanged SETTINGS and
    /// went silent, as a process behind a dead NAT): the call fails UNAVAILABLE "keepalive
    /// watchdog timeout" long before its deadline. (grpcio 1.85 sends its PING but waits for the
    /// deadline: see the server test above.)
    func testClientKeepaliveNoticesABlackholedServer() throws {
        let blackhole = try PythonPeerServer(script: "keepalive_peer.py", ["blackhole"])
        defer { blackhole.stop() }
        let channel = insecureChannel(
            blackhole.target, options: [("grpc.keepalive_time_ms", 200), ("grpc.keepalive_timeout_ms", 300)])
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 30)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unavailable, "\(error)")
            XCTAssertEqual((error as? RPCError)?.details, "keepalive watchdog timeout")
        }
    }

    /// A grpcio client with aggressive keepalive options (PINGs every 100 ms, also without calls)
    /// against the default enforcement: the call ends as it does against grpcio's server (grpcio's
    /// client paces its own PINGs, so it is answered), and the server serves others after it.
    /// The GOAWAY `too_many_pings` itself is checked on the wire by
    /// ``testPingFloodIsToldTooManyPings()``.
    func testAggressiveGRPCIOClientAgainstEnforcement() throws {
        var results: [String: String] = [:]
        try bothServers([]) { target, name in
            results[name] = try peer(
                "grpcio_call", target,
                [
                    "--timeout", "10", "--sleep-ms", "1500", "--option", "grpc.keepalive_time_ms=100",
                    "--option", "grpc.keepalive_permit_without_calls=1", "--option",
                    "grpc.http2.max_pings_without_data=0",
                ])
            let channel = insecureChannel(target)
            defer { channel.close() }
            XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 10), [1], name)
        }
        XCTAssertEqual(results["swift"], results["grpcio"], "\(results)")
    }

    /// `grpc.max_connection_age_ms`: the connection is drained with two GOAWAYs, a call running
    /// meanwhile finishes, and the next call gets a new connection.
    func testMaxConnectionAgeDrainsWithoutFailingACall() throws {
        try bothServers([("grpc.max_connection_age_ms", 300)]) { target, name in
            let channel = insecureChannel(target)
            defer { channel.close() }
            let unary = channel.unaryUnary(TestService.path("Unary"))
            XCTAssertEqual(try unary([1], timeout: 20, metadata: [("x-sleep-ms", "1000")]), [1], name)
            XCTAssertEqual(try unary([2], timeout: 20), [2], name)
        }
    }

    /// `grpc.max_connection_age_grace_ms`: a call still running when the grace period ends is
    /// ended, as grpcio ends it.
    func testMaxConnectionAgeGraceEndsALongCall() throws {
        var codes: [String: String] = [:]
        try bothServers([("grpc.max_connection_age_ms", 200), ("grpc.max_connection_age_grace_ms", 200)]) {
            target, name in
            let channel = insecureChannel(target)
            defer { channel.close() }
            XCTAssertThrowsError(
                try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 20, metadata: [("x-sleep-ms", "5000")])
            ) { codes[name] = "\(($0 as? RPCError)?.code.description ?? "\($0)")" }
        }
        XCTAssertEqual(codes["swift"], codes["grpcio"], "\(codes)")
    }
}
