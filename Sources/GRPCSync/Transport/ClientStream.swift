import CNGHTTP2

/// One call's HTTP/2 stream on a client: ``HTTP2Stream`` with ``ClientStreamState``. It applies
/// the state machine's actions to nghttp2 and keeps the response headers' metadata.
///
/// All state is protected by the connection's lock. The call layer uses the methods that take it
/// themselves; the `…Locked` ones run inside the connection's callbacks.
final class ClientStream: HTTP2Stream, SessionStream, @unchecked Sendable {  // state: the connection's lock
    @exclusivity(unchecked) private var state: ClientStreamState
    @exclusivity(unchecked) private var responseHeaders = Metadata()
    /// Takes the call back when the server refuses the stream unprocessed; nil once asked.
    @exclusivity(unchecked) private var onRefused: RefusalHandler?
    /// The request messages queued so far, while the server may still refuse the stream.
    @exclusivity(unchecked) private var retryBuffer: RetryBuffer
    /// The channel's retry throttle, told when a call with a retry policy succeeds.
    @exclusivity(unchecked) private var throttle: RetryThrottle?

    /// Asked, with the connection's lock held, whether the call takes back a stream the server
    /// refused before processing it (a GOAWAY naming a lower last stream, `byGoAway`, or
    /// RST_STREAM(REFUSED_STREAM)), with the end-of-call callbacks added so far; true when the
    /// call starts again elsewhere (grpc's transparent retry): the stream then ends without
    /// running them, and takes the request messages queued so far (``RetryBuffer``) to send them
    /// again. Asked only while no response headers have arrived and the messages queued fit the
    /// retry buffer.
    /// (An object rather than a closure: nothing is allocated for it per call.)
    typealias RefusalHandler = any StreamRefusalHandler

    /// A stream about to be opened, with `firstMessage` and then `laterMessages` queued to leave
    /// with the headers and, with `endOutput`, the request complete already.
    init(
        connection: HTTP2Connection, maxReceiveMessageLength: Int, firstMessage: FramedMessage?,
        laterMessages: [FramedMessage] = [], endOutput: Bool, onRefused: RefusalHandler? = nil
    ) {
        self.onRefused = onRefused
        // Destructured once: each `retrying?.field` would copy (retain) the whole tuple again.
        switch onRefused?.retrying {
        case (let bufferLimit, let budget, let throttle)?:
            retryBuffer = RetryBuffer(limit: bufferLimit, budget: budget)
            self.throttle = throttle
        case nil:
            retryBuffer = RetryBuffer(limit: 0)
            throttle = nil
        }
        state = ClientStreamState(endOutput: endOutput)
        super.init(connection: connection, id: -1, maxReceiveMessageLength: maxReceiveMessageLength)
        if let firstMessage { preload(firstMessage) }
        for message in laterMessages { preload(message) }
    }

    /// The kept request bytes go back to the channel's budget, however the stream ended.
    deinit { retryBuffer.release() }

    private func preload(_ message: FramedMessage) {
        outbound.append(message)
        pacing.preloaded()
        if onRefused != nil { retryBuffer.keep(message) }
    }

    /// The connection opened the stream as `id`; the call ends DEADLINE_EXCEEDED at `deadline`.
    func openedLocked(id: Int32, deadline: Deadline) {
        connection.lock.assertHeld()
        self.id = id
        scheduleDeadlineLocked(deadline) { [self] in endHereLocked(state.deadlineExceeded()) }
    }

    override var mayReceiveMoreLocked: Bool { state.mayReceiveMore }
    override var isFinishedLocked: Bool { state.isFinished }
    override var isClosedLocked: Bool { state.isClosed }

    // MARK: the caller's threads

    /// Queues one framed request message; waits first while the peer is slow (too much is
    /// queued), until `deadline`, or answers ``SendResult/full`` at once when `waitWhileFull` is false.
    func send(framed message: FramedMessage, deadline: Deadline, waitWhileFull: Bool) -> SendResult {
        connection.lock.withLock {
            if let result = waitForRoomLocked(deadline: deadline, waitWhileFull: waitWhileFull) { return result }
            return queueRequestLocked(message)
        }
    }

