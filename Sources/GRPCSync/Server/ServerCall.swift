import Synchronization

/// One call on the server: it gets its handler (found by path, or chosen by the interceptors and
/// generic handlers on a worker), is admitted under `maximumConcurrentRPCs`, runs the handler on
/// a worker once the call is ready, and ends the call with the status grpcio would send. Also the
/// state behind ``ServicerContext``. Its stream (``ServerStream``) owns the call's transport
/// state and status; the call keeps only what the handler sets and where it is in being run.
final class ServerCall: ServerStreamObserver, @unchecked Sendable {  // mutable state: the two Mutexes
    /// What the handler has set through the context.
    struct HandlerState {
        var code: StatusCode?
        var details: String?
        var trailingMetadata = Metadata()
        /// Set by `setCompression`; nil: the server's default.
        var compression: Compression?
        var disableNextMessageCompression = false
        var lastRequestWasCompressed = false
        /// The algorithm of the response messages, fixed when the first of them or the initial
        /// metadata goes out.
        var responseCompression: Compression?
        /// The handler handed its sending to a ``DetachedResponseSender``: the call stays open
        /// when it returns.
        var detached = false
        /// The handler runs as a task (an async handler): the call stays open when the worker
        /// that started the task returns, and the task ends it.
        var runsAsTask = false
        /// Made by the first `ServicerContext.withCallPropagation(_:)`: the scope the
        /// handler's client calls inherit the deadline and cancellation of.
        var propagation: CallPropagation?
    }

    /// Where the call is in being run.
    private enum Phase {
        /// The interceptors and generic handlers choose its handler, on a worker.
        case choosingHandler
        /// Admitted; a unary-request handler waits for the request to complete.
        case awaitingRequest(RPCMethodHandler)
        /// The handler runs (or is about to, on a worker).
        case running
        /// The call has ended; when it had been admitted, the server knows.
        case ended
    }

    let stream: ServerStream
    let method: String
    let deadline: Deadline
    let invocationMetadata: Metadata
    /// The algorithms the client accepts for responses (its `grpc-accept-encoding`).
    private let acceptedEncodings: Set<Compression>
    let server: Server
    let connection: any ServerConnection
    private let dispatcher: CallDispatcher
    private let phase = Mutex(Phase.choosingHandler)
    private let state = Mutex(HandlerState())

    init(
        stream: ServerStream, head: RequestHead, server: Server, connection: any ServerConnection,
        dispatcher: CallDispatcher
    ) {
        self.stream = stream
        self.server = server
        self.connection = connection
        self.dispatcher = dispatcher
        method = head.path
        invocationMetadata = head.metadata
        acceptedEncodings = head.acceptedEncodings
        deadline = head.timeout.map { Deadline(nanoseconds: monotonicNanoseconds() &+ $0) } ?? .never
    }

    /// The client's address (`ipv4:127.0.0.1:50000`); made when asked, which few handlers do.
    var peer: String { stream.peer }

    /// What the connection's security established about the client.
    var authProperties: AuthProperties { stream.authProperties }

    // MARK: starting

    /// Starts the call with `handler`, found by path, inside the server's request callback
    /// (connection lock held): admits it, gives it its stream, and dispatches it when ready.
    func startLocked(with handler: RPCMethodHandler) {
        stream.assertLockHeld()
        guard server.admit() else {
            stream.finishLocked(.concurrentRPCLimitExceeded)
            return
        }
        phase.withCheckedLock { $0 = .awaitingRequest(handler) }
        if isReady(stream.attachLocked(self, deadline: deadline), handler) { dispatchLocked() }
    }

    /// On a worker: asks the interceptors and generic handlers for the call's handler (user code,
    /// with no runtime lock held), then admits the call and runs the handler here when the call
    /// is ready; a unary-request call whose request is still arriving runs once it has. An async
    /// server's interceptors run in a task instead, and the worker returns at once.
    func chooseHandlerAndStart() {
        let details = HandlerCallDetails(method: method, invocationMetadata: invocationMetadata)
        if server.choosesHandlersAsync {
            Task {
                do {
                    start(with: try await server.chooseHandlerAsync(for: details), onWorker: false)
                } catch {
                    stream.finish(.errorInServiceHandler)
                }
            }
            return
        }
        do {
            start(with: try server.chooseHandler(for: details), onWorker: true)
        } catch {
            stream.finish(.errorInServiceHandler)
        }
    }

    /// Admits the call with the handler its interceptors and generic handlers chose (nil: none),
    /// and runs the handler when the call is ready: here, unless this is a task (`onWorker` false)
    /// and the handler is a blocking one, which runs on a worker.
    private func start(with found: RPCMethodHandler?, onWorker: Bool) {
        guard let handler = found else {
            stream.finish(.methodNotFound)
            return
        }
        guard server.admit() else {
            stream.finish(.concurrentRPCLimitExceeded)
            return
        }
        phase.withCheckedLock { $0 = .awaitingRequest(handler) }
        guard isReady(stream.attach(self, deadline: deadline), handler), let handler = takeHandlerToRun() else {
            return
        }
        if onWorker || handler.isAsync {
            run(handler)
        } else if !server.executor.submit({ [self] in run(handler) }) {
            finish(.serverShuttingDown)
        }
    }

