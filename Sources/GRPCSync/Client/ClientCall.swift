/// One client call: starts the stream, moves messages, and reports the call's status. Every
/// multicallable, response stream and future is a view of one of these. Once the call has its
/// stream (``ClientStream``), the stream owns the call's state and status; before that, the call
/// knows only whether it is still starting or ended without one.
final class ClientCall: Call, @unchecked Sendable {  // state protected by `lock`
    /// How far the call has got towards its stream.
    enum Phase {
        /// Connecting; `callbacks` run once the call ends.
        case starting(callbacks: [@Sendable () -> Void])
        /// The stream carries the call: its status and callbacks are the stream's.
        case started(ClientStream)
        /// Ended before a stream was opened (no connection, cancelled, past its deadline, an
        /// interceptor threw, the request did not serialize).
        case failed(Status)
    }

    let channel: ChannelTransport
    let method: String
    let deadline: Deadline
    let metadata: Metadata
    /// The plugins of the channel's call credentials, then of the call's.
    let credentialPlugins: [any AuthMetadataPlugin]
    let waitForReady: Bool
    /// The algorithm request messages are compressed with.
    let compression: Compression
    /// The largest request message the call sends: `grpc.max_send_message_length`, or the service
    /// config's `maxRequestMessageBytes` for the method if that is smaller.
    let sendLimit: Int
    /// The largest response message the call takes: `grpc.max_receive_message_length`, or the
    /// service config's `maxResponseMessageBytes` for the method if that is smaller.
    let receiveLimit: Int

    let lock = Lock()
    /// Signalled when the phase leaves `starting`, and when a call-credentials plugin answers.
    let phaseChanged = Condition()
    /// An async call's tasks waiting for the phase to leave `starting`, made by the first of them.
    var phaseWaiters: AsyncWaitList?
    var phase = Phase.starting(callbacks: [])
    /// The single response of a unary-response call, taken from the stream once.
    private var keptResponse: [UInt8]?
    /// The request message that goes out with the headers, until the stream has taken it.
    var firstMessage: FramedMessage?
    /// The request messages of a refused stream, to go out again with the next stream's headers
    /// (after `firstMessage`, which is then the first of them).
    var laterMessages: [FramedMessage] = []
    /// The request is complete (``endOutput()``, or with the headers): a new stream opens half-closed.
    private var outputEnded = false
    /// The request headers, once made.
    var madeHeaders: [HeaderField]?
    /// A refused stream has been sent again (grpc core does that once per call).
    var retriedRefusal = false
    /// The stream being opened was refused before the call recorded it.
    var refusedWhileOpening = false
    /// An async call (``startNow(firstMessage:endOutput:)``): a refused stream is opened again by a
    /// task, not a blocking worker.
    var startedByTask = false
    /// The method's retry policy and the attempts made (nil: no configured retries).
    let retries: CallRetries?
    /// ``cancel()`` was asked while the call ran: once the call ends CANCELLED, it was cancelled
    /// here (``isCancelledHere``), not by the server.
    var cancelAsked = false

    init(
        channel: ChannelTransport, method: String, timeout: Double?, metadata: Metadata, waitForReady: Bool?,
        compression: Compression?, credentials: CallCredentials?
    ) throws {
        try channel.checkUsable()
        try WireFormat.validateOutgoing(metadata, sender: .client)
        self.channel = channel
        self.method = method
        self.metadata = metadata
        credentialPlugins = (channel.callCredentials?.plugins ?? []) + (credentials?.plugins ?? [])
        self.compression =
            compression ?? channel.defaultCompression ?? channel.options.defaultCompression ?? .noCompression
        // The service config's values for the method: the earlier deadline, the smaller limits,
        // and the call's own waitForReady over the config's.
        let config = channel.hasMethodConfigs ? channel.serviceConfig?.methodConfig(forPath: method) : nil
        let own = Deadline.after(seconds: timeout.map { min($0, config?.timeout ?? $0) } ?? config?.timeout)
        let parent = CallPropagation.active
        self.deadline = parent.map { min(own, $0.deadline) } ?? own
        self.waitForReady = waitForReady ?? config?.waitForReady ?? false
        sendLimit = min(channel.sendLimit, config?.maxRequestMessageBytes ?? .max)
        receiveLimit = min(channel.receiveLimit, config?.maxResponseMessageBytes ?? .max)
        if let policy = config?.retryPolicy, channel.options.enableRetries {
            retries = CallRetries(policy: policy, throttle: channel.retryThrottle)
        } else {
            retries = nil
        }
        // Started inside a server call's propagation scope: cancelled when that call ends.
        if let parent, !parent.adopt(self) { phase = .failed(.parentCallEnded) }
    }

