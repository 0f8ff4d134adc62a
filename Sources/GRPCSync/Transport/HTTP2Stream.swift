import CNGHTTP2

/// Told, with the connection's lock held, whenever a stream's state changes (headers, a message,
/// end of input, final status). It must not block or take a lock that is held around the
/// connection's lock.
protocol HTTP2StreamObserver: AnyObject {
    func streamDidChange(_ stream: HTTP2Stream)
}

/// One gRPC call's HTTP/2 stream: received messages waiting to be taken, bytes waiting to be sent,
/// and the call's final status. All state is protected by `connection.lock`; the blocking methods
/// wait on `condition` with that lock and never hold it across a blocking system call.
final class HTTP2Stream: @unchecked Sendable {  // state protected by connection.lock
    // Strong: a call may outlive its connection. The connection drops its streams when they close.
    let connection: HTTP2Connection
    var id: Int32
    let condition = Condition()
    var observer: HTTP2StreamObserver?

    // Receiving headers.
    var headerBlock: [HeaderField] = []
    var headerBlockSize = 0
    /// The request head (server) or initial metadata (client) has arrived.
    var headersReceived = false
    /// The peer's initial metadata: invocation metadata on a server, response headers on a client.
    var initialMetadata = Metadata()
    var requestHead: GRPCHeaders.RequestHead?

    // Receiving messages.
    private var deframer: MessageDeframer
    private var messages: [ReceivedMessage] = []
    private var messageHead = 0
    /// Bytes received but not yet returned to the peer's flow-control window.
    private var unconsumedBytes = 0
    /// The peer half-closed (END_STREAM).
    private(set) var inputEnded = false
    /// Messages sent and messages taken. While no more have been taken than sent, the next one is
    /// likely a reply (unary, ping-pong), rather than one more of a stream of them.
    private var sentMessages = 0
    private var takenMessages = 0
    /// `takenMessages` when the last message was queued for sending (``SendTiming/adaptive``).
    private var takenAtLastSend = -1

    // Sending.
    private var outbound = OutboundBytes()
    private var outputEnded = false
    private var pendingTrailers: [HeaderField]?
    private var dataDeferred = false
    private(set) var responseStarted = false
    private var resetAfterFinalFrame = false

    /// The call's final status; set once. On a client it is what the call ended with; on a server it
    /// is what the call was answered or cancelled with.
    private(set) var status: Status?
    /// nghttp2 has closed the stream.
    private(set) var closed = false
    /// Set when the header block being received is over the metadata limit.
    var headerOverflow: Status?

    /// Bytes buffered for sending above which a writer waits.
    static let outboundHighWater = 256 * 1024

    init(connection: HTTP2Connection, id: Int32, maxReceiveMessageLength: Int) {
        self.connection = connection
        self.id = id
        self.deframer = MessageDeframer(maxMessageLength: maxReceiveMessageLength)
    }

    var isServer: Bool { connection.role == .server }
    var isFinished: Bool { status != nil }
    var queuedMessageCount: Int { messages.count - messageHead }

    // MARK: events from the connection (lock held)

    func receivedData(_ bytes: UnsafeRawBufferPointer) {
        // The connection window is returned at once, so one slow reader cannot stall the other
        // streams; each stream's own window is the back-pressure.
        connection.consumeConnection(count: bytes.count)
        if isFinished {
            connection.consumeStream(id, count: bytes.count)
            return
        }
        let hadQueued = queuedMessageCount > 0
        do {
            try deframer.consume(bytes) { messages.append($0) }
        } catch {
            connection.consumeStream(id, count: bytes.count)
            fail(error.status)
            return
        }
        // Back-pressure: the stream window is returned at once while nothing waits to be taken;
        // otherwise the bytes are returned as the application takes the messages.
        if hadQueued || queuedMessageCount > 0 {
            unconsumedBytes += bytes.count
        } else {
            connection.consumeStream(id, count: bytes.count)
        }
        if queuedMessageCount > 0 { changed() }
    }

    func receivedEndOfInput() {
        inputEnded = true
        if !isFinished && deframer.hasPartialMessage {
            fail(Status(code: .internal, details: "Stream ended in the middle of a message"))
        }
        changed()
    }

    /// The algorithm of the peer's compressed messages (its `grpc-encoding`), known from its headers.
    func setMessageEncoding(_ encoding: Compression) {
        deframer.encoding = encoding
    }

    /// Client: the response headers arrived.
    func receivedInitialMetadata(_ metadata: Metadata) {
        initialMetadata = metadata
        changed()
    }

    /// Client: trailers (or Trailers-Only headers) arrived. A message cut short by them is an error.
    func receivedStatus(_ status: Status) {
        if deframer.hasPartialMessage {
            finish(Status(code: .internal, details: "Stream ended in the middle of a message"))
        } else {
            finish(status)
        }
    }