    /// Queues a request message now that there is room (kept for a retry while the server may
    /// refuse the stream), unless the call has ended.
    private func queueRequestLocked(_ message: FramedMessage) -> SendResult {
        connection.lock.assertHeld()
        guard case .queue(let resume) = state.sendMessage() else { return .finished }
        if onRefused != nil { retryBuffer.keep(message) }
        queueLocked(message, resume: resume, timing: .adaptive)
        return .sent
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

    // MARK: an async call's tasks (see HTTP2Stream+Async.swift)

    /// Queues one framed request message, suspending first while too much is queued (the peer is
    /// slow): the async ``send(framed:deadline:waitWhileFull:)``; ``SendResult/timedOut`` when the
    /// task is cancelled first.
    func sendAsync(framed message: FramedMessage) async -> SendResult {
        while true {
            let result: SendResult? = connection.lock.withLock {
                if outbound.count >= SendPacing.highWater && !state.isFinished { return nil }
                return queueRequestLocked(message)
            }
            if let result { return result }
            if Task.isCancelled { return .timedOut }
            await suspend { outbound.count >= SendPacing.highWater && !state.isFinished }
        }
    }

    /// The response headers' metadata once they arrive or the call ends (empty when there were
    /// none): the async ``waitForHeaders(deadline:)``; nil when the task is cancelled first.
    func waitForHeadersAsync() async -> Metadata? {
        while true {
            let headers: Metadata? = connection.lock.withLock {
                state.awaitingResponseHeaders ? nil : responseHeaders
            }
            if let headers { return headers }
            if Task.isCancelled { return nil }
            await suspend { state.awaitingResponseHeaders }
        }
    }

    /// The call's status once it has one: the async ``waitUntilFinished(deadline:)``; nil when
    /// the task is cancelled first.
    func waitUntilFinishedAsync() async -> Status? {
        while true {
            if let status = connection.lock.withLock({ state.status }) { return status }
            if Task.isCancelled { return nil }
            await suspend { !state.isFinished }
        }
    }

    /// Ends the call here with `status` and resets the stream (a cancel, the deadline, a bad
    /// response message, a request over the send limit). Response messages not yet taken are
    /// dropped: the caller no longer wants them.
    func cancel(_ status: Status) {
        connection.lock.withLock { cancelLocked(status) }
    }

    override func cancelLocked(_ status: Status) {
        connection.lock.assertHeld()
        endHereLocked(state.cancel(status))
    }

    /// The call ended on this side (`action`, from a cancel or the deadline): the messages not
    /// yet taken are dropped, the stream is reset.
    private func endHereLocked(_ action: ClientStreamState.EndAction) {
        connection.lock.assertHeld()
        guard case .ended = action else { return }
        dropInboundLocked()
        applyLocked(action)
    }

    // MARK: SessionStream: what nghttp2 reports (lock held)

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
                // Processed and answered: the call is committed, it cannot be sent again.
                letCallGoLocked()
                inbound.setEncoding(encoding)
                responseHeaders = metadata
                changedLocked()
            case .finished(let status, let reset)?:
                // Trailers-Only (or headers that end the call): the call's retry policy may try again.
                if status.code == .ok { throttle?.recordSuccess() }
                attemptEndedLocked(status)
                applyLocked(.ended(status, reset: reset))
            case .ignore?, nil:
                letCallGoLocked()
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
            if decided.code == .ok { throttle?.recordSuccess() }
            applyLocked(.ended(decided, reset: false))
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
        if let action = invokeLocked({ () throws(InvalidStreamTransition) in
            try state.receiveEndOfStream(partialMessage: partial)
        }) {
            applyLocked(action)
        }
    }

    func closedLocked(errorCode: UInt32) {
        defer { onRefused = nil }  // whatever the stream's end, its call is no longer referred to
        connection.lock.assertHeld()
        if errorCode == NGHTTP2_REFUSED_STREAM.rawValue { handBackLocked(byGoAway: false) }
        inboundClosedLocked()
        let decided = invokeLocked { () throws(InvalidStreamTransition) in try state.streamClosed(errorCode: errorCode)
        }
        if let status = decided ?? nil {
            attemptEndedLocked(status)
            callEndedLocked()
        } else {
            changedLocked()
        }
    }

    func connectionLostLocked(_ status: Status) {
        connection.lock.assertHeld()
        // nghttp2 reports no close for the streams of a connection that is gone: the call, which
        // holds this stream, must be let go here (attemptEndedLocked), or the two keep each other
        // alive.
        inboundClosedLocked()
        let decided = invokeLocked { () throws(InvalidStreamTransition) in try state.connectionLost(status) }
        if let ended = decided ?? nil {
            attemptEndedLocked(ended)
            callEndedLocked()
        } else {
            letCallGoLocked()
            changedLocked()
        }
    }

