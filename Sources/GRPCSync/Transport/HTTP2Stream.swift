/// One call's HTTP/2 stream: what a client's (``ClientStream``) and a server's (``ServerStream``)
/// have in common; each adds its side's state machine and answers the questions below from it.
/// It keeps the messages received and not yet taken (``InboundMessages``, with the stream's share
/// of flow control) and the bytes not yet sent (``OutboundBytes``), runs the call's deadline timer
/// and end-of-call callbacks, and lets the call's threads wait, reading the socket themselves when
/// that saves a thread switch.
///
/// All state is protected by the connection's lock. The call layer uses the methods that take it
/// themselves; the `…Locked` ones run inside the connection's callbacks.
class HTTP2Stream: @unchecked Sendable {  // state protected by the connection's lock
    // Strong: a call may outlive its connection. The connection drops its streams when they close.
    let connection: HTTP2Connection
    /// The stream id (a client's is known once the connection has submitted its request).
    @exclusivity(unchecked) var id: Int32
    let condition = Condition()
    @exclusivity(unchecked) var headerBlock = HeaderBlock()
    @exclusivity(unchecked) var inbound: InboundMessages
    @exclusivity(unchecked) var outbound = OutboundBytes()
    @exclusivity(unchecked) var pacing = SendPacing()
    @exclusivity(unchecked) var deadlineTimer: ScheduledTimer?
    @exclusivity(unchecked) var callbacks: [@Sendable () -> Void] = []
    /// Tasks of an async call waiting on the stream, made by the first of them (a blocking call
    /// never makes it); woken with `condition`'s waiters.
    @exclusivity(unchecked) var asyncWaiters: AsyncWaitList?

    init(connection: HTTP2Connection, id: Int32, maxReceiveMessageLength: Int) {
        self.connection = connection
        self.id = id
        inbound = InboundMessages(maxMessageLength: maxReceiveMessageLength)
    }

    // MARK: what the subclass's state machine says (lock held)

    /// More messages may still arrive for the call.
    var mayReceiveMoreLocked: Bool { false }
    /// The call has its status.
    var isFinishedLocked: Bool { true }
    /// nghttp2 has closed the stream: nothing may be submitted for it.
    var isClosedLocked: Bool { true }

    /// This side ends the call with `status` and resets the stream.
    func cancelLocked(_ status: Status) {}

    // MARK: the call's threads

    /// Bytes of the messages this stream has sent (queued) and received, as on the wire
    /// (compressed, prefixes excluded): what ``MessageByteCounts`` reports.
    var messageByteCounts: MessageByteCounts {
        connection.lock.withLock { MessageByteCounts(sent: outbound.messageBytes, received: inbound.messageBytes) }
    }

    /// Waits for the next message, the end of the peer's messages, or `deadline`.
    func receive(deadline: Deadline) -> ReceiveResult {
        connection.lock.withLock {
            connection.waitReadingLocked(
                condition, until: deadline, callerMayRead: inbound.takenCount <= pacing.sentMessages
            ) {
                inbound.count == 0 && mayReceiveMoreLocked
            }
            if let message = takeMessageLocked() { return .message(message) }
            return mayReceiveMoreLocked ? .timedOut : .end
        }
    }

    /// Takes a message that has arrived, without waiting.
    func takeMessage() -> ReceivedMessage? {
        connection.lock.withLock { takeMessageLocked() }
    }

    /// ``takeMessage()`` with the lock held.
    func takeMessageLocked() -> ReceivedMessage? {
        connection.lock.assertHeld()
        guard let (message, release, freed) = inbound.take() else { return nil }
        let returned = freed > 0 && connection.releaseReceivedLocked(freed)
        if release > 0 && !isClosedLocked { connection.consumeStreamLocked(id, count: release) }
        if returned || (release > 0 && !isClosedLocked) { connection.flushLocked() }
        return message
    }

    /// Waits while too much is queued for sending (the peer is slow), until `deadline`; nil once
    /// there is room (or the call has ended), else what the send answers: ``SendResult/full`` at
    /// once when `waitWhileFull` is false, ``SendResult/timedOut`` past the deadline.
    func waitForRoomLocked(deadline: Deadline, waitWhileFull: Bool) -> SendResult? {
        connection.lock.assertHeld()
        while outbound.count >= SendPacing.highWater && !isFinishedLocked {
            if !waitWhileFull { return .full }
            if !condition.wait(connection.lock, until: deadline) && deadline.hasPassed { return .timedOut }
        }
        return nil
    }

    /// Queues a framed message the state machine has let through, resuming nghttp2's data source
    /// when `resume`; it goes to the socket as `timing` says.
    func queueLocked(_ message: FramedMessage, resume: Bool, timing: SendTiming) {
        connection.lock.assertHeld()
        outbound.append(message)
        if resume && !isClosedLocked { connection.resumeDataLocked(id) }
        connection.flushLocked(pacing.sent(takenCount: inbound.takenCount, timing: timing))
    }

