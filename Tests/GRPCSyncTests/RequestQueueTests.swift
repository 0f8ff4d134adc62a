import Foundation
import XCTest

@testable import GRPCSync

/// `RequestQueue`: requests put while the call runs. The `request_queue` scenario covers the
/// ordinary uses against both servers; these cover the edges, each against the Swift server and a
/// grpcio server, and the queue's order on its own, with a stand-in for the call.
final class RequestQueueTests: XCTestCase {
    static let server = Result { try SwiftTestServer(workers: 16) }
    static let peer = Result { try PythonPeerServer() }

    private func targets() throws -> [String] {
        [try Self.server.get().target, try Self.peer.get().target]
    }

    func testAPutSendsOnThePuttingThread() throws {
        for target in try targets() {
            let channel = insecureChannel(target)
            defer { channel.close() }
            let serializedOn = ThreadRecorder()
            let bidi = channel.streamStream(
                TestService.path("Bidi"),
                requestSerializer: { (request: [UInt8]) in
                    serializedOn.record(request[0])
                    return request
                }, responseDeserializer: { $0 })
            let requests = RequestQueue<[UInt8]>()
            defer { requests.close() }
            let echoes = try bidi(requests, timeout: 20)
            requests.put([0])
            XCTAssertEqual(try echoes.next(), [0])  // answered: the call has started
            // The thread that sent what was put before the call started may not have finished yet.
            let deadline = Date().addingTimeInterval(10)
            while requests.isDraining && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            for i in 1..<4 {
                requests.put([UInt8(i)])
                XCTAssertEqual(try echoes.next(), [UInt8(i)])
                XCTAssertTrue(
                    serializedOn.wasCurrentThread(UInt8(i)), "request \(i) was sent by another thread (\(target))")
            }
            requests.close()
            XCTAssertNil(try echoes.next())
        }
    }

    func testPutsFromSeveralThreadsKeepEachThreadsOrder() throws {
        for target in try targets() {
            let channel = insecureChannel(target)
            defer { channel.close() }
            let requests = RequestQueue<[UInt8]>()
            defer { requests.close() }
            let echoes = try channel.streamStream(TestService.path("Bidi"))(requests, timeout: 20)
            let threads = 4
            let perThread = 250
            let done = DispatchGroup()
            for thread in 0..<threads {
                done.enter()
                Thread.detachNewThread {
                    for index in 0..<perThread {
                        requests.put([UInt8(thread), UInt8(index >> 8), UInt8(index & 0xff)])
                    }
                    done.leave()
                }
            }
            XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
            requests.close()
            var next = [Int](repeating: 0, count: threads)
            while let echo = try echoes.next() {
                let thread = Int(echo[0])
                XCTAssertEqual(Int(echo[1]) << 8 | Int(echo[2]), next[thread], "thread \(thread)'s order (\(target))")
                next[thread] += 1
            }
            XCTAssertEqual(next, [Int](repeating: perThread, count: threads), target)
            XCTAssertEqual(echoes.code(), .ok, target)
        }
    }

    func testPutsAfterTheCallEndedAreDropped() throws {
        for target in try targets() {
            let channel = insecureChannel(target)
            defer { channel.close() }
            let requests = RequestQueue<[UInt8]>()
            let echoes = try channel.streamStream(TestService.path("Bidi"))(requests, timeout: 20)
            requests.put([1])
            XCTAssertEqual(try echoes.next(), [1])
            echoes.cancel()
            for _ in 0..<10 { requests.put([UInt8](repeating: 2, count: 1 << 20)) }
            XCTAssertEqual(requests.pendingCount, 0, target)
            requests.close()
            XCTAssertEqual(echoes.code(), .cancelled, target)
        }
    }

    func testRequestsHeldBackByFlowControlAreFreedWhenTheDeadlinePasses() throws {
        for target in try targets() {
            let channel = insecureChannel(target)
            defer { channel.close() }
            let requests = RequestQueue<[UInt8]>()
            defer { requests.close() }
            // The handler sleeps before reading: flow control soon stops the requests.
            let summary = try channel.streamUnary(TestService.path("ClientStream")).future(
                requests, timeout: 3, metadata: [("x-sleep-ms", "6000")])
            for _ in 0..<100 { requests.put([UInt8](repeating: 3, count: 64 * 1024)) }
            // A put that waited for the peer would have returned only at the deadline.
            XCTAssertFalse(summary.done(), "a put waited for the peer (\(target))")
            XCTAssertGreaterThan(requests.pendingCount, 0, "flow control held nothing back (\(target))")
            XCTAssertThrowsError(try summary.result(timeout: 10)) { error in
                XCTAssertEqual((error as? RPCError)?.code, .deadlineExceeded, target)
            }
            let freed = Date().addingTimeInterval(10)
            while requests.pendingCount > 0 && Date() < freed { Thread.sleep(forTimeInterval: 0.02) }
            XCTAssertEqual(requests.pendingCount, 0, "requests still held after the deadline (\(target))")
        }
    }

