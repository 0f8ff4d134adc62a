import CNGHTTP2

// What a client's and a server's layers above ask of a connection (``ClientConnection``,
// ``ServerConnection``), from the connection's side: each takes the lock and goes through the
// connection's state machine and session.

// MARK: as a client's connection

extension HTTP2Connection: ClientConnection {
    var canOpenStreams: Bool { lock.withLock { lifecycle.canOpenStreams } }

    var hasOpenStreams: Bool { lock.withLock { !streams.isEmpty } }

    func waitUntilReady(until deadline: Deadline) throws(RPCError) {
        lock.lock()
        defer { lock.unlock() }
        while !(socket.isEstablished && receivedPeerSettings) {
            if let reason = lifecycle.closeReason { throw RPCError(reason) }
            if !readinessChanged.wait(lock, until: deadline) && deadline.hasPassed {
                throw RPCError(socket.isEstablished ? .settingsTimedOut : .tlsHandshakeTimedOut)
            }
        }
        // The SETTINGS may have come with a GOAWAY (a server that is stopping): not ready.
        guard lifecycle.canOpenStreams else { throw RPCError(lifecycle.closeReason ?? .connectionGoingAway) }
    }

    func openStream(
        headers: [HeaderField], maxReceiveMessageLength: Int, firstMessage: FramedMessage?,
        laterMessages: [FramedMessage], endOutput: Bool, deadline: Deadline, onRefused: ClientStream.RefusalHandler?
    ) throws(RPCError) -> ClientStream {
        lock.lock()
        defer { lock.unlock() }
        guard lifecycle.canOpenStreams else { throw RPCError(lifecycle.closeReason ?? .connectionGoingAway) }
        let stream = ClientStream(
            connection: self, maxReceiveMessageLength: maxReceiveMessageLength, firstMessage: firstMessage,
            laterMessages: laterMessages, endOutput: endOutput, onRefused: onRefused)
        switch session.submitRequest(headers) {
        case .failure(let error):
            lifecycle.streamIDsExhausted()
            throw RPCError(.cannotOpenStream(error.reason))
        case .success(let id):
            stream.openedLocked(id: id, deadline: deadline)
            streams[id] = stream
            flushLocked()
            return stream
        }
    }

    func close(failingStreamsWith status: Status) {
        lock.withLock { applyLocked(lifecycle.close(status)) }
    }

    /// Hands bytes read to nghttp2. A client whose server answers with an HTTP/1.x status line
    /// where its SETTINGS should be gets a protocol error that says so, as grpc's does (nghttp2
    /// would only close the session).
    func receiveLocked(_ bytes: UnsafeRawBufferPointer) throws(SessionError) {
        lock.assertHeld()
        let http1 = Array("HTTP/1.".utf8)
        if role == .client, !receivedPeerSettings, bytes.count >= 12, bytes.prefix(http1.count).elementsEqual(http1) {
            let statusCode = String(decoding: bytes[9..<12], as: UTF8.self)
            throw SessionError(reason: Status.http1ServerReason(statusCode: statusCode))
        }
        try session.receive(bytes)
    }

    /// The server's GOAWAY arrived: the channel is told, from the loop with no lock held.
    func tellChannelDrainingLocked() {
        lock.assertHeld()
        guard let clientDelegate else { return }
        loop.execute { [self] in clientDelegate.connectionIsDraining(self) }
    }
}

// MARK: as a server's connection

extension HTTP2Connection: ServerConnection {
    var isClosed: Bool { lock.withLock { lifecycle.isClosed } }

    func beginGracefulShutdown() {
        lock.withLock { applyLocked(lifecycle.beginGracefulShutdown()) }
    }

    func close(cancellingStreamsWith status: Status) {
        lock.withLock {
            for stream in streams.values { stream.cancelLocked(status) }
            flushLocked()
            applyLocked(lifecycle.close(status))
        }
    }
}
