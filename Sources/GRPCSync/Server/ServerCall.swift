/// One call on the server: dispatches the handler to the executor when the call is ready, moves
/// messages between the handler and the stream, and ends the call with the status grpcio would
/// send. Also the state behind ``ServicerContext``.
final class ServerCall: HTTP2StreamObserver, @unchecked Sendable {  // state protected by `lock`
    /// What the handler has set through the context.
    struct HandlerState {
        var code: StatusCode?
        var details: String?
        var trailingMetadata = Metadata()
        var aborted = false
        /// Set by `setCompression`; nil: the server's default.
        var compression: Compression?
        var disableNextMessageCompression = false
        var lastRequestWasCompressed = false
    }

    let stream: HTTP2Stream
    let handler: RPCMethodHandler
    let method: String
    /// The client's address (`ipv4:127.0.0.1:50000`); made when asked, which few handlers do.
    var peer: String { stream.connection.peer.description }
    let deadline: Deadline
    let invocationMetadata: Metadata
    /// The algorithms the client accepts for responses (its `grpc-accept-encoding`).
    private let acceptedEncodings: Set<Compression>
    private let options: ChannelOptions
    private let server: Server
    /// The connection's lock: it protects the stream and this call alike.
    private var lock: Lock { stream.connection.lock }

    private var state = HandlerState()
    private var initialMetadataSent = false
    private var dispatched = false
    private var terminated = false
    private var callbacks: [@Sendable () -> Void] = []
    private var deadlineTimer: ScheduledTimer?
    /// The algorithm of the response messages, fixed when the first of them or the initial
    /// metadata goes out.
    private var responseCompression: Compression?

    init(stream: HTTP2Stream, handler: RPCMethodHandler, server: Server, options: ChannelOptions) {
        self.stream = stream
        self.handler = handler
        self.server = server
        self.options = options
        let head = stream.requestHead!
        method = head.path
        invocationMetadata = head.metadata
        acceptedEncodings = head.acceptedEncodings
        deadline = head.timeout.map { Deadline(nanoseconds: monotonicNanoseconds() &+ $0) } ?? .never
    }

    /// Starts watching the stream (lock held).
    func attach() {
        stream.observer = self
        if !deadline.isNever {
            deadlineTimer = stream.connection.loop.schedule(at: deadline) { [self] in
                lock.withLock { stream.fail(Status(code: .deadlineExceeded, details: "Deadline Exceeded")) }
            }
        }
        streamDidChange(stream)
    }

    // MARK: HTTP2StreamObserver (lock held)

    func streamDidChange(_ stream: HTTP2Stream) {
        if !dispatched && !stream.isFinished {
            // Unary-request methods wait for the whole request, so no worker parks on the network.
            if handler.requestStreaming || stream.inputEnded {
                dispatched = true
                if let nextCall = stream.connection.nextCall, nextCall.handler == nil, !nextCall.isStopped {
                    // Read while a worker waits for this connection's next call: it runs the
                    // handler. (The loop may have read it: the worker then needs waking.)
                    nextCall.handler = { [self] in runHandler() }
                    stream.connection.wakeCallerReader()
                } else if !server.executor.submit({ [self] in
                    runHandler()
                    Self.serveNextCalls(on: stream.connection, server: server)
                }) {
                    stream.fail(Status(code: .unavailable, details: "Server is shutting down"))
                }
            }
        }
        if stream.isFinished && !terminated {
            terminated = true
            deadlineTimer?.cancel()
            let pending = callbacks
            callbacks.removeAll()
            if !pending.isEmpty {
                ThreadPoolExecutor.blockingWork.submit { for callback in pending { callback() } }
            }
            stream.observer = nil
            server.callCompleted(self)
        }
    }

    private func runHandler() {
        handler.run(self)
        lock.withLock {
            if !stream.isFinished {
                // Every factory ends the call; this only guards against a handler that did not.
                _ = finishLocked(Status(code: .unknown, details: "Handler returned without a status"))
            }
        }
    }

