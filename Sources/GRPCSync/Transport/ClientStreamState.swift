/// The life of one call's stream on a client, as a value: what the client has sent (its request
/// head, messages, then END_STREAM) × what the server has sent (response headers, messages, then
/// its status), and the status the call ended with.
///
/// Each event is one method that moves the state and returns what the stream's shell
/// (``ClientStream``) must do; an event the state does not allow throws
/// ``InvalidStreamTransition``. The call's status is decided in one place, ``finish(_:remainder:)``:
/// by the server's trailers (or Trailers-Only response), a stream that ends without them, a bad
/// response message, the deadline, a cancel, a reset or the connection's loss, whichever comes
/// first.
///
/// | state | client has sent | server has sent |
/// |---|---|---|
/// | `clientOpenServerIdle` | the head, maybe messages | nothing |
/// | `clientOpenServerOpen` | the head, maybe messages | response headers, maybe messages |
/// | `clientClosedServerIdle` | everything (END_STREAM queued behind the messages) | nothing |
/// | `clientClosedServerOpen` | everything | response headers, maybe messages |
/// | `finished` | the call has its status; the stream may still be open | |
/// | `closed` | nghttp2 has closed the stream, or the connection is gone | |
struct ClientStreamState {
    /// How the client's side of the stream stands while it sends.
    enum Output: Equatable {
        /// More messages may be queued; nghttp2's data source is `DataSource`.
        case open(DataSource)
        /// END_STREAM goes out after the queued messages; the data source is `DataSource`.
        case ending(DataSource)
        /// END_STREAM has gone to nghttp2.
        case ended
    }

    private enum State {
        case serverIdle(Output)
        case serverOpen(Output)
        /// `remainder` nil: the stream is reset (the call ended on this side, or the server's end
        /// needs a reset) and sends nothing more. Otherwise the request side still sends what was
        /// queued before (`remainder`), as HTTP/2 lets it after the server's END_STREAM.
        case finished(Status, remainder: Output?)
        case closed(Status)

        var name: StaticString {
            switch self {
            case .serverIdle(.open): "clientOpenServerIdle"
            case .serverIdle: "clientClosedServerIdle"
            case .serverOpen(.open): "clientOpenServerOpen"
            case .serverOpen: "clientClosedServerOpen"
            case .finished: "finished"
            case .closed: "closed"
            }
        }
    }

    private var state: State

    /// A stream whose request HEADERS have been submitted; with `endOutput` the request is
    /// complete already (its messages queued with the headers).
    init(endOutput: Bool) {
        state = .serverIdle(endOutput ? .ending(.ready) : .open(.ready))
    }

    // MARK: what the state says

    /// The status the call ended with, once decided.
    var status: Status? {
        switch state {
        case .finished(let status, _), .closed(let status): status
        default: nil
        }
    }

    /// The call has its status.
    var isFinished: Bool { status != nil }

    /// The response headers have not arrived, and the call goes on.
    var awaitingResponseHeaders: Bool {
        if case .serverIdle = state { return true }
        return false
    }

    /// More response messages may still arrive.
    var mayReceiveMore: Bool {
        switch state {
        case .serverIdle, .serverOpen: true
        default: false
        }
    }

    /// nghttp2 has closed the stream: nothing may be submitted for it.
    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    // MARK: events from the server

    /// What to do with the first HEADERS of the response.
    enum HeadersAction: Equatable {
        /// Response headers: messages follow, compressed with `encoding`.
        case accept(Metadata, encoding: Compression)
        /// A Trailers-Only response (or one that ends the call): the call has ended with this
        /// status; with `reset`, the stream is to be reset (it did not end with the headers).
        case finished(Status, reset: Bool)
        /// The call had already ended here; the headers are dropped.
        case ignore
    }

    /// The response's first HEADERS arrived: `check` is what ``GRPCHeaders/checkResponse(_:endStream:)``
    /// found (or `.finished` with a status over the metadata limit).
    mutating func receiveResponseHeaders(_ check: GRPCHeaders.ResponseCheck, endStream: Bool)
        throws(InvalidStreamTransition) -> HeadersAction
    {
        switch state {
        case .serverIdle(let output):
            switch check {
            case .headers(let metadata, let encoding):
                state = .serverOpen(output)
                return .accept(metadata, encoding: encoding)
            case .finished(let status):
                finish(status, remainder: endStream ? output : nil)
                return .finished(status, reset: !endStream)
            }
        case .finished:
            return .ignore
        default:
            throw invalid("receiveResponseHeaders")
        }
    }