    /// nghttp2 closed the stream, after RST_STREAM, END_STREAM both ways, or connection loss.
    func streamClosed(errorCode: UInt32) {
        closed = true
        unconsumedBytes = 0
        if !isFinished {
            if isServer {
                finish(Status(code: .cancelled, details: "Cancelled by the client"))
            } else if errorCode == 0 && inputEnded {
                finish(Status(code: .internal, details: "Server closed the stream without sending trailers"))
            } else {
                finish(GRPCHeaders.statusForReset(errorCode))
            }
        }
        condition.broadcast()
    }

    /// The connection is gone; fail the call with `status` unless it has finished.
    func connectionLost(_ status: Status) {
        closed = true
        finish(status)
        condition.broadcast()
    }

    // MARK: taking messages (application threads)

    enum ReceiveResult {
        case message(ReceivedMessage)
        /// No more messages: the peer half-closed, or the call finished.
        case end
        case timedOut
    }

    /// Waits for the next message, the end of input, or the deadline.
    func receive(deadline: Deadline) -> ReceiveResult {
        connection.lock.lock()
        defer { connection.lock.unlock() }
        connection.waitReading(condition, until: deadline, callerMayRead: takenMessages <= sentMessages) {
            queuedMessageCount == 0 && !inputEnded && !isFinished && !closed
        }
        if let message = takeMessage() { return .message(message) }
        if inputEnded || isFinished || closed { return .end }
        return .timedOut
    }

    /// Waits until the call has its final status or the deadline passes.
    func waitUntilFinished(deadline: Deadline) {
        connection.lock.withLock { _ = connection.waitReading(condition, until: deadline) { !isFinished } }
    }

    /// Takes a queued message without waiting (lock held).
    func takeMessage() -> ReceivedMessage? {
        guard messageHead < messages.count else { return nil }
        let message = messages[messageHead]
        messageHead += 1
        takenMessages += 1
        if messageHead == messages.count {
            messages.removeAll(keepingCapacity: true)
            messageHead = 0
            if unconsumedBytes > 0 && !closed {
                connection.consumeStream(id, count: unconsumedBytes)
                unconsumedBytes = 0
                connection.flush()
            }
        }
        return message
    }

    // MARK: sending (application threads)

    enum SendResult {
        case sent
        /// The call already finished; nothing was sent.
        case finished
        case timedOut
        /// Too much is buffered already, and the caller asked not to wait; nothing was queued.
        case full
    }

    /// When a queued message goes to the socket.
    enum SendTiming {
        /// With whatever is sent next, so both leave in one write (a unary response and its trailers).
        case withNext
        /// Now when it is the first message or answers a message taken since the last send (the peer
        /// may be waiting for it); otherwise soon, on the loop thread, together with whatever else is
        /// queued by then, so a stream of messages leaves in a few large writes instead of one each.
        case adaptive
    }

    /// Queues one framed message; waits first while the peer is slow (too much is buffered), or
    /// answers ``SendResult/full`` at once when `waitWhileFull` is false.
    func send(
        framed message: FramedMessage, deadline: Deadline, timing: SendTiming, waitWhileFull: Bool = true,
        beforeSending: (() -> Void)? = nil
    ) -> SendResult {
        connection.lock.lock()
        defer { connection.lock.unlock() }
        while outbound.count >= HTTP2Stream.outboundHighWater && !isFinished {
            if !waitWhileFull { return .full }
            if !condition.wait(connection.lock, until: deadline) && deadline.hasPassed { return .timedOut }
        }
        if isFinished || outputEnded { return .finished }
        beforeSending?()
        outbound.append(message)
        sentMessages += 1
        resumeData()
        switch timing {
        case .withNext:
            break
        case .adaptive:
            if takenMessages != takenAtLastSend {
                connection.flush()
            } else {
                connection.flushSoon()
            }
        }
        takenAtLastSend = takenMessages
        return .sent
    }

    /// Client: queues the first bytes (and possibly the end of output) before the request is
    /// submitted, so HEADERS and DATA leave in one write. Lock held.
    func preloadOutput(_ message: FramedMessage?, end: Bool) {
        if let message {
            outbound.append(message)
            sentMessages += 1
        }
        outputEnded = end
    }

    /// Waits until the peer's initial metadata arrives or the call ends.
    func waitForHeaders(deadline: Deadline) -> Metadata {
        connection.lock.lock()
        defer { connection.lock.unlock() }
        connection.waitReading(condition, until: deadline) { !headersReceived && !isFinished }
        return initialMetadata
    }

    /// Server: sends the response HEADERS (initial metadata) now, with the data stream still open;
    /// `encoding` is the algorithm the response messages are compressed with.
    /// Without `flush`, the headers leave with what is sent next.
    func startResponse(metadata: Metadata, encoding: Compression, flush: Bool = true) {
        guard !responseStarted, !isFinished else { return }
        responseStarted = true
        connection.submitResponse(
            self, headers: GRPCHeaders.response(metadata: metadata, encoding: encoding), withBody: true)
        if flush { connection.flush() }
    }

