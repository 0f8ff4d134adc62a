import CLinux
import CNGHTTP2
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What a connection tells its owner (a server or a channel). Called with the connection's lock
/// held, except `connectionDidClose`.
protocol HTTP2ConnectionDelegate: AnyObject {
    /// Server: a request head arrived on a new stream. The delegate rejects it or takes it.
    func connection(_ connection: HTTP2Connection, didReceiveRequest stream: HTTP2Stream)
    /// The connection is closed; no stream on it is active any more.
    func connectionDidClose(_ connection: HTTP2Connection)
}

/// Settings shared by both ends of a connection.
struct ConnectionLimits: Sendable {
    var maxReceiveMessageLength = 4 * 1024 * 1024
    /// Largest header block accepted (`grpc.max_metadata_size`).
    var maxHeaderListSize = 16 * 1024
    /// The per-stream receive window we advertise.
    var initialWindowSize: Int32 = 1 << 20
    /// The connection receive window.
    var connectionWindowSize: Int32 = 16 << 20
}

/// One HTTP/2 connection over a non-blocking socket: one `nghttp2_session`, guarded by `lock`.
///
/// Reading happens on the loop thread, or on a thread that waits while its stream is the
/// connection's only one: a client caller waiting for a reply, a server handler waiting for its
/// next request (``waitReading(_:until:callerMayRead:while:)``), a server worker waiting for the
/// next call (``waitForNextCall(_:until:)``). `read` → `nghttp2_session_mem_recv` → callbacks
/// that hand headers, data and closes to the streams. Whoever holds the lock may flush:
/// `mem_send` → `sendmsg` (``WriteQueue``); what the kernel does not take waits for `EPOLLOUT`.
final class HTTP2Connection: EventLoopSource, @unchecked Sendable {  // all state protected by `lock`
    enum Role { case client, server }

    let role: Role
    let lock = Lock()
    let loop: EventLoop
    let peer: SocketAddress
    let limits: ConnectionLimits
    private let fd: Int32
    private var session: OpaquePointer?
    private var streams: [Int32: HTTP2Stream] = [:]
    private weak var delegate: HTTP2ConnectionDelegate?

    /// Frames waiting for the socket; gathered up to about `writeBatchSize` bytes per send.
    private var writeQueue = WriteQueue()
    static let writeBatchSize = 64 * 1024
    private var wantsWritable = false
    /// A flush is queued on the loop (``flushSoon()``).
    private var flushScheduled = false
    /// True while `nghttp2_session_mem_recv` runs: nghttp2 must not be asked to send from inside
    /// its own callbacks, so flushes wait until it returns.
    private var receiving = false
    private(set) var isClosed = false
    private var lingering = false
    private var socketReleased = false
    /// A GOAWAY arrived (client) or was sent (server): no new streams.
    private(set) var isDraining = false
    private var closeReason = Status(code: .unavailable, details: "Connection closed")
    /// A waiting thread reads the socket (``waitReading(_:until:callerMayRead:while:)``,
    /// ``waitForNextCall(_:until:)``); meanwhile the loop does not watch for input.
    private var callerReading = false
    private var callerReader = pthread_t()
    /// Wakes the calling reader when a stream changes on another thread (an eventfd, made on
    /// first use).
    private var callerWakeFD: Int32 = -1
    /// Server: set while a worker waits for the next call (``waitForNextCall(_:until:)``). The call
    /// whose request completes first meanwhile puts its handler here instead of submitting it.
    private(set) var nextCall: NextCall?

    init(
        fd: Int32, role: Role, peer: SocketAddress, loop: EventLoop, limits: ConnectionLimits,
        delegate: HTTP2ConnectionDelegate?
    ) {
        self.fd = fd
        self.role = role
        self.peer = peer
        self.loop = loop
        self.limits = limits
        self.delegate = delegate
        Socket.setNoDelay(fd)
        session = makeSession()
    }

    deinit {
        if let session { nghttp2_session_del(session) }
        if callerWakeFD >= 0 { Glibc.close(callerWakeFD) }
    }