    /// After a call, its worker stays with the connection for a moment (`Server.nextCallWait`)
    /// while the executor has nothing else for it: a call that arrives meanwhile runs here, read
    /// and handled on this thread. A client calling one call after another is so served by one
    /// thread, as grpc C++'s synchronous server serves it, instead of the loop thread reading each
    /// request and waking a worker for it. Work submitted while every worker is busy, or the
    /// executor's shutdown, ends the wait; a call read just as other work was queued goes into the
    /// queue behind that work, so the executor stays first in, first out.
    private static func serveNextCalls(on connection: HTTP2Connection, server: Server) {
        let executor = server.executor
        while true {
            let slot = NextCall()
            guard
                let handler = executor.waitForOwnWork(
                    {
                        connection.waitForNextCall(
                            slot, until: Deadline(nanoseconds: monotonicNanoseconds() &+ server.nextCallWait))
                    },
                    // Called by a submit, which may hold this connection's lock: the loop wakes the reader.
                    interrupt: {
                        slot.stop()
                        connection.loop.execute { connection.lock.withLock { connection.wakeCallerReader() } }
                    })
            else { return }
            if executor.hasQueuedWork
                && executor.submit({
                    handler()
                    serveNextCalls(on: connection, server: server)
                })
            {
                return
            }
            handler()
        }
    }

    // MARK: for the handler factories (worker thread)

    /// The single request of a unary-request method; nil when the call has already ended.
    func receiveUnaryRequest<Request>(_ deserializer: Deserializer<Request>) -> Request? {
        let message: ReceivedMessage? = lock.withLock {
            let message = stream.takeMessage()
            if let message { state.lastRequestWasCompressed = message.wasCompressed }
            return message
        }
        guard let message else {
            finish(Status(code: .unimplemented, details: "\"\(method)\" requires exactly one request message."))
            return nil
        }
        do {
            return try deserializer(message.bytes)
        } catch {
            finish(Status(code: .internal, details: "Exception deserializing request!"))
            return nil
        }
    }

    /// The next request of a streaming-request method; nil at the end.
    func receiveRequest<Request>(_ deserializer: Deserializer<Request>) throws(RPCError) -> Request? {
        switch stream.receive(deadline: .never) {
        case .message(let message):
            lock.withLock { state.lastRequestWasCompressed = message.wasCompressed }
            do {
                return try deserializer(message.bytes)
            } catch {
                finish(Status(code: .internal, details: "Exception deserializing request!"))
                throw RPCError(code: .internal, details: "Exception deserializing request!")
            }
        case .end, .timedOut:
            if let status = lock.withLock({ stream.status }), status.code != .ok {
                throw RPCError(code: status.code, details: status.details)
            }
            return nil
        }
    }

    /// Runs a unary-response behaviour and ends the call with its response or its error.
    func runHandler<Response>(_ serializer: Serializer<Response>, _ body: (ServicerContext) throws -> Response) {
        let context = ServicerContext(call: self)
        var result: Response?
        do {
            try withBehaviorWrappers(context) { result = try body(context) }
        } catch {
            finish(afterError: error, prefix: "Exception calling application: ")
            return
        }
        guard let response = result else {
            finishWithoutResponse()
            return
        }
        let bytes: [UInt8]
        do {
            bytes = try serializer(response)
        } catch {
            finish(Status(code: .internal, details: "Failed to serialize response!"))
            return
        }
        do {
            // The trailers follow at once: the response and its status leave in one write.
            try sendMessage(bytes, timing: .withNext)
        } catch {
            return
        }
        finishNormally()
    }

    /// Runs a streaming-response behaviour and ends the call after it returns or throws.
    func runStreamingHandler(_ body: (ServicerContext) throws -> Void) {
        let context = ServicerContext(call: self)
        do {
            try withBehaviorWrappers(context) { try body(context) }
        } catch {
            finish(afterError: error, prefix: "Exception iterating responses: ")
            return
        }
        finishNormally()
    }

