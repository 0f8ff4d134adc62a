/// The life of one call's stream on a server, as a value: what the client has sent (its request
/// head, then messages, then END_STREAM) × what the server has sent (response headers, messages,
/// then the status), and the status the call ended with.
///
/// Each event is one method that moves the state and returns what the stream's shell
/// (``ServerStream``) must do; the shell applies that to nghttp2 and wakes whoever waits. An event
/// the state does not allow throws ``InvalidStreamTransition``. The call's status is decided in
/// one place, ``end(_:with:)``: by the handler's answer, a rejection, a bad request message, the
/// deadline, a cancel, the client's reset or the connection's loss, whichever comes first.
///
/// | state | client has sent | server has sent |
/// |---|---|---|
/// | `clientIdleServerIdle` | part of the request head | nothing |
/// | `clientOpenServerIdle` | the head, maybe messages | nothing |
/// | `clientOpenServerOpen` | the head, maybe messages | response headers, maybe messages |
/// | `clientClosedServerIdle` | everything (END_STREAM) | nothing |
/// | `clientClosedServerOpen` | everything | response headers, maybe messages |
/// | `clientOpenServerClosed` | the head, maybe messages | the status (decided; maybe still queued) |
/// | `clientClosedServerClosed` | everything | the status |
/// | `closed` | nghttp2 has closed the stream, or the connection is gone | |
struct ServerStreamState {
    /// How the server's side ends once the status is decided.
    enum Ending: Equatable {
        /// The status goes out as trailers once the queued messages have left.
        case trailersAfterData
        /// The status has gone to nghttp2 (trailers or a Trailers-Only response).
        case statusSent
        /// The stream is reset (RST_STREAM submitted): nothing more is sent.
        case reset
    }

    private enum State {
        case clientIdleServerIdle
        case clientOpenServerIdle
        case clientOpenServerOpen(DataSource)
        case clientClosedServerIdle
        case clientClosedServerOpen(DataSource)
        case clientOpenServerClosed(Status, Ending)
        case clientClosedServerClosed(Status, Ending)
        case closed(Status)

        var name: StaticString {
            switch self {
            case .clientIdleServerIdle: "clientIdleServerIdle"
            case .clientOpenServerIdle: "clientOpenServerIdle"
            case .clientOpenServerOpen: "clientOpenServerOpen"
            case .clientClosedServerIdle: "clientClosedServerIdle"
            case .clientClosedServerOpen: "clientClosedServerOpen"
            case .clientOpenServerClosed: "clientOpenServerClosed"
            case .clientClosedServerClosed: "clientClosedServerClosed"
            case .closed: "closed"
            }
        }
    }

    private var state = State.clientIdleServerIdle

    /// A stream whose request HEADERS have begun to arrive.
    init() {}

    // MARK: what the state says

    /// The status the call ended with, once decided.
    var status: Status? {
        switch state {
        case .clientOpenServerClosed(let status, _), .clientClosedServerClosed(let status, _), .closed(let status):
            status
        default:
            nil
        }
    }

    /// The call has its status: nothing more reaches the handler, nothing more is sent but the status.
    var isFinished: Bool { status != nil }

    /// The client has half-closed: every request message has arrived.
    var requestComplete: Bool {
        switch state {
        case .clientClosedServerIdle, .clientClosedServerOpen: true
        default: false
        }
    }

    /// More request messages may still arrive for the handler.
    var mayReceiveMore: Bool {
        switch state {
        case .clientOpenServerIdle, .clientOpenServerOpen: true
        default: false
        }
    }

    /// nghttp2 has closed the stream: nothing may be submitted for it.
    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    // MARK: events from the client

    /// What to do with a complete request head.
    enum HeadAction: Equatable {
        /// Hand the call to the server.
        case accept(RequestHead)
        /// Answer at once with a Trailers-Only response of this HTTP status and gRPC status.
        case reject(httpStatus: Int, Status)
    }

    /// The request head is complete: `check` is what ``GRPCHeaders/checkRequest(_:)`` found (or a
    /// rejection for a head over the metadata limit); `endStream` when the HEADERS ended the stream.
    mutating func receiveRequestHead(_ check: GRPCHeaders.RequestCheck, endStream: Bool) throws(InvalidStreamTransition)
        -> HeadAction
    {
        guard case .clientIdleServerIdle = state else { throw invalid("receiveRequestHead") }
        switch check {
        case .accept(let head):
            state = endStream ? .clientClosedServerIdle : .clientOpenServerIdle
            return .accept(head)
        case .reject(let httpStatus, let status):
            state = endStream ? .clientClosedServerIdle : .clientOpenServerIdle
            end(with: status, .statusSent)
            return .reject(httpStatus: httpStatus, status)
        }
    }