    /// Sends our SETTINGS and starts reading on the loop.
    func start() {
        lock.withLock {
            var settings = [
                nghttp2_settings_entry(
                    settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                    value: UInt32(limits.initialWindowSize)),
                nghttp2_settings_entry(
                    settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                    value: UInt32(limits.maxHeaderListSize)),
            ]
            if role == .client {
                settings.append(
                    nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0))
            }
            nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), settings, settings.count)
            nghttp2_session_set_local_window_size(
                session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, limits.connectionWindowSize)
            loop.register(fd: fd, source: self)
            flush()
        }
    }

    private func makeSession() -> OpaquePointer? {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSent)
        nghttp2_session_callbacks_set_send_data_callback(callbacks, onSendData)
        var option: OpaquePointer?
        nghttp2_option_new(&option)
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_send_header_block_length(option, 1 << 20)
        var session: OpaquePointer?
        let me = Unmanaged.passUnretained(self).toOpaque()
        if role == .server {
            nghttp2_session_server_new2(&session, callbacks, me, option)
        } else {
            nghttp2_session_client_new2(&session, callbacks, me, option)
        }
        return session
    }

    // MARK: streams

    /// Client: opens a stream for a request. Throws when the connection can take no new stream.
    func startRequest(headers: [HeaderField], maxReceiveMessageLength: Int, prepare: (HTTP2Stream) -> Void)
        throws(RPCError)
        -> HTTP2Stream
    {
        lock.lock()
        defer { lock.unlock() }
        if isClosed || isDraining {
            throw RPCError(code: .unavailable, details: isClosed ? closeReason.details : "Connection is going away")
        }
        let stream = HTTP2Stream(connection: self, id: -1, maxReceiveMessageLength: maxReceiveMessageLength)
        prepare(stream)
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: readDataCallback)
        let id = headers.withNameValuePairs { nvs, count in
            nghttp2_submit_request(session, nil, nvs, count, &provider, nil)
        }
        guard id > 0 else {
            isDraining = true
            throw RPCError(
                code: .unavailable, details: "Cannot open a stream: \(String(cString: nghttp2_strerror(id)))")
        }
        stream.id = id
        streams[id] = stream
        flush()
        return stream
    }

    /// Server: submits response headers; with a body, DATA follows from the stream's buffer.
    func submitResponse(_ stream: HTTP2Stream, headers: [HeaderField], withBody: Bool) {
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: readDataCallback)
        _ = headers.withNameValuePairs { nvs, count in
            withBody
                ? nghttp2_submit_response(session, stream.id, nvs, count, &provider)
                : nghttp2_submit_response(session, stream.id, nvs, count, nil)
        }
    }

    func submitTrailers(_ streamID: Int32, _ trailers: [HeaderField]) {
        _ = trailers.withNameValuePairs { nvs, count in nghttp2_submit_trailer(session, streamID, nvs, count) }
    }

    func submitReset(_ streamID: Int32, errorCode: UInt32) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    func resumeData(_ streamID: Int32) { nghttp2_session_resume_data(session, streamID) }

    /// Returns `count` received bytes to the peer's connection window.
    func consumeConnection(count: Int) {
        if count > 0 { nghttp2_session_consume_connection(session, count) }
    }

    /// Returns `count` received bytes to the peer's window for one stream only.
    func consumeStream(_ streamID: Int32, count: Int) {
        if count > 0 { nghttp2_session_consume_stream(session, streamID, count) }
    }

    // MARK: closing

    /// Client: a GOAWAY-based shutdown. Active streams end with `status`; the socket closes.
    func close(failingStreamsWith status: Status) {
        lock.withLock {
            guard !isClosed else { return }
            nghttp2_session_terminate_session(session, UInt32(NGHTTP2_NO_ERROR.rawValue))
            flush()
            closeLocked(status)
        }
        delegate?.connectionDidClose(self)
    }

    /// Server: stops taking new streams (GOAWAY with the last stream id); existing streams go on.
    func startDraining() {
        lock.withLock {
            guard !isClosed, !isDraining else { return }
            isDraining = true
            let last = nghttp2_session_get_last_proc_stream_id(session)
            nghttp2_submit_goaway(
                session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, UInt32(NGHTTP2_NO_ERROR.rawValue), nil, 0)
            flush()
            closeIfIdleLocked()
        }
    }

    /// Cancels every active stream (server stop without grace).
    func cancelAllStreams(_ status: Status) {
        lock.withLock {
            for stream in Array(streams.values) where !stream.isFinished {
                stream.cancelLocked(status)
            }
            flush()
        }
    }

    /// False once the connection is closed or going away.
    var canOpenStreams: Bool { lock.withLock { !isClosed && !isDraining } }

    private func closeIfIdleLocked() {
        if isDraining && streams.isEmpty && role == .server && writeQueue.isEmpty {
            closeLocked(closeReason)
            loop.execute { [self] in delegate?.connectionDidClose(self) }
        }
    }

    /// Ends the connection: every stream fails with `status`. With `linger`, the socket is only
    /// shut for writing and input is read and dropped for a moment before it closes, so the GOAWAY
    /// just sent reaches a peer that is still sending instead of being lost to a TCP reset.
    private func closeLocked(_ status: Status, linger: Bool = false) {
        guard !isClosed else { return }
        isClosed = true
        closeReason = status
        let active = streams.values
        streams.removeAll()
        for stream in active { stream.connectionLost(status) }
        wakeCallerReader()  // a worker waiting for the next call has no stream to be woken by
        if linger {
            lingering = true
            shutdown(fd, Int32(SHUT_WR))
            loop.schedule(at: Deadline.after(seconds: 1)) { [self] in lock.withLock { releaseSocket() } }
        } else {
            releaseSocket()
        }
    }

    private func releaseSocket() {
        guard !socketReleased else { return }
        socketReleased = true
        loop.unregister(fd: fd, source: self)
        Glibc.close(fd)
    }

    /// A lingering close: drop whatever arrives; close at the peer's end of input.
    private func drainLingering() {
        let buffer = loop.readBuffer
        while !socketReleased {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
            releaseSocket()
        }
    }

    // MARK: loop thread

    func handleReadable() {
        lock.lock()
        let closedNow = readLocked(into: loop.readBuffer)
        lock.unlock()
        if closedNow { delegate?.connectionDidClose(self) }
    }

    /// Reads and handles what the socket has; true when that closed the connection. Lock held.
    private func readLocked(into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var failure: Status?
        var linger = false
        if lingering {
            drainLingering()
            return false
        }
        while !isClosed {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 {
                receiving = true
                let rc = nghttp2_session_mem_recv(session, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), n)
                receiving = false
                if rc < 0 {
                    // A protocol error nghttp2 did not answer itself (for example a bad preface).
                    nghttp2_session_terminate_session(session, UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue))
                    flush()
                    failure = Status(
                        code: .unavailable,
                        details: "HTTP/2 protocol error: \(String(cString: nghttp2_strerror(Int32(rc))))")
                    linger = true
                    break
                }
                if n < buffer.count { break }
            } else if n == 0 {
                failure = Status(code: .unavailable, details: "Socket closed by peer")
                break
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
                failure = Status(code: .unavailable, details: "Connection error: \(Socket.errorText())")
                break
            }
        }
        if failure == nil && !isClosed {
            flush()
            if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0
                && writeQueue.isEmpty
            {
                failure = closeReason
                linger = true
            }
        }
        let closedNow = failure != nil && !isClosed
        if let failure { closeLocked(failure, linger: linger) }
        return closedNow
    }

    // MARK: reading on a waiting caller's thread

    /// Waits on `condition` while `blocked()` holds, or until `deadline` (false then), reading the
    /// socket on this thread meanwhile when its stream is the connection's only one: a client
    /// waiting for a response, or a server handler waiting for the next request of a bidi call. The
    /// message then wakes this thread directly, instead of the loop thread reading it and waking
    /// this one: one thread switch less per message. Lock held.
    /// `callerMayRead` false leaves the reading to the loop, as for a stream of messages: the loop
    /// then reads the next ones while the caller handles the last.
    @discardableResult
    func waitReading(
        _ condition: Condition, until deadline: Deadline, callerMayRead: Bool = true, while blocked: () -> Bool
    ) -> Bool {
        while blocked() {
            if deadline.hasPassed { return false }
            // With several streams open the loop reads for them all, one wake-up for many responses.
            if !callerMayRead || streams.count > 1 || callerReading || isClosed || lingering
                || !prepareCallerReading()
            {
                if !condition.wait(lock, until: deadline) && deadline.hasPassed { return false }
                continue
            }
            readWhileBlocked(until: deadline, blocked)
        }
        return true
    }

    /// Takes input over from the loop until `blocked()` stops holding, the deadline passes or the
    /// connection closes, then hands it back. Lock held.
    private func readWhileBlocked(until deadline: Deadline, _ blocked: () -> Bool) {
        let buffer = ThreadReadBuffer.current
        callerReading = true
        callerReader = pthread_self()
        loop.setInterest(fd: fd, source: self, read: false, write: wantsWritable)
        var closedNow = false
        var fds = (
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: callerWakeFD, events: Int16(POLLIN), revents: 0)
        )
        while blocked() && !isClosed && !deadline.hasPassed {
            // At most a second per poll: a missed wake-up would only cost time.
            let timeout = min(deadline.nanosecondsRemaining, 1_000_000_000)
            lock.unlock()
            let ready = withUnsafeMutablePointer(to: &fds) { pair in
                pair.withMemoryRebound(to: pollfd.self, capacity: 2) { clinux_poll_nanoseconds($0, 2, timeout) }
            }
            lock.lock()
            if ready > 0 && fds.1.revents != 0 {
                var value: UInt64 = 0
                _ = read(callerWakeFD, &value, 8)
            }
            if ready > 0 && fds.0.revents != 0 {
                closedNow = readLocked(into: buffer) || closedNow
            }
        }
        callerReading = false
        if !socketReleased { loop.setInterest(fd: fd, source: self, read: true, write: wantsWritable) }
        if closedNow { loop.execute { [self] in delegate?.connectionDidClose(self) } }
    }

    /// Server: a worker that has just finished a call on this connection waits until `deadline`
    /// for the connection's next call, reading the socket itself, and gets that call's handler to
    /// run on its own thread: a client that calls again at once (calls one after another) is
    /// served with no hand-off from the loop to a worker. Nil when no call came, when `slot` was
    /// stopped (before or during the wait), or when the connection has streams open or is read by
    /// another thread already.
    func waitForNextCall(_ slot: NextCall, until deadline: Deadline) -> (@Sendable () -> Void)? {
        lock.lock()
        defer { lock.unlock() }
        guard role == .server, streams.isEmpty, nextCall == nil, !callerReading, !isClosed, !lingering, !isDraining,
            !slot.isStopped, prepareCallerReading()
        else { return nil }
        nextCall = slot
        readWhileBlocked(until: deadline) { slot.handler == nil && !slot.isStopped }
        nextCall = nil
        return slot.handler
    }

    /// Makes the wake-up eventfd of ``readWhileBlocked(until:_:)`` once; false
    /// when the system has no eventfd to spare. Lock held.
    private func prepareCallerReading() -> Bool {
        if callerWakeFD < 0 {
            callerWakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
            if callerWakeFD < 0 { return false }
        }
        return true
    }

    /// A stream changed: the calling reader, if another thread is one, re-checks what it waits for.
    /// Lock held.
    func wakeCallerReader() {
        guard callerReading, pthread_equal(callerReader, pthread_self()) == 0 else { return }
        var one: UInt64 = 1
        _ = write(callerWakeFD, &one, 8)
    }

    func handleWritable() {
        lock.withLock { flush() }
    }

    /// Writes what nghttp2 has queued, as far as the socket takes it. Lock held.
    func flush() {
        guard !isClosed, !receiving, let session else { return }
        while true {
            switch writeQueue.write(to: fd) {
            case .done: break
            case .wouldBlock:
                setWriteInterest(true)
                return
            case .failed:
                // The read side will see the failure and close the connection.
                return
            }
            // Gather frames so that one send carries them all.
            while writeQueue.count < HTTP2Connection.writeBatchSize {
                var data: UnsafePointer<UInt8>?
                let n = nghttp2_session_mem_send(session, &data)
                if n <= 0 { break }
                writeQueue.append(copying: UnsafeRawBufferPointer(start: data, count: n))
            }
            if writeQueue.isEmpty {
                setWriteInterest(false)
                closeIfIdleLocked()
                return
            }
        }
    }

    /// Flushes on the loop thread soon rather than now, so that what other sends queue meanwhile
    /// leaves in the same write. Lock held.
    func flushSoon() {
        guard !flushScheduled, !isClosed else { return }
        flushScheduled = true
        loop.execute { [self] in
            lock.withLock {
                flushScheduled = false
                flush()
            }
        }
    }

    private func setWriteInterest(_ enabled: Bool) {
        guard enabled != wantsWritable, !isClosed else { return }
        wantsWritable = enabled
        loop.setInterest(fd: fd, source: self, read: !callerReading, write: enabled)
    }

    // MARK: nghttp2 callbacks (lock held, on the thread that reads or flushes)

    fileprivate func beginHeaders(streamID: Int32, category: nghttp2_headers_category) -> Int32 {
        if role == .server && category == NGHTTP2_HCAT_REQUEST {
            if isDraining {
                nghttp2_submit_rst_stream(
                    session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, UInt32(NGHTTP2_REFUSED_STREAM.rawValue))
                return 0
            }
            let stream = HTTP2Stream(
                connection: self, id: streamID, maxReceiveMessageLength: limits.maxReceiveMessageLength)
            streams[streamID] = stream
        }
        if let stream = streams[streamID] {
            stream.headerBlock.removeAll(keepingCapacity: true)
            stream.headerBlockSize = 0
        }
        return 0
    }

    fileprivate func header(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)
        -> Int32
    {
        guard let stream = streams[streamID] else { return 0 }
        stream.headerBlockSize += name.count + value.count + 32
        if stream.headerBlockSize > limits.maxHeaderListSize {
            // Keep decoding (HPACK state must stay in step) but keep nothing; the block is
            // answered with RESOURCE_EXHAUSTED once it is complete.
            if stream.headerOverflow == nil {
                stream.headerOverflow = Status(
                    code: .resourceExhausted,
                    details: "Received metadata larger than max (over \(limits.maxHeaderListSize) bytes)")
                stream.headerBlock.removeAll()
            }
            return 0
        }
        stream.headerBlock.append(HeaderField(String(decoding: name, as: UTF8.self), Array(value)))
        return 0
    }

    fileprivate func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let hd = frame.pointee.hd
        let endStream = hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch Int(hd.type) {
        case Int(NGHTTP2_HEADERS.rawValue):
            guard let stream = streams[hd.stream_id] else { return 0 }
            headerBlockReceived(stream, category: frame.pointee.headers.cat, endStream: endStream)
            if endStream { stream.receivedEndOfInput() }
        case Int(NGHTTP2_DATA.rawValue):
            if endStream, let stream = streams[hd.stream_id] { stream.receivedEndOfInput() }
        case Int(NGHTTP2_GOAWAY.rawValue):
            let last = frame.pointee.goaway.last_stream_id
            isDraining = true
            for (id, stream) in streams where id > last && role == .client {
                stream.connectionLost(Status(code: .unavailable, details: "Connection is going away (GOAWAY)"))
            }
        default:
            break
        }
        return 0
    }

    private func headerBlockReceived(_ stream: HTTP2Stream, category: nghttp2_headers_category, endStream: Bool) {
        let fields = stream.headerBlock
        stream.headerBlock = []
        if let overflow = stream.headerOverflow {
            stream.headerOverflow = nil
            if role == .server {
                stream.reject(httpStatus: 200, status: overflow)
            } else {
                stream.receivedStatus(overflow)
                if !endStream { submitReset(stream.id, errorCode: UInt32(NGHTTP2_CANCEL.rawValue)) }
            }
            return
        }
        switch role {
        case .server:
            guard category == NGHTTP2_HCAT_REQUEST else { return }  // client trailers carry nothing for us
            switch GRPCHeaders.checkRequest(fields) {
            case .reject(let httpStatus, let status):
                stream.reject(httpStatus: httpStatus, status: status)
            case .accept(let head):
                stream.requestHead = head
                stream.initialMetadata = head.metadata
                stream.setMessageEncoding(head.encoding)
                stream.headersReceived = true
                if let delegate {
                    delegate.connection(self, didReceiveRequest: stream)
                } else {
                    stream.reject(
                        httpStatus: 200, status: Status(code: .unavailable, details: "Server is shutting down"))
                }
            }
        case .client:
            if category == NGHTTP2_HCAT_RESPONSE && !stream.headersReceived {
                stream.headersReceived = true
                switch GRPCHeaders.checkResponse(fields, endStream: endStream) {
                case .headers(let metadata, let encoding):
                    stream.setMessageEncoding(encoding)
                    stream.receivedInitialMetadata(metadata)
                case .finished(let status):
                    stream.receivedStatus(status)
                    if !endStream { submitReset(stream.id, errorCode: UInt32(NGHTTP2_CANCEL.rawValue)) }
                }
            } else {
                stream.receivedStatus(GRPCHeaders.status(fromTrailers: fields))
            }
        }
    }

    fileprivate func frameSent(_ frame: UnsafePointer<nghttp2_frame>) {
        let hd = frame.pointee.hd
        let isStreamFrame = hd.type == UInt8(NGHTTP2_HEADERS.rawValue) || hd.type == UInt8(NGHTTP2_DATA.rawValue)
        if isStreamFrame && hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 {
            streams[hd.stream_id]?.finalFrameSent()
        }
    }

    fileprivate func dataChunk(streamID: Int32, _ bytes: UnsafeRawBufferPointer) {
        if let stream = streams[streamID] {
            stream.receivedData(bytes)
        } else {
            consumeConnection(count: bytes.count)
        }
    }

    fileprivate func streamClose(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        stream.streamClosed(errorCode: errorCode)
    }

    fileprivate func readData(streamID: Int32, length: Int, flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let stream = streams[streamID] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        return stream.readOutbound(length: length, flags: flags)
    }

    /// Queues a DATA frame whose payload is still in its stream's queue: the 9-byte frame header,
    /// then the payload, from the message buffers it is in (see ``WriteQueue``).
    fileprivate func sendData(_ frame: UnsafePointer<nghttp2_frame>, header: UnsafePointer<UInt8>, length: Int) -> Int32
    {
        guard let stream = streams[frame.pointee.hd.stream_id] else {
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        // A full batch goes to the socket first; nghttp2 offers this frame again afterwards.
        if writeQueue.count >= HTTP2Connection.writeBatchSize { return NGHTTP2_ERR_WOULDBLOCK.rawValue }
        writeQueue.append(copying: UnsafeRawBufferPointer(start: header, count: 9))
        stream.writeOutbound(length, into: &writeQueue)
        return 0
    }
}