    /// Client: no more messages (half-close).
    func endOutput() {
        connection.lock.withLock {
            guard !outputEnded, !isFinished else { return }
            outputEnded = true
            resumeData()
            connection.flush()
        }
    }

    /// Server: ends the call with `status`: trailers after the queued messages, or Trailers-Only when
    /// no response has started. False when the call had already finished. Lock held.
    func finishResponseLocked(_ status: Status, httpStatus: Int = 200) -> Bool {
        guard !isFinished else { return false }
        finish(status)
        if closed { return true }
        outputEnded = true
        if responseStarted {
            pendingTrailers = GRPCHeaders.trailers(status: status)
            resumeData()
        } else {
            responseStarted = true
            connection.submitResponse(
                self, headers: GRPCHeaders.trailersOnly(status: status, httpStatus: httpStatus), withBody: false)
            stopPeerIfStillSending()
        }
        connection.flush()
        return true
    }

    /// Server: rejects a request before any handler runs (lock held).
    func reject(httpStatus: Int, status: Status) {
        _ = finishResponseLocked(status, httpStatus: httpStatus)
    }

    /// Ends the call here with `status` and resets the stream (a local cancel, a deadline, a bad
    /// message). On a server the status is sent first when it can be. Lock held.
    func fail(_ status: Status) {
        guard !isFinished else { return }
        if isServer {
            _ = finishResponseLocked(status)
        } else {
            finish(status)
            if !closed { connection.submitReset(id, errorCode: UInt32(NGHTTP2_CANCEL.rawValue)) }
            connection.flush()
        }
    }

    /// Cancels the call from this side: RST_STREAM(CANCEL), status `status`.
    func cancel(_ status: Status) {
        connection.lock.withLock { cancelLocked(status) }
    }

    /// ``cancel(_:)`` with the lock held.
    func cancelLocked(_ status: Status) {
        guard !isFinished else { return }
        finish(status)
        if !closed { connection.submitReset(id, errorCode: UInt32(NGHTTP2_CANCEL.rawValue)) }
        connection.flush()
    }

    // MARK: nghttp2 data source (lock held)

    /// How many queued bytes (up to `length`) the next DATA frame carries. The bytes stay queued
    /// until ``writeOutbound(_:into:)`` hands them to the connection's write queue
    /// (`NGHTTP2_DATA_FLAG_NO_COPY`).
    func readOutbound(length: Int, flags: UnsafeMutablePointer<UInt32>) -> Int {
        if !outbound.isEmpty {
            let n = min(length, outbound.count)
            flags.pointee |= NGHTTP2_DATA_FLAG_NO_COPY.rawValue
            if n == outbound.count && outputEnded { markEndOfData(flags) }
            return n
        }
        if outputEnded {
            markEndOfData(flags)
            return 0
        }
        dataDeferred = true
        return Int(NGHTTP2_ERR_DEFERRED.rawValue)
    }

    /// Takes the `length` bytes of a DATA frame announced by ``readOutbound(length:flags:)``.
    func writeOutbound(_ length: Int, into queue: inout WriteQueue) {
        let wasFull = outbound.count >= HTTP2Stream.outboundHighWater
        outbound.take(length, into: &queue)
        // Only a sender held back by a full queue waits for room.
        if wasFull && outbound.count < HTTP2Stream.outboundHighWater { condition.broadcast() }
    }

    private func markEndOfData(_ flags: UnsafeMutablePointer<UInt32>) {
        flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        if let trailers = pendingTrailers {
            flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
            pendingTrailers = nil
            connection.submitTrailers(id, trailers)
            stopPeerIfStillSending()
        }
    }

    /// Server: once the final status is queued, a client that is still sending is to be told to
    /// stop with RST_STREAM(NO_ERROR), right after the status leaves (see ``finalFrameSent()``).
    private func stopPeerIfStillSending() {
        if isServer && !inputEnded && !closed { resetAfterFinalFrame = true }
    }

    /// nghttp2 sent the frame that ends our side of the stream. Lock held.
    func finalFrameSent() {
        if resetAfterFinalFrame && !inputEnded && !closed {
            resetAfterFinalFrame = false
            connection.submitReset(id, errorCode: UInt32(NGHTTP2_NO_ERROR.rawValue))
        }
    }

    // MARK: helpers (lock held)

    private func resumeData() {
        if dataDeferred && !closed {
            dataDeferred = false
            connection.resumeData(id)
        }
    }

    private func finish(_ final: Status) {
        guard status == nil else { return }
        status = final
        changed()
    }

    private func changed() {
        condition.broadcast()
        connection.wakeCallerReader()
        observer?.streamDidChange(self)
    }
}
