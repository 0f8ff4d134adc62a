import XCTest

@testable import GRPCSync

/// Every event of ``ClientStreamState`` in every state, without sockets.
final class ClientStreamStateTests: XCTestCase {
    typealias State = ClientStreamState
    typealias Name = ClientStreamState.Name

    /// The status of the machines started in a state where the call has ended.
    private let decided = Status(code: .notFound, details: "decided earlier")
    private let trailers = Status(code: .aborted, details: "the server's status", trailingMetadata: ["t": "1"])

    private func makeStateMachine(in name: Name) -> State {
        State(in: name, status: decided)
    }

    private func check<R: Equatable>(
        _ event: String, _ table: [Name: Transition<R, Name>], file: StaticString = #filePath, line: UInt = #line,
        _ apply: (inout State) throws -> R
    ) {
        checkTransitions(
            table, event: event, make: makeStateMachine(in:), name: \.name, apply, file: file, line: line)
    }

    // MARK: from the server

    func testReceiveResponseHeaders() {
        let accepted = State.HeadersAction.accept(["h": "1"], encoding: .gzip)
        check(
            "receiveResponseHeaders(headers)",
            [
                .clientOpenServerIdle: .result(accepted, then: .clientOpenServerOpen),
                .clientOpenServerOpen: .invalid,
                .clientClosedServerIdle: .result(accepted, then: .clientClosedServerOpen),
                .clientClosedServerOpen: .invalid,
                .finished: .result(.ignore, then: .finished),
                .closed: .invalid,
            ]
        ) { try $0.receiveResponseHeaders(.headers(["h": "1"], encoding: .gzip), endStream: false) }
    }

    func testTrailersOnlyResponseEndsTheCall() throws {
        check(
            "receiveResponseHeaders(Trailers-Only)",
            [
                .clientOpenServerIdle: .result(.finished(trailers, reset: false), then: .finished),
                .clientOpenServerOpen: .invalid,
                .clientClosedServerIdle: .result(.finished(trailers, reset: false), then: .finished),
                .clientClosedServerOpen: .invalid,
                .finished: .result(.ignore, then: .finished),
                .closed: .invalid,
            ]
        ) { try $0.receiveResponseHeaders(.finished(trailers), endStream: true) }
        // The request side still sends what it had queued; a status without END_STREAM resets.
        var open = State(in: .clientOpenServerIdle)
        _ = try open.receiveResponseHeaders(.finished(trailers), endStream: true)
        XCTAssertEqual(open.output, .open(.ready))
        XCTAssertFalse(open.isReset)
        var notEnded = State(in: .clientOpenServerIdle)
        XCTAssertEqual(
            try notEnded.receiveResponseHeaders(.finished(trailers), endStream: false), .finished(trailers, reset: true)
        )
        XCTAssertTrue(notEnded.isReset)
    }

    func testReceiveTrailers() {
        check(
            "receiveTrailers",
            [
                .clientOpenServerIdle: .invalid,
                .clientOpenServerOpen: .result(trailers, then: .finished),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .result(trailers, then: .finished),
                .finished: .result(nil, then: .finished),
                .closed: .invalid,
            ]
        ) { try $0.receiveTrailers(trailers, partialMessage: false) }
        let mid = Status.streamEndedMidMessage
        check(
            "receiveTrailers(partial message)",
            [
                .clientOpenServerIdle: .invalid,
                .clientOpenServerOpen: .result(mid, then: .finished),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .result(mid, then: .finished),
                .finished: .result(nil, then: .finished),
                .closed: .invalid,
            ]
        ) { try $0.receiveTrailers(trailers, partialMessage: true) }
    }

    func testReceiveData() {
        check(
            "receiveData",
            [
                .clientOpenServerIdle: .invalid,
                .clientOpenServerOpen: .result(.deliver, then: .clientOpenServerOpen),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .result(.deliver, then: .clientClosedServerOpen),
                .finished: .result(.discard, then: .finished),
                .closed: .invalid,
            ]
        ) { try $0.receiveData() }
    }

    func testEndOfStreamWithoutTrailersEndsTheCallInternal() throws {
        let noTrailers = Status.closedWithoutTrailers
        check(
            "receiveEndOfStream",
            [
                .clientOpenServerIdle: .invalid,
                .clientOpenServerOpen: .result(.ended(noTrailers, reset: true), then: .finished),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .result(.ended(noTrailers, reset: true), then: .finished),
                .finished: .result(.alreadyEnded, then: .finished),
                .closed: .invalid,
            ]
        ) { try $0.receiveEndOfStream(partialMessage: false) }
        // A request that has sent its END_STREAM needs no reset.
        var ended = State(in: .clientClosedServerOpen, output: .ended)
        XCTAssertEqual(try ended.receiveEndOfStream(partialMessage: true), .ended(.streamEndedMidMessage, reset: false))
    }

