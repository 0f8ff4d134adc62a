import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// Configured retries (a service config's `retryPolicy` and `retryThrottling`, gRFC A6) case by
/// case as a grpcio client with the same config sees them (`Tests/Peers/retry_cases.json`, run by
/// `retry_peer.py client`), both against `retry_peer.py server`, whose calls fail on purpose: the
/// attempts the server saw, the `grpc-previous-rpc-attempts` each carried, the request messages
/// each got again, and the final status, for all four kinds of call; pushback, commitment by
/// response headers, the retry buffer's limit, the deadline during a backoff, `grpc.enable_retries`
/// and throttling stopping a retry storm.
final class RetryTests: XCTestCase {
    private static let service = "retry.Probe"

    func testEveryCaseAsGrpcio() throws {
        let server = try PythonPeerServer(script: "retry_peer.py", ["server"])
        let cases = try Peers.cases("retry_cases.json")
        let expected = try Peers.caseLines(
            "retry_peer.py", ["client", "--target", server.target], names: cases.map { $0["name"] as! String })
        for (mine, theirs) in zip(cases.map { Self.run($0, target: server.target) }, expected) {
            XCTAssertEqual(mine, theirs)
        }
    }

    /// An async call retries the same way: the server saw three attempts.
    func testAnAsyncCallRetries() async throws {
        let server = try PythonPeerServer(script: "retry_peer.py", ["server"])
        let config = try XCTUnwrap(
            try Peers.cases("retry_cases.json").first { $0["name"] as? String == "unary_succeeds_on_third" })
        let channel = AIO.insecureChannel(
            server.target, options: [("grpc.service_config", .string(config["config"] as! String))])
        let unary = channel.unaryUnary("/\(Self.service)/Unary")
        let response = try await unary(
            Array("r0".utf8), timeout: 10,
            metadata: [("x-call-id", .text(UUID().uuidString)), ("x-fail", "UNAVAILABLE*2")])
        XCTAssertEqual(String(decoding: response, as: UTF8.self), "attempts=3 previous=2 requests=1")
        await channel.close()
    }

    /// A server pushback of 0 ms is a retry at once (gRFC A6; grpcio 1.85 waits for the deadline
    /// instead, see porting.md), and a cancel during a backoff ends the call CANCELLED.
    func testPushbackOfZeroAndACancelDuringTheBackoff() throws {
        let server = try PythonPeerServer(script: "retry_peer.py", ["server"])
        let config =
            #"{"methodConfig":[{"name":[{"service":"retry.Probe"}],"retryPolicy":{"maxAttempts":3,"#
            + #""initialBackoff":"30s","maxBackoff":"30s","backoffMultiplier":1,"retryableStatusCodes":["UNAVAILABLE"]}}]}"#
        let channel = insecureChannel(server.target, options: [("grpc.service_config", .string(config))])
        defer { channel.close() }
        let unary = channel.unaryUnary("/\(Self.service)/Unary")
        let response = try unary(
            Array("r0".utf8), timeout: 10,
            metadata: [("x-call-id", .text(UUID().uuidString)), ("x-fail", "UNAVAILABLE*1"), ("x-pushback", "0")])
        XCTAssertEqual(String(decoding: response, as: UTF8.self), "attempts=2 previous=1 requests=1")

        let future = try unary.future(
            Array("r0".utf8), timeout: 60,
            metadata: [("x-call-id", .text(UUID().uuidString)), ("x-fail", "UNAVAILABLE*1")])
        Thread.sleep(forTimeInterval: 0.3)  // the first attempt has failed; the backoff is up to 30 s
        XCTAssertTrue(future.cancel())
        XCTAssertEqual(future.code(), .cancelled)
    }

    /// `grpc.retry_buffer_size`, the request bytes all of a channel's calls keep together (grpc-js's
    /// key; grpcio's core has only the per-call limit and ignores it): under a limit smaller than
    /// the request, a failed attempt is not retried; by default it is.
    func testTheChannelWideRetryBufferLimit() throws {
        let server = try PythonPeerServer(script: "retry_peer.py", ["server"])
        let config = try XCTUnwrap(
            try Peers.cases("retry_cases.json").first { $0["name"] as? String == "unary_succeeds_on_third" })
        for limit in [nil, 4] {
            var options: [(String, OptionValue)] = [("grpc.service_config", .string(config["config"] as! String))]
            if let limit { options.append(("grpc.retry_buffer_size", .int(limit))) }
            let channel = insecureChannel(server.target, options: options)
            defer { channel.close() }
            let metadata: Metadata = [("x-call-id", .text(UUID().uuidString)), ("x-fail", "UNAVAILABLE*1")]
            do {
                let response = try channel.unaryUnary("/\(Self.service)/Unary")(
                    Array("r0".utf8), timeout: 10, metadata: metadata)
                XCTAssertNil(limit)
                XCTAssertEqual(String(decoding: response, as: UTF8.self), "attempts=2 previous=1 requests=1")
            } catch let error as RPCError {
                XCTAssertEqual(limit, 4, "\(error)")
                XCTAssertEqual(error.code, .unavailable)
            }
        }
    }