    /// Runs `body` inside the handler's behaviour wrappers, outermost first.
    private func withBehaviorWrappers(_ context: ServicerContext, _ body: () throws -> Void) throws {
        let wrappers = handler.behaviorWrappers
        if wrappers.isEmpty { return try body() }
        try withoutActuallyEscaping(body) { body in
            func proceed(from index: Int) throws {
                guard index < wrappers.count else { return try body() }
                try wrappers[index](context) { try proceed(from: index + 1) }
            }
            try proceed(from: 0)
        }
    }

    /// Sends one response message, starting the response first if needed; `timing` says when it
    /// goes to the socket (``HTTP2Stream/SendTiming``).
    func sendMessage(_ bytes: [UInt8], timing: HTTP2Stream.SendTiming = .adaptive) throws {
        if let tooLarge = options.checkSendLength(bytes.count) {
            finish(tooLarge)
            throw RPCError(code: tooLarge.code, details: tooLarge.details)
        }
        let (encoding, compression): (Compression, Compression) = lock.withLock {
            let encoding = responseCompressionLocked()
            let disabled = state.disableNextMessageCompression
            state.disableNextMessageCompression = false
            return (encoding, disabled ? .noCompression : encoding)
        }
        let framed = MessageFraming.frame(bytes, compression: compression)
        let result = stream.send(framed: framed, deadline: .never, timing: timing) { [self] in
            if !initialMetadataSent {
                initialMetadataSent = true
                stream.startResponse(metadata: [], encoding: encoding, flush: false)
            }
        }
        if case .sent = result { return }
        let status = lock.withLock { stream.status } ?? Status(code: .cancelled, details: "RPC is no longer active")
        throw RPCError(code: status.code, details: status.details)
    }

    // MARK: for the context

    func withState<T>(_ body: (inout HandlerState) -> T) -> T {
        lock.withLock { body(&state) }
    }

    var isActive: Bool { lock.withLock { !stream.isFinished } }

    func sendInitialMetadata(_ metadata: Metadata) throws {
        try lock.withLock {
            if initialMetadataSent { throw UsageError("initial metadata has already been sent") }
            initialMetadataSent = true
            stream.startResponse(metadata: metadata, encoding: responseCompressionLocked())
        }
    }

    /// The algorithm of the response messages (lock held): the handler's choice or the server's
    /// default, when the client accepts it; no compression otherwise. Fixed by the first call.
    private func responseCompressionLocked() -> Compression {
        if let responseCompression { return responseCompression }
        let wanted = state.compression ?? server.defaultCompression
        let chosen = acceptedEncodings.contains(wanted) ? wanted : .noCompression
        responseCompression = chosen
        return chosen
    }

    func cancel() {
        stream.cancel(Status(code: .cancelled, details: "Cancelled by the server"))
    }

    func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        lock.withLock {
            if terminated { return false }
            callbacks.append(callback)
            return true
        }
    }

    // MARK: ending the call

    /// Ends the call with `status`, adding the trailing metadata the handler set.
    func finish(_ status: Status) {
        lock.withLock { _ = finishLocked(status) }
    }

    private func finishLocked(_ status: Status) -> Bool {
        var status = status
        status.trailingMetadata = state.trailingMetadata + status.trailingMetadata
        return stream.finishResponseLocked(status)
    }

    /// The handler returned: the code and details it set, or OK.
    private func finishNormally() {
        lock.withLock {
            _ = finishLocked(Status(code: state.code ?? .ok, details: state.details ?? ""))
        }
    }

    /// A behaviour wrapper returned without running the behaviour.
    private func finishWithoutResponse() {
        lock.withLock {
            let status = Status(
                code: state.code ?? .unknown, details: state.details ?? "The behaviour was not run by its wrapper")
            _ = finishLocked(status)
        }
    }

    /// The handler threw: what it set on the context wins, as in grpcio.
    private func finish(afterError error: Error, prefix: String) {
        lock.withLock {
            let details = state.details ?? "\(prefix)\(error)"
            _ = finishLocked(Status(code: state.code ?? .unknown, details: details))
        }
    }
}
