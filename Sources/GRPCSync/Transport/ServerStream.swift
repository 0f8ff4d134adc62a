import CNGHTTP2

/// What a server call is told by its stream, with the connection's lock held: it must not block
/// or take a lock that is held around the connection's lock.
protocol ServerStreamObserver: AnyObject {
    /// The client has half-closed: the request is complete.
    func requestCompleteLocked(_ stream: ServerStream)
    /// The call has its status (sent, or the call was cancelled or lost). Told once.
    func streamFinishedLocked(_ stream: ServerStream, status: Status)
}

/// One call's HTTP/2 stream on a server: ``HTTP2Stream`` with ``ServerStreamState``. It applies
/// the state machine's actions to nghttp2 and tells the call (its observer) when the request is
/// complete and when the call has ended.
///
/// All state is protected by the connection's lock. The call layer uses the methods that take it
/// themselves; the `…Locked` ones run inside the connection's callbacks (the observer's included).
final class ServerStream: HTTP2Stream, SessionStream, @unchecked Sendable {  // state: the connection's lock
    @exclusivity(unchecked) private var state = ServerStreamState()
    /// The call, from the moment it takes the stream until the stream finishes.
    @exclusivity(unchecked) private var observer: ServerStreamObserver?
    /// Set once the call is detached (``detach()``): the response held behind the one being written.
    @exclusivity(unchecked) private var detached: DetachedSends?

    override var mayReceiveMoreLocked: Bool { state.mayReceiveMore }
    override var isFinishedLocked: Bool { state.isFinished }
    override var isClosedLocked: Bool { state.isClosed }

    /// Fails (in debug builds) unless the calling thread holds the connection's lock: for the
    /// `…Locked` functions of the call layer, which run inside the connection's callbacks.
    func assertLockHeld(file: StaticString = #fileID, line: UInt = #line) {
        connection.lock.assertHeld(file: file, line: line)
    }

    /// The client's address (`ipv4:127.0.0.1:50000`), made when asked.
    var peer: String { connection.peer.description }

