import XCTest

@testable import GRPCSync

/// ``KeepaliveState`` without sockets: when PINGs go out, when one is overdue, and how a server
/// counts a client's PING strikes (grpc's doc/keepalive.md and its ping abuse policy).
final class KeepaliveStateTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    private func state(_ change: (inout KeepaliveSettings) -> Void = { _ in }) -> KeepaliveState {
        var settings = KeepaliveSettings(time: 10 * second, timeout: 2 * second)
        change(&settings)
        return KeepaliveState(settings: settings, now: 0)
    }

    func testOffWithoutAKeepaliveTime() {
        var keepalive = KeepaliveState(settings: .clientDefault, now: 0)
        XCTAssertNil(keepalive.firstTimer)
        XCTAssertEqual(keepalive.timerFired(now: 100 * second, hasOpenStreams: true), .off)
    }

    func testAPingGoesOutAfterTheKeepaliveTimeWithoutReading() {
        var keepalive = state()
        XCTAssertEqual(keepalive.firstTimer, 10 * second)
        XCTAssertEqual(keepalive.timerFired(now: 5 * second, hasOpenStreams: true), .wait(until: 10 * second))
        keepalive.readActivity(now: 8 * second)
        XCTAssertEqual(keepalive.timerFired(now: 10 * second, hasOpenStreams: true), .wait(until: 18 * second))
        XCTAssertEqual(keepalive.timerFired(now: 18 * second, hasOpenStreams: true), .ping(deadline: 20 * second))
        // Unanswered: the watchdog fires at the deadline, not before.
        XCTAssertFalse(keepalive.pingTimedOut(now: 19 * second))
        XCTAssertEqual(keepalive.timerFired(now: 19 * second, hasOpenStreams: true), .wait(until: 20 * second))
        XCTAssertTrue(keepalive.pingTimedOut(now: 20 * second))
    }

    func testAnythingReadAnswersThePing() {
        var keepalive = state()
        XCTAssertEqual(keepalive.timerFired(now: 10 * second, hasOpenStreams: true), .ping(deadline: 12 * second))
        keepalive.readActivity(now: 11 * second)
        XCTAssertFalse(keepalive.pingTimedOut(now: 12 * second))
        XCTAssertEqual(keepalive.timerFired(now: 12 * second, hasOpenStreams: true), .wait(until: 21 * second))
    }

    func testNoPingWithoutCallsUnlessPermitted() {
        var quiet = state()
        XCTAssertEqual(quiet.timerFired(now: 10 * second, hasOpenStreams: false), .wait(until: 20 * second))
        var permitted = state { $0.permitWithoutCalls = true }
        XCTAssertEqual(permitted.timerFired(now: 10 * second, hasOpenStreams: false), .ping(deadline: 12 * second))
    }

    /// `grpc.http2.max_pings_without_data`: after that many PINGs with no DATA or HEADERS sent,
    /// none until one is.
    func testPingsWithoutDataAreLimited() {
        var keepalive = state { $0.maxPingsWithoutData = 2 }
        var now = 10 * second
        for _ in 0..<2 {
            guard case .ping = keepalive.timerFired(now: now, hasOpenStreams: true) else { return XCTFail() }
            keepalive.readActivity(now: now)
            now += 10 * second
        }
        XCTAssertEqual(keepalive.timerFired(now: now, hasOpenStreams: true), .wait(until: now + 10 * second))
        keepalive.dataOrHeadersSent()
        guard case .ping = keepalive.timerFired(now: now, hasOpenStreams: true) else { return XCTFail() }
    }

    /// A server: the client's PINGs closer than `grpc.http2.min_ping_interval_without_data_ms`
    /// are strikes, more than `grpc.http2.max_ping_strikes` end the connection; with no call
    /// open and PINGs without calls not permitted, the interval is 2 hours; sending DATA or
    /// HEADERS starts the count over.
    func testPingStrikes() {
        var server = state { $0.minReceivedPingInterval = 5 * second }
        XCTAssertFalse(server.pingReceived(now: 0, hasOpenStreams: true))  // the first is never a strike
        XCTAssertFalse(server.pingReceived(now: 1 * second, hasOpenStreams: true))
        XCTAssertFalse(server.pingReceived(now: 2 * second, hasOpenStreams: true))
        XCTAssertEqual(server.strikes, 2)
        XCTAssertFalse(server.pingReceived(now: 8 * second, hasOpenStreams: true), "far enough apart")
        XCTAssertTrue(server.pingReceived(now: 9 * second, hasOpenStreams: true), "the third strike")

        var reset = state { $0.minReceivedPingInterval = 5 * second }
        _ = reset.pingReceived(now: 0, hasOpenStreams: true)
        _ = reset.pingReceived(now: 1 * second, hasOpenStreams: true)
        reset.dataOrHeadersSent()
        XCTAssertEqual(reset.strikes, 0)

        var idle = state { $0.minReceivedPingInterval = 5 * second }
        _ = idle.pingReceived(now: 0, hasOpenStreams: false)
        _ = idle.pingReceived(now: 60 * second, hasOpenStreams: false)
        XCTAssertEqual(idle.strikes, 1, "without calls, PINGs must be 2 hours apart")

        var unlimited = state {
            $0.minReceivedPingInterval = 5 * second
            $0.maxPingStrikes = 0
        }
        for i in 0..<10 { XCTAssertFalse(unlimited.pingReceived(now: UInt64(i), hasOpenStreams: true)) }
    }

    /// The defaults of grpc's doc/keepalive.md, and the options that set them.
    func testSettingsFromOptions() throws {
        let server = ChannelOptions().connectionLimits(for: .server).keepalive
        XCTAssertEqual(server.time, 7_200 * second)
        XCTAssertEqual(server.timeout, 20 * second)
        XCTAssertEqual(server.minReceivedPingInterval, 300 * second)
        XCTAssertEqual(server.maxPingStrikes, 2)
        XCTAssertEqual(server.maxPingsWithoutData, 2)
        XCTAssertFalse(server.permitWithoutCalls)
        XCTAssertNil(ChannelOptions().connectionLimits(for: .client).keepalive.time)
        let options = try ChannelOptions([
            ("grpc.keepalive_time_ms", 1000), ("grpc.keepalive_timeout_ms", 500),
            ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0),
            ("grpc.http2.min_ping_interval_without_data_ms", 100), ("grpc.http2.max_ping_strikes", 5),
            ("grpc.max_connection_idle_ms", 300), ("grpc.max_connection_age_ms", 400),
            ("grpc.max_connection_age_grace_ms", 500), ("grpc.max_concurrent_streams", 7),
        ])
        let limits = options.connectionLimits(for: .server)
        XCTAssertEqual(
            limits.keepalive,
            KeepaliveSettings(
                time: second, timeout: second / 2, permitWithoutCalls: true, maxPingsWithoutData: 0,
                minReceivedPingInterval: second / 10, maxPingStrikes: 5))
        XCTAssertEqual(limits.maxConnectionIdle, 3 * second / 10)
        XCTAssertEqual(limits.maxConnectionAge, 4 * second / 10)
        XCTAssertEqual(limits.maxConnectionAgeGrace, second / 2)
        XCTAssertEqual(limits.maxConcurrentStreams, 7)
        // INT_MAX milliseconds is grpc's "infinite".
        let infinite = try ChannelOptions([("grpc.keepalive_time_ms", 2_147_483_647)])
        XCTAssertNil(infinite.connectionLimits(for: .server).keepalive.time)
    }
}
