import XCTest

@testable import GRPCSync

/// ``ChannelStateMachine`` without sockets or clocks (times are given, jitter is fixed): the
/// target's resolution and its failures, pick_first's one subchannel over the whole address
/// list, round_robin's subchannel per address and the connectivity their states add up to,
/// resolution again no sooner than the minimum time, answers that change between resolutions,
/// the idle timeout and shutdown. Each subchannel's own events are ``SubchannelStateMachineTests``'.
final class ChannelStateMachineTests: XCTestCase {
    final class FakeConnection {}
    typealias Machine = ChannelStateMachine<FakeConnection, SocketAddress>

    private let now = Deadline(nanoseconds: 1_000_000_000_000)
    private let refused = Status(code: .unavailable, details: "refused")
    private let unresolved = Status.resolutionFailed(name: "name.test:1", reason: "Domain name not found")
    private let a = try! SocketAddress.resolve(host: "127.0.0.1", port: 1)[0]
    private let b = try! SocketAddress.resolve(host: "127.0.0.2", port: 1)[0]
    private let c = try! SocketAddress.resolve(host: "127.0.0.3", port: 1)[0]

    private func at(_ seconds: Double) -> Deadline { now.adding(seconds: seconds) }

    private func machine(_ policy: LoadBalancingPolicy, resolvesNames: Bool = true, minTime: Double = 30) -> Machine {
        Machine(
            policy: policy, resolvesNames: resolvesNames, minTimeBetweenResolutions: minTime,
            backoff: ConnectionBackoff(initial: 1, maximum: 120, minConnectTimeout: 20), random: { 0 })
    }

    /// The first attempt of a subchannel: until the minimum connect timeout.
    private func connect(_ id: Int, _ addresses: [SocketAddress], from start: Double = 0) -> Machine.Action {
        .connect(subchannel: id, addresses: addresses, deadline: at(start + 20))
    }

    /// A round_robin machine resolved to `a` and `b`, with `one` and `two` their ready connections.
    private func readyRoundRobin(_ one: FakeConnection, _ two: FakeConnection, minTime: Double = 30) -> Machine {
        var m = machine(.roundRobin, minTime: minTime)
        _ = m.requestConnection(now: now)
        _ = m.resolved([a, b], now: now)
        _ = m.connected(subchannel: 1, one)
        _ = m.connected(subchannel: 2, two)
        return m
    }

    func testPickFirstResolvesThenConnectsOverTheWholeList() {
        var m = machine(.pickFirst)
        XCTAssertEqual(m.connectivity, .idle)
        XCTAssertEqual(m.pick(waitForReady: false, now: now), .wait([.resolve]))
        XCTAssertEqual(m.connectivity, .connecting)
        XCTAssertEqual(m.pick(waitForReady: false, now: now), .wait([]))
        XCTAssertEqual(m.resolved([a, b], now: now), [connect(1, [a, b])])
        XCTAssertEqual(m.connectivity, .connecting)
        let connection = FakeConnection()
        XCTAssertEqual(m.connected(subchannel: 1, connection), [])
        XCTAssertEqual(m.connectivity, .ready)
        XCTAssertEqual(m.pick(waitForReady: false, now: now), .use(connection))
        XCTAssertEqual(m.nextReadyConnection().map { $0 === connection }, true)
        // Lost: the channel goes idle, the target is resolved again (30 s after the last time),
        // and the next call connects anew over the addresses it has.
        XCTAssertEqual(m.connectionEnded(connection, now: at(1)), [.resolveLater(at: at(30))])
        XCTAssertEqual(m.connectivity, .idle)
        XCTAssertEqual(m.pick(waitForReady: false, now: at(2)), .wait([connect(1, [a, b], from: 2)]))
    }

    func testPickFirstFailureIsTransientAndFailsCallsWithoutWaitForReady() {
        var m = machine(.pickFirst, minTime: 0)
        _ = m.requestConnection(now: now)
        _ = m.resolved([a], now: now)
        // The attempt failed: the next is due at the backoff's time, and the target is resolved again.
        XCTAssertEqual(
            m.connectFailed(subchannel: 1, refused, now: at(0.5)), [.retry(subchannel: 1, at: at(1)), .resolve])
        XCTAssertEqual(m.connectivity, .transientFailure)
        XCTAssertEqual(m.pick(waitForReady: false, now: at(0.5)), .fail(refused))
        XCTAssertEqual(m.pick(waitForReady: true, now: at(0.5)), .wait([]))
        // The new answer serves the next attempt.
        XCTAssertEqual(m.resolved([b], now: at(0.6)), [])
        XCTAssertEqual(
            m.retryDue(subchannel: 1, now: at(1)), [.connect(subchannel: 1, addresses: [b], deadline: at(21))])
    }