    /// What the connection's security established about the client.
    var authProperties: AuthProperties { connection.lock.withLock { connection.authProperties } }

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
        scheduleDeadlineLocked(deadline) { [self] in applyLocked(state.deadlineExceeded()) }
        return state.requestComplete ? .complete : .incomplete
    }

    // MARK: the call's thread

    /// Queues one framed response message, first sending the response headers (with
    /// `grpc-encoding: encoding`) when they have not gone out; waits first while too much is
    /// queued. `timing` says when it goes to the socket.
    func send(framed message: FramedMessage, encoding: Compression, timing: SendTiming) -> SendResult {
        connection.lock.withLock {
            _ = waitForRoomLocked(deadline: .never, waitWhileFull: true)
            return queueResponseLocked(message, encoding: encoding, timing: timing)
        }
    }

    /// Queues a response message now that there is room, after the response headers when they
    /// have not gone out, unless the call has ended.
    private func queueResponseLocked(_ message: FramedMessage, encoding: Compression, timing: SendTiming)
        -> SendResult
    {
        connection.lock.assertHeld()
        switch invokeLocked({ () throws(InvalidStreamTransition) in try state.sendMessage() }) {
        case .queue(let submitHeaders, let resume)?:
            if submitHeaders {
                connection.submitResponseLocked(
                    id, headers: GRPCHeaders.response(metadata: [], encoding: encoding), withBody: true)
            }
            queueLocked(message, resume: resume, timing: timing)
            return .sent
        case .callEnded?, nil:
            return .finished
        }
    }

    /// ``send(framed:encoding:timing:)`` for an async handler: suspends instead of waiting while
    /// too much is queued; ``SendResult/timedOut`` when the task is cancelled first.
    func sendAsync(framed message: FramedMessage, encoding: Compression, timing: SendTiming) async -> SendResult {
        while true {
            let result: SendResult? = connection.lock.withLock {
                if outbound.count >= SendPacing.highWater && !isFinishedLocked { return nil }
                return queueResponseLocked(message, encoding: encoding, timing: timing)
            }
            if let result { return result }
            if Task.isCancelled { return .timedOut }
            await suspend { outbound.count >= SendPacing.highWater && !isFinishedLocked }
        }
    }

    // MARK: a detached call (any thread)

    /// The call's sending leaves its handler: responses go through ``sendDetached(framed:encoding:)``,
    /// which never waits. False when the call has ended.
    func detach() -> Bool {
        connection.lock.withLock {
            if state.isFinished { return false }
            if detached == nil { detached = DetachedSends() }
            return true
        }
    }

    /// Queues one response of a detached call without waiting: at once when the stream has
    /// written what it queued before, otherwise held in place of any response held already
    /// (``DetachedSends``).
    func sendDetached(framed message: FramedMessage, encoding: Compression) -> SendResult {
        connection.lock.withLock {
            guard !state.isFinished, let action = detached?.send(message, outboundIsEmpty: outbound.isEmpty) else {
                return .finished
            }
            guard case .queue(let message) = action else { return .sent }
            switch invokeLocked({ () throws(InvalidStreamTransition) in try state.sendMessage() }) {
            case .queue(let submitHeaders, let resume)?:
                if submitHeaders {
                    connection.submitResponseLocked(
                        id, headers: GRPCHeaders.response(metadata: [], encoding: encoding), withBody: true)
                }
                queueLocked(message, resume: resume, timing: .adaptive)
                return .sent
            case .callEnded?, nil:
                return .finished
            }
        }
    }

    /// Ends a detached call with `status`, after its held response. False when it had ended.
    @discardableResult
    func finishDetached(_ status: Status) -> Bool {
        connection.lock.withLock {
            if !state.isFinished, let held = detached?.finishing() { outbound.append(held) }
            return finishLocked(status)
        }
    }

    /// Bytes a detached call holds for its client: queued on the stream and held.
    var detachedQueuedBytes: Int {
        connection.lock.withLock { outbound.count + (detached?.heldBytes ?? 0) }
    }

    /// Responses of a detached call replaced by newer ones before they were written.
    var detachedReplacedCount: Int {
        connection.lock.withLock { detached?.replacedCount ?? 0 }
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

    override func cancelLocked(_ status: Status) {
        connection.lock.assertHeld()
        guard state.cancel(status) == .reset else { return }
        if !state.isClosed { connection.submitResetLocked(id, errorCode: NGHTTP2_CANCEL.rawValue) }
        finishedLocked(status)
        connection.flushLocked()
    }

    /// The request of a unary-request call, taken once every request message has arrived: its
    /// only message; nil when none arrived or the call has ended, which more than one message
    /// does (INTERNAL "Too many requests").
    func takeUnaryRequest() -> ReceivedMessage? {
        connection.lock.withLock {
            let count = inbound.count
            let action = invokeLocked { () throws(InvalidStreamTransition) in
                try state.takeUnaryRequest(messages: count)
            }
            if let action = action ?? nil {
                applyLocked(action)
                return nil
            }
            return takeMessageLocked()
        }
    }

    /// The call's status, once it has one.
    var status: Status? { connection.lock.withLock { state.status } }

    // MARK: SessionStream: what nghttp2 reports (lock held)

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
            guard let error = deliverLocked(bytes) else { return }
            let failed = invokeLocked { () throws(InvalidStreamTransition) in try state.deframingFailed(error.status) }
            if let failed { applyLocked(failed) }
        case .discard?, nil:
            discardLocked(bytes)
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
        inboundClosedLocked()
        let decided = invokeLocked { () throws(InvalidStreamTransition) in try state.streamClosed() }
        if let decided = decided ?? nil { finishedLocked(decided) } else { changedLocked() }
    }

    func connectionLostLocked(_ status: Status) {
        connection.lock.assertHeld()
        inboundClosedLocked()
        let decided = invokeLocked { () throws(InvalidStreamTransition) in try state.connectionLost(status) }
        if let decided = decided ?? nil { finishedLocked(decided) } else { changedLocked() }
    }

    /// The header block went far over `grpc.max_metadata_size`: its remaining fields are skipped
    /// and nghttp2 resets the stream (INTERNAL_ERROR) next, which is the client's answer (nghttp2
    /// drops a response queued for a stream it resets); the call ends RESOURCE_EXHAUSTED.
    override func headerBlockOverflowedLocked() {
        connection.lock.assertHeld()
        guard case .failure(let overflow) = headerBlock.finish() else { return }
        if state.headerBlockOverflowed(overflow) { finishedLocked(overflow) }
    }

    /// The connection's receive budget is spent on incomplete messages, this stream's the largest:
    /// its messages are dropped and the call ends with `status`, sent to the client.
    override func receiveBudgetExhaustedLocked(_ status: Status) {
        connection.lock.assertHeld()
        dropInboundLocked()
        finishLocked(status)
    }

    /// A client's GOAWAY refuses no stream of a server: nothing to do.
    func refusedByGoAwayLocked() {}

    func readOutboundLocked(maxLength: Int) -> DataSourceRead {
        connection.lock.assertHeld()
        if outbound.isEmpty, let held = detached?.outboundDrained() { outbound.append(held) }
        return invokeLocked { () throws(InvalidStreamTransition) in
            try state.readOutbound(queued: outbound.count, maxLength: maxLength)
        } ?? .deferred
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

    /// The call has its status: the observer is told and let go, the deadline timer stops, the
    /// callbacks run, waiters wake.
    private func finishedLocked(_ status: Status) {
        connection.lock.assertHeld()
        let observer = self.observer
        self.observer = nil  // breaks the call ↔ stream cycle
        detached?.callEnded()
        observer?.streamFinishedLocked(self, status: status)
        callEndedLocked()
    }
}
