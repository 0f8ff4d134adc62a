import GRPCSync

extension AIO {
    /// The health service for an async server (grpcio-health-checking's `health.aio.HealthServicer`),
    /// with the statuses, Check and Watch of ``GRPCSyncHealth/HealthServicer``:
    ///
    /// ```swift
    /// let health = AIO.HealthServicer()
    /// addHealthServicerToServer(health, server)  // server: AIO.Server
    /// health.set("helloworld.Greeter", .serving)  // `await health.set(…)` in Python
    /// ```
    ///
    /// `set` and ``enterGracefulShutdown()`` do not wait, so they are not async here. A Watch is
    /// a task that awaits the next status and writes it; a client that stops reading suspends
    /// its write, and the statuses set meanwhile replace one another, so it costs the server at
    /// most the response being written and the latest.
    public final class HealthServicer: Grpc_Health_V1_HealthAsyncServicer, @unchecked Sendable {
        // @unchecked: the board is thread-safe.

        /// The statuses and the open Watch calls, each told through its latest-status slot.
        private let board = HealthStatusBoard<LatestStatus> { latest, status in latest.post(status) }

        /// A servicer with the whole server SERVING and no other service known (`HealthServicer()`).
        public override init() { super.init() }

        /// The status of `request.service`; NOT_FOUND, with an empty response, when it was never
        /// set.
        ///
        /// - Parameters:
        ///   - request: Names the service; `""` is the whole server.
        ///   - context: The call's context, given NOT_FOUND for an unknown service.
        /// - Returns: The service's status.
        /// - Throws: Nothing; the signature is the generated servicer's.
        public override func check(
            _ request: Grpc_Health_V1_HealthCheckRequest, _ context: AIO.ServicerContext
        ) async throws -> Grpc_Health_V1_HealthCheckResponse {
            guard let status = board.status(of: request.service) else {
                context.setCode(.notFound)
                return Grpc_Health_V1_HealthCheckResponse()
            }
            return .with { $0.status = status }
        }

        /// Writes the status of `request.service` (SERVICE_UNKNOWN when never set) at once, and
        /// each status set later, until the call ends (which cancels this task).
        ///
        /// - Parameters:
        ///   - request: Names the service; `""` is the whole server.
        ///   - responses: Where the statuses are written.
        ///   - context: The call's context.
        /// - Throws: The call's error when a write finds it ended.
        public override func watch(
            _ request: Grpc_Health_V1_HealthCheckRequest,
            _ responses: AIO.ResponseWriter<Grpc_Health_V1_HealthCheckResponse>, _ context: AIO.ServicerContext
        ) async throws {
            let latest = LatestStatus()
            let id = board.addWatcher(request.service, latest)
            defer { board.removeWatcher(request.service, id) }
            while let status = await latest.next() {
                try await responses.write(.with { $0.status = status })
            }
        }

        /// Sets the status of `service` (`""`: the whole server) and sends it to its watchers
        /// (`await set(service, status)`); ignored after ``enterGracefulShutdown()``.
        ///
        /// - Parameters:
        ///   - service: The full service name (`helloworld.Greeter`), or `""` for the whole server.
        ///   - status: The status that Check answers and Watch sends from now on.
        public func set(_ service: String, _ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus) {
            board.set(service, status)
        }

        /// Sets every service NOT_SERVING for good, telling their watchers; later ``set(_:_:)``
        /// calls are ignored (`await enter_graceful_shutdown()`). Call it before
        /// ``GRPCSync/AIO/Server/stop(grace:)`` so that probes see NOT_SERVING during the grace
        /// period.
        public func enterGracefulShutdown() {
            board.enterGracefulShutdown()
        }

        /// Watch calls open now.
        var watcherCount: Int { board.watchers.count }
    }
}