    func testAResolutionFailureIsTransientAndTriedAgainAfterABackoff() {
        var m = machine(.roundRobin)
        XCTAssertEqual(m.requestConnection(now: now), [.resolve])
        XCTAssertEqual(m.resolutionFailed(unresolved, now: now), [.resolveLater(at: at(1))])
        XCTAssertEqual(m.connectivity, .transientFailure)
        XCTAssertEqual(m.pick(waitForReady: false, now: now), .fail(unresolved))
        XCTAssertEqual(m.pick(waitForReady: true, now: now), .wait([]))
        XCTAssertEqual(m.resolutionDue(now: at(0.5)), [.resolve])
        XCTAssertEqual(m.resolutionFailed(unresolved, now: at(1)), [.resolveLater(at: at(2.6))])
        XCTAssertEqual(m.resolutionDue(now: at(2.6)), [.resolve])
        XCTAssertEqual(m.resolved([a], now: at(3)), [connect(1, [a], from: 3)])
        XCTAssertEqual(m.connectivity, .connecting)
        // A later failure keeps the addresses the channel has.
        XCTAssertEqual(m.connectionEnded(FakeConnection(), now: at(4)), [])
    }

    func testRoundRobinSpreadsCallsOverItsReadySubchannels() {
        var m = machine(.roundRobin)
        _ = m.requestConnection(now: now)
        XCTAssertEqual(m.resolved([a, b, c, a], now: now), [connect(1, [a]), connect(2, [b]), connect(3, [c])])
        let (one, two, three) = (FakeConnection(), FakeConnection(), FakeConnection())
        XCTAssertEqual(m.connected(subchannel: 2, two), [])
        XCTAssertEqual(m.connectivity, .ready)
        XCTAssertEqual(m.pick(waitForReady: false, now: now), .use(two))
        _ = m.connected(subchannel: 1, one)
        _ = m.connected(subchannel: 3, three)
        let picks = (0..<6).map { _ in m.nextReadyConnection()! }
        XCTAssertEqual(
            picks.map { ObjectIdentifier($0) }, [two, three, one, two, three, one].map { ObjectIdentifier($0) })
        // A lost connection: its subchannel connects again at once; the others take the calls.
        XCTAssertEqual(m.connectionEnded(two, now: at(1)), [.resolveLater(at: at(30)), connect(2, [b], from: 1)])
        XCTAssertEqual(m.connectivity, .ready)
        XCTAssertFalse((0..<4).contains { _ in m.nextReadyConnection()! === two })
        // It fails, and comes back after its backoff.
        XCTAssertEqual(m.connectFailed(subchannel: 2, refused, now: at(1.5)), [.retry(subchannel: 2, at: at(2))])
        XCTAssertEqual(m.retryDue(subchannel: 2, now: at(2)).count, 1)
        let again = FakeConnection()
        XCTAssertEqual(m.connected(subchannel: 2, again), [])
        XCTAssertTrue((0..<3).contains { _ in m.nextReadyConnection()! === again })
    }

    func testRoundRobinStaysInTransientFailureUntilASubchannelIsReady() {
        var m = machine(.roundRobin, resolvesNames: false)
        _ = m.requestConnection(now: now)
        _ = m.resolved([a, b], now: now)
        XCTAssertEqual(m.connectFailed(subchannel: 1, refused, now: now), [.retry(subchannel: 1, at: at(1))])
        XCTAssertEqual(m.connectivity, .connecting)
        XCTAssertEqual(m.pick(waitForReady: false, now: now), .wait([]))
        _ = m.connectFailed(subchannel: 2, refused, now: now)
        XCTAssertEqual(m.connectivity, .transientFailure)
        XCTAssertEqual(m.pick(waitForReady: false, now: now), .fail(refused))
        // Trying again, it stays in transient failure (sticky, as grpc's round_robin).
        _ = m.retryDue(subchannel: 1, now: at(1))
        XCTAssertEqual(m.connectivity, .transientFailure)
        _ = m.connected(subchannel: 1, FakeConnection())
        XCTAssertEqual(m.connectivity, .ready)
    }

