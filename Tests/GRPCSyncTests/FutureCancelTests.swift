import Foundation
import GRPCSync
import XCTest

/// What a call's future and a response stream answer after a local cancel, a server-side cancel
/// or abort, a deadline and a success, observation by observation as grpcio's client answers
/// them (`Tests/Peers/future_cancel_client.py`): a local cancel makes `result()` and
/// `exception()` throw ``FutureCancelledError`` and `cancelled()` true; a CANCELLED status from
/// the server is an ``RPCError`` and `cancelled()` stays false.
final class FutureCancelTests: XCTestCase {
    private static let abortDetails = "aborted by the handler"

    /// grpcio's client against grpcio's server is the reference; the Swift client against either
    /// server, and grpcio's client against the Swift server, observe the same.
    func testFutureAndResponseStreamAfterCancelAsGrpcio() throws {
        let grpcio = try PythonPeerServer()
        let swift = try SwiftTestServer()
        let (status, output) = try Peers.run("future_cancel_client.py", ["--target", grpcio.target])
        XCTAssertEqual(status, 0, output)
        let expected = lines(output)
        let cases = try Peers.list("future_cancel_client.py")
        XCTAssertEqual(Set(expected.compactMap { $0.split(separator: " ").first.map(String.init) }), Set(cases))

        let (swiftServerStatus, swiftServerOutput) = try Peers.run(
            "future_cancel_client.py", ["--target", swift.target])
        XCTAssertEqual(swiftServerStatus, 0, swiftServerOutput)
        compare(lines(swiftServerOutput), expected, "grpcio's client, Swift server")
        for (server, target) in [("grpcio", grpcio.target), ("Swift", swift.target)] {
            let channel = insecureChannel(target)
            defer { channel.close() }
            var observed: [String] = []
            for name in cases {
                observed += try observe(name, channel).map { "\(name) \($0)" }
            }
            compare(observed, expected, "Swift client, \(server) server")
        }
    }

