import Logging

/// A gRPC server whose handlers run on a thread pool, like `grpc.server(ThreadPoolExecutor(...))`.
///
/// ```swift
/// let server = Server(ThreadPoolExecutor(maxWorkers: 10))
/// addGreeterServicerToServer(Greeter(), server)
/// let port = try server.addInsecurePort("[::]:50051")
/// try server.start()
/// server.waitForTermination()
/// ```
public final class Server: ListenerDelegate, @unchecked Sendable {  // state protected by `lock`
    private enum State: Equatable {
        case created, started
        /// `stop` was called; `cancelled` once the calls still running were cancelled.
        case stopping(cancelled: Bool)
        case stopped
    }

    /// Runs the handlers.
    public let executor: ThreadPoolExecutor
    /// `maximum_concurrent_rpcs`: calls beyond it get RESOURCE_EXHAUSTED.
    public let maximumConcurrentRPCs: Int?
    /// The most workers one connection's calls may hold at once; its calls beyond that wait for
    /// one of them, so the other connections always have workers (grpcio has no such limit).
    public let workersPerConnection: Int
    /// How long a worker that has finished a call waits for the same connection's next call, in
    /// nanoseconds (see ``CallDispatcher``). Set before `start()`; tests make it long.
    var nextCallWait: UInt64 = 500_000
    /// Asked for every call's handler, outermost first.
    private let interceptors: [any ServerInterceptor]
    /// An async server's interceptors: asked for every call's handler, outermost first, in a task
    /// of the call's own (after ``interceptors``, which an async server does not have).
    private let asyncInterceptors: [any AIO.ServerInterceptor]
    /// An async server's handlers run on the loop that reads their connection, not on Swift's
    /// cooperative pool (`AIO.server(…, handlersRunOnLoops: true)`).
    let asyncHandlersRunOnLoops: Bool
    let options: ChannelOptions
    /// Where the server and its connections log.
    let log: RuntimeLog
    /// The algorithm responses are compressed with unless a handler sets another.
    let defaultCompression: Compression
    private let optionsError: UsageError?

    private let lock = Lock()
    private var state = State.created
    private var handlersByPath: [String: RPCMethodHandler] = [:]
    private var genericHandlers: [GenericRPCHandler] = []
    private var registeredFiles: [SerializedFileDescriptor] = []
    private var listeners: [Listener] = []
    /// Open connections with their delegates (which the connections hold only weakly).
    private var connections:
        [ObjectIdentifier: (connection: any ServerConnection, delegate: any ServerConnectionDelegate)] = [:]
    private var activeCalls = 0
    private var graceTimer: ScheduledTimer?
    /// Set once the server has stopped.
    let stopped = Event()

    /// `grpc.server(thread_pool, handlers=, interceptors=, options=, maximum_concurrent_rpcs=,
    /// compression=)`.
    ///
    /// `compression` (or the option `grpc.default_compression_algorithm`) compresses every response
    /// whose client accepts the algorithm; a handler may choose otherwise with
    /// ``ServicerContext/setCompression(_:)``. Compressed requests are accepted whatever it is.
    ///
    /// - Parameters:
    ///   - executor: Runs the handlers.
    ///   - handlers: Generic handlers, asked in order for paths no registered handler serves.
    ///   - interceptors: Asked for every call's handler, outermost first.
    ///   - options: grpcio's options; `docs/porting.md` lists what each key does here.
    ///   - maximumConcurrentRPCs: Calls beyond it get RESOURCE_EXHAUSTED; nil: no limit.
    ///   - compression: The algorithm responses are compressed with.
    ///   - logger: Where the server logs its connections' events and its handlers' errors
    ///     (swift-log); nil: a default that honours `GRPC_VERBOSITY` and `GRPC_TRACE`.
    ///   - workersPerConnection: The most workers one connection's calls may hold at once (not in
    ///     grpcio); nil: all but an eighth of the executor's workers, so that one client with
    ///     calls that never end cannot starve the others. At least 1.
    public convenience init(
        _ executor: ThreadPoolExecutor,
        handlers: [GenericRPCHandler] = [],
        interceptors: [any ServerInterceptor] = [],
        options: [(String, OptionValue)] = [],
        maximumConcurrentRPCs: Int? = nil,
        compression: Compression? = nil,
        logger: Logger? = nil,
        workersPerConnection: Int? = nil
    ) {
        self.init(
            executor, handlers: handlers, interceptors: interceptors, asyncInterceptors: [],
            asyncHandlersRunOnLoops: false, options: options,
            maximumConcurrentRPCs: maximumConcurrentRPCs, compression: compression, logger: logger,
            workersPerConnection: workersPerConnection)
    }