    func testDeframingFailedEndsTheCallHere() {
        let bad = Status.decompressionFailed("bad data")
        check(
            "deframingFailed",
            [
                .clientOpenServerIdle: .invalid,
                .clientOpenServerOpen: .result(.ended(bad, reset: true), then: .finished),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .result(.ended(bad, reset: true), then: .finished),
                .finished: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.deframingFailed(bad) }
    }

    func testStreamClosedByAResetDecidesItsStatus() {
        let refused = Status.reset(errorCode: 0x7)
        check(
            "streamClosed(REFUSED_STREAM)",
            [
                .clientOpenServerIdle: .result(refused, then: .closed),
                .clientOpenServerOpen: .result(refused, then: .closed),
                .clientClosedServerIdle: .result(refused, then: .closed),
                .clientClosedServerOpen: .result(refused, then: .closed),
                .finished: .result(nil, then: .closed),
                .closed: .invalid,
            ]
        ) { try $0.streamClosed(errorCode: 0x7) }
    }

    func testConnectionLost() {
        let lost = Status.socketClosedByPeer
        check(
            "connectionLost",
            [
                .clientOpenServerIdle: .result(lost, then: .closed),
                .clientOpenServerOpen: .result(lost, then: .closed),
                .clientClosedServerIdle: .result(lost, then: .closed),
                .clientClosedServerOpen: .result(lost, then: .closed),
                .finished: .result(nil, then: .closed),
                .closed: .invalid,
            ]
        ) { try $0.connectionLost(lost) }
    }

    func testRefusedByGoAway() {
        let refused = Status.goAwayReceived
        check(
            "refusedByGoAway",
            [
                .clientOpenServerIdle: .result(refused, then: .finished),
                .clientOpenServerOpen: .result(refused, then: .finished),
                .clientClosedServerIdle: .result(refused, then: .finished),
                .clientClosedServerOpen: .result(refused, then: .finished),
                .finished: .result(nil, then: .finished),
                .closed: .result(nil, then: .closed),
            ]
        ) { $0.refusedByGoAway() }
    }

    // MARK: from the caller

    func testSendMessage() throws {
        check(
            "sendMessage",
            [
                .clientOpenServerIdle: .result(.queue(resume: false), then: .clientOpenServerIdle),
                .clientOpenServerOpen: .result(.queue(resume: false), then: .clientOpenServerOpen),
                .clientClosedServerIdle: .result(.notQueued, then: .clientClosedServerIdle),
                .clientClosedServerOpen: .result(.notQueued, then: .clientClosedServerOpen),
                .finished: .result(.notQueued, then: .finished),
                .closed: .result(.notQueued, then: .closed),
            ]
        ) { $0.sendMessage() }
        var deferred = State(in: .clientOpenServerOpen, output: .open(.deferred))
        XCTAssertEqual(deferred.sendMessage(), .queue(resume: true))
        XCTAssertEqual(deferred.output, .open(.ready))
    }

    func testEndOutput() throws {
        check(
            "endOutput",
            [
                .clientOpenServerIdle: .result(false, then: .clientClosedServerIdle),
                .clientOpenServerOpen: .result(false, then: .clientClosedServerOpen),
                .clientClosedServerIdle: .result(false, then: .clientClosedServerIdle),
                .clientClosedServerOpen: .result(false, then: .clientClosedServerOpen),
                .finished: .result(false, then: .finished),
                .closed: .result(false, then: .closed),
            ]
        ) { $0.endOutput() }
        var deferred = State(in: .clientOpenServerIdle, output: .open(.deferred))
        XCTAssertTrue(deferred.endOutput(), "a deferred data source resumes to send END_STREAM")
        XCTAssertEqual(deferred.output, .ending(.ready))
    }

    func testCancelEndsTheCallAndResets() {
        let cancelled = Status.locallyCancelled
        check(
            "cancel",
            [
                .clientOpenServerIdle: .result(.ended(cancelled, reset: true), then: .finished),
                .clientOpenServerOpen: .result(.ended(cancelled, reset: true), then: .finished),
                .clientClosedServerIdle: .result(.ended(cancelled, reset: true), then: .finished),
                .clientClosedServerOpen: .result(.ended(cancelled, reset: true), then: .finished),
                .finished: .result(.alreadyEnded, then: .finished),
                .closed: .result(.alreadyEnded, then: .closed),
            ]
        ) { $0.cancel(cancelled) }
    }

    func testAnOversizedHeaderBlockEndsTheCallWithoutAResetOfItsOwn() {
        let tooLarge = Status.metadataTooLarge(limit: 16384)
        check(
            "headerBlockOverflowed",
            [
                .clientOpenServerIdle: .result(.ended(tooLarge, reset: false), then: .finished),
                .clientOpenServerOpen: .result(.ended(tooLarge, reset: false), then: .finished),
                .clientClosedServerIdle: .result(.ended(tooLarge, reset: false), then: .finished),
                .clientClosedServerOpen: .result(.ended(tooLarge, reset: false), then: .finished),
                .finished: .result(.alreadyEnded, then: .finished),
                .closed: .result(.alreadyEnded, then: .closed),
            ]
        ) { $0.headerBlockOverflowed(tooLarge) }
    }

    func testDeadlineExceeded() {
        let late = Status.deadlineExceeded
        check(
            "deadlineExceeded",
            [
                .clientOpenServerIdle: .result(.ended(late, reset: true), then: .finished),
                .clientOpenServerOpen: .result(.ended(late, reset: true), then: .finished),
                .clientClosedServerIdle: .result(.ended(late, reset: true), then: .finished),
                .clientClosedServerOpen: .result(.ended(late, reset: true), then: .finished),
                .finished: .result(.alreadyEnded, then: .finished),
                .closed: .result(.alreadyEnded, then: .closed),
            ]
        ) { $0.deadlineExceeded() }
    }

    // MARK: nghttp2's side of sending

    func testReadOutbound() {
        check(
            "readOutbound(10 queued, 4 at most)",
            [
                .clientOpenServerIdle: .result(.send(count: 4, end: .none), then: .clientOpenServerIdle),
                .clientOpenServerOpen: .result(.send(count: 4, end: .none), then: .clientOpenServerOpen),
                .clientClosedServerIdle: .result(.send(count: 4, end: .none), then: .clientClosedServerIdle),
                .clientClosedServerOpen: .result(.send(count: 4, end: .none), then: .clientClosedServerOpen),
                // Finished here (no remainder): the stream is reset, nothing more goes out.
                .finished: .result(.deferred, then: .finished),
                .closed: .invalid,
            ]
        ) { try $0.readOutbound(queued: 10, maxLength: 4) }
    }

    func testTheLastBytesCarryEndStream() throws {
        var machine = State(endOutput: true)
        XCTAssertEqual(try machine.readOutbound(queued: 3, maxLength: 4), .send(count: 3, end: .endStream))
        XCTAssertEqual(machine.output, .ended)
        XCTAssertThrowsError(try machine.readOutbound(queued: 0, maxLength: 4), "nghttp2 asks no more after END_STREAM")
        var empty = State(in: .clientClosedServerOpen)
        XCTAssertEqual(try empty.readOutbound(queued: 0, maxLength: 4), .send(count: 0, end: .endStream))
    }

    func testReadOutboundDefersWhenNothingIsQueued() throws {
        var machine = State(endOutput: false)
        XCTAssertEqual(try machine.readOutbound(queued: 0, maxLength: 4), .deferred)
        XCTAssertEqual(machine.output, .open(.deferred))
    }

    func testAfterTheServersStatusTheRequestSideStillSendsWhatWasQueued() throws {
        var machine = State(in: .clientClosedServerOpen)
        XCTAssertEqual(try machine.receiveTrailers(trailers, partialMessage: false), trailers)
        XCTAssertEqual(try machine.readOutbound(queued: 2, maxLength: 4), .send(count: 2, end: .endStream))
        XCTAssertEqual(machine.sendMessage(), .notQueued)
    }

    // MARK: what the state says

    func testQueries() {
        for name in Name.allCases {
            let machine = makeStateMachine(in: name)
            let ended = name == .finished || name == .closed
            XCTAssertEqual(machine.isFinished, ended, "\(name)")
            XCTAssertEqual(machine.status, ended ? decided : nil, "\(name)")
            XCTAssertEqual(machine.isClosed, name == .closed, "\(name)")
            XCTAssertEqual(
                machine.awaitingResponseHeaders, [.clientOpenServerIdle, .clientClosedServerIdle].contains(name),
                "\(name)")
            XCTAssertEqual(machine.mayReceiveMore, !ended, "\(name)")
        }
    }
}
