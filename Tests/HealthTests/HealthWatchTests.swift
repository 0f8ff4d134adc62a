import Foundation
import TestProcesses
import XCTest

@testable import GRPCSync
@testable import GRPCSyncHealth

/// Many Watch calls, and hostile ones: a Watch holds no worker thread, a client that never reads
/// costs the server a bounded amount, and every Watch that ends is let go. The counts run against
/// grpcio's server too where it can take them.
final class HealthWatchTests: XCTestCase {
    private static let waitLimit = 60.0

    /// Waits (bounded) until `condition` holds; false when it never did.
    private func eventually(_ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(Self.waitLimit)
        while !condition() {
            if Date() >= end { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    private func request(_ service: String) -> Grpc_Health_V1_HealthCheckRequest {
        .with { $0.service = service }
    }

    /// 1,000 Watch calls on a server with 10 workers: each gets its first status and the update,
    /// and a Check still succeeds while they are open.
    private func thousandWatchers(_ server: HealthServerSide) throws {
        let channels = (0..<10).map { _ in insecureChannel(server.target) }
        defer { for channel in channels { channel.close() } }
        var watches: [ResponseStream<Grpc_Health_V1_HealthCheckResponse>] = []
        for index in 0..<1000 {
            let stub = Grpc_Health_V1_HealthStub(channels[index % channels.count])
            let watch = try stub.watch(request("svc"), timeout: 60)
            watches.append(watch)
            XCTAssertEqual(try watch.next()?.status, .serviceUnknown)
        }
        defer { for watch in watches { watch.cancel() } }
        XCTAssertEqual(server.watcherCount(), 1000)

        let probe = insecureChannel(server.target)
        defer { probe.close() }
        XCTAssertEqual(try Grpc_Health_V1_HealthStub(probe).check(request(""), timeout: 10).status, .serving)

        server.set("svc", 1)
        for watch in watches { XCTAssertEqual(try watch.next()?.status, .serving) }
    }

    func testThousandWatchersOnTenWorkersSwiftServer() throws {
        let server = try SwiftHealthServer()
        defer { server.stop() }
        try thousandWatchers(server)
        XCTAssertTrue(eventually { server.watcherCount() == 0 }, "\(server.watcherCount()) watchers left")
    }

    /// The async servicer on an async server (four dispatch workers): a Watch is a task.
    func testThousandWatchersOnAnAsyncServer() throws {
        let server = try SwiftAsyncHealthServer()
        defer { server.stop() }
        try thousandWatchers(server)
        XCTAssertTrue(eventually { server.watcherCount() == 0 }, "\(server.watcherCount()) watchers left")
    }

    /// An async Watch whose client does not read keeps one status, the latest: statuses set
    /// while it waits to write replace one another.
    func testAnAsyncWatchKeepsOnlyTheLatestStatus() async {
        let latest = LatestStatus()
        for flip in 0..<10_000 { latest.post(flip % 2 == 0 ? .notServing : .unknown) }
        latest.post(.serving)
        let first = await latest.next()
        XCTAssertEqual(first, .serving)
        let waiter = Task { await latest.next() }
        latest.post(.notServing)
        let second = await waiter.value
        XCTAssertEqual(second, .notServing)
        let cancelled = Task { await latest.next() }
        cancelled.cancel()
        let none = await cancelled.value
        XCTAssertNil(none, "a cancelled Watch stops waiting")
    }

    func testThousandWatchersOnTenWorkersGrpcioServer() throws {
        let server = try GrpcioHealthServer()
        defer { server.stop() }
        try thousandWatchers(server)
        XCTAssertTrue(eventually { server.watcherCount() == 0 }, "\(server.watcherCount()) watchers left")
    }

    /// 10,000 Watch calls opened and dropped by their client, 100 at a time: the servicer lets
    /// every one go. Against the Swift server only: grpcio's own client and server together stall
    /// now and then in this scenario (a Watch's first response never comes), so the grpcio side
    /// of the Watch counts is `testThousandWatchersOnTenWorkersGrpcioServer`.
    private func openAndDrop(_ server: HealthServerSide, count: Int) throws {
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let stub = Grpc_Health_V1_HealthStub(channel)
        for _ in 0..<(count / 100) {
            var batch: [ResponseStream<Grpc_Health_V1_HealthCheckResponse>] = []
            for _ in 0..<100 {
                let watch = try stub.watch(request("svc"), timeout: 60)
                XCTAssertEqual(try watch.next()?.status, .serviceUnknown)
                batch.append(watch)
            }
            for watch in batch { watch.cancel() }
        }
        XCTAssertTrue(eventually { server.watcherCount() == 0 }, "\(server.watcherCount()) watchers left")
        XCTAssertEqual(try stub.check(request(""), timeout: 10).status, .serving)
    }

    func testTenThousandWatchesOpenedAndDroppedSwiftServer() throws {
        let server = try SwiftHealthServer()
        defer { server.stop() }
        try openAndDrop(server, count: 10_000)
    }

    /// A client that never reads its Watch (health_peer.py stalled-watch: a 16-byte stream
    /// window, never returned) while the status changes 20,000 times: the server holds at most
    /// two responses for it, another watcher follows every change to the last, and Check answers.
    /// grpcio's servicer cannot be compared here: its `set` waits for the stalled client
    /// (docs/porting.md).
    func testWatcherThatNeverReadsStaysBounded() throws {
        let server = try SwiftHealthServer()
        defer { server.stop() }
        let stalled = try ChildProcess(
            Repository.python,
            [
                Repository.path("Tests/Peers/health_peer.py"), "stalled-watch", "--target", server.target, "--service",
                "svc",
            ],
            keepsInputOpen: true)
        defer { stalled.terminate() }
        XCTAssertNotNil(stalled.waitForLine(prefix: "WATCHING", timeout: 30), stalled.output())
        XCTAssertTrue(eventually { server.watcherCount() == 1 })
        let stalledSender = try XCTUnwrap(server.servicer.watcherSenders.first)

        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let stub = Grpc_Health_V1_HealthStub(channel)
        let follower = try stub.watch(request("svc"), timeout: 60)
        defer { follower.cancel() }
        XCTAssertEqual(try follower.next()?.status, .serviceUnknown)

        var largestQueued = 0
        for flip in 0..<20_000 {
            server.servicer.set("svc", flip % 2 == 0 ? .notServing : .unknown)
            if flip % 100 == 0 { largestQueued = max(largestQueued, stalledSender.queuedBytes) }
        }
        server.servicer.set("svc", .serving)
        largestQueued = max(largestQueued, stalledSender.queuedBytes)

        // A health response is 7 bytes framed (5-byte prefix, 2-byte message): one being written
        // and the latest one held.
        XCTAssertLessThanOrEqual(largestQueued, 2 * 7)
        XCTAssertGreaterThan(stalledSender.replacedCount, 10_000)
        XCTAssertTrue(stalledSender.isActive)
        // The follower reads every status it is sent, ending with the last one set.
        var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        while last != .serving { last = try follower.next()?.status }
        XCTAssertEqual(try stub.check(request("svc"), timeout: 10).status, .serving)

        stalled.closeInput()
        let received = stalled.waitForLine(prefix: "RECEIVED ", timeout: 30)
        XCTAssertNotNil(received, stalled.output())
        XCTAssertLessThanOrEqual(Int(received?.dropFirst("RECEIVED ".count) ?? "") ?? .max, 16)
        XCTAssertTrue(eventually { server.watcherCount() == 1 }, "only the follower is left")
    }
}
