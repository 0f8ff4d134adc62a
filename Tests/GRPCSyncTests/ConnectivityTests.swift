import Foundation
import GRPCSync
import XCTest

/// A channel's connectivity on the wire: subscriptions, `channelReadyFuture`, fail-fast and
/// wait-for-ready calls while the server is down and after it restarts, the idle timeout, and
/// the client's answers to servers that misbehave, each compared with grpcio's client
/// (Tests/Peers/connectivity_client.py) where it matters.
final class ConnectivityTests: XCTestCase {
    /// Options that make a down server's retries quick.
    private let quickRetries: [(String, OptionValue)] = [
        ("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", 200),
        ("grpc.min_reconnect_backoff_ms", 1000),
    ]

    /// The states a subscription is told, and the threads it is told on.
    final class Recorder: @unchecked Sendable {  // `lock` protects the arrays
        private let lock = NSLock()
        private let changed = NSCondition()
        private var states: [ChannelConnectivity] = []
        private(set) var threads: Set<String> = []

        func record(_ state: ChannelConnectivity) {
            changed.lock()
            states.append(state)
            threads.insert("\(pthread_self())")
            changed.broadcast()
            changed.unlock()
        }

        var seen: [ChannelConnectivity] {
            changed.lock()
            defer { changed.unlock() }
            return states
        }

        /// Waits (up to 20 s) until `state` has been told; true when it has.
        func waitFor(_ state: ChannelConnectivity) -> Bool { wait { $0.contains(state) } }

        /// Waits (up to 20 s) until `count` states have been told; true when they have.
        func waitFor(count: Int) -> Bool { wait { $0.count >= count } }

        private func wait(until done: ([ChannelConnectivity]) -> Bool) -> Bool {
            let until = Date().addingTimeInterval(20)
            changed.lock()
            defer { changed.unlock() }
            while !done(states) {
                if !changed.wait(until: until) { return done(states) }
            }
            return true
        }
    }

    private func unary(_ channel: Channel) -> UnaryUnaryMultiCallable<[UInt8], [UInt8]> {
        channel.unaryUnary(TestService.path("Unary"))
    }

    /// A port nothing listens on (a server bound it, then stopped).
    private func freePort() throws -> Int {
        let server = Server(ThreadPoolExecutor(maxWorkers: 1))
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        server.stop(grace: nil).wait(timeout: 10)
        return port
    }

    func testSubscribersSeeEachStateOnAWorkerWithNoLockHeld() throws {
        let server = try SwiftTestServer()
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let recorder = Recorder()
        let testThread = "\(pthread_self())"
        let subscription = channel.subscribe(
            { state in
                // Subscribing from a callback would deadlock if a runtime lock were held.
                channel.unsubscribe(channel.subscribe({ _ in }))
                recorder.record(state)
            }, tryToConnect: true)
        XCTAssertTrue(recorder.waitFor(.ready), "\(recorder.seen)")
        XCTAssertEqual(recorder.seen, [.idle, .connecting, .ready])
        XCTAssertFalse(recorder.threads.contains(testThread))

        // The server goes away: the channel goes idle, as grpcio's does.
        server.server.stop(grace: nil).wait(timeout: 10)
        XCTAssertTrue(recorder.waitFor(count: 4), "\(recorder.seen)")
        channel.unsubscribe(subscription)
        let late = Recorder()
        channel.subscribe({ late.record($0) })
        XCTAssertTrue(late.waitFor(.idle), "a new subscriber is told the state now")
        XCTAssertEqual(recorder.seen, [.idle, .connecting, .ready, .idle])
    }

