import CNGHTTP2

/// One call's HTTP/2 stream on a client: the shell around ``ClientStreamState``. It applies the
/// state machine's actions to nghttp2, keeps the response messages not yet taken and the request
/// bytes not yet sent, runs the call's deadline timer and end-of-call callbacks, and lets the
/// caller's threads wait (reading the socket themselves when that saves a thread switch).
///
/// All state is protected by the connection's lock. The call layer uses the methods that take it
/// themselves; the `…Locked` ones run inside the connection's callbacks.
final class ClientStream: SessionStream, @unchecked Sendable {  // state protected by the connection's lock
    // Strong: a call may outlive its connection. The connection drops its streams when they close.
    private let connection: HTTP2Connection
    @exclusivity(unchecked) private(set) var id: Int32 = -1
    private let condition = Condition()
    @exclusivity(unchecked) private var state: ClientStreamState
    @exclusivity(unchecked) private var headerBlock = HeaderBlock()
    @exclusivity(unchecked) private var inbound: InboundMessages
    @exclusivity(unchecked) private var outbound = OutboundBytes()
    @exclusivity(unchecked) private var pacing = SendPacing()
    @exclusivity(unchecked) private var responseHeaders = Metadata()
    @exclusivity(unchecked) private var deadlineTimer: ScheduledTimer?
    @exclusivity(unchecked) private var callbacks: [@Sendable () -> Void] = []

    /// A stream about to be opened, with `firstMessage` queued to leave with the headers and,
    /// with `endOutput`, the request complete already.
    init(connection: HTTP2Connection, maxReceiveMessageLength: Int, firstMessage: FramedMessage?, endOutput: Bool) {
        self.connection = connection
        state = ClientStreamState(endOutput: endOutput)
        inbound = InboundMessages(maxMessageLength: maxReceiveMessageLength)
        if let firstMessage {
            outbound.append(firstMessage)
            pacing.preloaded()
        }
    }

    /// The connection opened the stream as `id`; the call ends DEADLINE_EXCEEDED at `deadline`.
    func openedLocked(id: Int32, deadline: Deadline) {
        connection.lock.assertHeld()
        self.id = id
        if !deadline.isNever {
            deadlineTimer = connection.loop.schedule(at: deadline) { [self] in
                connection.lock.withLock { cancelLocked(.deadlineExceeded) }
            }
        }
    }

    // MARK: the caller's threads

    /// Waits for the next response message, the end of the response, or `deadline`.
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

    /// Takes a response message that has arrived, without waiting.
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

    /// Queues one framed request message; waits first while the peer is slow (too much is
    /// queued), until `deadline`, or answers ``SendResult/full`` at once when `waitWhileFull` is false.
    func send(framed message: FramedMessage, deadline: Deadline, waitWhileFull: Bool) -> SendResult {
        connection.lock.withLock {
            while outbound.count >= SendPacing.highWater && !state.isFinished {
                if !waitWhileFull { return .full }
                if !condition.wait(connection.lock, until: deadline) && deadline.hasPassed { return .timedOut }
            }
            guard case .queue(let resume) = state.sendMessage() else { return .finished }
            outbound.append(message)
            if resume && !state.isClosed { connection.resumeDataLocked(id) }
            connection.flushLocked(pacing.sent(takenCount: inbound.takenCount, timing: .adaptive))
            return .sent
        }
    }

    /// Half-closes: no more request messages.
    func endOutput() {
        connection.lock.withLock {
            if state.endOutput() && !state.isClosed { connection.resumeDataLocked(id) }
            connection.flushLocked()
        }
    }

    /// Waits until the response headers arrive or the call ends, until `deadline`; returns the
    /// response headers' metadata (empty when there were none).
    func waitForHeaders(deadline: Deadline) -> Metadata {
        connection.lock.withLock {
            connection.waitReadingLocked(condition, until: deadline) { state.awaitingResponseHeaders }
            return responseHeaders
        }
    }

    /// The response headers' metadata received so far.
    var initialMetadata: Metadata { connection.lock.withLock { responseHeaders } }