    /// A call whose stream `progress` reports is ready for `handler`: its request is complete, or
    /// the handler reads the request as a stream.
    private func isReady(_ progress: ServerStream.RequestProgress, _ handler: RPCMethodHandler) -> Bool {
        switch progress {
        case .complete: true
        case .incomplete: handler.requestStreaming
        case .callEnded: false
        }
    }

    /// The handler, when the call is to run now (it was awaiting its request); the phase becomes
    /// running, so the call runs once.
    private func takeHandlerToRun() -> RPCMethodHandler? {
        phase.withCheckedLock {
            guard case .awaitingRequest(let handler) = $0 else { return nil }
            $0 = .running
            return handler
        }
    }

    /// Hands the call to a worker (connection lock held); an async handler, which only starts its
    /// task, to the connection's loop instead, once the lock is released: no worker is woken for it.
    private func dispatchLocked() {
        stream.assertLockHeld()
        guard let handler = takeHandlerToRun() else { return }
        if handler.isAsync {
            connection.loop.execute { [self] in run(handler) }
            return
        }
        if !dispatcher.dispatchLocked(CallWork(call: self, handler: handler), on: connection) {
            stream.finishLocked(.serverShuttingDown)
        }
    }

    /// A behaviour wrapper of the other kind was added to the handler (a blocking one to an async
    /// handler, or an async one to a blocking handler): it cannot run around the behaviour, so the
    /// call ends UNKNOWN "Error in service handler!", and the server logs why.
    func refuseMismatchedWrapper(async: Bool) {
        server.log.behaviorWrapperMismatched(method: method, async: async)
        finish(.errorInServiceHandler)
    }

    /// Runs the handler on this worker; every factory ends the call, unless the handler detached
    /// it, the last line guards against one that did not.
    func run(_ handler: RPCMethodHandler) {
        handler.run(self)
        if stream.status == nil && !withState({ $0.detached || $0.runsAsTask }) {
            finish(.handlerReturnedWithoutAnswer)
        }
    }

    // MARK: ServerStreamObserver (connection lock held)

    func requestCompleteLocked(_ stream: ServerStream) {
        stream.assertLockHeld()
        dispatchLocked()
    }

    func streamFinishedLocked(_ stream: ServerStream, status: Status) {
        stream.assertLockHeld()
        let wasAdmitted: Bool = phase.withCheckedLock { phase in
            defer { phase = .ended }
            switch phase {
            case .awaitingRequest, .running: return true
            case .choosingHandler, .ended: return false
            }
        }
        if wasAdmitted { server.callCompleted() }
    }

    // MARK: for the context

    func withState<T>(_ body: (inout HandlerState) -> T) -> T {
        state.withCheckedLock { body(&$0) }
    }

    var isActive: Bool { stream.status == nil }

    func sendInitialMetadata(_ metadata: Metadata) throws {
        let encoding = state.withCheckedLock { responseCompression(&$0) }
        if stream.sendHeaders(metadata, encoding: encoding) == .alreadySent {
            throw UsageError("initial metadata has already been sent")
        }
    }

    /// The algorithm of the response messages: the handler's choice or the server's default, when
    /// the client accepts it; no compression otherwise. Fixed by the first call.
    func responseCompression(_ state: inout HandlerState) -> Compression {
        if let chosen = state.responseCompression { return chosen }
        let wanted = state.compression ?? server.defaultCompression
        let chosen = acceptedEncodings.contains(wanted) ? wanted : .noCompression
        state.responseCompression = chosen
        return chosen
    }

    func cancel() {
        stream.cancel(.cancelledByServer)
    }

    func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        stream.addCallback(callback)
    }

    // MARK: ending the call

    /// Ends the call with `status`, adding the trailing metadata the handler set.
    func finish(_ status: Status) {
        var status = status
        status.trailingMetadata = state.withCheckedLock { $0.trailingMetadata } + status.trailingMetadata
        stream.finish(status)
    }

    /// The handler returned: the code and details it set, or OK; a detached call stays open.
    func finishNormally() {
        let (code, details, detached) = state.withCheckedLock { ($0.code, $0.details, $0.detached) }
        if detached { return }
        finish(Status(code: code ?? .ok, details: details ?? ""))
    }

    /// A behaviour wrapper returned without running the behaviour: what it set, or UNKNOWN.
    func finishWithoutResponse() {
        finish(settingOverrides(.behaviorNotRun))
    }

    /// The handler threw: `status` (grpcio's default for the error), unless the handler set a
    /// code or details, which win, as in grpcio.
    func finish(afterError status: Status) {
        finish(settingOverrides(status))
    }

    /// `status` with the code and details the handler set, where it set them.
    private func settingOverrides(_ status: Status) -> Status {
        let (code, details) = state.withCheckedLock { ($0.code, $0.details) }
        return Status(code: code ?? status.code, details: details ?? status.details)
    }
}
