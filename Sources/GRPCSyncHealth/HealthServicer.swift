@_spi(Locking) import GRPCSync
import Synchronization

/// The name of the health service, `grpc.health.v1.Health` (grpcio-health-checking's
/// `health.SERVICE_NAME`), to list for reflection next to a server's own services.
public let healthServiceName = Grpc_Health_V1_HealthMethods.serviceName

/// The service name that stands for the whole server, `""` (`health.OVERALL_HEALTH`).
public let overallHealth = ""

/// The health service, `grpc.health.v1.Health` (grpcio-health-checking's
/// `grpc_health.v1.health.HealthServicer`): the server keeps each service's status with
/// ``set(_:_:)``, and clients ask with Check or follow it with Watch.
///
/// ```swift
/// let health = HealthServicer()
/// addHealthServicerToServer(health, server)
/// health.set("helloworld.Greeter", .serving)
/// ```
///
/// As in grpcio, the whole server (``overallHealth``, `""`) starts SERVING and every other service
/// is unknown until set. Check answers the status, or NOT_FOUND for an unknown service. Watch
/// answers the status at once (SERVICE_UNKNOWN for an unknown service), then again each time
/// ``set(_:_:)`` sets it, until the client cancels. A Watch holds no worker thread while it is
/// open (grpcio's default, `experimental_non_blocking=True`): its handler returns and the status
/// goes out through a ``GRPCSync/DetachedResponseSender``, so a client that stops reading costs the
/// server at most two responses, the one being written and the latest. ``enterGracefulShutdown()``
/// turns every service NOT_SERVING for good, for the grace period of ``GRPCSync/Server/stop(grace:)``.
public final class HealthServicer: Grpc_Health_V1_HealthServicer, @unchecked Sendable {  // state: `state`'s lock
    typealias Sender = DetachedResponseSender<Grpc_Health_V1_HealthCheckResponse>

    private struct State {
        var statuses: [String: Grpc_Health_V1_HealthCheckResponse.ServingStatus] = [overallHealth: .serving]
        /// The open Watch calls, by service and by an id of their own.
        var watchers: [String: [Int: Sender]] = [:]
        var nextWatcherID = 0
        var gracefullyShuttingDown = false
    }

    /// Held while a status is sent to the watchers, so they receive the statuses in the order they
    /// were set: sending never waits (a detached call holds what its client has not taken).
    private let state = Mutex(State())

    /// A servicer with the whole server SERVING and no other service known (`HealthServicer()`).
    public override init() { super.init() }

    /// The status of `request.service`; NOT_FOUND, with an empty response, when it was never set.
    ///
    /// - Parameters:
    ///   - request: Names the service; `""` is the whole server.
    ///   - context: The call's context, given NOT_FOUND for an unknown service.
    /// - Returns: The service's status.
    /// - Throws: Nothing; the signature is the generated servicer's.
    public override func check(
        _ request: Grpc_Health_V1_HealthCheckRequest, _ context: ServicerContext
    ) throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = state.withCheckedLock({ $0.statuses[request.service] }) else {
            context.setCode(.notFound)
            return Grpc_Health_V1_HealthCheckResponse()
        }
        return .with { $0.status = status }
    }

    /// Sends the status of `request.service` (SERVICE_UNKNOWN when never set) at once, and each
    /// status set later, until the call ends. Returns at once: the call stays open without a
    /// worker thread.
    ///
    /// - Parameters:
    ///   - request: Names the service; `""` is the whole server.
    ///   - responses: Detached to send the statuses after the method returns.
    ///   - context: The call's context; its end removes the watcher.
    /// - Throws: Nothing; the signature is the generated servicer's.
    public override func watch(
        _ request: Grpc_Health_V1_HealthCheckRequest, _ responses: ResponseSender<Grpc_Health_V1_HealthCheckResponse>,
        _ context: ServicerContext
    ) throws {
        let service = request.service
        let sender = responses.detach()
        let id: Int = state.withCheckedLock { state in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[service, default: [:]][id] = sender
            sender.send(.with { $0.status = state.statuses[service] ?? .serviceUnknown })
            return id
        }
        if !context.addCallback({ self.removeWatcher(service, id) }) { removeWatcher(service, id) }
    }

    /// Sets the status of `service` (`""`: the whole server) and sends it to its watchers
    /// (`set(service, status)`); ignored after ``enterGracefulShutdown()``.
    ///
    /// - Parameters:
    ///   - service: The full service name (`helloworld.Greeter`), or `""` for the whole server.
    ///   - status: The status that Check answers and Watch sends from now on.
    public func set(_ service: String, _ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus) {
        state.withCheckedLock { state in
            guard !state.gracefullyShuttingDown else { return }
            state.statuses[service] = status
            Self.broadcast(status, to: state.watchers[service])
        }
    }

    /// Sets every service NOT_SERVING for good, telling their watchers; later ``set(_:_:)`` calls
    /// are ignored (`enter_graceful_shutdown()`). Call it before ``GRPCSync/Server/stop(grace:)``
    /// so that probes see NOT_SERVING during the grace period.
    public func enterGracefulShutdown() {
        state.withCheckedLock { state in
            guard !state.gracefullyShuttingDown else { return }
            state.gracefullyShuttingDown = true
            for service in state.statuses.keys {
                state.statuses[service] = .notServing
                Self.broadcast(.notServing, to: state.watchers[service])
            }
        }
    }

    /// Watch calls open now.
    var watcherCount: Int { state.withCheckedLock { $0.watchers.values.reduce(0) { $0 + $1.count } } }

    /// The senders of the Watch calls open now.
    var watcherSenders: [Sender] { state.withCheckedLock { $0.watchers.values.flatMap(\.values) } }

    private static func broadcast(
        _ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus, to watchers: [Int: Sender]?
    ) {
        guard let watchers else { return }
        let response = Grpc_Health_V1_HealthCheckResponse.with { $0.status = status }
        for sender in watchers.values { sender.send(response) }
    }

    /// A Watch call has ended.
    private func removeWatcher(_ service: String, _ id: Int) {
        state.withCheckedLock { state in
            state.watchers[service]?[id] = nil
            if state.watchers[service]?.isEmpty == true { state.watchers[service] = nil }
        }
    }
}