    /// The response headers or trailers went over `grpc.max_metadata_size`: the rest of the block
    /// is skipped, nghttp2 resets the stream (INTERNAL_ERROR) next, and the call ends
    /// RESOURCE_EXHAUSTED at once, as grpcio's client ends it, however long the block would have
    /// gone on.
    override func headerBlockOverflowedLocked() {
        connection.lock.assertHeld()
        guard case .failure(let overflow) = headerBlock.finish() else { return }
        letCallGoLocked()
        dropInboundLocked()
        applyLocked(state.headerBlockOverflowed(overflow))
    }

    func refusedByGoAwayLocked() {
        connection.lock.assertHeld()
        handBackLocked(byGoAway: true)
        if state.refusedByGoAway() != nil { callEndedLocked() }
    }

    /// The server refused the stream unprocessed: the call may take itself (and its callbacks)
    /// back to start again on another stream; the stream then ends without the callbacks.
    private func handBackLocked(byGoAway: Bool) {
        connection.lock.assertHeld()
        guard let handler = onRefused, state.awaitingResponseHeaders, !retryBuffer.isClosed else { return }
        let messages = retryBuffer.messages
        letCallGoLocked()
        if handler.streamRefusedLocked(byGoAway: byGoAway, callbacks: callbacks, messages: messages) {
            callbacks.removeAll()
        }
    }

    /// The stream ended with `status` before the call was committed (no response headers): a
    /// failed attempt is offered to the call, whose retry policy may start it again on another
    /// stream (the stream then ends without its callbacks). The call is let go either way.
    private func attemptEndedLocked(_ status: Status) {
        connection.lock.assertHeld()
        defer { letCallGoLocked() }
        guard status.code != .ok, let handler = onRefused, !retryBuffer.isClosed else { return }
        if handler.attemptFailedLocked(status, callbacks: callbacks, messages: retryBuffer.messages) {
            callbacks.removeAll()
        }
    }

    /// The call can no longer be sent again from here (the server answered, refused the stream or
    /// is gone): the stream stops holding it and the request messages kept for it.
    private func letCallGoLocked() {
        onRefused = nil
        retryBuffer.release()
    }

    func readOutboundLocked(maxLength: Int) -> DataSourceRead {
        connection.lock.assertHeld()
        return invokeLocked { () throws(InvalidStreamTransition) in
            try state.readOutbound(queued: outbound.count, maxLength: maxLength)
        } ?? .deferred
    }

    func finalFrameSentLocked() {}

    // MARK: applying actions (lock held)

    /// A status decided here or by the server: reset the stream when asked, and finish.
    private func applyLocked(_ action: ClientStreamState.EndAction) {
        connection.lock.assertHeld()
        guard case .ended(_, let reset) = action else { return }
        if reset && !state.isClosed { connection.submitResetLocked(id, errorCode: NGHTTP2_CANCEL.rawValue) }
        callEndedLocked()
        connection.flushLocked()
    }
}

/// What takes a call back when the server refuses its stream unprocessed, or when an attempt fails
/// before response headers and the call's retry policy tries again (the client call; see
/// ``ClientStream/RefusalHandler``). Held by the stream until its response headers or its end.
protocol StreamRefusalHandler: AnyObject {
    /// The request bytes the stream keeps to send again (``RetryBuffer``), and the throttle told
    /// when the call succeeds (for a call with a retry policy on a channel with throttling).
    var retrying: (bufferLimit: Int, budget: RetryBufferBudget, throttle: RetryThrottle?) { get }

    /// Called with the connection's lock held, with the request messages the stream had queued;
    /// true when the call starts again elsewhere.
    func streamRefusedLocked(byGoAway: Bool, callbacks: [@Sendable () -> Void], messages: [FramedMessage]) -> Bool

    /// An attempt failed with `status` before any response headers (called with the connection's
    /// lock held, with the request messages the stream had queued); true when the call starts
    /// again elsewhere after its backoff.
    func attemptFailedLocked(_ status: Status, callbacks: [@Sendable () -> Void], messages: [FramedMessage]) -> Bool
}
