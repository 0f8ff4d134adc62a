import CNGHTTP2

// What nghttp2 reports about a connection (``HTTP2SessionDelegate``), called with the lock held
// on the thread that reads or flushes: frames and their fields go to the streams and to the
// connection's state machines.

extension HTTP2Connection: HTTP2SessionDelegate {
    func sessionBeginsHeadersFrameLocked(streamID: Int32, streamIsOpen: Bool) -> String? {
        lock.assertHeld()
        return lifecycle.headersFrameBegins(streamID: streamID, streamIsOpen: streamIsOpen)
    }

    func sessionBeganHeadersLocked(streamID: Int32, category: HeadersCategory) {
        lock.assertHeld()
        if role == .server && category == .request {
            guard lifecycle.acceptsNewStreams else {
                session.submitReset(streamID, errorCode: NGHTTP2_REFUSED_STREAM.rawValue)
                return
            }
            streams[streamID] = ServerStream(
                connection: self, id: streamID, maxReceiveMessageLength: limits.maxReceiveMessageLength)
        }
        streams[streamID]?.beginHeadersLocked()
    }

    func sessionReceivedHeaderLocked(
        streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        lock.assertHeld()
        // Optional chaining, not a bound `let`: see sessionReceivedDataLocked.
        if streams[streamID]?.headerLocked(name: name, value: value) ?? true { return true }
        // The rest of an oversized block costs no more work; a client that keeps sending such
        // blocks loses the connection once nghttp2 has returned.
        streams[streamID]?.headerBlockOverflowedLocked()
        if role == .server && lifecycle.oversizedHeaderBlockReceived() { peerSentTooManyOversizedHeaders = true }
        return false
    }

    func sessionReceivedDataLocked(streamID: Int32, _ bytes: UnsafeRawBufferPointer) {
        lock.assertHeld()
        // The connection window is returned at once while the receive budget has room, so one
        // slow reader cannot stall the other streams; each stream's own window is the back-pressure.
        session.consumeConnection(receiveBudget.received(bytes.count))
        // Optional chaining, not a bound `let`, which retains and releases the stream each time:
        // for a request's header fields that came to about 4,000 instructions per unary call.
        if case .none = streams[streamID]?.dataReceivedLocked(bytes) {
            _ = releaseReceivedLocked(bytes.count)
            return
        }
        if receiveBudget.isWithholding { shedIfStuckLocked() }
    }

    func sessionReceivedFrameLocked(_ frame: ReceivedFrame) {
        lock.assertHeld()
        switch frame {
        case .headers(let streamID, let category, let endStream):
            if role == .server { lifecycle.headerBlockWithinLimitReceived() }
            streams[streamID]?.headersReceivedLocked(category: category, endStream: endStream)
        case .data(let streamID, let endStream):
            if endStream { streams[streamID]?.endOfStreamReceivedLocked() }
        case .goAway(let lastStreamID, let errorCode, let tooManyPings):
            limits.log.goAwayReceived(errorCode: errorCode, lastStreamID: lastStreamID, peer: peer.description)
            if tooManyPings, let clientDelegate {
                loop.execute { clientDelegate.connectionToldTooManyPings(self) }
            }
            applyLocked(lifecycle.goAwayReceived(lastStreamID: lastStreamID))
        case .ping:
            pingReceivedLocked()
        case .pingAck(let payload):
            applyLocked(lifecycle.pingAcknowledged(payload: payload))
        case .settings:
            if !receivedPeerSettings {
                receivedPeerSettings = true
                readinessChanged.broadcast()
            }
        case .other:
            break
        }
    }

    func sessionSentFrameLocked(_ frame: SentFrame) {
        lock.assertHeld()
        switch frame {
        case .endStream(let streamID):
            keepalive.dataOrHeadersSent()
            streams[streamID]?.finalFrameSentLocked()
        case .dataOrHeaders: keepalive.dataOrHeadersSent()
        case .goAway(let lastStreamID, let errorCode, let debugData):
            limits.log.goAwaySent(
                errorCode: errorCode, lastStreamID: lastStreamID, debugData: debugData, peer: peer.description)
            applyLocked(lifecycle.goAwaySent(lastStreamID: lastStreamID))
        case .other: break
        }
    }

    func sessionClosedStreamLocked(streamID: Int32, errorCode: UInt32) {
        lock.assertHeld()
        streams.removeValue(forKey: streamID)?.closedLocked(errorCode: errorCode)
        if streams.isEmpty { becameIdleLocked() }
    }

    func sessionReadDataLocked(streamID: Int32, maxLength: Int) -> DataSourceRead? {
        lock.assertHeld()
        guard let stream = streams[streamID] else { return nil }
        let read = stream.readOutboundLocked(maxLength: maxLength)
        if case .send(_, .trailers(let status)) = read {
            session.submitTrailers(streamID, GRPCHeaders.trailers(status: status))
        }
        return read
    }

    /// Queues a DATA frame whose payload is still in its stream's queue: the 9-byte frame header,
    /// then the payload, from the message buffers it is in (see ``WriteQueue``).
    func sessionSendDataLocked(streamID: Int32, frameHeader: UnsafeRawBufferPointer, length: Int) -> DataSend {
        lock.assertHeld()
        guard let stream = streams[streamID] else { return .unknownStream }
        // A full batch goes to the socket first; nghttp2 offers this frame again afterwards.
        if socket.writeQueue.count >= HTTP2Connection.writeBatchSize { return .wouldBlock }
        socket.writeQueue.append(copying: frameHeader)
        stream.writeOutboundLocked(length, into: &socket.writeQueue)
        return .sent
    }
}

// MARK: the receive budget (lock held)

extension HTTP2Connection {
    /// `count` received bytes left a stream (taken, dropped or discarded): their connection window
    /// goes back if it was withheld. True when some did (a flush sends the WINDOW_UPDATE).
    func releaseReceivedLocked(_ count: Int) -> Bool {
        lock.assertHeld()
        let giveBack = receiveBudget.released(count)
        session.consumeConnection(giveBack)
        return giveBack > 0
    }

    /// Window is withheld; when none of the held bytes make a message the application can take,
    /// the peer can complete none (it has no window left to), so the stream holding the most ends
    /// RESOURCE_EXHAUSTED and its bytes are dropped.
    func shedIfStuckLocked() {
        lock.assertHeld()
        var largest: (any SessionStream)?
        var largestBytes = 0
        for stream in streams.values {
            let (bytes, hasMessages) = stream.receiveBufferLocked
            if hasMessages { return }
            if bytes > largestBytes {
                largest = stream
                largestBytes = bytes
            }
        }
        largest?.receiveBudgetExhaustedLocked(.receiveBufferExhausted(limit: receiveBudget.limit))
    }
}
