import CNGHTTP2

/// One HTTP/2 connection: the shell that ties an ``HTTP2Session`` (nghttp2) to a
/// ``ConnectionSocket``, keeps the connection's streams, and applies the
/// ``ConnectionStateMachine``'s actions. Everything is guarded by `lock`.
///
/// Reading happens on the loop thread, or on a thread that waits while its stream is the
/// connection's only one (see WaitingReader.swift): `read` → ``HTTP2Session/receive(_:)`` → the
/// session's delegate methods below → the streams. Whoever holds the lock may flush:
/// ``HTTP2Session/nextBytesToSend()`` → ``WriteQueue`` → `sendmsg`; what the kernel does not take
/// waits for `EPOLLOUT`.
final class HTTP2Connection: EventLoopSource, @unchecked Sendable {  // state protected by `lock`
    typealias Role = ConnectionStateMachine.Role

    /// Bytes gathered from nghttp2 per `sendmsg`, at most (about).
    static let writeBatchSize = 64 * 1024

    let role: Role
    let lock = Lock()
    let loop: EventLoop
    let peer: SocketAddress
    let limits: ConnectionLimits
    let session: HTTP2Session
    /// The socket; the waiting reader reads it too.
    @exclusivity(unchecked) var socket: ConnectionSocket
    @exclusivity(unchecked) var lifecycle: ConnectionStateMachine
    /// The open streams by id; a stream leaves when nghttp2 closes it.
    @exclusivity(unchecked) var streams: [Int32: any SessionStream] = [:]
    /// Who reads the socket besides the loop (WaitingReader.swift).
    @exclusivity(unchecked) var reader = WaitingReader()
    weak var serverDelegate: (any ServerConnectionDelegate)?
    weak var clientDelegate: (any ClientConnectionDelegate)?
    /// A flush is queued on the loop (``flushSoonLocked()``).
    @exclusivity(unchecked) private var flushScheduled = false
    /// True while nghttp2 parses input or produces output: it must not be asked to send from
    /// inside its own callbacks, so flushes wait until it returns.
    @exclusivity(unchecked) private var insideSession = false
    /// The timeout of a graceful drain's PING.
    @exclusivity(unchecked) private var drainTimer: ScheduledTimer?
    /// The TLS handshake's time limit, while it lasts; on a server, until the client's first
    /// HTTP/2 bytes, so that silence after the handshake times out (grpc's lasts until SETTINGS).
    @exclusivity(unchecked) private var handshakeTimer: ScheduledTimer?
    /// Signalled when the connection becomes ready or closes (``waitUntilReady(until:)``).
    let readinessChanged = Condition()
    /// The peer's first SETTINGS frame has arrived: it speaks HTTP/2.
    @exclusivity(unchecked) var receivedPeerSettings = false
    /// Keepalive PINGs and (server) the client's (HTTP2Connection+Lifetime.swift).
    @exclusivity(unchecked) var keepalive: KeepaliveState
    /// Whether reads are timed for keepalive.
    private let timesReads: Bool
    /// What the loop reads per turn: `readsPerTurn` reads of up to `readSlice` bytes
    /// (`grpc.max_read_bytes_per_turn`).
    private let readSlice: Int
    private let readsPerTurn: Int
    @exclusivity(unchecked) var keepaliveTimer: ScheduledTimer?
    @exclusivity(unchecked) var idleTimer: ScheduledTimer?
    /// The age limit's timer, then its grace period's.
    @exclusivity(unchecked) var ageTimer: ScheduledTimer?
    /// Since when the connection has had no stream (with an idle limit).
    @exclusivity(unchecked) var idleSince: UInt64 = 0
    /// The client sent too many oversized header blocks in a row; the connection ends once nghttp2
    /// returns.
    @exclusivity(unchecked) var peerSentTooManyOversizedHeaders = false
    /// The client's PINGs came too often; the connection ends once nghttp2 returns.
    @exclusivity(unchecked) var peerStruckOut = false
    /// The received bytes the streams hold, and the connection window withheld for them.
    @exclusivity(unchecked) var receiveBudget: ReceiveBudget
    /// What the connection's security established about the peer (complete once established).
    @exclusivity(unchecked) private(set) var authProperties: AuthProperties

