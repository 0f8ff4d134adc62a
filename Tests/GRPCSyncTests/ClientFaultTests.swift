import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// Servers that misbehave, as a client meets them (Tests/Peers/fake_h2_server.py), each answered
/// as grpcio's client answers it (Tests/Peers/connectivity_client.py), and a drain under load:
/// a grpcio server and this runtime's with `grpc.max_connection_age_ms=500` while calls run back
/// to back.
final class ClientFaultTests: XCTestCase {
    /// A short connect timeout (the minimum reconnect backoff, as grpc core takes it).
    private let shortConnect: [(String, OptionValue)] = [
        ("grpc.min_reconnect_backoff_ms", 1000), ("grpc.initial_reconnect_backoff_ms", 1000),
    ]

    /// Two calls without a deadline on one channel to the fake server in `mode`, by this client
    /// and by grpcio's: `OK`, or the code and details of each.
    private func twoCalls(_ mode: String, options: [(String, OptionValue)]) throws -> (
        swift: [String], grpcio: [String]
    ) {
        // Each client gets a server of its own: some modes treat the first request specially.
        let server = try PythonPeerServer.fakeH2(mode: mode)
        defer { server.stop() }
        let channel = insecureChannel("127.0.0.1:\(server.port)", options: options)
        defer { channel.close() }
        let unary = channel.unaryUnary("/x.Y/Z")
        var swift: [String] = []
        for _ in 0..<2 {
            do {
                _ = try unary(Array("hi".utf8))
                swift.append("OK")
            } catch let error as RPCError {
                swift.append("\(error.code)".replacingOccurrences(of: "StatusCode.", with: "") + " \(error.details)")
            }
        }
        let grpcioServer = try PythonPeerServer.fakeH2(mode: mode)
        defer { grpcioServer.stop() }
        var arguments = ["call", "--target", "127.0.0.1:\(grpcioServer.port)"]
        for (key, value) in options {
            switch value {
            case .int(let number): arguments += ["--option", "\(key)=\(number)"]
            case .string(let text): arguments += ["--option", "\(key)=\(text)"]
            }
        }
        let (status, output) = try Peers.run("connectivity_client.py", arguments)
        XCTAssertEqual(status, 0, output)
        let grpcio = output.split(separator: "\n").map(String.init).filter { !$0.contains("fake_h2_server") }
        print("\(mode): swift \(swift) grpcio \(grpcio)")
        return (swift, grpcio)
    }

    /// A peer that accepts TCP but never speaks HTTP/2: UNAVAILABLE once the connect timeout
    /// passes, even for a call without a deadline; the second call fails fast in transient failure.
    func testAServerThatNeverSpeaksHTTP2() throws {
        let (swift, grpcio) = try twoCalls("silent", options: shortConnect)
        for observed in [swift, grpcio] {
            XCTAssertEqual(observed.count, 2)
            for line in observed {
                XCTAssertTrue(line.hasPrefix("UNAVAILABLE failed to connect to all addresses"), line)
                XCTAssertTrue(line.hasSuffix("connection attempt timed out before receiving SETTINGS frame"), line)
            }
        }
    }

    /// An HTTP/1.1 server on the port: the status says so, in grpc core's words.
    func testAnHTTP1Server() throws {
        let (swift, grpcio) = try twoCalls("http1", options: [])
        for observed in [swift, grpcio] {
            XCTAssertEqual(observed.count, 2)
            for line in observed {
                XCTAssertTrue(line.hasPrefix("UNAVAILABLE failed to connect to all addresses"), line)
                XCTAssertTrue(line.contains("Trying to connect an http1.x server (HTTP status 400)"), line)
            }
        }
    }

    /// A server that closes the socket mid-call without GOAWAY: UNAVAILABLE; the next call
    /// connects again (and meets the same end), rather than failing fast.
    func testAServerThatClosesTheSocketMidCall() throws {
        let (swift, grpcio) = try twoCalls("close_socket", options: [])
        for observed in [swift, grpcio] {
            XCTAssertEqual(observed.count, 2)
            for line in observed { XCTAssertTrue(line.hasPrefix("UNAVAILABLE"), line) }
            XCTAssertFalse(observed[1].contains("failed to connect"), observed[1])
        }
    }

