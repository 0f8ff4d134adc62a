import CNGHTTP2

/// What a server call is told by its stream, with the connection's lock held: it must not block
/// or take a lock that is held around the connection's lock.
protocol ServerStreamObserver: AnyObject {
    /// The client has half-closed: the request is complete.
    func requestCompleteLocked(_ stream: ServerStream)
    /// The call has its status (sent, or the call was cancelled or lost). Told once.
    func streamFinishedLocked(_ stream: ServerStream, status: Status)
}

/// One call's HTTP/2 stream on a server: the shell around ``ServerStreamState``. It applies the
/// state machine's actions to nghttp2, keeps the request messages not yet taken and the response
/// bytes not yet sent, runs the call's deadline timer and end-of-call callbacks, and lets the
/// handler's thread wait.
///
/// All state is protected by the connection's lock. The call layer uses the methods that take it
/// themselves; the `…Locked` ones run inside the connection's callbacks (the observer's included).
final class ServerStream: SessionStream, @unchecked Sendable {  // state protected by the connection's lock
    // Strong: a call may outlive its connection. The connection drops its streams when they close.
    private let connection: HTTP2Connection
    let id: Int32
    private let condition = Condition()
    @exclusivity(unchecked) private var state = ServerStreamState()
    @exclusivity(unchecked) private var headerBlock = HeaderBlock()
    @exclusivity(unchecked) private var inbound: InboundMessages
    @exclusivity(unchecked) private var outbound = OutboundBytes()
    @exclusivity(unchecked) private var pacing = SendPacing()
    @exclusivity(unchecked) private var deadlineTimer: ScheduledTimer?
    @exclusivity(unchecked) private var callbacks: [@Sendable () -> Void] = []
    /// The call, from the moment it takes the stream until the stream finishes.
    @exclusivity(unchecked) private var observer: ServerStreamObserver?

    init(connection: HTTP2Connection, id: Int32, maxReceiveMessageLength: Int) {
        self.connection = connection
        self.id = id
        inbound = InboundMessages(maxMessageLength: maxReceiveMessageLength)
    }

    /// Fails (in debug builds) unless the calling thread holds the connection's lock: for the
    /// `…Locked` functions of the call layer, which run inside the connection's callbacks.
    func assertLockHeld(file: StaticString = #fileID, line: UInt = #line) {
        connection.lock.assertHeld(file: file, line: line)
    }

    /// The client's address (`ipv4:127.0.0.1:50000`), made when asked.
    var peer: String { connection.peer.description }

    // MARK: the call takes the stream

    /// How the request stands when a call takes its stream.
    enum RequestProgress {
        /// More request messages may arrive; the call hears when the last has.
        case incomplete
        /// Every request message has arrived.
        case complete
        /// The call has ended already (the call has been told, as it would have been later).
        case callEnded
    }

    /// The call takes the stream: it is told of the request's completion and of the end, and
    /// the call ends DEADLINE_EXCEEDED at `deadline`.
    func attach(_ observer: ServerStreamObserver, deadline: Deadline) -> RequestProgress {
        connection.lock.withLock { attachLocked(observer, deadline: deadline) }
    }

    /// ``attach(_:deadline:)`` inside the server's request callback.
    func attachLocked(_ observer: ServerStreamObserver, deadline: Deadline) -> RequestProgress {
        connection.lock.assertHeld()
        if let status = state.status {
            observer.streamFinishedLocked(self, status: status)
            return .callEnded
        }
        self.observer = observer
        if !deadline.isNever {
            deadlineTimer = connection.loop.schedule(at: deadline) { [self] in
                connection.lock.withLock { applyLocked(state.deadlineExceeded()) }
            }
        }
        return state.requestComplete ? .complete : .incomplete
    }

    // MARK: the call's thread

    /// Waits for the next request message, the end of the request, or `deadline`.
    func receive(deadline: Deadline) -> ReceiveResult {
        connection.lock.withLock {
            connection.waitReadingLocked(
                condition, until: deadline, callerMayRead: inbound.takenCount <= pacing.sentMessages
            ) {
                inbound.count == 0 && state.mayReceiveMore
            }
            if let message = takeMessageLocked() { return .message(message) }
            return state.mayReceiveMore ? .timedOut : .end
        }
    }

    /// Takes a request message that has arrived, without waiting.
    func takeMessage() -> ReceivedMessage? {
        connection.lock.withLock { takeMessageLocked() }
    }

    private func takeMessageLocked() -> ReceivedMessage? {
        connection.lock.assertHeld()
        guard let (message, release) = inbound.take() else { return nil }
        if release > 0 && !state.isClosed {
            connection.consumeStreamLocked(id, count: release)
            connection.flushLocked()
        }
        return message
    }