    /// The client sent trailers (a HEADERS block after the head, always with END_STREAM, which
    /// ``receiveEndOfStream(partialMessage:)`` reports next). They carry nothing for the call; a
    /// block over the metadata limit (`overflow`) ends it. Returns the status to answer with, if any.
    mutating func receiveTrailers(overflow: Status?) throws(InvalidStreamTransition) -> StatusAction? {
        switch state {
        case .clientOpenServerIdle, .clientOpenServerOpen:
            guard let overflow else { return nil }
            return sendStatus(overflow)
        case .clientOpenServerClosed:
            return nil
        default:
            throw invalid("receiveTrailers")
        }
    }

    /// A header block (the request head, or trailers) went far over the metadata limit: nghttp2
    /// skips the rest of it and resets the stream itself; the call ends with `status`
    /// (RESOURCE_EXHAUSTED) and nothing more is sent. False when the call had ended already.
    mutating func headerBlockOverflowed(_ status: Status) -> Bool {
        if isFinished { return false }
        if case .clientIdleServerIdle = state { state = .clientOpenServerIdle }
        end(with: status, .reset)
        return true
    }

    /// A DATA frame's bytes arrived.
    mutating func receiveData() throws(InvalidStreamTransition) -> InboundData {
        switch state {
        case .clientOpenServerIdle, .clientOpenServerOpen: .deliver
        case .clientOpenServerClosed: .discard
        default: throw invalid("receiveData")
        }
    }

    /// The request's bytes do not make messages (`status` says why): the call ends with it.
    mutating func deframingFailed(_ status: Status) throws(InvalidStreamTransition) -> StatusAction {
        switch state {
        case .clientOpenServerIdle, .clientOpenServerOpen: sendStatus(status)
        default: throw invalid("deframingFailed")
        }
    }

    /// The client half-closed (END_STREAM). With `partialMessage`, it did so in the middle of a
    /// message: the call ends INTERNAL. Returns the status to answer with, if that happened.
    mutating func receiveEndOfStream(partialMessage: Bool) throws(InvalidStreamTransition) -> StatusAction? {
        switch state {
        case .clientOpenServerIdle:
            state = .clientClosedServerIdle
        case .clientOpenServerOpen(let source):
            state = .clientClosedServerOpen(source)
        case .clientOpenServerClosed(let status, let ending):
            state = .clientClosedServerClosed(status, ending)
            return nil
        default:
            throw invalid("receiveEndOfStream")
        }
        return partialMessage ? sendStatus(.streamEndedMidMessage) : nil
    }

    /// A unary-request call takes its request, `messages` having arrived (all of them: such a
    /// call is handed to its handler once the client half-closed). More than one ends the call
    /// INTERNAL "Too many requests", as grpc-java answers; returns the status to answer with then.
    mutating func takeUnaryRequest(messages: Int) throws(InvalidStreamTransition) -> StatusAction? {
        if case .clientIdleServerIdle = state { throw invalid("takeUnaryRequest") }
        guard messages > 1, !isFinished else { return nil }
        return sendStatus(.tooManyRequests)
    }

    /// nghttp2 closed the stream: after END_STREAM both ways, a reset either way, or the
    /// connection's end. Returns the status if this decided it (the client went away first).
    mutating func streamClosed() throws(InvalidStreamTransition) -> Status? {
        if case .closed = state { throw invalid("streamClosed") }
        let decided = status == nil ? Status.cancelledByClient : nil
        state = .closed(status ?? .cancelledByClient)
        return decided
    }

    /// The connection is gone. Returns the status if this decided it.
    mutating func connectionLost(_ lost: Status) throws(InvalidStreamTransition) -> Status? {
        if case .closed = state { throw invalid("connectionLost") }
        let decided = status == nil ? lost : nil
        state = .closed(status ?? lost)
        return decided
    }

    // MARK: events from the handler (and the deadline)

    /// What sending the response headers needs.
    enum HeadersAction: Equatable {
        /// Submit the response headers (DATA follows from the stream's queue).
        case submit
        /// They went out before (explicitly, or with the first message).
        case alreadySent
        /// The call has ended; nothing is sent.
        case callEnded
    }

