import XCTest

@testable import GRPCSync

/// Every event of ``SubchannelStateMachine`` in every state, and the backoff's delays, without
/// sockets or clocks: times are given, jitter is fixed.
final class SubchannelStateMachineTests: XCTestCase {
    final class FakeConnection {}
    typealias Machine = SubchannelStateMachine<FakeConnection>
    typealias Name = Machine.Name

    private let connection = FakeConnection()
    private let other = FakeConnection()
    private let failure = Status(code: .unavailable, details: "refused")
    private let now = Deadline(nanoseconds: 1_000_000_000_000)
    /// No jitter; 1 s initial backoff, 20 s minimum connect timeout.
    private let backoff = ConnectionBackoff(initial: 1, maximum: 120, minConnectTimeout: 20)

    private func at(_ seconds: Double) -> Deadline { now.adding(seconds: seconds) }

    private func machine(_ name: Name) -> Machine {
        Machine(in: name, connection: connection, status: failure, backoff: backoff, random: { 0 })
    }

    private func check<Result: Equatable>(
        _ event: String, _ table: [Name: Transition<Result, Name>], file: StaticString = #filePath,
        line: UInt = #line, _ apply: (inout Machine) -> Result
    ) {
        checkTransitions(table, event: event, make: machine, name: \.name, apply, file: file, line: line)
    }

    private func unchanged(but changes: [Name: Transition<Machine.Action, Name>] = [:])
        -> [Name: Transition<Machine.Action, Name>]
    {
        var table = [Name: Transition<Machine.Action, Name>]()
        for name in Name.allCases { table[name] = .result(.none, then: name) }
        return table.merging(changes) { $1 }
    }

    /// The first attempt of a machine gets the initial backoff, and the minimum connect timeout.
    private var firstAttempt: Machine.Action { .connect(deadline: at(20)) }

    func testPick() {
        check(
            "pick(waitForReady: false)",
            [
                .idle: .result(.wait(firstAttempt), then: .connecting),
                .connecting: .result(.wait(.none), then: .connecting),
                .ready: .result(.use(connection), then: .ready),
                .transientFailureWaiting: .result(.fail(failure), then: .transientFailureWaiting),
                .transientFailureAttempting: .result(.fail(failure), then: .transientFailureAttempting),
                .shutdown: .result(.fail(.channelClosed), then: .shutdown),
            ]
        ) { $0.pick(waitForReady: false, now: now) }
        check(
            "pick(waitForReady: true)",
            [
                .idle: .result(.wait(firstAttempt), then: .connecting),
                .connecting: .result(.wait(.none), then: .connecting),
                .ready: .result(.use(connection), then: .ready),
                .transientFailureWaiting: .result(.wait(.none), then: .transientFailureWaiting),
                .transientFailureAttempting: .result(.wait(.none), then: .transientFailureAttempting),
                .shutdown: .result(.fail(.channelClosed), then: .shutdown),
            ]
        ) { $0.pick(waitForReady: true, now: now) }
    }

    func testRequestConnection() {
        check("requestConnection", unchanged(but: [.idle: .result(firstAttempt, then: .connecting)])) {
            $0.requestConnection(now: now)
        }
    }

    func testConnected() {
        let ready = Transition<Machine.Action, Name>.result(.none, then: .ready)
        let refuse = { (name: Name) in Transition<Machine.Action, Name>.result(.close(self.other), then: name) }
        check(
            "connected",
            [
                .idle: refuse(.idle), .connecting: ready, .ready: refuse(.ready),
                .transientFailureWaiting: refuse(.transientFailureWaiting), .transientFailureAttempting: ready,
                .shutdown: refuse(.shutdown),
            ]
        ) { $0.connected(other) }
    }

    /// A failure before the backoff's time waits for it; one after starts the next attempt now.
    func testConnectFailed() {
        // The attempt started at `now` and failed half a second later.
        var started = Machine(backoff: backoff, random: { 0 })
        _ = started.requestConnection(now: now)
        XCTAssertEqual(started.connectFailed(failure, now: at(0.5)), .retry(at: at(1)))
        XCTAssertEqual(started.name, .transientFailureWaiting)
        // Machines made in a state have no attempt time: the next attempt is due at once.
        let again = Transition<Machine.Action, Name>.result(firstAttempt, then: .transientFailureAttempting)
        check("connectFailed(late)", unchanged(but: [.connecting: again, .transientFailureAttempting: again])) {
            $0.connectFailed(failure, now: now)
        }
    }

