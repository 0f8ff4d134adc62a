/// A channel's connectivity as a value (grpc's `connectivity-semantics-and-api.md`): whether it
/// has a connection, is making one, waits to try again, or is closed. Each event is one method
/// that moves the state and returns what the channel's shell (``ChannelTransport``) must do; the
/// shell tells subscribers whenever ``connectivity`` changes.
///
/// ```
/// idle ──call, subscribe(tryToConnect:), channelReadyFuture──▶ connecting ──ready──▶ ready
///  ▲                                                              │                  │
///  │                                            failed: retry at the backoff's time  │
///  │                                                              ▼                  │
///  │                        transientFailure (stays while it tries again, as grpc's  │
///  │                        pick_first does; calls without waitForReady fail fast)   │
///  └──────────── the connection closes, its GOAWAY arrives, or the idle timeout ◀────┘
/// any state ──close()──▶ shutdown
/// ```
/// `Connection` is a reference type (compared by identity); tests use a stand-in.
struct SubchannelStateMachine<Connection> {
    private enum State {
        case idle
        case connecting
        case ready(Connection)
        /// The last attempt failed with `Status`; `attempting`: the next attempt runs.
        case transientFailure(Status, attempting: Bool)
        case shutdown
    }

    /// What the shell does.
    enum Action {
        case none
        /// Start a connection attempt, which may last until `deadline`.
        case connect(deadline: Deadline)
        /// Start the next attempt at `at` (``retryDue(now:)``).
        case retry(at: Deadline)
        /// Close this connection: the channel no longer uses it.
        case close(Connection)
    }

    /// What a call starting on the channel does.
    enum Pick {
        /// Open the call's stream on this connection.
        case use(Connection)
        /// Wait until the state changes (after doing `action`).
        case wait(Action)
        /// End the call with this status.
        case fail(Status)
    }

    private var state = State.idle
    private var backoff: ConnectionBackoff
    /// The earliest start of the attempt after the current one.
    private var nextAttemptAt = Deadline(nanoseconds: 0)
    /// Where the backoff's jitter comes from: a value in -1...1.
    private let random: () -> Double

    init(backoff: ConnectionBackoff, random: @escaping () -> Double = { Double.random(in: -1...1) }) {
        self.backoff = backoff
        self.random = random
    }

    // MARK: what the state says

    var connectivity: ChannelConnectivity {
        switch state {
        case .idle: .idle
        case .connecting: .connecting
        case .ready: .ready
        case .transientFailure: .transientFailure
        case .shutdown: .shutdown
        }
    }

    /// The connection calls use, while ready.
    var connection: Connection? {
        if case .ready(let connection) = state { return connection }
        return nil
    }

    // MARK: events

    /// A call starts: it uses the connection, waits for one (starting an attempt from idle), or
    /// fails (fast in transient failure without `waitForReady`; always once shut down).
    mutating func pick(waitForReady: Bool, now: Deadline) -> Pick {
        switch state {
        case .ready(let connection): return .use(connection)
        case .idle: return .wait(startAttempt(now: now))
        case .connecting: return .wait(.none)
        case .transientFailure(let status, _): return waitForReady ? .wait(.none) : .fail(status)
        case .shutdown: return .fail(.channelClosed)
        }
    }

    /// Something wants a connection without a call (`subscribe(tryToConnect: true)`,
    /// `channelReadyFuture`): from idle, an attempt starts.
    mutating func requestConnection(now: Deadline) -> Action {
        guard case .idle = state else { return .none }
        return startAttempt(now: now)
    }

    private mutating func startAttempt(now: Deadline) -> Action {
        state = .connecting
        return attemptAction(now: now)
    }

    /// The attempt's deadline (at least the minimum connect timeout), and when the next may start.
    private mutating func attemptAction(now: Deadline) -> Action {
        let delay = backoff.nextDelay(random: random())
        nextAttemptAt = now.adding(seconds: delay)
        return .connect(deadline: now.adding(seconds: max(delay, backoff.minConnectTimeout)))
    }

    /// The attempt gave a ready connection.
    mutating func connected(_ connection: Connection) -> Action {
        switch state {
        case .connecting, .transientFailure(_, attempting: true):
            state = .ready(connection)
            backoff.reset()
            return .none
        default:
            return .close(connection)  // closed meanwhile
        }
    }

    /// The attempt failed with `status`: transient failure, and the next attempt at the
    /// backoff's time (at once when that has come).
    mutating func connectFailed(_ status: Status, now: Deadline) -> Action {
        switch state {
        case .connecting, .transientFailure(_, attempting: true):
            if nextAttemptAt < now || nextAttemptAt == now {
                state = .transientFailure(status, attempting: true)
                return attemptAction(now: now)
            }
            state = .transientFailure(status, attempting: false)
            return .retry(at: nextAttemptAt)
        default:
            return .none
        }
    }

    /// The backoff's time for the next attempt has come.
    mutating func retryDue(now: Deadline) -> Action {
        guard case .transientFailure(let status, attempting: false) = state else { return .none }
        state = .transientFailure(status, attempting: true)
        return attemptAction(now: now)
    }

    /// `connection` takes no new stream any more (its GOAWAY arrived, or it closed): when it is
    /// the channel's, the channel goes idle and the next call connects anew.
    mutating func connectionEnded(_ connection: Connection) {
        if case .ready(let current) = state, Self.same(current, connection) { state = .idle }
    }

    /// No call for the idle timeout: the connection goes.
    mutating func idleTimeout() -> Action {
        guard case .ready(let connection) = state else { return .none }
        state = .idle
        return .close(connection)
    }

    /// `channel.close()`.
    mutating func shutDown() -> Action {
        let current = connection
        state = .shutdown
        return current.map { .close($0) } ?? .none
    }
}

extension SubchannelStateMachine {
    /// The same connection object.
    static func same(_ a: Connection, _ b: Connection) -> Bool { (a as AnyObject) === (b as AnyObject) }
}

// MARK: tests reach any state directly

extension SubchannelStateMachine {
    /// The states by name, for tests that start a machine in any of them.
    enum Name: CaseIterable {
        case idle, connecting, ready, transientFailureWaiting, transientFailureAttempting, shutdown
    }

    /// A machine in state `name`; `connection` is the ready one, `status` the failure's.
    init(
        in name: Name, connection: Connection, status: Status, backoff: ConnectionBackoff,
        random: @escaping () -> Double
    ) {
        self.init(backoff: backoff, random: random)
        switch name {
        case .idle: state = .idle
        case .connecting: state = .connecting
        case .ready: state = .ready(connection)
        case .transientFailureWaiting: state = .transientFailure(status, attempting: false)
        case .transientFailureAttempting: state = .transientFailure(status, attempting: true)
        case .shutdown: state = .shutdown
        }
    }

    var name: Name {
        switch state {
        case .idle: .idle
        case .connecting: .connecting
        case .ready: .ready
        case .transientFailure(_, let attempting): attempting ? .transientFailureAttempting : .transientFailureWaiting
        case .shutdown: .shutdown
        }
    }
}

extension SubchannelStateMachine.Action: Equatable {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): true
        case (.connect(let a), .connect(let b)): a == b
        case (.retry(let a), .retry(let b)): a == b
        case (.close(let a), .close(let b)): SubchannelStateMachine.same(a, b)
        default: false
        }
    }
}

extension SubchannelStateMachine.Pick: Equatable {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.use(let a), .use(let b)): SubchannelStateMachine.same(a, b)
        case (.wait(let a), .wait(let b)): a == b
        case (.fail(let a), .fail(let b)): a == b
        default: false
        }
    }
}
