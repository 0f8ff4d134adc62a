/// The life of one HTTP/2 connection, as a value: whether it takes new streams, how it drains,
/// and how it ends. Each event is one method returning what the connection's shell
/// (``HTTP2Connection``) must do.
///
/// ```
/// active ──beginGracefulShutdown──▶ awaitingPingAck ──PING ACK or timeout──▶ draining
///    │  (server: GOAWAY 2^31-1, once     (streams still accepted)   (final GOAWAY: last stream id)
///    │   it is sent a PING)
///    │
///    ├──GOAWAY received──────────────────────────────────────────────▶ draining
///    │
///    └─▶ lingering ─▶ closed      (any state: a protocol error, nghttp2 done; the socket is shut
///                                  for writing and input dropped for a moment)
///        closed                   (any state: the peer closed, a socket error, a local close)
/// ```
///
/// A graceful drain sends two GOAWAYs, as nghttp2's documentation and grpc's implementations do:
/// the first (last stream id 2^31-1) tells the client to open no more streams while streams it
/// opened before seeing it are still accepted; once the client has acknowledged the PING sent
/// with it (so everything it sent before has arrived), or after ``drainPingTimeout`` seconds, the
/// second names the last stream processed, and the connection closes when its streams have ended.
struct ConnectionStateMachine {
    enum Role: Equatable { case client, server }

    /// The PING payload of a graceful drain ("grpcsdrn").
    static let drainPingPayload: UInt64 = 0x6772_7063_7364_726E
    /// How long a drain waits for its PING's acknowledgement, in seconds: grpc core's cap.
    static let drainPingTimeout = 20.0

    private enum State: Equatable {
        case active
        /// `pingSent`: the PING has followed the first GOAWAY.
        case awaitingPingAck(pingSent: Bool)
        case draining
        case lingering(Status)
        case closed(Status)
    }

    /// What the shell does.
    enum Action: Equatable {
        case none
        /// Send GOAWAY(2^31-1).
        case sendShutdownNotice
        /// Send a PING with ``drainPingPayload`` (it follows the GOAWAY, so its acknowledgement
        /// shows the client has seen the GOAWAY); start its timeout.
        case sendDrainPing
        /// Send the final GOAWAY with the last stream processed; stop the PING's timeout.
        case sendFinalGoAway
        /// Fail the streams above `lastStreamID`: the server's GOAWAY says it will not process them.
        case failStreamsAbove(lastStreamID: Int32)
        /// End the connection: send GOAWAY with `goAwayError` first when it is set; every stream
        /// fails with `status`; with `linger`, the socket is shut for writing and input dropped for a
        /// moment before it closes, otherwise it closes now.
        case close(Status, goAwayError: UInt32?, linger: Bool)
        /// End the connection because the peer abused it: GOAWAY with `goAwayError` and
        /// `debugData` (the last stream processed), every stream fails with `status`, and the
        /// socket closes after a lingering moment.
        case closeAbused(Status, goAwayError: UInt32, debugData: [UInt8])
    }

    let role: Role
    private var state = State.active
    /// Server: the highest stream id the client has sent HEADERS on.
    private(set) var highestPeerStreamID: Int32 = 0
    /// Server: header blocks over the metadata limit the client has sent in a row.
    private(set) var oversizedHeaderBlocks = 0
    /// Server: after this many header blocks over the metadata limit in a row, by default, the
    /// connection ends (GOAWAY ENHANCE_YOUR_CALM): a peer that sends nothing else is abusing it.
    static let defaultMaxOversizedHeaderBlocks = 10
    /// Server: the limit in force (`grpc.max_oversized_header_blocks`).
    let maxOversizedHeaderBlocks: Int

    init(role: Role, maxOversizedHeaderBlocks: Int = ConnectionStateMachine.defaultMaxOversizedHeaderBlocks) {
        self.role = role
        self.maxOversizedHeaderBlocks = maxOversizedHeaderBlocks
    }

    // MARK: what the state says

    /// A client may open streams.
    var canOpenStreams: Bool { state == .active }