    /// A call that never starts because an interceptor threw: it has ended with INTERNAL
    /// "Exception raised while intercepting the RPC", grpcio's status for that outcome.
    init(interceptionFailedFor method: String, channel: ChannelTransport) {
        self.channel = channel
        self.method = method
        deadline = .never
        metadata = []
        credentialPlugins = []
        waitForReady = false
        compression = .noCompression
        sendLimit = .max
        receiveLimit = 0
        retries = nil
        phase = .failed(.interceptionFailed)
    }

    // MARK: starting

    /// Connects if needed and opens the stream, with `firstMessage` (already framed) and
    /// `endOutput` going out with the headers. Failures end the call; they are not thrown.
    func start(firstMessage: FramedMessage?, endOutput: Bool) {
        keep(firstMessage: firstMessage, endOutput: endOutput)
        open()
    }

    /// Keeps what goes out with the stream's headers: `firstMessage`, and whether the request is
    /// complete already; `byTask` for an async call.
    func keep(firstMessage: FramedMessage?, endOutput: Bool, byTask: Bool = false) {
        lock.withLock {
            self.firstMessage = firstMessage
            outputEnded = endOutput
            startedByTask = byTask
        }
    }

    /// Opens the call's stream on the channel's connection: first, and again when the server
    /// refused the stream unprocessed (``streamRefusedLocked(byGoAway:callbacks:messages:)``) or
    /// the connection stopped taking streams before the request left.
    func open() {
        if isEnded { return }  // cancelled before it started
        while true {
            let connection: any ClientConnection
            do {
                connection = try channel.readyConnection(deadline: deadline, waitForReady: waitForReady)
            } catch {
                failToStart(Status(code: error.code, details: error.details))
                return
            }
            if !open(on: connection) { return }
        }
    }

    /// Opens the call's stream on `connection` (kept messages and headers included); true when
    /// the call must pick a connection again (the stream was refused, or the connection stopped
    /// taking streams), false when it has its stream or has ended.
    func open(on connection: any ClientConnection) -> Bool {
        if deadline.hasPassed {
            failToStart(.deadlineExceeded)
            return false
        }
        guard var headers = requestHeaders() else { return false }
        let (message, later, endOutput, attempts) = lock.withLock {
            (firstMessage, laterMessages, outputEnded, retries?.attempts ?? 1)
        }
        if attempts > 1 { headers.append(GRPCHeaders.previousAttempts(attempts - 1)) }
        let stream: ClientStream
        do {
            // The stream holds the call (`onRefused`) and keeps its messages (RetryBuffer)
            // until its response headers or its end.
            stream = try connection.openStream(
                headers: headers, maxReceiveMessageLength: receiveLimit, firstMessage: message,
                laterMessages: later, endOutput: endOutput, deadline: deadline, onRefused: self)
        } catch {
            if !connection.canOpenStreams {
                channel.connectionRefusedStream(connection)  // the request never left: try again
                return true
            }
            failToStart(Status(code: error.code, details: error.details))
            return false
        }
        let (callbacks, endedMeanwhile, refused, endNow): ([@Sendable () -> Void], Status?, Bool, Bool) =
            lock.withLock {
                if refusedWhileOpening {
                    refusedWhileOpening = false
                    return ([], nil, true, false)
                }
                if let delay = retries?.pendingDelay {  // the attempt failed before it was recorded
                    retries?.pendingDelay = nil
                    scheduleAttemptLocked(after: delay)
                    return ([], nil, false, false)
                }
                switch phase {
                case .starting(let callbacks):
                    firstMessage = nil  // the stream keeps it while it may be sent again
                    laterMessages = []
                    phase = .started(stream)
                    phaseChangedLocked()
                    return (callbacks, nil, false, outputEnded && !endOutput)
                case .failed(let status):
                    return ([], status, false, false)
                case .started:
                    return ([], nil, false, false)
                }
            }
        if refused { return true }
        if let endedMeanwhile {
            stream.cancel(endedMeanwhile)
            return false
        }
        if endNow { stream.endOutput() }
        for callback in callbacks where !stream.addCallback(callback) {
            ThreadPoolExecutor.blockingWork.submit(callback)
        }
        return false
    }