    /// Queues one framed response message, first sending the response headers (with
    /// `grpc-encoding: encoding`) when they have not gone out; waits first while too much is
    /// queued. `timing` says when it goes to the socket.
    func send(framed message: FramedMessage, encoding: Compression, timing: SendTiming) -> SendResult {
        connection.lock.withLock {
            while outbound.count >= SendPacing.highWater && !state.isFinished {
                condition.wait(connection.lock)
            }
            switch invokeLocked({ () throws(InvalidStreamTransition) in try state.sendMessage() }) {
            case .queue(let submitHeaders, let resume)?:
                if submitHeaders {
                    connection.submitResponseLocked(
                        id, headers: GRPCHeaders.response(metadata: [], encoding: encoding), withBody: true)
                }
                outbound.append(message)
                if resume { connection.resumeDataLocked(id) }
                connection.flushLocked(pacing.sent(takenCount: inbound.takenCount, timing: timing))
                return .sent
            case .callEnded?, nil:
                return .finished
            }
        }
    }

    /// Sends the response headers now (initial metadata), unless they have gone out.
    func sendHeaders(_ metadata: Metadata, encoding: Compression) -> ServerStreamState.HeadersAction {
        connection.lock.withLock {
            let action = invokeLocked { () throws(InvalidStreamTransition) in try state.sendHeaders() } ?? .callEnded
            if action == .submit {
                connection.submitResponseLocked(
                    id, headers: GRPCHeaders.response(metadata: metadata, encoding: encoding), withBody: true)
                connection.flushLocked()
            }
            return action
        }
    }

    /// Ends the call with `status`: trailers after the queued messages, or Trailers-Only. False
    /// when the call had already ended.
    @discardableResult
    func finish(_ status: Status) -> Bool {
        connection.lock.withLock { finishLocked(status) }
    }

    /// ``finish(_:)`` inside a callback.
    @discardableResult
    func finishLocked(_ status: Status) -> Bool {
        connection.lock.assertHeld()
        let action = state.sendStatus(status)
        applyLocked(action)
        return action != .alreadyEnded
    }

    /// Cancels the call from the server: it ends with `status` and the stream is reset.
    func cancel(_ status: Status) {
        connection.lock.withLock { cancelLocked(status) }
    }

    func cancelLocked(_ status: Status) {
        connection.lock.assertHeld()
        guard state.cancel(status) == .reset else { return }
        if !state.isClosed { connection.submitResetLocked(id, errorCode: NGHTTP2_CANCEL.rawValue) }
        finishedLocked(status)
        connection.flushLocked()
    }

    /// The call's status, once it has one.
    var status: Status? { connection.lock.withLock { state.status } }