    /// A server accepts a stream the client opens now.
    var acceptsNewStreams: Bool {
        switch state {
        case .active, .awaitingPingAck: true
        default: false
        }
    }

    /// Lingering or closed: no frame is read or written any more.
    var isClosed: Bool {
        switch state {
        case .lingering, .closed: true
        default: false
        }
    }

    var isLingering: Bool {
        if case .lingering = state { return true }
        return false
    }

    /// Draining in either phase, or ended: new streams go elsewhere.
    var isDraining: Bool { state != .active }

    /// Why the connection ended, once it has.
    var closeReason: Status? {
        switch state {
        case .lingering(let status), .closed(let status): status
        default: nil
        }
    }

    // MARK: events

    /// The server starts a graceful drain (a stop with grace, and later idle and age limits).
    mutating func beginGracefulShutdown() -> Action {
        guard role == .server, state == .active else { return .none }
        state = .awaitingPingAck(pingSent: false)
        return .sendShutdownNotice
    }

    /// nghttp2 has sent a GOAWAY: after the first of a drain, the PING follows.
    mutating func goAwaySent(lastStreamID: Int32) -> Action {
        guard state == .awaitingPingAck(pingSent: false), lastStreamID == Int32.max else { return .none }
        state = .awaitingPingAck(pingSent: true)
        return .sendDrainPing
    }

    /// A PING acknowledgement arrived.
    mutating func pingAcknowledged(payload: UInt64) -> Action {
        guard state == .awaitingPingAck(pingSent: true), payload == Self.drainPingPayload else { return .none }
        state = .draining
        return .sendFinalGoAway
    }

    /// The drain's PING was not acknowledged in time.
    mutating func drainPingTimedOut() -> Action {
        guard state == .awaitingPingAck(pingSent: true) else { return .none }
        state = .draining
        return .sendFinalGoAway
    }

    /// The peer's GOAWAY arrived: no new stream on this connection.
    mutating func goAwayReceived(lastStreamID: Int32) -> Action {
        switch state {
        case .active, .awaitingPingAck, .draining:
            state = .draining
            return role == .client ? .failStreamsAbove(lastStreamID: lastStreamID) : .none
        case .lingering, .closed:
            return .none
        }
    }

    /// Server: a HEADERS frame from the client begins on `streamID`, before nghttp2 checks it;
    /// `streamIsOpen` when nghttp2 has that stream open (trailers). A stream id at or below one
    /// the client already used, on a stream that is not open, opens no new stream: RFC 9113
    /// §5.1.1 makes it a connection error of type PROTOCOL_ERROR (nghttp2 would ignore it).
    /// Returns the error's reason then, else nil. A gRPC client sends one HEADERS per stream, so
    /// none arrives late on a stream this side reset.
    mutating func headersFrameBegins(streamID: Int32, streamIsOpen: Bool) -> String? {
        if streamID > highestPeerStreamID {
            highestPeerStreamID = streamID
            return nil
        }
        if streamIsOpen || streamID & 1 == 0 || isClosed { return nil }  // nghttp2 answers even ids itself
        return "HEADERS on stream \(streamID), not above stream \(highestPeerStreamID) the client already opened"
    }

    /// nghttp2 can open no more streams (stream ids ran out): new streams go elsewhere.
    mutating func streamIDsExhausted() {
        if state == .active { state = .draining }
    }

    /// nghttp2 wants neither to read nor to write (both sides are done after a GOAWAY), and
    /// nothing waits to be written.
    mutating func sessionDone() -> Action {
        guard !isClosed else { return .none }
        state = .lingering(.connectionClosed)
        return .close(.connectionClosed, goAwayError: nil, linger: true)
    }

    /// The peer broke HTTP/2 in a way nghttp2 did not answer itself (a bad preface).
    mutating func protocolError(_ reason: String) -> Action {
        guard !isClosed else { return .none }
        let status = Status.protocolError(reason)
        state = .lingering(status)
        return .close(status, goAwayError: 0x1, linger: true)
    }

