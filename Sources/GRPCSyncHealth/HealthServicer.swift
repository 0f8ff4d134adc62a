import GRPCSync

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
public final class HealthServicer: Grpc_Health_V1_HealthServicer, @unchecked Sendable {  // the board is thread-safe
    typealias Sender = DetachedResponseSender<Grpc_Health_V1_HealthCheckResponse>

    /// The statuses and the open Watch calls, each told through its detached sender.
    private let board = HealthStatusBoard<Sender> { sender, status in sender.send(.with { $0.status = status }) }

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
        guard let status = board.status(of: request.service) else {
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
        let id = board.addWatcher(service, responses.detach())
        if !context.addCallback({ [board] in board.removeWatcher(service, id) }) { board.removeWatcher(service, id) }
    }

    /// Sets the status of `service` (`""`: the whole server) and sends it to its watchers
    /// (`set(service, status)`); ignored after ``enterGracefulShutdown()``.
    ///
    /// - Parameters:
    ///   - service: The full service name (`helloworld.Greeter`), or `""` for the whole server.
    ///   - status: The status that Check answers and Watch sends from now on.
    public func set(_ service: String, _ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus) {
        board.set(service, status)
    }

    /// Sets every service NOT_SERVING for good, telling their watchers; later ``set(_:_:)`` calls
    /// are ignored (`enter_graceful_shutdown()`). Call it before ``GRPCSync/Server/stop(grace:)``
    /// so that probes see NOT_SERVING during the grace period.
    public func enterGracefulShutdown() {
        board.enterGracefulShutdown()
    }

    /// Watch calls open now.
    var watcherCount: Int { board.watchers.count }

    /// The senders of the Watch calls open now.
    var watcherSenders: [Sender] { board.watchers }
}