    /// grpcio's `_ChannelReadyFuture`: a timeout, then cancel, against a server that is down.
    func testChannelReadyFutureAsGrpcio() throws {
        let target = "127.0.0.1:\(try freePort())"
        var observed: [String] = []
        let channel = insecureChannel(target, options: quickRetries)
        defer { channel.close() }
        let future = channelReadyFuture(channel)
        do {
            try future.result(timeout: 0.2)
            observed.append("ready")
        } catch is FutureTimeoutError {
            observed.append("timeout")
        }
        observed.append("cancel \(future.cancel() ? "True" : "False")")
        observed.append("cancelled \(future.cancelled() ? "True" : "False")")
        observed.append("done \(future.done() ? "True" : "False")")
        do {
            try future.result()
        } catch is FutureCancelledError {
            observed.append("cancelled_error")
        }
        let (status, output) = try Peers.run("connectivity_client.py", ["ready_future", "--target", target])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(observed, output.split(separator: "\n").map(String.init))

        // Against a live server it completes, and cancel is too late.
        let server = try SwiftTestServer()
        let live = insecureChannel(server.target)
        defer { live.close() }
        let ready = channelReadyFuture(live)
        try ready.result(timeout: 20)
        XCTAssertTrue(ready.done())
        XCTAssertFalse(ready.cancel())
        let called = Event()
        ready.addDoneCallback { _ in called.set() }
        XCTAssertTrue(called.isSet())
    }

    /// Against a down server a call without waitForReady fails fast UNAVAILABLE, one with it waits;
    /// a server started on the same port meanwhile serves the waiting call and the ready future.
    func testFailFastWaitForReadyAndAServerRestartedOnTheSamePort() throws {
        let port = try freePort()
        let channel = insecureChannel("127.0.0.1:\(port)", options: quickRetries)
        defer { channel.close() }
        let recorder = Recorder()
        channel.subscribe({ recorder.record($0) })
        XCTAssertThrowsError(try unary(channel)([1], timeout: 10)) { error in
            let error = error as? RPCError
            XCTAssertEqual(error?.code, .unavailable)
            XCTAssertTrue(
                error?.details.hasPrefix("failed to connect to all addresses") ?? false, "\(String(describing: error))")
        }
        XCTAssertTrue(recorder.waitFor(.transientFailure))
        // Still in transient failure while it retries: fail fast again.
        XCTAssertThrowsError(try unary(channel)([2], timeout: 10)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unavailable)
        }
        XCTAssertThrowsError(try unary(channel)([3], timeout: 0.3, waitForReady: true)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .deadlineExceeded)
        }
        let waiting = try unary(channel).future([4], timeout: 30, waitForReady: true)
        let ready = channelReadyFuture(channel)
        let server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [TestService.handler()])
        XCTAssertEqual(try server.addInsecurePort("127.0.0.1:\(port)"), port)
        try server.start()
        defer { server.stop(grace: nil).wait(timeout: 10) }
        XCTAssertEqual(try waiting.result(timeout: 30), [4])
        try ready.result(timeout: 30)
        XCTAssertEqual(try unary(channel)([5], timeout: 10), [5])
        XCTAssertTrue(recorder.waitFor(.ready))
    }

    /// `grpc.client_idle_timeout_ms`: an unused channel drops its connection and goes idle; the
    /// next call connects again.
    func testIdleTimeoutDropsTheConnectionAndTheNextCallReconnects() throws {
        let server = try SwiftTestServer()
        let channel = insecureChannel(server.target, options: [("grpc.client_idle_timeout_ms", 1000)])
        defer { channel.close() }
        let recorder = Recorder()
        XCTAssertEqual(try unary(channel)([1], timeout: 10), [1])
        channel.subscribe({ recorder.record($0) })
        XCTAssertTrue(recorder.waitFor(.idle), "\(recorder.seen)")
        XCTAssertEqual(recorder.seen, [.ready, .idle])
        XCTAssertEqual(try unary(channel)([2], timeout: 10), [2])
        XCTAssertTrue(recorder.waitFor(count: 4), "\(recorder.seen)")
        XCTAssertEqual(recorder.seen, [.ready, .idle, .connecting, .ready])
    }
}
