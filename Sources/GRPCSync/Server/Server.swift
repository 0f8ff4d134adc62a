#if canImport(Glibc)
    import Glibc
#endif

/// A gRPC server whose handlers run on a thread pool, like `grpc.server(ThreadPoolExecutor(...))`.
///
/// ```swift
/// let server = Server(ThreadPoolExecutor(maxWorkers: 10))
/// addGreeterServicerToServer(Greeter(), server)
/// let port = try server.addInsecurePort("[::]:50051")
/// try server.start()
/// server.waitForTermination()
/// ```
public final class Server: HTTP2ConnectionDelegate, @unchecked Sendable {  // state protected by `lock`
    private enum State { case created, started, stopping, stopped }

    /// Runs the handlers.
    public let executor: ThreadPoolExecutor
    /// `maximum_concurrent_rpcs`: calls beyond it get RESOURCE_EXHAUSTED.
    public let maximumConcurrentRPCs: Int?
    /// How long a worker that has finished a call waits for the same connection's next call, in
    /// nanoseconds (see `ServerCall.serveNextCalls`). Set before `start()`; tests make it long.
    var nextCallWait: UInt64 = 500_000
    /// Asked for every call's handler, outermost first.
    private let interceptors: [any ServerInterceptor]
    let options: ChannelOptions
    /// The algorithm responses are compressed with unless a handler sets another.
    let defaultCompression: Compression
    private let optionsError: UsageError?

    private let lock = Lock()
    private var state = State.created
    private var handlersByPath: [String: RPCMethodHandler] = [:]
    private var genericHandlers: [GenericRPCHandler] = []
    private var listeners: [Listener] = []
    private var connections: [ObjectIdentifier: HTTP2Connection] = [:]
    private var activeCalls = 0
    private var graceTimer: ScheduledTimer?
    private let stopped = Event()

    /// `grpc.server(thread_pool, handlers=, interceptors=, options=, maximum_concurrent_rpcs=,
    /// compression=)`.
    ///
    /// `compression` (or the option `grpc.default_compression_algorithm`) compresses every response
    /// whose client accepts the algorithm; a handler may choose otherwise with
    /// ``ServicerContext/setCompression(_:)``. Compressed requests are accepted whatever it is.
    public init(
        _ executor: ThreadPoolExecutor,
        handlers: [GenericRPCHandler] = [],
        interceptors: [any ServerInterceptor] = [],
        options: [(String, OptionValue)] = [],
        maximumConcurrentRPCs: Int? = nil,
        compression: Compression? = nil
    ) {
        self.executor = executor
        self.interceptors = interceptors
        self.maximumConcurrentRPCs = maximumConcurrentRPCs
        do {
            self.options = try ChannelOptions(options)
            optionsError = nil
        } catch {
            self.options = ChannelOptions()
            optionsError = error as? UsageError ?? UsageError("\(error)")
        }
        defaultCompression = compression ?? self.options.defaultCompression ?? .noCompression
        addGenericRPCHandlers(handlers)
    }

    deinit {
        for listener in listeners { listener.close(started: state == .started) }
    }

    /// Registers generic handlers (`server.add_generic_rpc_handlers`). Handlers built with
    /// ``methodHandlersGenericHandler(_:_:)`` are looked up by path directly.
    public func addGenericRPCHandlers(_ handlers: [GenericRPCHandler]) {
        lock.withLock {
            for handler in handlers {
                if let byPath = handler as? MethodHandlersGenericHandler {
                    handlersByPath.merge(byPath.handlersByPath) { first, _ in first }
                } else {
                    genericHandlers.append(handler)
                }
            }
        }
    }

    /// Registers one service's method handlers (`server.add_registered_method_handlers`), keyed
    /// by method name (`"GetFeature"`) and served at `/service/method`. As in grpcio, a registered
    /// handler wins over any generic handler for the same path, and registering is possible only
    /// before ``start()``: afterwards this throws (grpcio logs a warning and ignores the handlers).
    public func addRegisteredMethodHandlers(_ service: String, _ handlers: [String: RPCMethodHandler]) throws {
        try lock.withLock {
            guard state == .created else {
                throw UsageError("Cannot register method handlers once server has started")
            }
            for (method, handler) in handlers { handlersByPath["/\(service)/\(method)"] = handler }
        }
    }

    /// Binds `address` (`[::]:0`, `0.0.0.0:50051`, `localhost:0`, `unix:path`) and returns the port
    /// (0 for Unix sockets). Throws an error naming the address when it cannot be bound.
    @discardableResult
    public func addInsecurePort(_ address: String) throws -> Int {
        if let optionsError { throw optionsError }
        let target = try Target(parsing: address, defaultPort: nil)
        let addresses = try target.resolve(passive: true)
        guard !addresses.isEmpty else { throw UsageError("address \"\(address)\" resolves to nothing") }
        var bound: [Listener] = []
        var port = 0
        for (i, var resolved) in addresses.enumerated() {
            if i > 0 && port != 0 { resolved.setPort(port) }
            do {
                let fd = try Socket.bind(to: resolved, displayName: address)
                let local = Socket.localAddress(fd) ?? resolved
                if i == 0 { port = local.port }
                let listener = Listener(
                    fd: fd, address: local, displayName: address, loop: EventLoopGroup.shared.next()
                ) { [weak self] fd, peer in
                    self?.accepted(fd: fd, peer: peer)
                }
                bound.append(listener)
            } catch {
                // The first address must bind; later ones (the IPv4 twin of localhost) may fail.
                if i == 0 { throw error }
            }
        }
        try lock.withLock {
            guard state == .created || state == .started else {
                for listener in bound { listener.close(started: false) }
                throw UsageError("cannot add a port to a stopped server")
            }
            if state == .started { for listener in bound { try listener.start() } }
            listeners += bound
        }
        return port
    }