    /// What `retry_peer.py client` prints for `testCase`, from this runtime's client.
    static func run(_ testCase: [String: Any], target: String) -> String {
        var options: [(String, OptionValue)] = [("grpc.service_config", .string(testCase["config"] as! String))]
        for option in testCase["options"] as? [[Any]] ?? [] {
            options.append((option[0] as! String, .int(option[1] as! Int)))
        }
        let channel = insecureChannel(target, options: options)
        defer { channel.close() }
        let calls = (0..<(testCase["calls"] as? Int ?? 1)).map { _ in call(channel, testCase) }
        return (testCase["name"] as! String) + calls.joined(separator: " ||")
    }

    private static func call(_ channel: Channel, _ testCase: [String: Any]) -> String {
        var metadata: Metadata = [("x-call-id", .text(UUID().uuidString))]
        for (key, field) in [("x-fail", "fail"), ("x-pushback", "pushback"), ("x-headers-first", "headers_first")] {
            if let value = testCase[field] { metadata.add(key, .text("\(value)")) }
        }
        let method = testCase["method"] as? String ?? "Unary"
        let requests = (0..<(testCase["requests"] as? Int ?? 1)).map { Array("r\($0)".utf8) }
        let timeout = testCase["timeout"] as? Double ?? 10
        let path = "/\(service)/\(method)"
        var responses: [[UInt8]] = []
        let code: StatusCode
        let details: String
        do {
            switch method {
            case "Unary":
                responses.append(try channel.unaryUnary(path)(requests[0], timeout: timeout, metadata: metadata))
            case "ClientStream":
                responses.append(try channel.streamUnary(path)(requests, timeout: timeout, metadata: metadata))
            case "ServerStream":
                let stream = try channel.unaryStream(path)(requests[0], timeout: timeout, metadata: metadata)
                while let response = try stream.next() { responses.append(response) }
            default:
                let stream = try channel.streamStream(path)(requests, timeout: timeout, metadata: metadata)
                while let response = try stream.next() { responses.append(response) }
            }
            (code, details) = (.ok, "")
        } catch let error as RPCError {
            (code, details) = (error.code, error.details)
        } catch {
            (code, details) = (.unknown, "\(error)")
        }
        let shown = responses.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ";")
        return " \(code.grpcName) \(details) | \(shown)"
    }
}

/// Retries of attempts that end without a Trailers-Only response: a reset stream, an HTTP 503 and
/// a closed connection (`fake_h2_server.py`, which prints each request's
/// `grpc-previous-rpc-attempts`), for this runtime's client and grpcio's with the same policy:
/// the same attempts and the same final code.
final class RetryWithoutTrailersTests: XCTestCase {
    private static func config(retrying code: String) -> String {
        #"{"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":3,"initialBackoff":"0.01s","#
            + #""maxBackoff":"0.05s","backoffMultiplier":2,"retryableStatusCodes":["\#(code)"]}}]}"#
    }

    func testResetStreamsHTTP503AndClosedConnectionsAreRetriedAsByGrpcio() throws {
        for (mode, code) in [("rst_internal", "INTERNAL"), ("http503", "UNAVAILABLE"), ("close_socket", "UNAVAILABLE")]
        {
            let config = Self.config(retrying: code)
            let ours = try PythonPeerServer.fakeH2(mode: mode)
            let channel = insecureChannel(ours.target, options: [("grpc.service_config", .string(config))])
            let mine: String
            do {
                _ = try channel.unaryUnary("/fake.Service/Method")(Array("x".utf8), timeout: 10)
                mine = "OK"
            } catch let error as RPCError {
                mine = error.code.grpcName
            }
            channel.close()
            let theirs = try PythonPeerServer.fakeH2(mode: mode)
            let (status, output) = try Peers.run(
                "retry_peer.py",
                ["once", "--target", theirs.target, "--config", config, "--method", "/fake.Service/Method"])
            XCTAssertEqual(status, 0, output)
            let grpcioCode = output.split(separator: "\n").last { $0.first?.isUppercase == true }.map {
                String($0.prefix { $0 != " " })
            }
            XCTAssertEqual(mine, grpcioCode, "\(mode): \(output)")
            XCTAssertEqual(mine, code, mode)
            XCTAssertEqual(Self.requests(ours), ["-", "1", "2"], mode)
            XCTAssertEqual(Self.requests(theirs), ["-", "1", "2"], "\(mode), grpcio")
        }
    }

    /// The `grpc-previous-rpc-attempts` of each request the fake server received, in order.
    private static func requests(_ server: PythonPeerServer) -> [String] {
        _ = server.process.waitForLine(prefix: "REQUEST previous=2", timeout: 5)
        return server.process.output().split(separator: "\n").filter { $0.hasPrefix("REQUEST previous=") }.map {
            String($0.dropFirst("REQUEST previous=".count))
        }
    }
}