    func testRetryDue() {
        check(
            "retryDue",
            unchanged(but: [.transientFailureWaiting: .result(firstAttempt, then: .transientFailureAttempting)])
        ) { $0.retryDue(now: now) }
    }

    func testConnectionEnded() {
        check("connectionEnded(current)", unchanged(but: [.ready: .result(.none, then: .idle)])) {
            $0.connectionEnded(connection)
            return .none
        }
        check("connectionEnded(other)", unchanged()) {
            $0.connectionEnded(other)
            return .none
        }
    }

    func testIdleTimeout() {
        check("idleTimeout", unchanged(but: [.ready: .result(.close(connection), then: .idle)])) { $0.idleTimeout() }
    }

    func testShutDown() {
        var table = [Name: Transition<Machine.Action, Name>]()
        for name in Name.allCases { table[name] = .result(.none, then: .shutdown) }
        table[.ready] = .result(.close(connection), then: .shutdown)
        check("shutDown", table) { $0.shutDown() }
    }

    /// The connectivity grpcio reports for each state: transient failure stays while retrying.
    func testConnectivity() {
        let expected: [Name: ChannelConnectivity] = [
            .idle: .idle, .connecting: .connecting, .ready: .ready, .transientFailureWaiting: .transientFailure,
            .transientFailureAttempting: .transientFailure, .shutdown: .shutdown,
        ]
        for name in Name.allCases { XCTAssertEqual(machine(name).connectivity, expected[name], "\(name)") }
        XCTAssertEqual(ChannelConnectivity.transientFailure.description, "TRANSIENT_FAILURE")
    }

    /// connection-backoff.md: 1 s, then ×1.6 up to 120 s, each spread by ±20 %.
    func testBackoffDelays() {
        var backoff = ConnectionBackoff()
        let delays = (0..<12).map { _ in backoff.nextDelay(random: 0) }
        let expected = [
            1, 1.6, 2.56, 4.096, 6.5536, 10.48576, 16.777216, 26.8435456, 42.94967296, 68.719476736, 109.9511627776,
            120,
        ]
        for (delay, want) in zip(delays, expected) { XCTAssertEqual(delay, want, accuracy: 1e-9) }
        XCTAssertEqual(backoff.nextDelay(random: 1), 144, accuracy: 1e-9)  // 120 + 20 %
        XCTAssertEqual(backoff.nextDelay(random: -1), 96, accuracy: 1e-9)
        backoff.reset()
        XCTAssertEqual(backoff.nextDelay(random: 0), 1)
    }

    /// A whole run: attempts spaced by the backoff, counted from each attempt's start; a ready
    /// connection resets it; its loss makes the channel idle, and the next call connects at once.
    func testAttemptsFollowTheBackoffAndReadyResetsIt() {
        var machine = Machine(backoff: ConnectionBackoff(initial: 1, maximum: 3, minConnectTimeout: 0.5), random: { 0 })
        XCTAssertEqual(machine.pick(waitForReady: true, now: now), .wait(.connect(deadline: at(1))))
        XCTAssertEqual(machine.connectFailed(failure, now: at(0.1)), .retry(at: at(1)))
        XCTAssertEqual(machine.retryDue(now: at(1)), .connect(deadline: at(2.6)))
        // The attempt took longer than its backoff: the next starts at once.
        XCTAssertEqual(machine.connectFailed(failure, now: at(2.7)), .connect(deadline: at(2.7 + 2.56)))
        XCTAssertEqual(machine.connectFailed(failure, now: at(2.8)), .retry(at: at(2.7 + 2.56)))
        XCTAssertEqual(machine.retryDue(now: at(5.26)), .connect(deadline: at(5.26 + 3)))  // the maximum
        XCTAssertEqual(machine.connectivity, .transientFailure)
        XCTAssertEqual(machine.connected(connection), .none)
        XCTAssertEqual(machine.connectivity, .ready)
        machine.connectionEnded(connection)
        XCTAssertEqual(machine.connectivity, .idle)
        XCTAssertEqual(machine.pick(waitForReady: false, now: at(10)), .wait(.connect(deadline: at(11))))
    }
}