    /// The phase changed: waiting threads and tasks look again.
    func phaseChangedLocked() {
        lock.assertHeld()
        phaseChanged.broadcast()
        phaseWaiters?.resumeAllLocked()
    }

    /// Ends the call before it has a stream; its callbacks run.
    func failToStart(_ status: Status) {
        let callbacks: [@Sendable () -> Void] = lock.withLock {
            guard case .starting(let callbacks) = phase else { return [] }
            phase = .failed(status)
            phaseChangedLocked()
            return callbacks
        }
        if !callbacks.isEmpty {
            ThreadPoolExecutor.blockingWork.submit { for callback in callbacks { callback() } }
        }
    }

    var isEnded: Bool {
        lock.withLock {
            if case .failed = phase { return true }
            return false
        }
    }

    /// The stream once the call has started it (waiting while it starts, until `until`, the
    /// call's deadline unless given); nil when the call ended before that, or the wait timed out.
    func waitForStream(until: Deadline? = nil) -> ClientStream? {
        let until = until ?? deadline
        return lock.withLock {
            while true {
                switch phase {
                case .started(let stream): return stream
                case .failed: return nil
                case .starting:
                    if !phaseChanged.wait(lock, until: until) && until.hasPassed { return nil }
                }
            }
        }
    }

    /// The stream, if the call has one now.
    var currentStream: ClientStream? {
        lock.withLock {
            if case .started(let stream) = phase { return stream }
            return nil
        }
    }

    /// False once `stream` was refused and the call started again on another.
    func isCurrent(_ stream: ClientStream) -> Bool { currentStream === stream }

    // MARK: messages

    /// Frames a request message, compressed with the call's algorithm unless `compress` is false,
    /// or ends the call if it is over the send limit.
    func frame(_ message: [UInt8], compress: Bool = true) -> FramedMessage? {
        if message.count > sendLimit {
            fail(.sentMessageTooLarge(length: message.count, limit: sendLimit))
            return nil
        }
        return MessageFraming.frame(message, compression: compress ? compression : .noCompression)
    }

    /// What became of a request message handed to ``send(framed:waitWhileFull:)``.
    enum RequestDelivery {
        /// Queued on the stream; it leaves in order with the others.
        case queued
        /// Not queued: too much is buffered already and the caller asked not to wait.
        case full
        /// Not queued: the call has ended.
        case callEnded
    }

    /// Sends one framed request message, first waiting while the peer is slow unless
    /// `waitWhileFull` is false. A run of requests with no response taken in between leaves in
    /// batches (``SendTiming/adaptive``).
    func send(framed: FramedMessage, waitWhileFull: Bool = true) -> RequestDelivery {
        while let stream = waitForStream() {
            switch stream.send(framed: framed, deadline: deadline, waitWhileFull: waitWhileFull) {
            case .sent: return .queued
            case .full: return .full
            case .finished:
                if isCurrent(stream) { return .callEnded }  // else refused: send on the new stream
            case .timedOut:
                fail(.deadlineExceeded)
                return .callEnded
            }
        }
        return .callEnded
    }

    /// Half-closes: no more request messages.
    func endOutput() {
        let stream: ClientStream? = lock.withLock {
            outputEnded = true
            if case .started(let stream) = phase { return stream }
            return nil
        }
        stream?.endOutput()
    }