    /// Server: a header block over the metadata limit arrived (its call ends RESOURCE_EXHAUSTED).
    /// True when that makes ``maxOversizedHeaderBlocks`` in a row: the connection is to end with
    /// ``tooManyOversizedHeaderBlocks()`` once nghttp2 has returned.
    mutating func oversizedHeaderBlockReceived() -> Bool {
        oversizedHeaderBlocks += 1
        return oversizedHeaderBlocks == maxOversizedHeaderBlocks && !isClosed
    }

    /// Server: a header block within the limit arrived: the count of oversized ones starts again.
    mutating func headerBlockWithinLimitReceived() {
        oversizedHeaderBlocks = 0
    }

    /// Server: the client sent ``maxOversizedHeaderBlocks`` header blocks over the metadata limit
    /// in a row: GOAWAY ENHANCE_YOUR_CALM, then the connection closes.
    mutating func tooManyOversizedHeaderBlocks() -> Action {
        guard !isClosed else { return .none }
        state = .lingering(.tooManyOversizedHeaderBlocks)
        return .closeAbused(
            .tooManyOversizedHeaderBlocks, goAwayError: 0xB, debugData: Array("too_many_oversized_header_blocks".utf8))
    }

    /// Server: the client's PINGs came too often (grpc's ping strikes): GOAWAY
    /// ENHANCE_YOUR_CALM `too_many_pings`, then the connection closes.
    mutating func tooManyPings() -> Action {
        guard !isClosed else { return .none }
        state = .lingering(.tooManyPings)
        return .closeAbused(.tooManyPings, goAwayError: 0xB, debugData: HTTP2Session.tooManyPings)
    }

    /// A keepalive PING went unanswered: the peer is gone; the connection closes at once.
    mutating func keepaliveTimedOut() -> Action {
        closeNow(.keepaliveTimedOut, goAwayError: nil)
    }

    /// The peer closed the socket, or the socket failed (`status` says which).
    mutating func socketEnded(_ status: Status) -> Action {
        closeNow(status, goAwayError: nil)
    }

    /// This side closes the connection (a channel's close, a server's stop): GOAWAY(NO_ERROR),
    /// then the socket closes; every stream fails with `status`.
    mutating func close(_ status: Status) -> Action {
        closeNow(status, goAwayError: 0x0)
    }

    /// Closes at once, unless closed already; a lingering close simply ends.
    private mutating func closeNow(_ status: Status, goAwayError: UInt32?) -> Action {
        switch state {
        case .closed:
            return .none
        case .lingering(let reason):
            state = .closed(reason)
            return .none
        default:
            state = .closed(status)
            return .close(status, goAwayError: goAwayError, linger: false)
        }
    }

    /// The lingering close is over (the peer closed, or the moment passed).
    mutating func lingerEnded() {
        if case .lingering(let reason) = state { state = .closed(reason) }
    }
}

// MARK: tests reach any state directly

extension ConnectionStateMachine {
    /// The states by name, for tests that start a machine in any of them.
    enum Name: CaseIterable {
        /// `awaitingGoAwaySent`: the first GOAWAY is submitted, its PING not yet.
        case active, awaitingGoAwaySent, awaitingPingAck, draining, lingering, closed
    }

    /// A machine of `role` in state `name` (ended states with `reason`).
    init(role: Role, in name: Name, reason: Status = .connectionClosed) {
        self.role = role
        maxOversizedHeaderBlocks = Self.defaultMaxOversizedHeaderBlocks
        switch name {
        case .active: state = .active
        case .awaitingGoAwaySent: state = .awaitingPingAck(pingSent: false)
        case .awaitingPingAck: state = .awaitingPingAck(pingSent: true)
        case .draining: state = .draining
        case .lingering: state = .lingering(reason)
        case .closed: state = .closed(reason)
        }
    }

    /// The name of the current state.
    var name: Name {
        switch state {
        case .active: .active
        case .awaitingPingAck(let pingSent): pingSent ? .awaitingPingAck : .awaitingGoAwaySent
        case .draining: .draining
        case .lingering: .lingering
        case .closed: .closed
        }
    }
}