    /// The response's trailers arrived with `status` (or a status over the metadata limit). With
    /// `partialMessage`, they cut a message short: the call ends INTERNAL. Returns the status when
    /// this decided it.
    mutating func receiveTrailers(_ status: Status, partialMessage: Bool) throws(InvalidStreamTransition) -> Status? {
        switch state {
        case .serverOpen(let output):
            let final = partialMessage ? Status.streamEndedMidMessage : status
            finish(final, remainder: output)
            return final
        case .finished:
            return nil
        default:
            throw invalid("receiveTrailers")
        }
    }

    /// A DATA frame's bytes arrived.
    mutating func receiveData() throws(InvalidStreamTransition) -> InboundData {
        switch state {
        case .serverOpen: .deliver
        case .finished: .discard
        default: throw invalid("receiveData")
        }
    }

    /// What a status decided here needs.
    enum EndAction: Equatable {
        /// The call has ended with this status; with `reset`, reset the stream (RST_STREAM CANCEL).
        case ended(Status, reset: Bool)
        /// The call had already ended; nothing changes.
        case alreadyEnded
    }

    /// The server ended its side with END_STREAM on DATA: without trailers, so the call ends
    /// INTERNAL (in the middle of a message when `partialMessage`). A client still sending
    /// resets the stream.
    mutating func receiveEndOfStream(partialMessage: Bool) throws(InvalidStreamTransition) -> EndAction {
        switch state {
        case .serverOpen(let output):
            let final = partialMessage ? Status.streamEndedMidMessage : .closedWithoutTrailers
            let stillSending = output != .ended
            finish(final, remainder: stillSending ? nil : output)
            return .ended(final, reset: stillSending)
        case .finished:
            return .alreadyEnded
        default:
            throw invalid("receiveEndOfStream")
        }
    }

    /// The response's bytes do not make messages (`status` says why): the call ends here.
    mutating func deframingFailed(_ status: Status) throws(InvalidStreamTransition) -> EndAction {
        switch state {
        case .serverOpen: return cancel(status)
        default: throw invalid("deframingFailed")
        }
    }

    /// nghttp2 closed the stream: a reset by the server (`errorCode`), or both sides ended.
    /// Returns the status when this decided it.
    mutating func streamClosed(errorCode: UInt32) throws(InvalidStreamTransition) -> Status? {
        if case .closed = state { throw invalid("streamClosed") }
        let decided = status == nil ? Status.reset(errorCode: errorCode) : nil
        state = .closed(status ?? .reset(errorCode: errorCode))
        return decided
    }

    /// The connection is gone, or its GOAWAY left this stream unprocessed. Returns the status
    /// when this decided it.
    mutating func connectionLost(_ lost: Status) throws(InvalidStreamTransition) -> Status? {
        if case .closed = state { throw invalid("connectionLost") }
        let decided = status == nil ? lost : nil
        state = .closed(status ?? lost)
        return decided
    }

    /// The server's GOAWAY names a last stream below this one: it will not process it, and
    /// nghttp2 closes it next. Returns the status when this decided it.
    mutating func refusedByGoAway() -> Status? {
        guard !isFinished else { return nil }
        finish(.goAwayReceived, remainder: nil)
        return .goAwayReceived
    }

    // MARK: events from the caller (and the deadline)

    /// What sending a message needs.
    enum MessageAction: Equatable {
        /// Queue the message; resume nghttp2's data source when `resume`.
        case queue(resume: Bool)
        /// The call has ended, or the request side has (half-closed); nothing is queued.
        case notQueued
    }

    /// The caller sends a request message.
    mutating func sendMessage() -> MessageAction {
        switch state {
        case .serverIdle(.open(let source)):
            state = .serverIdle(.open(.ready))
            return .queue(resume: source == .deferred)
        case .serverOpen(.open(let source)):
            state = .serverOpen(.open(.ready))
            return .queue(resume: source == .deferred)
        default:
            return .notQueued
        }
    }

    /// The caller half-closes. True when nghttp2's data source is to be resumed (to send
    /// END_STREAM, or the messages before it).
    mutating func endOutput() -> Bool {
        switch state {
        case .serverIdle(.open(let source)):
            state = .serverIdle(.ending(.ready))
            return source == .deferred
        case .serverOpen(.open(let source)):
            state = .serverOpen(.ending(.ready))
            return source == .deferred
        default:
            return false
        }
    }