    /// Of cancels racing on one call, one ends it: it alone returns true, as grpcio's `cancel()`
    /// under the call's lock.
    func testOnlyOneOfConcurrentCancelsEndsTheCall() throws {
        let server = try SwiftTestServer()
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        for _ in 0..<20 {
            let request = Array("race \(UUID().uuidString)".utf8)
            let future = try channel.unaryUnary(TestService.path("WaitForCancel")).future(request, timeout: 30)
            let ended = CancelCount()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                if future.cancel() { ended.increment() }
            }
            XCTAssertEqual(ended.value, 1)
            XCTAssertTrue(future.cancelled())
            XCTAssertThrowsError(try future.result(timeout: 5)) { XCTAssertTrue($0 is FutureCancelledError, "\($0)") }
        }
    }

    /// A port nothing listens on (a server bound it, then stopped).
    private func freePort() throws -> Int {
        let server = Server(ThreadPoolExecutor(maxWorkers: 1))
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        server.stop(grace: nil).wait(timeout: 10)
        return port
    }

    private func compare(_ observed: [String], _ expected: [String], _ pairing: String) {
        XCTAssertEqual(observed.count, expected.count, "\(pairing): \(observed)")
        for (seen, wanted) in zip(observed, expected) {
            XCTAssertEqual(seen, wanted, pairing)
        }
    }

    private func lines(_ output: String) -> [String] {
        output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The observations of one case of `future_cancel_client.py`, in its order and words.
    private func observe(_ name: String, _ channel: Channel) throws -> [String] {
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let aborting: Metadata = [
            ("x-status-code", "1"), ("x-status-details-bin", .binary(Array(Self.abortDetails.utf8))),
        ]
        switch name {
        case "unary_local_unconnected":
            let down = insecureChannel("127.0.0.1:\(try freePort())")
            defer { down.close() }
            let future = try down.unaryUnary(TestService.path("Unary")).future(
                Array("hi".utf8), timeout: 30, waitForReady: true)
            return observe(future, cancel: true)
        case "unary_local":
            let request = Array("future \(UUID().uuidString)".utf8)
            let future = try channel.unaryUnary(TestService.path("WaitForCancel")).future(request, timeout: 30)
            return observe(future, cancel: true)
        case "stream_unary_local":
            let requests = RequestQueue<[UInt8]>()
            requests.put([1])
            defer { requests.close() }
            let future = try channel.streamUnary(TestService.path("ClientStream")).future(requests, timeout: 30)
            return observe(future, cancel: true)
        case "unary_server_cancel":
            let future = try channel.unaryUnary(TestService.path("ServerCancel")).future([], timeout: 30)
            return observe(future, cancel: false, withDetails: false)
        case "unary_server_abort":
            return observe(try unary.future(Array("hi".utf8), timeout: 30, metadata: aborting), cancel: false)
        case "unary_deadline":
            let future = try unary.future(Array("hi".utf8), timeout: 0.3, metadata: [("x-sleep-ms", "5000")])
            return observe(future, cancel: false, withDetails: false)
        case "unary_ok":
            return observe(try unary.future(Array("hi".utf8), timeout: 30), cancel: false)
        case "unary_stream_local", "unary_stream_server_abort":
            let local = name == "unary_stream_local"
            let metadata: Metadata =
                local
                ? [("x-count", "3"), ("x-size", "1"), ("x-interval-ms", "10000")]
                : [("x-count", "1"), ("x-size", "1")] + aborting
            let responses = try channel.unaryStream(TestService.path("ServerStream"))(
                [], timeout: 30, metadata: metadata)
            var observed = ["next \(outcome { try responses.next() })"]
            if local { observed.append("cancel \(python(responses.cancel()))") }
            observed += [
                "next \(outcome { try responses.next() })",
                "is_active \(python(responses.isActive()))",
                "code \(responses.code().grpcName)",
                "details \(responses.details())",
                "cancel \(python(responses.cancel()))",
            ]
            return observed
        default:
            XCTFail("no Swift side for case \(name)")
            return []
        }
    }

    /// A future's answers, as `observe_future` in the Python prints them.
    private func observe(_ future: Future<[UInt8]>, cancel: Bool, withDetails: Bool = true) -> [String] {
        var observed: [String] = []
        if cancel {
            observed.append("result(timeout=0.2) \(outcome(withDetails) { try future.result(timeout: 0.2) })")
            observed.append("cancel \(python(future.cancel()))")
        } else {
            _ = try? future.exception(timeout: 30)
        }
        observed += [
            "cancelled \(python(future.cancelled()))",
            "done \(python(future.done()))",
            "running \(python(future.running()))",
            "code \(future.code().grpcName)",
        ]
        if withDetails { observed.append("details \(future.details())") }
        observed += [
            "result \(outcome(withDetails) { try future.result() })",
            "exception \(outcome(withDetails) { try future.exception() })",
            "cancel \(python(future.cancel()))",
            "cancelled \(python(future.cancelled()))",
        ]
        let seen = CancelledSeen()
        future.addDoneCallback { seen.record($0.cancelled()) }
        observed.append("callback cancelled \(seen.value.map(python) ?? "not run")")
        return observed
    }

    /// What `body` returns or throws, in the Python's words (`outcome`).
    private func outcome(_ withDetails: Bool = true, _ body: () throws -> Any?) -> String {
        func describe(_ error: RPCError) -> String {
            withDetails ? "RpcError \(error.code.grpcName) \(error.details)" : "RpcError \(error.code.grpcName)"
        }
        do {
            switch try body() {
            case let bytes as [UInt8]: return "bytes \(bytes.map { String(format: "%02x", $0) }.joined())"
            case let error as RPCError: return describe(error)
            case let value?: return "\(value)"
            case nil: return "None"
            }
        } catch is FutureCancelledError {
            return "FutureCancelledError"
        } catch is FutureTimeoutError {
            return "FutureTimeoutError"
        } catch let error as RPCError {
            return describe(error)
        } catch {
            return "unexpected \(error)"
        }
    }

    private func python(_ value: Bool) -> String { value ? "True" : "False" }
}

/// How many cancels returned true, counted from several threads.
private final class CancelCount: @unchecked Sendable {  // state protected by `lock`
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// What a done callback saw, set on whichever thread runs it.
private final class CancelledSeen: @unchecked Sendable {  // state protected by `lock`
    private let lock = NSLock()
    private var seen: Bool?

    func record(_ cancelled: Bool) { lock.withLock { seen = cancelled } }
    var value: Bool? { lock.withLock { seen } }
}
