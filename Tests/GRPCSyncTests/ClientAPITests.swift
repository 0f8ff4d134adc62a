import Foundation
import XCTest

@testable import GRPCSync

/// The client API: connecting, wait-for-ready, closing, futures and calls, and the resource
/// behaviour of many calls at once.
final class ClientAPITests: XCTestCase {
    static let server = Result { try SwiftTestServer(workers: 32) }

    private func channel() throws -> Channel { insecureChannel(try Self.server.get().target) }

    func testNothingListeningIsUnavailable() throws {
        let unused = Server(ThreadPoolExecutor(maxWorkers: 1))
        let port = try unused.addInsecurePort("127.0.0.1:0")  // bound, never started: refuses
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary("/a.B/C")([], timeout: 5)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unavailable)
            XCTAssertTrue((error as? RPCError)?.details.contains("failed to connect") == true, "\(error)")
        }
        XCTAssertThrowsError(try channel.unaryUnary("/a.B/C")([], timeout: 0.5, waitForReady: true)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .deadlineExceeded)
        }
    }

    func testWaitForReadyWaitsForTheServerToStart() throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 2), handlers: [TestService.handler()])
        defer { server.stop(grace: nil) }
        let port = try server.addInsecurePort("127.0.0.1:0")
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        let future = try channel.unaryUnary(TestService.path("Unary")).future([5], timeout: 10, waitForReady: true)
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertFalse(future.done())
        try server.start()
        XCTAssertEqual(try future.result(timeout: 10), [5])
    }

    func testClosedChannelRefusesCalls() throws {
        let channel = try channel()
        XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 5), [1])
        channel.close()
        XCTAssertThrowsError(try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 5)) { error in
            XCTAssertTrue(error is UsageError, "\(error)")
        }
    }

    /// A target with no host (`""`, `dns:///`, `:50051`) fails every call with a status that says
    /// so, as grpcio fails it ("the target uri is not valid"), instead of dialling this machine.
    func testATargetWithoutAHostFailsItsCalls() {
        for target in ["", "dns:///", ":50051"] {
            let channel = insecureChannel(target)
            defer { channel.close() }
            XCTAssertThrowsError(try channel.unaryUnary("/a.B/C")([], timeout: 5)) { error in
                let details = (error as? RPCError)?.details ?? "\(error)"
                XCTAssertTrue(details.contains("names no host"), "\(target): \(details)")
            }
        }
    }

    func testFutureAndCallAPI() throws {
        let channel = try channel()
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let callbackRan = DispatchSemaphore(value: 0)
        let future = try unary.future([3], timeout: 10, metadata: [("x-sleep-ms", "300")])
        XCTAssertTrue(future.running())
        XCTAssertTrue(future.isActive())
        XCTAssertNotNil(future.timeRemaining())
        future.addDoneCallback { done in
            XCTAssertTrue(done.done())
            callbackRan.signal()
        }
        XCTAssertThrowsError(try future.result(timeout: 0.05)) { XCTAssertTrue($0 is FutureTimeoutError) }
        XCTAssertEqual(try future.result(timeout: 10), [3])
        XCTAssertNil(try future.exception())
        XCTAssertEqual(callbackRan.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(future.code(), .ok)
        XCTAssertFalse(future.addCallback {}, "a finished call takes no callback")

        let failing = try unary.future([], timeout: 10, metadata: [("x-status-code", "5")])
        XCTAssertEqual((try failing.exception(timeout: 10) as? RPCError)?.code, .notFound)
        XCTAssertEqual(failing.code(), .notFound)
    }

    func testInitialMetadataArrivesBeforeAnyMessage() throws {
        let channel = try channel()
        defer { channel.close() }
        let gate = DispatchSemaphore(value: 0)
        let requests = (0..<1).lazy.map { _ -> [UInt8] in
            _ = gate.wait(timeout: .now() + 10)
            return [1]
        }
        // The Bidi handler sends its initial metadata first, then waits for the request.
        let responses = try channel.streamStream(TestService.path("Bidi"))(
            requests, timeout: 20, metadata: [("x-echo-early", "yes")])
        let start = Date()
        XCTAssertEqual(responses.initialMetadata()["x-echo-early"], "yes")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        gate.signal()
        XCTAssertEqual(try responses.next(), [1])
        XCTAssertNil(try responses.next())
    }

    func testSlowReadersDoNotStallOtherStreamsOnTheConnection() throws {
        let channel = try channel()
        defer { channel.close() }
        let method = channel.unaryStream(TestService.path("ServerStream"))
        let streams = try (0..<20).map { _ in
            try method([], timeout: 30, metadata: [("x-count", "8"), ("x-size", "409600")])
        }
        for (i, stream) in streams.enumerated() {
            var count = 0
            while let message = try stream.next() {
                XCTAssertEqual(message.count, 409_600)
                count += 1
            }
            XCTAssertEqual(count, 8, "stream \(i)")
        }
    }

    func testBlockedRequestSendersDoNotStarveOtherCalls() throws {
        let channel = try channel()
        defer { channel.close() }
        let gate = DispatchSemaphore(value: 0)
        let blocked = try (0..<8).map { _ in
            try channel.streamUnary(TestService.path("ClientStream")).future(
                (0..<2).lazy.map { i -> [UInt8] in
                    if i > 0 { _ = gate.wait(timeout: .now() + 20) }
                    return [1]
                }, timeout: 30)
        }
        Thread.sleep(forTimeInterval: 0.2)
        let quick = try channel.unaryUnary(TestService.path("Unary")).future([9], timeout: 10)
        XCTAssertEqual(try quick.result(timeout: 10), [9])
        for _ in blocked { gate.signal() }
        for future in blocked { XCTAssertEqual(try future.result(timeout: 10), Array("count=2 bytes=2".utf8)) }
    }

    func testFinishedCallsAreFreed() throws {
        let channel = try channel()
        defer { channel.close() }
        weak var released: ClientCall?
        do {
            let (_, call) = try channel.unaryUnary(TestService.path("Unary")).withCall([1], timeout: 3600)
            released = call as? ClientCall
            XCTAssertNotNil(released)
        }
        let end = Date().addingTimeInterval(5)
        while released != nil && Date() < end { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertNil(released, "a finished call is still referenced")
    }

    func testServerWritesStopWhenTheClientCancels() throws {
        let channel = try channel()
        defer { channel.close() }
        let stream = try channel.unaryStream(TestService.path("ServerStream"))(
            [], timeout: 30, metadata: [("x-count", "1000000"), ("x-size", "100")])
        _ = try stream.next()
        stream.cancel()
        XCTAssertThrowsError(try stream.next()) { XCTAssertEqual(($0 as? RPCError)?.code, .cancelled) }
        let progress = channel.unaryUnary(TestService.path("StreamProgress"))
        Thread.sleep(forTimeInterval: 0.3)
        let first = try progress([], timeout: 5)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try progress([], timeout: 5), first, "the handler kept sending after the cancel")
    }

    // A caller waiting for its response reads the connection itself (HTTP2Connection.waitReading);
    // the other callers on that connection must still be woken as soon as their calls end. Each
    // case runs against the Swift server and the grpcio peer.

    func testCallsWaitingBehindTheReadingCallerFinishFirst() throws {
        try callsWaitingBehindTheReadingCallerFinishFirst(target: try Self.server.get().target)
        let peer = try PythonPeerServer()
        defer { peer.stop() }
        try callsWaitingBehindTheReadingCallerFinishFirst(target: peer.target)
    }

    func testCancellingWakesTheCallerReadingTheConnection() throws {
        try cancellingWakesTheCallerReadingTheConnection(target: try Self.server.get().target)
        let peer = try PythonPeerServer()
        defer { peer.stop() }
        try cancellingWakesTheCallerReadingTheConnection(target: peer.target)
    }

    private func callsWaitingBehindTheReadingCallerFinishFirst(target: String) throws {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        _ = try unary([0], timeout: 5)  // connected
        let slow = try unary.future([1], metadata: [("x-sleep-ms", "1500")])
        let slowResult = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            XCTAssertEqual(try? slow.result(), [1])  // this thread reads the socket while it waits
            slowResult.signal()
        }
        Thread.sleep(forTimeInterval: 0.2)
        let started = Date()
        XCTAssertEqual(try unary([2], timeout: 5, metadata: [("x-sleep-ms", "50")]), [2])
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0, "the fast call waited for the slow one (\(target))")
        XCTAssertEqual(slowResult.wait(timeout: .now() + 10), .success)
    }

    private func cancellingWakesTheCallerReadingTheConnection(target: String) throws {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let future = try channel.unaryUnary(TestService.path("Unary")).future([1], metadata: [("x-sleep-ms", "5000")])
        let ended = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var code: StatusCode?
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.2)  // the call has its stream: the wait reads the socket
            code = future.code()  // no deadline: only the cancel can end the wait
            ended.signal()
        }
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertTrue(future.cancel())
        // A reading caller polls for at most a second at a time; woken, it ends at once.
        let woken = ended.wait(timeout: .now() + 0.5) == .success
        XCTAssertTrue(woken, "the waiting caller was not woken by the cancel (\(target))")
        if !woken { _ = ended.wait(timeout: .now() + 5) }
        XCTAssertEqual(code, .cancelled)
    }
}