    /// Runs `callback` (on a blocking worker) once the call has its status; false when it has.
    func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        connection.lock.withLock {
            if state.isFinished { return false }
            callbacks.append(callback)
            return true
        }
    }

    // MARK: SessionStream: what nghttp2 reports (lock held)

    func beginHeadersLocked() {
        connection.lock.assertHeld()
        headerBlock.begin()
    }

    func headerLocked(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        connection.lock.assertHeld()
        headerBlock.append(name: name, value: value, limit: connection.limits.maxHeaderListSize)
    }

    func headersReceivedLocked(category: HeadersCategory, endStream: Bool) {
        connection.lock.assertHeld()
        let fields = headerBlock.finish()
        guard category == .request else {
            // Trailers from the client carry nothing for the call.
            let overflow: Status? = if case .failure(let status) = fields { status } else { nil }
            let action = invokeLocked { () throws(InvalidStreamTransition) in
                try state.receiveTrailers(overflow: overflow)
            }
            if let action = action ?? nil { applyLocked(action) }
            if endStream { endOfStreamReceivedLocked() }
            return
        }
        let check: GRPCHeaders.RequestCheck =
            switch fields {
            case .success(let fields): GRPCHeaders.checkRequest(fields)
            case .failure(let overflow): .reject(httpStatus: 200, status: overflow)
            }
        switch invokeLocked({ () throws(InvalidStreamTransition) in
            try state.receiveRequestHead(check, endStream: endStream)
        }) {
        case .accept(let head)?:
            inbound.setEncoding(head.encoding)
            connection.requestArrivedLocked(self, head: head)
        case .reject(let httpStatus, let status)?:
            applyLocked(.trailersOnly(httpStatus: httpStatus, status))
        case nil:
            break
        }
    }

    func dataReceivedLocked(_ bytes: UnsafeRawBufferPointer) {
        connection.lock.assertHeld()
        switch invokeLocked({ () throws(InvalidStreamTransition) in try state.receiveData() }) {
        case .deliver?:
            let hadQueued = inbound.count > 0
            do {
                let release = try inbound.receive(bytes)
                connection.consumeStreamLocked(id, count: release)
            } catch {
                connection.consumeStreamLocked(id, count: bytes.count)
                if let action = invokeLocked({ () throws(InvalidStreamTransition) in
                    try state.deframingFailed(error.status)
                }) {
                    applyLocked(action)
                }
                return
            }
            if !hadQueued && inbound.count > 0 { changedLocked() }
        case .discard?, nil:
            connection.consumeStreamLocked(id, count: bytes.count)
        }
    }

    func endOfStreamReceivedLocked() {
        connection.lock.assertHeld()
        let partial = inbound.hasPartialMessage
        guard
            let action = invokeLocked({ () throws(InvalidStreamTransition) in
                try state.receiveEndOfStream(partialMessage: partial)
            })
        else { return }
        if let action {
            applyLocked(action)
        } else if state.requestComplete {
            observer?.requestCompleteLocked(self)
        }
        changedLocked()
    }

    func closedLocked(errorCode: UInt32) {
        connection.lock.assertHeld()
        inbound.streamClosed()
        if let decided = invokeLocked({ () throws(InvalidStreamTransition) in try state.streamClosed() }), let decided {
            finishedLocked(decided)
        }
        changedLocked()
    }

    func connectionLostLocked(_ status: Status) {
        connection.lock.assertHeld()
        inbound.streamClosed()
        if let decided = invokeLocked({ () throws(InvalidStreamTransition) in try state.connectionLost(status) }),
            let decided
        {
            finishedLocked(decided)
        }
        changedLocked()
    }

    /// A client's GOAWAY refuses no stream of a server: nothing to do.
    func refusedByGoAwayLocked() {}

    func readOutboundLocked(maxLength: Int) -> DataSourceRead {
        connection.lock.assertHeld()
        return invokeLocked { () throws(InvalidStreamTransition) in
            try state.readOutbound(queued: outbound.count, maxLength: maxLength)
        } ?? .deferred
    }

    func writeOutboundLocked(_ length: Int, into queue: inout WriteQueue) {
        connection.lock.assertHeld()
        let wasFull = outbound.count >= SendPacing.highWater
        outbound.take(length, into: &queue)
        // Only a sender held back by a full queue waits for room.
        if wasFull && outbound.count < SendPacing.highWater { condition.broadcast() }
    }

    func finalFrameSentLocked() {
        connection.lock.assertHeld()
        if invokeLocked({ () throws(InvalidStreamTransition) in try state.finalFrameSent() }) == true {
            connection.submitResetLocked(id, errorCode: NGHTTP2_NO_ERROR.rawValue)
        }
    }

    // MARK: applying actions (lock held)

    private func applyLocked(_ action: ServerStreamState.StatusAction) {
        connection.lock.assertHeld()
        switch action {
        case .trailersOnly(let httpStatus, let status):
            if !state.isClosed {
                connection.submitResponseLocked(
                    id, headers: GRPCHeaders.trailersOnly(status: status, httpStatus: httpStatus), withBody: false)
            }
            finishedLocked(status)
        case .trailersAfterData(let status, let resume):
            if resume && !state.isClosed { connection.resumeDataLocked(id) }
            finishedLocked(status)
        case .alreadyEnded:
            return
        }
        connection.flushLocked()
    }

    /// The call has its status: the deadline timer stops, the callbacks run, the observer is told
    /// and let go, waiters wake.
    private func finishedLocked(_ status: Status) {
        connection.lock.assertHeld()
        deadlineTimer?.cancel()
        deadlineTimer = nil
        if !callbacks.isEmpty {
            let pending = callbacks
            callbacks.removeAll()
            ThreadPoolExecutor.blockingWork.submit { for callback in pending { callback() } }
        }
        let observer = self.observer
        self.observer = nil  // breaks the call ↔ stream cycle
        observer?.streamFinishedLocked(self, status: status)
        changedLocked()
    }

    /// Wakes whoever waits on the stream: its own threads, and a thread reading the connection.
    private func changedLocked() {
        connection.lock.assertHeld()
        condition.broadcast()
        connection.wakeReaderLocked()
    }

    /// Runs an event of the state machine; a transition it does not allow is a runtime bug:
    /// an assertion in debug builds, and in release builds the call ends INTERNAL with the stream
    /// reset. Nil then.
    private func invokeLocked<T>(_ event: () throws(InvalidStreamTransition) -> T) -> T? {
        connection.lock.assertHeld()
        do {
            return try event()
        } catch {
            assertionFailure("server stream \(id): \(error)")
            cancelLocked(.invalidStreamTransition(error.description))
            return nil
        }
    }
}