    /// The next response message; nil at the end of the stream. Throws the call's error.
    func receive<Response>(_ deserializer: Deserializer<Response>) throws(RPCError) -> Response? {
        guard let stream = waitForStream() else {
            throw error(for: waitForStatus())
        }
        switch stream.receive(deadline: deadline) {
        case .message(let message):
            do {
                return try deserializer(message.bytes)
            } catch {
                fail(.responseDeserializationFailed)
                throw self.error(for: waitForStatus())
            }
        case .end:
            if !isCurrent(stream) { return try receive(deserializer) }  // refused and started again
            let status = waitForStatus()
            if status.code != .ok { throw error(for: status) }
            return nil
        case .timedOut:
            fail(.deadlineExceeded)
            throw error(for: waitForStatus())
        }
    }

    /// Waits for the single response of a unary-response call.
    func unaryResponse<Response>(_ deserializer: Deserializer<Response>) throws(RPCError) -> Response {
        try unaryResponse(deserializer, status: waitForStatus())
    }

    /// The single response of a unary-response call that has ended with `status`.
    func unaryResponse<Response>(_ deserializer: Deserializer<Response>, status: Status) throws(RPCError) -> Response {
        guard status.code == .ok else { throw error(for: status) }
        guard let bytes = responseMessage() else { throw error(for: .noResponseMessage) }
        do {
            return try deserializer(bytes)
        } catch {
            throw self.error(for: .responseDeserializationFailed)
        }
    }

    /// The single response message, taken from the stream once and kept, so that `result()`
    /// and `exception()` may be asked again.
    private func responseMessage() -> [UInt8]? {
        if let kept = lock.withLock({ keptResponse }) { return kept }
        let taken = currentStream?.takeMessage()?.bytes
        return lock.withLock {
            if keptResponse == nil { keptResponse = taken }
            return keptResponse
        }
    }

    // MARK: status

    /// The call's status, if it has one.
    var status: Status? {
        let (stream, failed): (ClientStream?, Status?) = lock.withLock {
            switch phase {
            case .starting: (nil, nil)
            case .started(let stream): (stream, nil)
            case .failed(let status): (nil, status)
            }
        }
        return failed ?? stream?.status
    }

    /// Waits until the call ends and returns its status; past the deadline the call ends
    /// DEADLINE_EXCEEDED here.
    func waitForStatus() -> Status {
        if waitUntilDone(until: deadline), let status { return status }
        fail(.deadlineExceeded)
        return status ?? .deadlineExceeded
    }

    /// Waits up to `until` for the call to end; true when it has.
    func waitUntilDone(until: Deadline) -> Bool {
        // Waiting on the stream lets this thread read the response itself.
        while let started = waitForStream(until: until) {
            guard started.waitUntilFinished(deadline: until) != nil else { return false }
            if isCurrent(started) { return true }  // else refused and started again
        }
        return status != nil
    }

    func error(for status: Status) -> RPCError {
        RPCError(
            code: status.code, details: status.details, initialMetadata: currentStream?.initialMetadata ?? [],
            trailingMetadata: status.trailingMetadata, debugErrorString: "\(method) to \(channel.target)")
    }

    /// Ends the call from this side with `status` (a cancel, the deadline, a bad response, a
    /// request that does not serialize or is too large): the stream is reset, or the call ends
    /// before it has one.
    func fail(_ status: Status) {
        if let stream = currentStream {
            stream.cancel(status)
        } else {
            failToStart(status)
            // The stream may have been recorded between the two looks: it is the one to end.
            currentStream?.cancel(status)
        }
    }

    // MARK: Call

    /// Ends the call CANCELLED "Locally cancelled by application!" unless it has ended; true
    /// when this cancel ended it (grpcio's `cancel()`, after which `cancelled()` is true).
    @discardableResult
    func cancel() -> Bool {
        if status != nil { return false }
        let first: Bool = lock.withLock {
            defer { cancelAsked = true }
            return !cancelAsked
        }
        guard first else { return false }
        fail(.locallyCancelled)
        return isCancelledHere
    }

    /// The call ended by ``cancel()``: not by the server (a CANCELLED status the server sent), the
    /// deadline or the channel (grpcio's `future.cancelled()`).
    var isCancelledHere: Bool {
        lock.withLock { cancelAsked } && status?.code == .cancelled
    }
}