    /// A connection over `socket`, not yet started; nil when there is no memory for a session.
    init?(
        socket: ConnectionSocket, role: Role, peer: SocketAddress, loop: EventLoop, limits: ConnectionLimits,
        isLocal: Bool
    ) {
        guard let session = HTTP2Session(server: role == .server) else { return nil }
        self.session = session
        self.role = role
        self.peer = peer
        self.loop = loop
        self.limits = limits
        self.socket = socket
        authProperties = isLocal ? .local : .insecure
        keepalive = KeepaliveState(settings: limits.keepalive, now: monotonicNanoseconds())
        timesReads = limits.keepalive.time != nil
        lifecycle = ConnectionStateMachine(role: role, maxOversizedHeaderBlocks: limits.maxOversizedHeaderBlocks)
        readSlice = min(limits.readBytesPerTurn, EventLoop.readBufferSize)
        readsPerTurn = (limits.readBytesPerTurn + EventLoop.readBufferSize - 1) / EventLoop.readBufferSize
        receiveBudget = ReceiveBudget(limit: limits.receiveBufferLimit, window: Int(limits.connectionWindowSize))
        session.delegate = self
    }

    /// A server connection over the accepted socket `fd`, started (SETTINGS queued, reading on
    /// `loop`; with `tls`, the handshake first); nil when there is no memory for a session (the
    /// socket is closed then).
    static func server(
        fd: Int32, peer: SocketAddress, loop: EventLoop, limits: ConnectionLimits, tls: TLSContext?, isLocal: Bool,
        delegate: any ServerConnectionDelegate
    ) -> HTTP2Connection? {
        started(
            fd: fd, role: .server, peer: peer, loop: loop, limits: limits, tls: tls, serverName: nil, isLocal: isLocal
        ) {
            $0.serverDelegate = delegate
        }
    }

    /// A client connection over the connected socket `fd`, started; with `tls`, the server's
    /// certificate must be valid for `serverName`.
    static func client(
        fd: Int32, peer: SocketAddress, loop: EventLoop, limits: ConnectionLimits, tls: TLSContext?,
        serverName: String?, isLocal: Bool, delegate: any ClientConnectionDelegate
    ) -> HTTP2Connection? {
        started(
            fd: fd, role: .client, peer: peer, loop: loop, limits: limits, tls: tls, serverName: serverName,
            isLocal: isLocal
        ) {
            $0.clientDelegate = delegate
        }
    }

    private static func started(
        fd: Int32, role: Role, peer: SocketAddress, loop: EventLoop, limits: ConnectionLimits, tls: TLSContext?,
        serverName: String?, isLocal: Bool, setDelegate: (HTTP2Connection) -> Void
    ) -> HTTP2Connection? {
        var stream: TLSStream?
        if let tls {
            do {
                stream = try TLSStream(context: tls, fd: fd, serverName: serverName)
            } catch {
                Socket.close(fd)
                return nil
            }
        }
        guard
            let connection = HTTP2Connection(
                socket: ConnectionSocket(fd: fd, tls: stream), role: role, peer: peer, loop: loop, limits: limits,
                isLocal: isLocal)
        else {
            Socket.close(fd)
            return nil
        }
        setDelegate(connection)
        if role == .server {
            limits.log.connectionAccepted(peer: peer.description)
        } else {
            limits.log.connectionOpened(peer: peer.description)
        }
        connection.start()
        return connection
    }

    deinit {
        reader.release()
    }

    /// Sends our SETTINGS and starts reading on the loop.
    func start() {
        lock.withLock {
            var settings: [(id: nghttp2_settings_id, value: UInt32)] = [
                (NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, UInt32(limits.initialWindowSize)),
                (NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, UInt32(limits.maxHeaderListSize)),
            ]
            if role == .client { settings.append((NGHTTP2_SETTINGS_ENABLE_PUSH, 0)) }
            if role == .server, let maxConcurrentStreams = limits.maxConcurrentStreams {
                settings.append((NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, maxConcurrentStreams))
            }
            session.submitSettings(settings, connectionWindow: limits.connectionWindowSize)
            loop.register(fd: socket.fd, source: self)
            startLifetimeTimersLocked()
            if !socket.isEstablished {
                handshakeTimer = loop.schedule(at: .after(seconds: limits.handshakeTimeout)) { [self] in
                    lock.withLock {
                        if handshakeTimer != nil { applyLocked(lifecycle.socketEnded(.tlsHandshakeTimedOut)) }
                    }
                }
            }
            flushLocked()
        }
    }

    // MARK: for the streams (lock held)

    func submitResponseLocked(_ streamID: Int32, headers: [HeaderField], withBody: Bool) {
        lock.assertHeld()
        session.submitResponse(streamID, headers, withBody: withBody)
    }

