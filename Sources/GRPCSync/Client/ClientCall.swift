/// One client call: starts the stream, moves messages, and records the final status. Every
/// multicallable, response stream and future is a view of one of these.
final class ClientCall: Call, HTTP2StreamObserver, @unchecked Sendable {  // state protected by `lock`
    let channel: ChannelTransport
    let method: String
    let deadline: Deadline
    private let metadata: Metadata
    private let waitForReady: Bool
    /// The algorithm request messages are compressed with.
    private let compression: Compression

    private let lock = Lock()
    private let finished = Condition()
    private var stream: HTTP2Stream?
    private var finalStatus: Status?
    private var callbacks: [@Sendable () -> Void] = []
    private var deadlineTimer: ScheduledTimer?
    /// Cancelled, timed out or failed on this side: unread messages are not returned.
    private var endedLocally = false
    private var keptResponse: [UInt8]?

    init(
        channel: ChannelTransport, method: String, timeout: Double?, metadata: Metadata, waitForReady: Bool?,
        compression: Compression?
    ) throws {
        try channel.checkUsable()
        try WireFormat.validateOutgoing(metadata)
        self.channel = channel
        self.method = method
        self.deadline = Deadline.after(seconds: timeout)
        self.metadata = metadata
        self.waitForReady = waitForReady ?? false
        self.compression =
            compression ?? channel.defaultCompression ?? channel.options.defaultCompression ?? .noCompression
    }

    /// A call that never starts because an interceptor threw: it has ended with INTERNAL
    /// "Exception raised while intercepting the RPC", grpcio's status for that outcome.
    init(interceptionFailedFor method: String, channel: ChannelTransport) {
        self.channel = channel
        self.method = method
        deadline = .never
        metadata = []
        waitForReady = false
        compression = .noCompression
        endedLocally = true
        finalStatus = Status(code: .internal, details: "Exception raised while intercepting the RPC")
    }

    // MARK: starting

    /// Connects if needed and opens the stream, with `firstMessage` (already framed) and
    /// `endOutput` going out with the headers. Failures end the call; they are not thrown.
    func start(firstMessage: FramedMessage?, endOutput: Bool) {
        if lock.withLock({ finalStatus != nil }) { return }  // cancelled before it started
        let connection: HTTP2Connection
        do {
            connection = try channel.readyConnection(deadline: deadline, waitForReady: waitForReady)
        } catch {
            finish(Status(code: error.code, details: error.details))
            return
        }
        if deadline.hasPassed {
            finish(Status(code: .deadlineExceeded, details: "Deadline Exceeded"))
            return
        }
        let headers = GRPCHeaders.request(
            path: method, authority: channel.authority, timeout: deadline, metadata: metadata,
            userAgent: channel.userAgent, encoding: compression)
        let stream: HTTP2Stream
        do {
            stream = try connection.startRequest(
                headers: headers, maxReceiveMessageLength: channel.options.receiveLimit
            ) { stream in
                stream.observer = self
                stream.preloadOutput(firstMessage, end: endOutput)
            }
        } catch {
            finish(Status(code: error.code, details: error.details))
            return
        }
        let cancelledMeanwhile: Status? = lock.withLock {
            self.stream = stream
            finished.broadcast()
            return endedLocally ? finalStatus : nil
        }
        if let cancelledMeanwhile {
            stream.cancel(cancelledMeanwhile)
            return
        }
        if !deadline.isNever {
            let timer = connection.loop.schedule(at: deadline) { [self] in
                fail(Status(code: .deadlineExceeded, details: "Deadline Exceeded"))
            }
            // The call may have finished while the timer was being made: then nothing cancels it.
            let finishedAlready: Bool = lock.withLock {
                if finalStatus != nil { return true }
                deadlineTimer = timer
                return false
            }
            if finishedAlready { timer.cancel() }
        }
    }

    // MARK: messages