    /// A server with async interceptors as well (an `AIO.Server`'s).
    init(
        _ executor: ThreadPoolExecutor, handlers: [GenericRPCHandler], interceptors: [any ServerInterceptor],
        asyncInterceptors: [any AIO.ServerInterceptor], asyncHandlersRunOnLoops: Bool, options: [(String, OptionValue)],
        maximumConcurrentRPCs: Int?, compression: Compression?, logger: Logger?, workersPerConnection: Int?
    ) {
        self.executor = executor
        self.asyncInterceptors = asyncInterceptors
        self.asyncHandlersRunOnLoops = asyncHandlersRunOnLoops
        self.workersPerConnection = max(
            1, workersPerConnection ?? WorkerShare<Void>.defaultLimit(maxWorkers: executor.maxWorkers))
        log = .given(logger)
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
        OptionCatalog.warnAboutUnsupported(self.options.unsupportedKeys, to: log)
        addGenericRPCHandlers(handlers)
    }

    deinit {
        for listener in listeners { listener.close(started: state == .started) }
    }

    /// Registers generic handlers (`server.add_generic_rpc_handlers`). Handlers built with
    /// ``methodHandlersGenericHandler(_:_:)`` are looked up by path directly.
    ///
    /// - Parameter handlers: Asked in order, after the handlers registered by path; for a path
    ///   that several serve, the first registered wins.
    public func addGenericRPCHandlers(_ handlers: [GenericRPCHandler]) {
        lock.withLock {
            for handler in handlers {
                if let byPath = handler as? MethodHandlersGenericHandler {
                    handlersByPath.merge(byPath.handlersByPath.mapValues(\.foundByPath)) { first, _ in first }
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
    ///
    /// - Parameters:
    ///   - service: The full service name, `package.Service`.
    ///   - handlers: Method handlers by method name; one replaces a handler registered before for
    ///     the same path.
    /// - Throws: ``UsageError`` "Cannot register method handlers once server has started" once
    ///   ``start()`` or ``stop(grace:)`` has been called.
    public func addRegisteredMethodHandlers(_ service: String, _ handlers: [String: RPCMethodHandler]) throws {
        try lock.withLock {
            guard state == .created else {
                throw UsageError("Cannot register method handlers once server has started")
            }
            for (method, handler) in handlers { handlersByPath["/\(service)/\(method)"] = handler.foundByPath }
        }
    }

    /// Adds a .proto file, with the files it imports, to those the server's reflection service
    /// describes (`GRPCSyncReflection`); a file already added is ignored. Generated registration
    /// functions (`addGreeterServicerToServer`) call it with their service's file; grpcio has no
    /// counterpart, its reflection reads protobuf's default descriptor pool, which every imported
    /// `_pb2` module fills.
    ///
    /// - Parameter file: The file's serialized descriptor and those of its imports.
    public func addFileDescriptor(_ file: SerializedFileDescriptor) {
        lock.withLock {
            if !registeredFiles.contains(where: { $0.name == file.name }) { registeredFiles.append(file) }
        }
    }

    /// The files added with ``addFileDescriptor(_:)`` and the files they import, each once, in the
    /// order they were added (each followed by its imports).
    public var fileDescriptors: [SerializedFileDescriptor] {
        let roots = lock.withLock { registeredFiles }
        var seen: Set<String> = []
        return roots.flatMap(\.withDependencies).filter { seen.insert($0.name).inserted }
    }

    /// Binds `address` (`[::]:0`, `0.0.0.0:50051`, `localhost:0`, `unix:path`) and returns the port
    /// (0 for Unix sockets). Throws an error naming the address when it cannot be bound.
    ///
    /// - Parameter address: `host:port`, `[ipv6]:port` or `unix:path`; port 0 picks a free port.
    ///   The server listens on it once started.
    /// - Returns: The port bound, the one picked for port 0; 0 for a Unix socket.
    /// - Throws: ``UsageError`` naming the address when it does not parse, resolves to nothing or
    ///   cannot be bound ("cannot bind [::]:50051: Address already in use"), when the server has
    ///   stopped, or when the server's options are invalid.
    @discardableResult
    public func addInsecurePort(_ address: String) throws -> Int {
        try addPort(address, security: .insecure)
    }

    /// Binds `address` as ``addInsecurePort(_:)`` does, for connections secured by `credentials`
    /// (`server.add_secure_port(address, credentials)`): TLS
    /// (``sslServerCredentials(_:rootCertificates:requireClientAuth:)``,
    /// ``dynamicSSLServerCredentials(_:fetcher:requireClientAuthentication:)``) or local
    /// (``localServerCredentials(_:)``). One server may have plaintext and secure ports.
    ///
    /// - Parameters:
    ///   - address: `host:port`, `[ipv6]:port` or `unix:path`; port 0 picks a free port.
    ///   - credentials: How the port's connections are secured.
    /// - Returns: The port bound, the one picked for port 0; 0 for a Unix socket.
    /// - Throws: ``UsageError`` as ``addInsecurePort(_:)`` does.
    @discardableResult
    public func addSecurePort(_ address: String, _ credentials: ServerCredentials) throws -> Int {
        try addPort(address, security: credentials.security)
    }

    private func addPort(_ address: String, security: ServerSecurity) throws -> Int {
        if let optionsError { throw optionsError }
        var limits = options.connectionLimits(for: .server)
        limits.log = log
        let (bound, port) = try Listener.bind(
            address, limits: limits, reusePort: options.reusePort, security: security,
            delegate: self)
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
    ///
    /// - Throws: ``UsageError`` when the server was started or stopped before, when a port cannot
    ///   listen, or when the server's options are invalid.
    public func start() throws {
        if let optionsError { throw optionsError }
        try lock.withLock {
            guard state == .created else { throw UsageError("the server has already been started") }
            for listener in listeners { try listener.start() }
            state = .started
            log.serverStarted(ports: listeners.map(\.displayName))
        }
    }

    /// Stops the server (`server.stop(grace)`). Listening stops at once and every connection
    /// drains: GOAWAY, then, once the client has acknowledged a PING, a final GOAWAY, so a call the
    /// client started before it saw the first is still served. With nil (or no grace), every call
    /// is cancelled now; with a grace period, calls may finish, and those still running when it
    /// ends are cancelled. The returned event is set once every call has ended and every
    /// connection has closed.
    ///
    /// - Parameter grace: Seconds running calls may take to finish; nil or 0 cancels them now.
    /// - Returns: The event set once the server has stopped; ``Event/wait(timeout:)`` waits for it.
    @discardableResult
    public func stop(grace: Double?) -> Event {
        log.serverStopping(grace: grace)
        let cancelNow = grace.map { $0 <= 0 } ?? true
        let draining: [any ServerConnection]? = lock.withLock {
            switch state {
            case .created, .stopped:
                state = .stopped
                for listener in listeners { listener.close(started: false) }
                listeners.removeAll()
                stopped.set()
                return nil
            case .stopping:
                return []
            case .started:
                state = .stopping(cancelled: false)
                for listener in listeners { listener.close(started: true) }
                listeners.removeAll()
                return connections.values.map(\.connection)
            }
        }
        guard let draining else { return stopped }
        for connection in draining { connection.beginGracefulShutdown() }
        if cancelNow {
            cancelAllCalls()
        } else if let grace {
            let timer = EventLoopGroup.shared.next().schedule(at: Deadline.after(seconds: grace)) { [self] in
                cancelAllCalls()
            }
            lock.withLock { graceTimer = timer }
        }
        lock.withLock { finishStopIfDoneLocked() }
        return stopped
    }

    /// Blocks until the server has stopped, or `timeout` seconds pass. Returns true when the
    /// timeout passed first, like grpcio's `wait_for_termination`.
    ///
    /// - Parameter timeout: The most seconds to wait; nil waits until the server has stopped.
    /// - Returns: True when the timeout passed first, false once the server has stopped.
    @discardableResult
    public func waitForTermination(timeout: Double? = nil) -> Bool {
        !stopped.wait(timeout: timeout)
    }

    /// The grace period is over (or there was none): every call still running is cancelled and
    /// every connection closed.
    private func cancelAllCalls() {
        let all: [any ServerConnection] = lock.withLock {
            state = .stopping(cancelled: true)
            return connections.values.map(\.connection)
        }
        for connection in all { connection.close(cancellingStreamsWith: .serverCancelledCalls) }
    }

    /// Stopped once no call runs and no connection is open (a draining connection may still
    /// bring a call the client started before it saw the GOAWAY).
    private func finishStopIfDoneLocked() {
        lock.assertHeld()
        guard case .stopping = state, activeCalls == 0, connections.isEmpty else { return }
        state = .stopped
        graceTimer?.cancel()
        stopped.set()
    }

    // MARK: connections (ListenerDelegate)

    func newConnectionDelegate() -> any ServerConnectionDelegate {
        CallDispatcher(server: self)
    }

    func listenerAccepted(_ connection: any ServerConnection, delegate: any ServerConnectionDelegate) {
        let key = ObjectIdentifier(connection)
        // A connection accepted while a graceful stop closes the listener is drained like the
        // others: the requests its client already sent are served (a proxy such as nginx does not
        // send a refused request again).
        let admission: (accept: Bool, drain: Bool) = lock.withLock {
            switch state {
            case .started: break
            case .stopping(cancelled: false): break
            default: return (false, false)
            }
            connections[key] = (connection, delegate)
            return (true, state != .started)
        }
        guard admission.accept else {
            connection.close(cancellingStreamsWith: .serverStopping)
            return
        }
        if admission.drain { connection.beginGracefulShutdown() }
        // A connection that closed before it was recorded was told so to nobody: forget it now.
        if connection.isClosed {
            lock.withLock {
                _ = connections.removeValue(forKey: key)
                finishStopIfDoneLocked()
            }
        }
    }

    func connectionDidClose(_ connection: any ServerConnection) {
        lock.withLock {
            _ = connections.removeValue(forKey: ObjectIdentifier(connection))
            finishStopIfDoneLocked()
        }
    }

    // MARK: calls

    /// A request head arrived (connection lock held): the call is refused, started with a handler
    /// found by path, or handed to a worker that asks the interceptors and generic handlers (user
    /// code, run with no runtime lock held).
    func callArrivedLocked(
        _ stream: ServerStream, head: RequestHead, on connection: any ServerConnection, dispatcher: CallDispatcher
    ) {
        stream.assertLockHeld()
        let (serving, direct, hasGeneric) = lock.withLock {
            (
                state == .started || state == .stopping(cancelled: false), handlersByPath[head.path],
                !genericHandlers.isEmpty
            )
        }
        guard serving else {
            stream.finishLocked(.serverShuttingDown)
            return
        }
        let intercepted = !interceptors.isEmpty || !asyncInterceptors.isEmpty
        if !intercepted && direct == nil && !hasGeneric {
            stream.finishLocked(.methodNotFound)
            return
        }
        let call = ServerCall(stream: stream, head: head, server: self, connection: connection, dispatcher: dispatcher)
        if !intercepted, let direct {
            call.startLocked(with: direct)
        } else if !dispatcher.dispatchLocked(CallWork(call: call, handler: nil), on: connection) {
            stream.finishLocked(.serverShuttingDown)
        }
    }

    /// The handler for a call: asks the interceptors, outermost first, ending in the registered
    /// handlers (by path, then the generic handlers in order). Runs user code: no lock is held.
    func chooseHandler(for details: HandlerCallDetails) throws -> RPCMethodHandler? {
        interceptors.isEmpty
            ? handler(for: details)
            : try ServerInterceptorPipeline.handler(interceptors, details, lookUp: handler(for:))
    }

    /// Whether a call's handler is chosen by async interceptors, in a task (``chooseHandlerAsync(for:)``).
    var choosesHandlersAsync: Bool { !asyncInterceptors.isEmpty }

    /// The handler for a call, as ``chooseHandler(for:)`` finds it, asking the async
    /// interceptors first, outermost first.
    func chooseHandlerAsync(for details: HandlerCallDetails) async throws -> RPCMethodHandler? {
        try await AsyncServerInterceptorPipeline.handler(asyncInterceptors, details) { [self] in
            try chooseHandler(for: $0)
        }
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

    /// Counts a call that is about to run; false when `maximumConcurrentRPCs` calls run already.
    func admit() -> Bool {
        lock.withLock {
            if let limit = maximumConcurrentRPCs, activeCalls >= limit { return false }
            activeCalls += 1
            return true
        }
    }

    /// An admitted call has ended.
    func callCompleted() {
        lock.withLock {
            if activeCalls > 0 { activeCalls -= 1 }
            finishStopIfDoneLocked()
        }
    }
}