    func submitResetLocked(_ streamID: Int32, errorCode: UInt32) {
        lock.assertHeld()
        session.submitReset(streamID, errorCode: errorCode)
    }

    func resumeDataLocked(_ streamID: Int32) {
        lock.assertHeld()
        session.resumeData(streamID)
    }

    /// Returns `count` received bytes to the peer's window for one stream.
    func consumeStreamLocked(_ streamID: Int32, count: Int) {
        lock.assertHeld()
        session.consumeStream(streamID, count)
    }

    /// Server: a request head arrived on `stream`; the server takes it.
    func requestArrivedLocked(_ stream: ServerStream, head: RequestHead) {
        lock.assertHeld()
        if let serverDelegate {
            serverDelegate.connection(self, receivedRequest: stream, head: head)
        } else {
            stream.finishLocked(.serverShuttingDown)
        }
    }

    // MARK: writing (lock held)

    /// Writes what nghttp2 has queued, as far as the socket takes it.
    func flushLocked() {
        lock.assertHeld()
        guard !lifecycle.isClosed else { return }
        writeLocked()
    }

    /// Flushes as `flush` says: now, soon (on the loop, with whatever is queued by then), or later.
    func flushLocked(_ flush: SendPacing.Flush) {
        lock.assertHeld()
        switch flush {
        case .later: break
        case .now: flushLocked()
        case .soon: flushSoonLocked()
        }
    }

    /// Flushes on the loop thread soon rather than now, so that what other sends queue meanwhile
    /// leaves in the same write.
    func flushSoonLocked() {
        lock.assertHeld()
        guard !flushScheduled, !lifecycle.isClosed else { return }
        flushScheduled = true
        loop.execute { [self] in
            lock.withLock {
                flushScheduled = false
                flushLocked()
            }
        }
    }

    /// Moves nghttp2's output to the socket, also once the connection is closing (its GOAWAY).
    private func writeLocked() {
        lock.assertHeld()
        guard !insideSession, !socket.isReleased else { return }
        while true {
            switch socket.write() {
            case .done: break
            case .wouldBlock:
                setWantsWritableLocked(true)
                return
            case .waitingForHandshake:
                setWantsWritableLocked(false)
                return
            case .failed:
                // The read side sees the failure and closes the connection.
                return
            }
            // Gather frames so that one send carries them all.
            insideSession = true
            while socket.writeQueue.count < HTTP2Connection.writeBatchSize, let bytes = session.nextBytesToSend() {
                socket.writeQueue.append(copying: bytes)
            }
            insideSession = false
            if socket.writeQueue.isEmpty {
                setWantsWritableLocked(false)
                if !lifecycle.isClosed && !session.wantsReadOrWrite { applyLocked(lifecycle.sessionDone()) }
                return
            }
        }
    }

    func setWantsWritableLocked(_ enabled: Bool) {
        lock.assertHeld()
        socket.setWantsWritable(enabled, reading: !reader.isReading, loop: loop, source: self)
    }

    // MARK: reading (lock held)

    func handleReadable() {
        lock.withLock {
            if lifecycle.isLingering {
                if socket.drainLingering(into: loop.readBuffer) { endLingerLocked() }
                return
            }
            // A bounded slice per turn (one buffer by default): a connection whose peer sends without
            // pause must not keep the loop from its other connections. The loop comes back while
            // the socket is readable; what TLS has decrypted already is not in the socket, so it
            // asks again.
            let buffer =
                readSlice < loop.readBuffer.count
                ? UnsafeMutableRawBufferPointer(rebasing: loop.readBuffer[0..<readSlice]) : loop.readBuffer
            if readLocked(into: buffer, reads: readsPerTurn) && socket.tls != nil {
                loop.execute { [self] in handleReadable() }
            }
        }
    }

    func handleWritable() {
        lock.withLock { flushLocked() }
    }