    /// The handler sends its initial metadata.
    mutating func sendHeaders() throws(InvalidStreamTransition) -> HeadersAction {
        switch state {
        case .clientOpenServerIdle:
            state = .clientOpenServerOpen(.ready)
            return .submit
        case .clientClosedServerIdle:
            state = .clientClosedServerOpen(.ready)
            return .submit
        case .clientOpenServerOpen, .clientClosedServerOpen:
            return .alreadySent
        case .clientOpenServerClosed, .clientClosedServerClosed, .closed:
            return .callEnded
        case .clientIdleServerIdle:
            throw invalid("sendHeaders")
        }
    }

    /// What sending a message needs.
    enum MessageAction: Equatable {
        /// Queue the message; submit the response headers first when `submitHeaders`, resume
        /// nghttp2's data source when `resume`.
        case queue(submitHeaders: Bool, resume: Bool)
        /// The call has ended; nothing is queued.
        case callEnded
    }

    /// The handler sends a response message.
    mutating func sendMessage() throws(InvalidStreamTransition) -> MessageAction {
        switch state {
        case .clientOpenServerIdle:
            state = .clientOpenServerOpen(.ready)
            return .queue(submitHeaders: true, resume: false)
        case .clientClosedServerIdle:
            state = .clientClosedServerOpen(.ready)
            return .queue(submitHeaders: true, resume: false)
        case .clientOpenServerOpen(let source):
            state = .clientOpenServerOpen(.ready)
            return .queue(submitHeaders: false, resume: source == .deferred)
        case .clientClosedServerOpen(let source):
            state = .clientClosedServerOpen(.ready)
            return .queue(submitHeaders: false, resume: source == .deferred)
        case .clientOpenServerClosed, .clientClosedServerClosed, .closed:
            return .callEnded
        case .clientIdleServerIdle:
            throw invalid("sendMessage")
        }
    }

    /// What ending the call with a status needs.
    enum StatusAction: Equatable {
        /// No response has started: one HEADERS frame with the HTTP status, the gRPC status and
        /// END_STREAM.
        case trailersOnly(httpStatus: Int, Status)
        /// Trailers follow the queued messages; resume nghttp2's data source when `resume`.
        case trailersAfterData(Status, resume: Bool)
        /// The call had already ended; nothing changes.
        case alreadyEnded
    }

    /// The handler ends the call with `status` (or the runtime does on its behalf: a bad request,
    /// the handler's error).
    mutating func sendStatus(_ status: Status) -> StatusAction {
        switch state {
        case .clientOpenServerIdle, .clientClosedServerIdle:
            end(with: status, .statusSent)
            return .trailersOnly(httpStatus: 200, status)
        case .clientOpenServerOpen(let source), .clientClosedServerOpen(let source):
            end(with: status, .trailersAfterData)
            return .trailersAfterData(status, resume: source == .deferred)
        case .clientIdleServerIdle:
            // No head yet (a server stopping while the block arrives): answered like a rejection.
            end(with: status, .statusSent)
            return .trailersOnly(httpStatus: 200, status)
        case .clientOpenServerClosed, .clientClosedServerClosed, .closed:
            return .alreadyEnded
        }
    }

    /// The call's deadline passed: it ends DEADLINE_EXCEEDED, as the handler's status would.
    mutating func deadlineExceeded() -> StatusAction {
        sendStatus(.deadlineExceeded)
    }

    /// What cancelling needs.
    enum CancelAction: Equatable {
        /// Reset the stream (RST_STREAM CANCEL).
        case reset
        /// The call had already ended.
        case alreadyEnded
    }

    /// The server cancels the call (`context.cancel()`, a stop without grace): it ends with
    /// `status` and the stream is reset.
    mutating func cancel(_ status: Status) -> CancelAction {
        if isFinished { return .alreadyEnded }
        end(with: status, .reset)
        return .reset
    }

    // MARK: events from nghttp2's side of sending