    /// Waits until the call has its status or `deadline` passes; returns the status, if any.
    func waitUntilFinished(deadline: Deadline) -> Status? {
        connection.lock.withLock {
            connection.waitReadingLocked(condition, until: deadline) { !state.isFinished }
            return state.status
        }
    }

    /// The call's status, once it has one.
    var status: Status? { connection.lock.withLock { state.status } }

    /// Ends the call here with `status` and resets the stream (a cancel, the deadline, a bad
    /// response message, a request over the send limit). Response messages not yet taken are
    /// dropped: the caller no longer wants them.
    func cancel(_ status: Status) {
        connection.lock.withLock { cancelLocked(status) }
    }

    func cancelLocked(_ status: Status) {
        connection.lock.assertHeld()
        guard case .ended = state.cancel(status) else { return }
        let release = inbound.dropAll()
        if release > 0 && !state.isClosed { connection.consumeStreamLocked(id, count: release) }
        applyLocked(.ended(status, reset: true))
    }

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
        if category == .response {
            let check: GRPCHeaders.ResponseCheck =
                switch fields {
                case .success(let fields): GRPCHeaders.checkResponse(fields, endStream: endStream)
                case .failure(let overflow): .finished(overflow)
                }
            switch invokeLocked({ () throws(InvalidStreamTransition) in
                try state.receiveResponseHeaders(check, endStream: endStream)
            }) {
            case .accept(let metadata, let encoding)?:
                inbound.setEncoding(encoding)
                responseHeaders = metadata
                changedLocked()
            case .finished(let status, let reset)?:
                applyLocked(.ended(status, reset: reset))
            case .ignore?, nil:
                break
            }
            return
        }
        // Trailers.
        let status: Status =
            switch fields {
            case .success(let fields): GRPCHeaders.status(fromTrailers: fields)
            case .failure(let overflow): overflow
            }
        let partial = inbound.hasPartialMessage
        if let decided = invokeLocked({ () throws(InvalidStreamTransition) in
            try state.receiveTrailers(status, partialMessage: partial)
        }), let decided {
            applyLocked(.ended(decided, reset: false))
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
        if let action = invokeLocked({ () throws(InvalidStreamTransition) in
            try state.receiveEndOfStream(partialMessage: partial)
        }) {
            applyLocked(action)
        }
    }

    func closedLocked(errorCode: UInt32) {
        connection.lock.assertHeld()
        inbound.streamClosed()
        if invokeLocked({ () throws(InvalidStreamTransition) in try state.streamClosed(errorCode: errorCode) })
            ?? nil != nil
        {
            finishedLocked()
        }
        changedLocked()
    }

    func connectionLostLocked(_ status: Status) {
        connection.lock.assertHeld()
        inbound.streamClosed()
        if invokeLocked({ () throws(InvalidStreamTransition) in try state.connectionLost(status) }) ?? nil != nil {
            finishedLocked()
        }
        changedLocked()
    }

    func refusedByGoAwayLocked() {
        connection.lock.assertHeld()
        if state.refusedByGoAway() != nil { finishedLocked() }
    }

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

    func finalFrameSentLocked() {}

    // MARK: applying actions (lock held)

    /// A status decided here or by the server: reset the stream when asked, and finish.
    private func applyLocked(_ action: ClientStreamState.EndAction) {
        connection.lock.assertHeld()
        guard case .ended(_, let reset) = action else { return }
        if reset && !state.isClosed { connection.submitResetLocked(id, errorCode: NGHTTP2_CANCEL.rawValue) }
        finishedLocked()
        connection.flushLocked()
    }

    /// The call has its status: the deadline timer stops, the callbacks run, waiters wake.
    private func finishedLocked() {
        connection.lock.assertHeld()
        deadlineTimer?.cancel()
        deadlineTimer = nil
        if !callbacks.isEmpty {
            let pending = callbacks
            callbacks.removeAll()
            ThreadPoolExecutor.blockingWork.submit { for callback in pending { callback() } }
        }
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
            assertionFailure("client stream \(id): \(error)")
            cancelLocked(.invalidStreamTransition(error.description))
            return nil
        }
    }
}