    /// A GOAWAY with an error code HTTP/2 does not define, sent while a call runs: the call
    /// finishes on that connection, the next goes to a new one. (grpcio 1.85's client aborts the
    /// process on it, in http2_status.h: `UNREACHABLE CODE`, so it is not compared.)
    func testAGoAwayWithAnUnknownErrorCode() throws {
        let server = try PythonPeerServer.fakeH2(mode: "goaway_unknown_code")
        defer { server.stop() }
        let channel = insecureChannel("127.0.0.1:\(server.port)")
        defer { channel.close() }
        let unary = channel.unaryUnary("/x.Y/Z")
        XCTAssertEqual(try unary(Array("one".utf8), timeout: 10), Array("one".utf8))
        XCTAssertEqual(try unary(Array("two".utf8), timeout: 10), Array("two".utf8))
    }

    /// A stream the server refused before processing it is sent again on its own, as grpc's
    /// transparent retry sends it: refused by a GOAWAY naming a lower last stream (grpcio does
    /// the same) or by RST_STREAM(REFUSED_STREAM) (grpcio 1.85 does not: its first call fails
    /// UNAVAILABLE "Stream removed"). Unary, server-streaming, and a client-streaming call that
    /// had sent no message yet.
    func testAStreamRefusedUnprocessedIsSentAgain() throws {
        for mode in ["goaway_first", "refuse_first"] {
            let (swift, grpcio) = try twoCalls(mode, options: [])
            XCTAssertEqual(swift, ["OK", "OK"], mode)
            if mode == "goaway_first" {
                XCTAssertEqual(grpcio, ["OK", "OK"])
            } else {
                XCTAssertEqual(grpcio.count, 2)
                XCTAssertTrue(grpcio.first?.hasPrefix("UNAVAILABLE Stream removed") ?? false, "\(grpcio)")
                XCTAssertEqual(grpcio.last, "OK")
            }
        }
        for mode in ["goaway_first", "refuse_first"] {
            let server = try PythonPeerServer.fakeH2(mode: mode)
            defer { server.stop() }
            let channel = insecureChannel("127.0.0.1:\(server.port)")
            defer { channel.close() }
            let responses = try channel.unaryStream("/x.Y/Z")(Array("hi".utf8), timeout: 10)
            XCTAssertEqual(try responses.next(), Array("hi".utf8), mode)
            XCTAssertNil(try responses.next(), mode)
        }
        for mode in ["goaway_first", "refuse_first"] {
            let server = try PythonPeerServer.fakeH2(mode: mode)
            defer { server.stop() }
            let channel = insecureChannel("127.0.0.1:\(server.port)")
            defer { channel.close() }
            XCTAssertEqual(try channel.streamUnary("/x.Y/Z")([[UInt8]](), timeout: 10), [], mode)
        }
    }

