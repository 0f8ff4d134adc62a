@_spi(Locking) import GRPCSync
import Synchronization

/// What a health servicer keeps, the blocking one and the async one alike: each service's status,
/// the open Watch calls (each a `Watcher`, told through `tell`), and whether the server is
/// shutting down gracefully (every status NOT_SERVING for good).
final class HealthStatusBoard<Watcher: Sendable>: @unchecked Sendable {  // state: `state`'s lock
    typealias ServingStatus = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: ServingStatus] = [overallHealth: .serving]
        /// The open Watch calls, by service and by an id of their own.
        var watchers: [String: [Int: Watcher]] = [:]
        var nextWatcherID = 0
        var gracefullyShuttingDown = false
    }

    /// Held while a status is told to the watchers, so they receive the statuses in the order they
    /// were set: telling never waits (a watcher keeps what its client has not taken).
    private let state = Mutex(State())
    /// Gives a watcher a status; must not wait.
    private let tell: @Sendable (Watcher, ServingStatus) -> Void

    init(tell: @escaping @Sendable (Watcher, ServingStatus) -> Void) {
        self.tell = tell
    }

    /// The status of `service`; nil when it was never set.
    func status(of service: String) -> ServingStatus? {
        state.withCheckedLock { $0.statuses[service] }
    }

    /// Adds a watcher of `service` and tells it the status now (SERVICE_UNKNOWN when never set).
    ///
    /// - Returns: The watcher's id, for ``removeWatcher(_:_:)``.
    func addWatcher(_ service: String, _ watcher: Watcher) -> Int {
        state.withCheckedLock { state in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[service, default: [:]][id] = watcher
            tell(watcher, state.statuses[service] ?? .serviceUnknown)
            return id
        }
    }

    /// A Watch call has ended.
    func removeWatcher(_ service: String, _ id: Int) {
        state.withCheckedLock { state in
            state.watchers[service]?[id] = nil
            if state.watchers[service]?.isEmpty == true { state.watchers[service] = nil }
        }
    }

    /// Sets the status of `service` and tells its watchers; ignored once shutting down.
    func set(_ service: String, _ status: ServingStatus) {
        state.withCheckedLock { state in
            guard !state.gracefullyShuttingDown else { return }
            state.statuses[service] = status
            for watcher in state.watchers[service]?.values ?? [:].values { tell(watcher, status) }
        }
    }

    /// Sets every service NOT_SERVING for good, telling their watchers.
    func enterGracefulShutdown() {
        state.withCheckedLock { state in
            guard !state.gracefullyShuttingDown else { return }
            state.gracefullyShuttingDown = true
            for service in state.statuses.keys {
                state.statuses[service] = .notServing
                for watcher in state.watchers[service]?.values ?? [:].values { tell(watcher, .notServing) }
            }
        }
    }

    /// The watchers of the Watch calls open now.
    var watchers: [Watcher] { state.withCheckedLock { $0.watchers.values.flatMap(\.values) } }
}