    func testAQueueThroughAStreamInterceptorIsReadAsASequence() throws {
        let recorder = StreamRecorder()
        for target in try targets() {
            let channel = interceptChannel(insecureChannel(target), recorder)
            defer { channel.close() }
            let requests = RequestQueue<[UInt8]>()
            defer { requests.close() }
            let echoes = try channel.streamStream(TestService.path("Bidi"))(requests, timeout: 20)
            for i in 0..<5 {
                requests.put([UInt8(i)])
                XCTAssertEqual(try echoes.next(), [UInt8(i)], target)
            }
            requests.close()
            XCTAssertNil(try echoes.next())
            XCTAssertEqual(echoes.code(), .ok, target)
        }
        XCTAssertEqual(recorder.seen, 2)
    }

    // MARK: the queue alone, on a stand-in for the call

    func testRequestsPutBeforeTheCallStartsAreSentInOrder() {
        let requests = RequestQueue<Int>()
        for i in 0..<300 { requests.put(i) }
        XCTAssertEqual(requests.pendingCount, 300)
        let call = FakeCall()
        XCTAssertTrue(requests.attach(call.feed))
        XCTAssertEqual(call.sent, Array(0..<300))
        XCTAssertEqual(requests.pendingCount, 0)
        requests.put(300)
        XCTAssertEqual(call.sent.last, 300)
        XCTAssertFalse(call.ended)
        requests.close()
        XCTAssertTrue(call.ended)
        requests.put(301)
        XCTAssertEqual(call.sent, Array(0...300), "a put after close was sent")
        XCTAssertFalse(requests.attach(FakeCall().feed), "a queue feeds one call")
    }

    /// Puts while the call is full wait in the queue behind the one a sender thread is sending,
    /// and leave in order, taken while more are put.
    func testRequestsHeldBackWhileTheCallIsFullLeaveInOrder() {
        let requests = RequestQueue<Int>()
        let call = FakeCall()
        XCTAssertTrue(requests.attach(call.feed))
        requests.put(0)
        call.setFull(true)
        for i in 1..<200 { requests.put(i) }
        XCTAssertEqual(call.sent, [0])
        XCTAssertGreaterThan(requests.pendingCount, 0)
        call.setFull(false)
        for i in 200..<2000 { requests.put(i) }
        requests.close()
        XCTAssertTrue(call.waitForEnd(seconds: 20), "the call was not half-closed")
        XCTAssertEqual(call.sent, Array(0..<2000))
        XCTAssertEqual(requests.pendingCount, 0)
    }

    func testRequestsAreReadAsASequenceInOrder() {
        let requests = RequestQueue<Int>()
        let read = DispatchSemaphore(value: 0)
        let reader = ReadRecorder()
        Thread.detachNewThread {
            reader.items = Array(requests)
            read.signal()
        }
        for i in 0..<1000 { requests.put(i) }
        requests.close()
        XCTAssertEqual(read.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(reader.items, Array(0..<1000))
    }
}

/// A stand-in for a started call: records what the queue sends; while full, a send that may not
/// wait answers `.full` and one that may waits until the call is no longer full.
private final class FakeCall: @unchecked Sendable {
    private let lock = NSCondition()
    private var requests: [Int] = []
    private var full = false
    private var isEnded = false

    var sent: [Int] { lock.withLock { requests } }
    var ended: Bool { lock.withLock { isEnded } }

    var feed: RequestQueue<Int>.Feed {
        RequestQueue<Int>.Feed(
            send: { [self] message, waitWhileFull in
                lock.withLock {
                    if full && !waitWhileFull { return .full }
                    while full { lock.wait() }
                    requests.append(message.message)
                    return .queued
                }
            },
            end: { [self] in
                lock.withLock {
                    isEnded = true
                    lock.broadcast()
                }
            })
    }

    func setFull(_ value: Bool) {
        lock.withLock {
            full = value
            lock.broadcast()
        }
    }

    func waitForEnd(seconds: TimeInterval) -> Bool {
        lock.withLock {
            let deadline = Date().addingTimeInterval(seconds)
            while !isEnded && lock.wait(until: deadline) {}
            return isEnded
        }
    }
}

/// What a reader thread read.
private final class ReadRecorder: @unchecked Sendable {
    var items: [Int] = []
}

/// Counts the stream-stream calls it sees and passes their requests on unchanged.
private final class StreamRecorder: StreamStreamClientInterceptor, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var seen: Int { lock.withLock { count } }

    func interceptStreamStream<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails, _ requests: AnySequence<Request>
    ) throws -> ResponseStream<Response> {
        lock.withLock { count += 1 }
        return try continuation(clientCallDetails, requests)
    }
}

/// The thread each request was serialized on.
private final class ThreadRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var threads: [UInt8: pthread_t] = [:]

    func record(_ request: UInt8) {
        lock.withLock { threads[request] = pthread_self() }
    }

    func wasCurrentThread(_ request: UInt8) -> Bool {
        lock.withLock { threads[request].map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }
}