    /// nghttp2's data source asks for up to `maxLength` of the `queued` bytes.
    mutating func readOutbound(queued: Int, maxLength: Int) throws(InvalidStreamTransition) -> DataSourceRead {
        switch state {
        case .clientOpenServerOpen:
            if queued > 0 { return .send(count: min(queued, maxLength), end: .none) }
            state = .clientOpenServerOpen(.deferred)
            return .deferred
        case .clientClosedServerOpen:
            if queued > 0 { return .send(count: min(queued, maxLength), end: .none) }
            state = .clientClosedServerOpen(.deferred)
            return .deferred
        case .clientOpenServerClosed(let status, .trailersAfterData):
            return readEnding(status, queued: queued, maxLength: maxLength, clientOpen: true)
        case .clientClosedServerClosed(let status, .trailersAfterData):
            return readEnding(status, queued: queued, maxLength: maxLength, clientOpen: false)
        case .clientOpenServerClosed(_, .reset), .clientClosedServerClosed(_, .reset):
            // Reset while DATA was pending: nothing more goes out.
            return .deferred
        default:
            throw invalid("readOutbound")
        }
    }

    private mutating func readEnding(_ status: Status, queued: Int, maxLength: Int, clientOpen: Bool)
        -> DataSourceRead
    {
        let count = min(queued, maxLength)
        guard count == queued else { return .send(count: count, end: .none) }
        state =
            clientOpen ? .clientOpenServerClosed(status, .statusSent) : .clientClosedServerClosed(status, .statusSent)
        return .send(count: count, end: .trailers(status))
    }

    /// The frame that ends the server's side (END_STREAM) has been sent. A client still sending
    /// is then told to stop: RST_STREAM(NO_ERROR), as PROTOCOL-HTTP2.md allows. True when the
    /// stream is to be reset so.
    mutating func finalFrameSent() throws(InvalidStreamTransition) -> Bool {
        switch state {
        case .clientOpenServerClosed(let status, .statusSent):
            state = .clientOpenServerClosed(status, .reset)
            return true
        case .clientClosedServerClosed(_, .statusSent):
            return false
        default:
            throw invalid("finalFrameSent")
        }
    }

    // MARK: the one place a status is decided

    /// Ends the call with `status`; the server's side then ends as `ending` says. Only called
    /// while the status is undecided.
    private mutating func end(with status: Status, _ ending: Ending) {
        switch state {
        case .clientClosedServerIdle, .clientClosedServerOpen, .clientClosedServerClosed:
            state = .clientClosedServerClosed(status, ending)
        default:
            state = .clientOpenServerClosed(status, ending)
        }
    }

    private func invalid(_ event: StaticString) -> InvalidStreamTransition {
        InvalidStreamTransition(event: event, state: state.name)
    }
}

// MARK: tests reach any state directly

extension ServerStreamState {
    /// The states by name, for tests that start a machine in any of them.
    enum Name: CaseIterable {
        case clientIdleServerIdle, clientOpenServerIdle, clientOpenServerOpen, clientClosedServerIdle
        case clientClosedServerOpen, clientOpenServerClosed, clientClosedServerClosed, closed
    }

    /// A machine in state `name`: a response's data source `source`, a decided status `status`
    /// and the server's side ending as `ending`.
    init(in name: Name, source: DataSource = .ready, status: Status = .ok, ending: Ending = .statusSent) {
        switch name {
        case .clientIdleServerIdle: state = .clientIdleServerIdle
        case .clientOpenServerIdle: state = .clientOpenServerIdle
        case .clientOpenServerOpen: state = .clientOpenServerOpen(source)
        case .clientClosedServerIdle: state = .clientClosedServerIdle
        case .clientClosedServerOpen: state = .clientClosedServerOpen(source)
        case .clientOpenServerClosed: state = .clientOpenServerClosed(status, ending)
        case .clientClosedServerClosed: state = .clientClosedServerClosed(status, ending)
        case .closed: state = .closed(status)
        }
    }

    /// The name of the current state.
    var name: Name {
        switch state {
        case .clientIdleServerIdle: .clientIdleServerIdle
        case .clientOpenServerIdle: .clientOpenServerIdle
        case .clientOpenServerOpen: .clientOpenServerOpen
        case .clientClosedServerIdle: .clientClosedServerIdle
        case .clientClosedServerOpen: .clientClosedServerOpen
        case .clientOpenServerClosed: .clientOpenServerClosed
        case .clientClosedServerClosed: .clientClosedServerClosed
        case .closed: .closed
        }
    }

    /// How the server's side ends, once the status is decided.
    var ending: Ending? {
        switch state {
        case .clientOpenServerClosed(_, let ending), .clientClosedServerClosed(_, let ending): ending
        default: nil
        }
    }

    /// The data source of a response that has started and not ended.
    var dataSource: DataSource? {
        switch state {
        case .clientOpenServerOpen(let source), .clientClosedServerOpen(let source): source
        default: nil
        }
    }
}