    /// The call ends here with `status` (`call.cancel()`, a bad response message, a request over
    /// the send limit, the channel's close): the stream is reset.
    mutating func cancel(_ status: Status) -> EndAction {
        if isFinished { return .alreadyEnded }
        finish(status, remainder: nil)
        return .ended(status, reset: true)
    }

    /// A header block went over `grpc.max_metadata_size` and nghttp2 resets the stream itself:
    /// the call ends with `status`, without a reset of its own.
    mutating func headerBlockOverflowed(_ status: Status) -> EndAction {
        if isFinished { return .alreadyEnded }
        finish(status, remainder: nil)
        return .ended(status, reset: false)
    }

    /// The call's deadline passed.
    mutating func deadlineExceeded() -> EndAction {
        cancel(.deadlineExceeded)
    }

    // MARK: events from nghttp2's side of sending

    /// nghttp2's data source asks for up to `maxLength` of the `queued` bytes.
    mutating func readOutbound(queued: Int, maxLength: Int) throws(InvalidStreamTransition) -> DataSourceRead {
        let output: Output
        switch state {
        case .serverIdle(let current), .serverOpen(let current), .finished(_, remainder: let current?):
            output = current
        case .finished(_, remainder: nil):
            // Reset: what is still queued is not sent.
            return .deferred
        case .closed:
            throw invalid("readOutbound")
        }
        let count = min(queued, maxLength)
        switch output {
        case .open:
            if queued > 0 { return .send(count: count, end: .none) }
            setOutput(.open(.deferred))
            return .deferred
        case .ending:
            guard count == queued else { return .send(count: count, end: .none) }
            setOutput(.ended)
            return .send(count: count, end: .endStream)
        case .ended:
            throw invalid("readOutbound")
        }
    }

    private mutating func setOutput(_ output: Output) {
        switch state {
        case .serverIdle: state = .serverIdle(output)
        case .serverOpen: state = .serverOpen(output)
        case .finished(let status, remainder: .some): state = .finished(status, remainder: output)
        default: break
        }
    }

    // MARK: the one place a status is decided

    /// Ends the call with `status`; the request side keeps sending `remainder` (nil: the stream
    /// is reset). Only called while the status is undecided.
    private mutating func finish(_ status: Status, remainder: Output?) {
        state = .finished(status, remainder: remainder)
    }

    private func invalid(_ event: StaticString) -> InvalidStreamTransition {
        InvalidStreamTransition(event: event, state: state.name)
    }
}

// MARK: tests reach any state directly

extension ClientStreamState {
    /// The states by name, for tests that start a machine in any of them.
    enum Name: CaseIterable {
        case clientOpenServerIdle, clientOpenServerOpen, clientClosedServerIdle, clientClosedServerOpen
        case finished, closed
    }

    /// A machine in state `name`: the request side `output` (for the client-closed states,
    /// `.ending` or `.ended`; for `finished`, what remains to send, nil when the stream was
    /// reset) and a decided status `status`.
    init(in name: Name, output: Output? = nil, status: Status = .ok) {
        switch name {
        case .clientOpenServerIdle: state = .serverIdle(output ?? .open(.ready))
        case .clientOpenServerOpen: state = .serverOpen(output ?? .open(.ready))
        case .clientClosedServerIdle: state = .serverIdle(output ?? .ending(.ready))
        case .clientClosedServerOpen: state = .serverOpen(output ?? .ending(.ready))
        case .finished: state = .finished(status, remainder: output)
        case .closed: state = .closed(status)
        }
    }

    /// The name of the current state.
    var name: Name {
        switch state {
        case .serverIdle(.open): .clientOpenServerIdle
        case .serverIdle: .clientClosedServerIdle
        case .serverOpen(.open): .clientOpenServerOpen
        case .serverOpen: .clientClosedServerOpen
        case .finished: .finished
        case .closed: .closed
        }
    }

    /// The request side, while the call goes on.
    var output: Output? {
        switch state {
        case .serverIdle(let output), .serverOpen(let output), .finished(_, remainder: let output?): output
        default: nil
        }
    }

    /// Whether the stream was reset when the call ended.
    var isReset: Bool {
        if case .finished(_, remainder: nil) = state { return true }
        return false
    }
}