// MARK: C callbacks

private func connection(_ userData: UnsafeMutableRawPointer?) -> HTTP2Connection {
    Unmanaged<HTTP2Connection>.fromOpaque(userData!).takeUnretainedValue()
}

private let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
    connection(userData).beginHeaders(streamID: frame!.pointee.hd.stream_id, category: frame!.pointee.headers.cat)
}

private let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
    connection(userData).header(
        streamID: frame!.pointee.hd.stream_id,
        name: UnsafeBufferPointer(start: name, count: nameLength),
        value: UnsafeBufferPointer(start: value, count: valueLength))
}

private let onFrameReceived: nghttp2_on_frame_recv_callback = { _, frame, userData in
    connection(userData).frameReceived(frame!)
}

private let onFrameSent: nghttp2_on_frame_send_callback = { _, frame, userData in
    connection(userData).frameSent(frame!)
    return 0
}

private let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, userData in
    connection(userData).dataChunk(streamID: streamID, UnsafeRawBufferPointer(start: data, count: length))
    return 0
}

private let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, userData in
    connection(userData).streamClose(streamID: streamID, errorCode: errorCode)
    return 0
}

private let readDataCallback: nghttp2_data_source_read_callback = { _, streamID, _, length, flags, _, userData in
    connection(userData).readData(streamID: streamID, length: length, flags: flags!)
}

private let onSendData: nghttp2_send_data_callback = { _, frame, header, length, _, userData in
    connection(userData).sendData(frame!, header: header!, length: length)
}

/// One wait of a worker for its connection's next call (``HTTP2Connection/waitForNextCall(_:until:)``):
/// where the call read meanwhile leaves its handler, and whether the worker is needed elsewhere.
final class NextCall: @unchecked Sendable {  // `handler`: the connection's lock; `stopped` is atomic
    /// The handler of the call read during the wait (connection lock).
    var handler: (@Sendable () -> Void)?
    private let stopped = Atomic<Bool>(false)

    /// The worker is needed elsewhere: the wait ends, or does not begin. Any thread, any lock held.
    func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }

    var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }
}