    /// Reads and handles what the socket has, at most `reads` buffers of it, then flushes. True
    /// when it stopped at `reads` with more perhaps to come.
    @discardableResult
    func readLocked(into buffer: UnsafeMutableRawBufferPointer, reads: Int = .max) -> Bool {
        lock.assertHeld()
        var readsLeft = reads
        reading: while !lifecycle.isClosed {
            switch socket.read(into: buffer) {
            case .bytes(let n):
                if handshakeTimer != nil { handshakeSucceededLocked() }
                if timesReads { keepalive.readActivity(now: monotonicNanoseconds()) }
                insideSession = true
                do {
                    try receiveLocked(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                } catch {
                    insideSession = false
                    // A protocol error nghttp2 did not answer itself (for example a bad preface).
                    limits.log.peerProtocolError(error.reason, peer: peer.description)
                    applyLocked(lifecycle.protocolError(error.reason))
                    return false
                }
                insideSession = false
                if peerStruckOut {
                    endAbusiveConnectionLocked()
                    return false
                }
                if peerSentTooManyOversizedHeaders {
                    applyLocked(lifecycle.tooManyOversizedHeaderBlocks())
                    return false
                }
                if !socket.mayHaveMore(afterReading: n, into: buffer) { break reading }
                readsLeft -= 1
                if readsLeft == 0 {
                    flushLocked()
                    return true
                }
            case .wouldBlock:
                if handshakeTimer != nil && socket.isEstablished && role == .client { handshakeSucceededLocked() }
                break reading
            case .endOfStream:
                applyLocked(lifecycle.socketEnded(.socketClosedByPeer))
                return false
            case .failed(let reason):
                applyLocked(lifecycle.socketEnded(.connectionError(reason)))
                return false
            case .handshakeFailed(let reason):
                limits.log.tlsHandshakeFailed(reason, peer: peer.description)
                applyLocked(lifecycle.socketEnded(.tlsHandshakeFailed(reason)))
                return false
            }
        }
        flushLocked()
        return false
    }

    /// The TLS handshake has succeeded: its timer stops and a caller waiting for it goes on.
    private func handshakeSucceededLocked() {
        lock.assertHeld()
        if let tls = socket.tls {
            let peer = tls.peerCertificates()
            authProperties = .tls(chain: peer.chain, session: peer.session)
        }
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }

    // MARK: the lifecycle's actions (lock held)

    func applyLocked(_ action: ConnectionStateMachine.Action) {
        lock.assertHeld()
        switch action {
        case .none:
            return
        case .sendShutdownNotice:
            session.submitShutdownNotice()
            flushLocked()
        case .sendDrainPing:
            // Told while nghttp2 sends the GOAWAY: the PING goes out after it, in the same flush.
            session.submitPing(payload: ConnectionStateMachine.drainPingPayload)
            drainTimer = loop.schedule(at: .after(seconds: ConnectionStateMachine.drainPingTimeout)) { [self] in
                lock.withLock { applyLocked(lifecycle.drainPingTimedOut()) }
            }
        case .sendFinalGoAway:
            drainTimer?.cancel()
            drainTimer = nil
            session.submitGoAway(lastStreamID: session.lastProcessedStreamID, errorCode: NGHTTP2_NO_ERROR.rawValue)
            flushLocked()
        case .failStreamsAbove(let lastStreamID):
            for (id, stream) in streams where id > lastStreamID { stream.refusedByGoAwayLocked() }
            tellChannelDrainingLocked()
        case .close(let status, let goAwayError, let linger):
            if let goAwayError {
                session.terminate(errorCode: goAwayError)
                writeLocked()
            }
            closeLocked(status, linger: linger)
        case .closeAbused(let status, let goAwayError, let debugData):
            session.submitGoAway(
                lastStreamID: session.lastProcessedStreamID, errorCode: goAwayError, debugData: debugData)
            writeLocked()
            closeLocked(status, linger: true)
        }
    }

    /// Ends the connection: its timers stop, its streams fail with `status`, and the socket is
    /// closed, after a lingering moment with `linger`.
    private func closeLocked(_ status: Status, linger: Bool) {
        lock.assertHeld()
        limits.log.connectionClosed(status, peer: peer.description)
        drainTimer?.cancel()
        drainTimer = nil
        handshakeTimer?.cancel()
        handshakeTimer = nil
        cancelLifetimeTimersLocked()
        readinessChanged.broadcast()
        let active = streams.values
        streams.removeAll()
        for stream in active { stream.connectionLostLocked(status) }
        wakeReaderLocked()  // a worker waiting for the next call has no stream to be woken by
        if linger {
            socket.shutdownWriting()
            loop.schedule(at: Deadline.after(seconds: 1)) { [self] in lock.withLock { endLingerLocked() } }
        } else {
            socket.release(loop: loop, source: self)
        }
        loop.execute { [self] in
            if let serverDelegate { serverDelegate.connectionDidClose(self) }
            if let clientDelegate { clientDelegate.connectionDidClose(self) }
        }
    }

    private func endLingerLocked() {
        lock.assertHeld()
        lifecycle.lingerEnded()
        socket.release(loop: loop, source: self)
    }
}