    /// Runs `callback` (on a blocking worker) once the call has its status; false when it has.
    func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        connection.lock.withLock {
            if isFinishedLocked { return false }
            callbacks.append(callback)
            return true
        }
    }

    /// The call ends DEADLINE_EXCEEDED at `deadline`: `expire` runs then, on the loop, with the
    /// connection's lock held, unless the call has ended first.
    func scheduleDeadlineLocked(_ deadline: Deadline, expire: @escaping () -> Void) {
        connection.lock.assertHeld()
        guard !deadline.isNever else { return }
        deadlineTimer = connection.loop.schedule(at: deadline) { [connection] in
            connection.lock.withLock { expire() }
        }
    }

    // MARK: what nghttp2 reports (lock held)

    func beginHeadersLocked() {
        connection.lock.assertHeld()
        headerBlock.begin()
    }

    func headerLocked(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool {
        connection.lock.assertHeld()
        return headerBlock.append(
            name: name, value: value, limit: connection.limits.maxHeaderListSize,
            givesUpAtLimit: connection.role == .client)
    }

    /// The header block went past `grpc.max_metadata_size` (on a server, past
    /// ``HeaderBlock/resetFactor`` times it and ``HeaderBlock/minimumGiveUpSize``) and nghttp2
    /// stops handing its fields over: it resets the stream, INTERNAL_ERROR, once this returns.
    func headerBlockOverflowedLocked() {}

    /// Deframes the bytes of a DATA frame the state machine lets through, giving back what it can
    /// of the stream's window and waking a waiting reader for a first message; the error when
    /// they do not make messages (their window is given back then).
    func deliverLocked(_ bytes: UnsafeRawBufferPointer) -> DeframingError? {
        connection.lock.assertHeld()
        let hadQueued = inbound.count > 0
        do {
            connection.consumeStreamLocked(id, count: try inbound.receive(bytes))
        } catch {
            connection.consumeStreamLocked(id, count: bytes.count)
            return error
        }
        if !hadQueued && inbound.count > 0 { changedLocked() }
        return nil
    }

    /// Drops the bytes of a DATA frame that arrived after the call ended, giving their window back.
    func discardLocked(_ bytes: UnsafeRawBufferPointer) {
        connection.lock.assertHeld()
        _ = connection.releaseReceivedLocked(bytes.count)
        connection.consumeStreamLocked(id, count: bytes.count)
    }

    /// nghttp2 closed the stream, or the connection is gone: the incomplete message is dropped and
    /// what the stream held leaves the connection's budget.
    func inboundClosedLocked() {
        connection.lock.assertHeld()
        let freed = inbound.streamClosed()
        if freed > 0 { _ = connection.releaseReceivedLocked(freed) }
    }

    /// The bytes the stream holds for the connection's budget, and whether any of them make a
    /// message the application can take.
    var receiveBufferLocked: (bytes: Int, hasMessages: Bool) { (inbound.bufferedBytes, inbound.count > 0) }

    /// The connection's receive budget is spent on incomplete messages, this stream's the largest:
    /// its messages are dropped and the call ends with `status` (``cancelLocked(_:)`` here; a
    /// server answers with the status instead).
    func receiveBudgetExhaustedLocked(_ status: Status) {
        connection.lock.assertHeld()
        dropInboundLocked()
        cancelLocked(status)
    }

    /// Drops the messages not yet taken and the incomplete one, giving their windows back.
    func dropInboundLocked() {
        connection.lock.assertHeld()
        let (release, freed) = inbound.dropAll()
        if freed > 0 { _ = connection.releaseReceivedLocked(freed) }
        if release > 0 && !isClosedLocked { connection.consumeStreamLocked(id, count: release) }
    }

    /// Takes the `length` bytes of a DATA frame announced by nghttp2's data source.
    func writeOutboundLocked(_ length: Int, into queue: inout WriteQueue) {
        connection.lock.assertHeld()
        let wasFull = outbound.count >= SendPacing.highWater
        outbound.take(length, into: &queue)
        // Only a sender held back by a full queue waits for room.
        if wasFull && outbound.count < SendPacing.highWater {
            condition.broadcast()
            asyncWaiters?.resumeAllLocked()
        }
    }

    // MARK: the call's end (lock held)

    /// The call has its status: the deadline timer stops, the callbacks run, waiters wake.
    func callEndedLocked() {
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
    func changedLocked() {
        connection.lock.assertHeld()
        condition.broadcast()
        asyncWaiters?.resumeAllLocked()
        connection.wakeReaderLocked()
    }

    /// Runs an event of the state machine; a transition it does not allow is a runtime bug:
    /// an assertion in debug builds, and in release builds the call ends INTERNAL with the stream
    /// reset. Nil then.
    func invokeLocked<T>(_ event: () throws(InvalidStreamTransition) -> T) -> T? {
        connection.lock.assertHeld()
        do {
            return try event()
        } catch {
            assertionFailure("stream \(id): \(error)")
            cancelLocked(.invalidStreamTransition(error.description))
            return nil
        }
    }
}