    /// Starts serving (`server.start()`); a second call throws.
    public func start() throws {
        if let optionsError { throw optionsError }
        try lock.withLock {
            guard state == .created else { throw UsageError("the server has already been started") }
            for listener in listeners { try listener.start() }
            state = .started
        }
    }

    /// Stops the server (`server.stop(grace)`). With nil, every active call is cancelled now. With a
    /// grace period, new calls are refused, running calls may finish, and those still running when
    /// it ends are cancelled. The returned event is set once every call has ended.
    @discardableResult
    public func stop(grace: Double?) -> Event {
        let (connectionsNow, cancelNow): ([HTTP2Connection], Bool) = lock.withLock {
            switch state {
            case .created, .stopped:
                state = .stopped
                for listener in listeners { listener.close(started: false) }
                listeners.removeAll()
                stopped.set()
                return ([], false)
            case .stopping:
                return (Array(connections.values), grace == nil || grace! <= 0)
            case .started:
                state = .stopping
                for listener in listeners { listener.close(started: true) }
                listeners.removeAll()
                return (Array(connections.values), grace == nil || grace! <= 0)
            }
        }
        if stopped.isSet() { return stopped }
        for connection in connectionsNow { connection.startDraining() }
        if cancelNow {
            cancelAllCalls()
        } else if let grace {
            let timer = EventLoopGroup.shared.next().schedule(at: Deadline.after(seconds: grace)) { [self] in
                cancelAllCalls()
            }
            lock.withLock { graceTimer = timer }
        }
        lock.withLock { finishStopIfIdle() }
        return stopped
    }

    /// Blocks until the server has stopped, or `timeout` seconds pass. Returns true when the
    /// timeout passed first, like grpcio's `wait_for_termination`.
    @discardableResult
    public func waitForTermination(timeout: Double? = nil) -> Bool {
        !stopped.wait(timeout: timeout)
    }

    private func cancelAllCalls() {
        let all = lock.withLock { Array(connections.values) }
        for connection in all {
            connection.cancelAllStreams(Status(code: .cancelled, details: "Server is shutting down"))
            connection.close(failingStreamsWith: Status(code: .cancelled, details: "Server is shutting down"))
        }
        lock.withLock {
            activeCalls = 0
            finishStopIfIdle()
        }
    }

    /// Lock held.
    private func finishStopIfIdle() {
        guard state == .stopping, activeCalls == 0 else { return }
        state = .stopped
        graceTimer?.cancel()
        stopped.set()
    }

    // MARK: connections

    private func accepted(fd: Int32, peer: SocketAddress) {
        let connection = HTTP2Connection(
            fd: fd, role: .server, peer: peer, loop: EventLoopGroup.shared.next(),
            limits: options.connectionLimits, delegate: self)
        connection.start()
        let accept = lock.withLock {
            guard state == .started else { return false }
            connections[ObjectIdentifier(connection)] = connection
            return true
        }
        if !accept { connection.close(failingStreamsWith: Status(code: .unavailable, details: "Server is stopping")) }
    }

    func connectionDidClose(_ connection: HTTP2Connection) {
        lock.withLock { _ = connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// A request head arrived (connection lock held): find its handler, apply the limits, start it.
    func connection(_ connection: HTTP2Connection, didReceiveRequest stream: HTTP2Stream) {
        guard let head = stream.requestHead else { return }
        guard lock.withLock({ state == .started }) else {
            stream.reject(httpStatus: 200, status: Status(code: .unavailable, details: "Server is shutting down"))
            return
        }
        let details = HandlerCallDetails(method: head.path, invocationMetadata: head.metadata)
        let found: RPCMethodHandler?
        do {
            found =
                interceptors.isEmpty
                ? handler(for: details)
                : try ServerInterceptorPipeline.handler(interceptors, details, lookUp: handler(for:))
        } catch {
            stream.reject(httpStatus: 200, status: Status(code: .unknown, details: "Error in service handler!"))
            return
        }
        guard let handler = found else {
            stream.reject(httpStatus: 200, status: Status(code: .unimplemented, details: "Method not found!"))
            return
        }
        let admitted = lock.withLock {
            if let limit = maximumConcurrentRPCs, activeCalls >= limit { return false }
            activeCalls += 1
            return true
        }
        guard admitted else {
            stream.reject(
                httpStatus: 200, status: Status(code: .resourceExhausted, details: "Concurrent RPC limit exceeded!"))
            return
        }
        ServerCall(stream: stream, handler: handler, server: self, options: options).attach()
    }

    /// The registered handler for a call: by path, else from the generic handlers in order.
    private func handler(for details: HandlerCallDetails) -> RPCMethodHandler? {
        let (direct, generic) = lock.withLock { (handlersByPath[details.method], genericHandlers) }
        if let direct { return direct }
        for candidate in generic {
            if let found = candidate.service(details) { return found }
        }
        return nil
    }

    /// A call has ended (connection lock held).
    func callCompleted(_ call: ServerCall) {
        lock.withLock {
            if activeCalls > 0 { activeCalls -= 1 }
            finishStopIfIdle()
        }
    }
}

extension SocketAddress {
    mutating func setPort(_ port: Int) {
        withUnsafeMutableBytes(of: &storage) { raw in
            let value = UInt16(port).bigEndian
            // sin_port and sin6_port both sit right after the 2-byte family.
            raw.storeBytes(of: value, toByteOffset: 2, as: UInt16.self)
        }
    }
}