    /// A client-streaming call refused after its messages have gone out is sent again with all of
    /// them (grpc's retry buffer, 256 KiB): `a`, `b`, `c` reach the server's second stream and
    /// its answer is `abc`, as grpcio's client gets after a GOAWAY (grpcio now and then loses the
    /// message it was sending as the GOAWAY came; this client never does). A call whose messages passed
    /// the buffer is not sent again: UNAVAILABLE, as from grpcio. (After RST_STREAM(REFUSED_STREAM)
    /// grpcio 1.85 never sends a call again; this runtime does, as for a GOAWAY.)
    func testAClientStreamingCallRefusedAfterItsMessagesIsSentAgainWithThem() throws {
        let large = [UInt8](repeating: 7, count: 300_000)
        for mode in ["goaway_after_data", "refuse_after_data"] {
            var swift: [String] = []
            for calls in [[[large], [Array("d".utf8), Array("e".utf8)]], [["a", "b", "c"].map { Array($0.utf8) }]] {
                let server = try PythonPeerServer.fakeH2(mode: mode)
                defer { server.stop() }
                let channel = insecureChannel("127.0.0.1:\(server.port)")
                defer { channel.close() }
                for messages in calls {
                    do {
                        let reply = try channel.streamUnary("/x.Y/Z")(messages, timeout: 10)
                        swift.append(
                            "OK \(reply.count > 100 ? "\(reply.count) bytes" : String(decoding: reply, as: UTF8.self))")
                    } catch let error as RPCError {
                        swift.append("\(error.code.grpcName)")
                    }
                }
            }
            XCTAssertEqual(swift, ["UNAVAILABLE", "OK de", "OK abc"], mode)

            var grpcio: [String] = []
            for calls in ["[[b'x' * 300000], [b'd', b'e']]", "[[b'a', b'b', b'c']]"] {
                let server = try PythonPeerServer.fakeH2(mode: mode)
                defer { server.stop() }
                let (status, output) = try ChildProcess.run(
                    Repository.python,
                    [
                        "-c",
                        """
                        import grpc
                        with grpc.insecure_channel("127.0.0.1:\(server.port)") as channel:
                            for messages in \(calls):
                                try:
                                    reply = channel.stream_unary("/x.Y/Z")(iter(messages), timeout=10)
                                    print("RESULT OK " + reply.decode())
                                except grpc.RpcError as error:
                                    print("RESULT " + error.code().name)
                        """,
                    ], timeout: 60)
                XCTAssertEqual(status, 0, output)
                grpcio += output.split(separator: "\n").filter { $0.hasPrefix("RESULT ") }.map {
                    String($0.dropFirst(7))
                }
            }
            XCTAssertEqual(grpcio.prefix(2), ["UNAVAILABLE", "OK de"], mode)
            if mode == "goaway_after_data" {
                // grpcio sends the call again, but now and then without the message it was sending
                // as the GOAWAY came (`ab` or `ac` on the wire, then END_STREAM); this client keeps
                // every one.
                XCTAssertTrue(["OK abc", "OK ab", "OK ac"].contains(grpcio.last ?? ""), "\(grpcio)")
            } else {
                XCTAssertEqual(grpcio.last, "UNAVAILABLE", mode)
            }
        }
    }

    /// A drain under load: calls back to back for 20 s against a server whose connections last
    /// 500 ms (±10 %) each, a grpcio server and this runtime's. Every call succeeds: calls on a
    /// draining connection finish there, new ones go to a new connection, and a stream the server
    /// refused is sent again. grpcio's client, run the same way for 10 s, sees no failure either.
    func testCallsBackToBackAcrossConnectionAgeDrainsNeverFail() throws {
        let grpcioServer = try PythonPeerServer(arguments: ["--option", "grpc.max_connection_age_ms=500"])
        defer { grpcioServer.stop() }
        try callBackToBack(grpcioServer.target, server: "grpcio")
        let swiftServer = try SwiftTestServer(options: [("grpc.max_connection_age_ms", 500)])
        try callBackToBack(swiftServer.target, server: "swift")
    }

    private func callBackToBack(_ target: String, server: String) throws {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let recorder = ConnectivityTests.Recorder()
        channel.subscribe({ recorder.record($0) })
        var calls = 0
        var failures: [String: Int] = [:]
        let end = Date().addingTimeInterval(20)
        while Date() < end {
            calls += 1
            do {
                _ = try unary(Array("load".utf8), timeout: 10)
            } catch let error as RPCError {
                failures["\(error.code) \(error.details)", default: 0] += 1
            }
        }
        let connections = recorder.seen.filter { $0 == .ready }.count
        print("\(server) server, swift client: calls \(calls), failures \(failures), READY \(connections) times")
        XCTAssertEqual(failures, [:], "\(server) server")
        XCTAssertGreaterThan(connections, 1, "\(server) server: the server's drains were seen")

        let (status, output) = try Peers.run("connectivity_client.py", ["load", "--target", target, "--seconds", "10"])
        XCTAssertEqual(status, 0, output)
        print("\(server) server, grpcio client: \(output)")
        XCTAssertTrue(output.contains(" failed 0"), "\(server) server: \(output)")
    }
}
