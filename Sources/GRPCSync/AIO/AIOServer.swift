import Logging

extension AIO {
    /// Makes an async server (`grpc.aio.server(handlers=, interceptors=, options=,
    /// maximum_concurrent_rpcs=, compression=)`): its handlers are async and run as tasks, not on
    /// a thread pool.
    ///
    /// - Parameters:
    ///   - handlers: Generic handlers, asked in order for paths no registered handler serves;
    ///     build them with ``AIO/unaryUnaryRPCMethodHandler(_:requestDeserializer:responseSerializer:)``
    ///     and its siblings.
    ///   - interceptors: Asked for every call's handler, outermost first, in a task of the call's
    ///     own (``AIO/ServerInterceptor``).
    ///   - handlersRunOnLoops: True runs every handler's task on the thread that reads its
    ///     connection (a task executor of that loop), as grpc.aio runs handlers on its event loop:
    ///     a call then wakes one thread, not two, but a handler that blocks holds up every
    ///     connection of its loop. False (the default) runs them on Swift's cooperative pool.
    ///   - options: grpcio's options; `docs/porting.md` lists what each key does here.
    ///   - maximumConcurrentRPCs: Calls beyond it get RESOURCE_EXHAUSTED; nil: no limit.
    ///   - compression: The algorithm responses are compressed with.
    ///   - logger: Where the server logs (swift-log); nil: the default that honours
    ///     `GRPC_VERBOSITY` and `GRPC_TRACE`.
    /// - Returns: The server; add ports, then ``AIO/Server/start()`` it.
    public static func server(
        handlers: [GenericRPCHandler] = [], interceptors: [any ServerInterceptor] = [],
        options: [(String, OptionValue)] = [], maximumConcurrentRPCs: Int? = nil, compression: Compression? = nil,
        handlersRunOnLoops: Bool = false, logger: Logger? = nil
    ) -> Server {
        Server(
            handlers: handlers, interceptors: interceptors, options: options,
            maximumConcurrentRPCs: maximumConcurrentRPCs, compression: compression,
            handlersRunOnLoops: handlersRunOnLoops, logger: logger)
    }

    /// An async server (`grpc.aio.Server`): the blocking server's transport, connections and
    /// limits, with async handlers that run as tasks. The loop that reads a call starts its
    /// handler's task, so an awaiting handler holds no thread.
    public final class Server: Sendable {
        /// The server underneath: its loops start the handlers' tasks, its workers the tasks of
        /// the interceptors and any blocking handler.
        let server: GRPCSync.Server
        /// Workers for what is not an async handler: each holds a call only while it starts the
        /// interceptors' task, or while a blocking handler registered here runs.
        static let dispatchWorkers = 4

        init(
            handlers: [GenericRPCHandler], interceptors: [any ServerInterceptor], options: [(String, OptionValue)],
            maximumConcurrentRPCs: Int?, compression: Compression?, handlersRunOnLoops: Bool, logger: Logger?
        ) {
            server = GRPCSync.Server(
                ThreadPoolExecutor(maxWorkers: Self.dispatchWorkers), handlers: handlers, interceptors: [],
                asyncInterceptors: interceptors, asyncHandlersRunOnLoops: handlersRunOnLoops, options: options,
                maximumConcurrentRPCs: maximumConcurrentRPCs,
                compression: compression, logger: logger, workersPerConnection: Self.dispatchWorkers)
        }

        /// Registers generic handlers (`server.add_generic_rpc_handlers`).
        ///
        /// - Parameter handlers: Asked in order, after the handlers registered by path.
        public func addGenericRPCHandlers(_ handlers: [GenericRPCHandler]) {
            server.addGenericRPCHandlers(handlers)
        }

        /// Adds the file descriptor of a service the server serves, for server reflection (what
        /// the generated registration function calls).
        ///
        /// - Parameter file: The serialized `.proto` file.
        public func addFileDescriptor(_ file: SerializedFileDescriptor) {
            server.addFileDescriptor(file)
        }

        /// The files added with ``addFileDescriptor(_:)`` and the files they import, each once, in
        /// the order they were added: what server reflection answers from.
        public var fileDescriptors: [SerializedFileDescriptor] { server.fileDescriptors }

        /// Binds a port without transport security (`server.add_insecure_port(address)`).
        ///
        /// - Parameter address: `host:port`, `[::]:0` for any free port, or `unix:path`.
        /// - Returns: The port bound.
        /// - Throws: ``UsageError`` when the address cannot be bound or the server has started.
        public func addInsecurePort(_ address: String) throws -> Int {
            try server.addInsecurePort(address)
        }

        /// Binds a port secured by `credentials` (`server.add_secure_port(address, credentials)`).
        ///
        /// - Parameters:
        ///   - address: `host:port`, `[::]:0` for any free port, or `unix:path`.
        ///   - credentials: TLS or local credentials.
        /// - Returns: The port bound.
        /// - Throws: ``UsageError`` when the address cannot be bound or the server has started.
        public func addSecurePort(_ address: String, _ credentials: ServerCredentials) throws -> Int {
            try server.addSecurePort(address, credentials)
        }

        /// Starts serving (`await server.start()`).
        ///
        /// - Throws: ``UsageError`` when the server was started or stopped before, or its options
        ///   are invalid.
        public func start() async throws {
            try server.start()
        }

        /// Stops the server (`await server.stop(grace)`): new calls are refused; with a grace
        /// period running calls may finish, and those still running when it ends are cancelled.
        /// Returns once every call has ended and every connection has closed.
        ///
        /// - Parameter grace: Seconds running calls may take to finish; nil or 0 cancels them now.
        public func stop(grace: Double?) async {
            await server.stop(grace: grace).waitUntilSet()
        }

        /// Suspends until the server has stopped, or `timeout` seconds pass
        /// (`await server.wait_for_termination(timeout)`).
        ///
        /// - Parameter timeout: The most seconds to wait; nil waits until the server has stopped.
        /// - Returns: True when the timeout passed first, false once the server has stopped.
        @discardableResult
        public func waitForTermination(timeout: Double? = nil) async -> Bool {
            let stopped = server.stopped
            guard let timeout else {
                await stopped.waitUntilSet()
                return !stopped.isSet()
            }
            return await withTaskGroup(of: Bool.self) { group in
                group.addTask { !(await stopped.waitUntilSet()) }
                group.addTask {
                    try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1e9))
                    return !stopped.isSet()
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
        }
    }
}