    func testResolutionAgainNoSoonerThanTheMinimumTime() {
        let (one, two) = (FakeConnection(), FakeConnection())
        var m = readyRoundRobin(one, two, minTime: 30)
        // Asked 5 s after the last: scheduled for 30 s after it, once.
        XCTAssertEqual(m.connectionEnded(one, now: at(5)), [.resolveLater(at: at(30)), connect(1, [a], from: 5)])
        XCTAssertEqual(m.connectionEnded(two, now: at(6)), [connect(2, [b], from: 6)])
        XCTAssertEqual(m.resolutionDue(now: at(30)), [.resolve])
        XCTAssertEqual(m.resolved([a, b], now: at(30)), [])
        // Asked more than the minimum time after the last: at once.
        _ = m.connected(subchannel: 1, one)
        XCTAssertEqual(m.connectionEnded(one, now: at(61)), [.resolve, connect(1, [a], from: 61)])
        // A target of literal addresses is never resolved again.
        var literal = machine(.pickFirst, resolvesNames: false)
        _ = literal.requestConnection(now: now)
        _ = literal.resolved([a], now: now)
        _ = literal.connected(subchannel: 1, one)
        XCTAssertEqual(literal.connectionEnded(one, now: at(100)), [])
    }

    func testAnswersThatChangeKeepTheSubchannelsOfAddressesStillThere() {
        let (one, two) = (FakeConnection(), FakeConnection())
        var m = readyRoundRobin(one, two, minTime: 0)
        // b is gone, c is new: b's connection is dropped once its calls end, c connects.
        XCTAssertEqual(m.resolved([c, a], now: at(1)), [.drop(two), connect(3, [c], from: 1)])
        XCTAssertEqual((0..<4).map { _ in m.nextReadyConnection()! === one }, [true, true, true, true])
        XCTAssertEqual(m.connected(subchannel: 2, FakeConnection()).count, 1)  // its attempt came too late: closed
        XCTAssertEqual(m.connections.count, 1)
    }

    func testIdleTimeoutAndShutDown() {
        let (one, two) = (FakeConnection(), FakeConnection())
        var m = readyRoundRobin(one, two)
        XCTAssertEqual(m.idleTimeout(), [.close(one), .close(two)])
        XCTAssertEqual(m.connectivity, .idle)
        XCTAssertNil(m.nextReadyConnection())
        // Leaving idle resolves anew.
        XCTAssertEqual(m.pick(waitForReady: true, now: at(1)), .wait([.resolve]))
        _ = m.resolved([a], now: at(1))
        let three = FakeConnection()
        _ = m.connected(subchannel: 3, three)
        XCTAssertEqual(m.shutDown(), [.close(three)])
        XCTAssertEqual(m.connectivity, .shutdown)
        XCTAssertEqual(m.pick(waitForReady: true, now: at(2)), .fail(.channelClosed))
        XCTAssertEqual(m.requestConnection(now: at(2)), [])
        XCTAssertEqual(m.resolved([a], now: at(2)), [])
    }

    /// The policy is the service config's, else `grpc.lb_policy_name`'s (an unknown name gives
    /// pick_first and is logged), else pick_first, in grpc core's order.
    func testThePolicyChoice() throws {
        let roundRobin = try ServiceConfig(json: #"{"loadBalancingConfig": [{"round_robin": {}}]}"#)
        let pickFirst = try ServiceConfig(json: #"{"loadBalancingPolicy": "pick_first"}"#)
        let none = try ServiceConfig(json: "{}")
        let choose = ChannelTransport.loadBalancingPolicy
        XCTAssertTrue(choose(nil, nil) == (.pickFirst, nil))
        XCTAssertTrue(choose(none, "round_robin") == (.roundRobin, nil))
        XCTAssertTrue(choose(pickFirst, "round_robin") == (.pickFirst, nil))
        XCTAssertTrue(choose(roundRobin, "pick_first") == (.roundRobin, nil))
        XCTAssertTrue(choose(nil, "grpclb") == (.pickFirst, "grpclb"))
    }
}