    /// Frames a request message, compressed with the call's algorithm unless `compress` is false,
    /// or ends the call if it is over the send limit.
    func frame(_ message: [UInt8], compress: Bool = true) -> FramedMessage? {
        if let tooLarge = channel.options.checkSendLength(message.count) {
            fail(tooLarge)
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
    /// batches (``HTTP2Stream/SendTiming/adaptive``).
    func send(framed: FramedMessage, waitWhileFull: Bool = true) -> RequestDelivery {
        guard let stream = lock.withLock({ stream }) else { return .callEnded }
        switch stream.send(framed: framed, deadline: deadline, timing: .adaptive, waitWhileFull: waitWhileFull) {
        case .sent: return .queued
        case .full: return .full
        case .finished: return .callEnded
        case .timedOut:
            fail(Status(code: .deadlineExceeded, details: "Deadline Exceeded"))
            return .callEnded
        }
    }

    /// Half-closes: no more request messages.
    func endOutput() {
        lock.withLock { stream }?.endOutput()
    }

    /// The next response message; nil at the end of the stream. Throws the call's error.
    func receive<Response>(_ deserializer: Deserializer<Response>) throws(RPCError) -> Response? {
        guard let stream = waitForStream() else {
            throw error(for: waitForStatus())
        }
        if lock.withLock({ endedLocally }) { throw error(for: waitForStatus()) }
        switch stream.receive(deadline: deadline) {
        case .message(let message):
            do {
                return try deserializer(message.bytes)
            } catch {
                fail(Status(code: .internal, details: "Exception deserializing response!"))
                throw self.error(for: waitForStatus())
            }
        case .end:
            let status = waitForStatus()
            if status.code != .ok { throw error(for: status) }
            return nil
        case .timedOut:
            fail(Status(code: .deadlineExceeded, details: "Deadline Exceeded"))
            throw error(for: waitForStatus())
        }
    }

    /// Waits for the single response of a unary-response call.
    func unaryResponse<Response>(_ deserializer: Deserializer<Response>) throws(RPCError) -> Response {
        let status = waitForStatus()
        guard status.code == .ok else { throw error(for: status) }
        guard let bytes = responseMessage() else {
            throw error(for: Status(code: .internal, details: "No response message received"))
        }
        do {
            return try deserializer(bytes)
        } catch {
            throw self.error(for: Status(code: .internal, details: "Exception deserializing response!"))
        }
    }

    /// The stream once the call has started it; nil when the call ended before that.
    private func waitForStream() -> HTTP2Stream? {
        lock.withLock {
            finished.wait(lock, until: deadline) { stream == nil && finalStatus == nil }
            return stream
        }
    }

    /// The single response message, taken from the stream once and kept, so that `result()`
    /// and `exception()` may be asked again.
    private func responseMessage() -> [UInt8]? {
        if let kept = lock.withLock({ keptResponse }) { return kept }
        guard let stream = lock.withLock({ stream }) else { return nil }
        let taken = stream.connection.lock.withLock { stream.takeMessage()?.bytes }
        return lock.withLock {
            if keptResponse == nil { keptResponse = taken }
            return keptResponse
        }
    }

    // MARK: status

    /// Waits until the call ends and returns its status.
    func waitForStatus() -> Status {
        if waitUntilDone(until: deadline), let status = lock.withLock({ finalStatus }) { return status }
        return timedOut()
    }

    private func timedOut() -> Status {
        fail(Status(code: .deadlineExceeded, details: "Deadline Exceeded"))
        return lock.withLock { finalStatus } ?? Status(code: .deadlineExceeded, details: "Deadline Exceeded")
    }

    /// Waits up to `until` for the call to end; true when it has.
    func waitUntilDone(until: Deadline) -> Bool {
        // Once the stream is open, waiting on it lets this thread read the response itself.
        if let stream = lock.withLock({ finalStatus == nil ? stream : nil }) {
            stream.waitUntilFinished(deadline: until)
        }
        return lock.withLock { finished.wait(lock, until: until) { finalStatus == nil } }
    }

    func error(for status: Status) -> RPCError {
        let initial = lock.withLock { stream }.map { stream in
            stream.connection.lock.withLock { stream.initialMetadata }
        }
        return RPCError(
            code: status.code, details: status.details, initialMetadata: initial ?? [],
            trailingMetadata: status.trailingMetadata, debugErrorString: "\(method) to \(channel.target)")
    }

    /// Ends the call from this side with `status`.
    func fail(_ status: Status) {
        lock.withLock { if finalStatus == nil { endedLocally = true } }
        if let stream = lock.withLock({ stream }) {
            stream.cancel(status)
        } else {
            finish(status)
        }
    }

    // MARK: HTTP2StreamObserver (connection lock held)

    func streamDidChange(_ stream: HTTP2Stream) {
        if let status = stream.status {
            stream.observer = nil  // breaks the call ↔ stream cycle
            // The stream may end before start() has recorded it; the response is read from it.
            lock.withLock { if self.stream == nil { self.stream = stream } }
            finish(status)
        }
    }

    private func finish(_ status: Status) {
        let pending: [@Sendable () -> Void]? = lock.withLock {
            guard finalStatus == nil else { return nil }
            finalStatus = status
            deadlineTimer?.cancel()
            finished.broadcast()
            let pending = callbacks
            callbacks.removeAll()
            return pending
        }
        if let pending, !pending.isEmpty {
            ThreadPoolExecutor.blockingWork.submit { for callback in pending { callback() } }
        }
    }

    // MARK: Call

    func initialMetadata() -> Metadata {
        waitForStream()?.waitForHeaders(deadline: deadline) ?? []
    }

    func trailingMetadata() -> Metadata { waitForStatus().trailingMetadata }
    func code() -> StatusCode { waitForStatus().code }
    func details() -> String { waitForStatus().details }

    @discardableResult
    func cancel() -> Bool {
        if lock.withLock({ finalStatus != nil }) { return false }
        fail(Status(code: .cancelled, details: "Locally cancelled by application!"))
        return true
    }

    func isActive() -> Bool { lock.withLock { finalStatus == nil } }
    func timeRemaining() -> Double? { deadline.timeRemaining }

    @discardableResult
    func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        lock.withLock {
            if finalStatus != nil { return false }
            callbacks.append(callback)
            return true
        }
    }
}
