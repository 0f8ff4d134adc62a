import XCTest

@testable import GRPCSync

/// Every event of ``ServerStreamState`` in every state, without sockets.
final class ServerStreamStateTests: XCTestCase {
    typealias State = ServerStreamState
    typealias Name = ServerStreamState.Name

    /// The status of the machines started in a state where the call has ended.
    private let decided = Status(code: .notFound, details: "decided earlier")
    private let answer = Status(code: .aborted, details: "the handler's answer")
    private let head = RequestHead(path: "/a.B/C", timeout: nil, metadata: ["k": "v"])

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

    // MARK: from the client

    func testReceiveRequestHeadAccepted() {
        for endStream in [false, true] {
            var table = [Name: Transition<State.HeadAction, Name>]()
            for name in Name.allCases { table[name] = .invalid }
            table[.clientIdleServerIdle] = .result(
                .accept(head), then: endStream ? .clientClosedServerIdle : .clientOpenServerIdle)
            check("receiveRequestHead(accept, endStream: \(endStream))", table) {
                try $0.receiveRequestHead(.accept(head), endStream: endStream)
            }
        }
    }

    func testReceiveRequestHeadRejectedEndsTheCallTrailersOnly() throws {
        let rejection = Status.unsupportedMethod("GET")
        var table = [Name: Transition<State.HeadAction, Name>]()
        for name in Name.allCases { table[name] = .invalid }
        table[.clientIdleServerIdle] = .result(.reject(httpStatus: 405, rejection), then: .clientOpenServerClosed)
        check("receiveRequestHead(reject)", table) {
            try $0.receiveRequestHead(.reject(httpStatus: 405, status: rejection), endStream: false)
        }
        var machine = State()
        _ = try machine.receiveRequestHead(.reject(httpStatus: 405, status: rejection), endStream: true)
        XCTAssertEqual(machine.name, .clientClosedServerClosed)
        XCTAssertEqual(machine.status, rejection)
        XCTAssertEqual(machine.ending, .statusSent)
    }

    func testReceiveTrailers() {
        check(
            "receiveTrailers(no overflow)",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(nil, then: .clientOpenServerIdle),
                .clientOpenServerOpen: .result(nil, then: .clientOpenServerOpen),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .invalid,
                .clientOpenServerClosed: .result(nil, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.receiveTrailers(overflow: nil) }
        let overflow = Status.metadataTooLarge(limit: 1024)
        check(
            "receiveTrailers(overflow)",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(.trailersOnly(httpStatus: 200, overflow), then: .clientOpenServerClosed),
                .clientOpenServerOpen: .result(
                    .trailersAfterData(overflow, resume: false), then: .clientOpenServerClosed),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .invalid,
                .clientOpenServerClosed: .result(nil, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.receiveTrailers(overflow: overflow) }
    }

    func testReceiveData() {
        check(
            "receiveData",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(.deliver, then: .clientOpenServerIdle),
                .clientOpenServerOpen: .result(.deliver, then: .clientOpenServerOpen),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .invalid,
                .clientOpenServerClosed: .result(.discard, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.receiveData() }
    }

    func testDeframingFailedEndsTheCallWithItsStatus() {
        let bad = Status.compressedWithoutEncoding
        check(
            "deframingFailed",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(.trailersOnly(httpStatus: 200, bad), then: .clientOpenServerClosed),
                .clientOpenServerOpen: .result(.trailersAfterData(bad, resume: false), then: .clientOpenServerClosed),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .invalid,
                .clientOpenServerClosed: .invalid,
                .clientClosedServerClosed: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.deframingFailed(bad) }
    }

    func testReceiveEndOfStream() {
        check(
            "receiveEndOfStream",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(nil, then: .clientClosedServerIdle),
                .clientOpenServerOpen: .result(nil, then: .clientClosedServerOpen),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .invalid,
                .clientOpenServerClosed: .result(nil, then: .clientClosedServerClosed),
                .clientClosedServerClosed: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.receiveEndOfStream(partialMessage: false) }
        let mid = Status.streamEndedMidMessage
        check(
            "receiveEndOfStream(partial message)",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(.trailersOnly(httpStatus: 200, mid), then: .clientClosedServerClosed),
                .clientOpenServerOpen: .result(.trailersAfterData(mid, resume: false), then: .clientClosedServerClosed),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .invalid,
                .clientOpenServerClosed: .result(nil, then: .clientClosedServerClosed),
                .clientClosedServerClosed: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.receiveEndOfStream(partialMessage: true) }
    }

    /// A header block far over the metadata limit ends the call RESOURCE_EXHAUSTED at once, with
    /// nothing more sent (nghttp2 skips the rest of the block and resets the stream itself).
    func testHeaderBlockOverflowed() {
        let tooLarge = Status.metadataTooLarge(limit: 16_384)
        check(
            "headerBlockOverflowed",
            [
                .clientIdleServerIdle: .result(true, then: .clientOpenServerClosed),
                .clientOpenServerIdle: .result(true, then: .clientOpenServerClosed),
                .clientOpenServerOpen: .result(true, then: .clientOpenServerClosed),
                .clientClosedServerIdle: .result(true, then: .clientClosedServerClosed),
                .clientClosedServerOpen: .result(true, then: .clientClosedServerClosed),
                .clientOpenServerClosed: .result(false, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(false, then: .clientClosedServerClosed),
                .closed: .result(false, then: .closed),
            ]
        ) { $0.headerBlockOverflowed(tooLarge) }
        var machine = State()
        XCTAssertTrue(machine.headerBlockOverflowed(tooLarge))
        XCTAssertEqual(machine.status, tooLarge)
        XCTAssertEqual(machine.ending, .reset, "nothing more is sent")
    }

    /// A unary call's request is one message: more end the call INTERNAL "Too many requests".
    func testTakeUnaryRequest() {
        for messages in [0, 1] {
            check(
                "takeUnaryRequest(\(messages))",
                [
                    .clientIdleServerIdle: .invalid,
                    .clientOpenServerIdle: .result(nil, then: .clientOpenServerIdle),
                    .clientOpenServerOpen: .result(nil, then: .clientOpenServerOpen),
                    .clientClosedServerIdle: .result(nil, then: .clientClosedServerIdle),
                    .clientClosedServerOpen: .result(nil, then: .clientClosedServerOpen),
                    .clientOpenServerClosed: .result(nil, then: .clientOpenServerClosed),
                    .clientClosedServerClosed: .result(nil, then: .clientClosedServerClosed),
                    .closed: .result(nil, then: .closed),
                ]
            ) { try $0.takeUnaryRequest(messages: messages) }
        }
        let tooMany = Status.tooManyRequests
        check(
            "takeUnaryRequest(2)",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(.trailersOnly(httpStatus: 200, tooMany), then: .clientOpenServerClosed),
                .clientOpenServerOpen: .result(
                    .trailersAfterData(tooMany, resume: false), then: .clientOpenServerClosed),
                .clientClosedServerIdle: .result(
                    .trailersOnly(httpStatus: 200, tooMany), then: .clientClosedServerClosed),
                .clientClosedServerOpen: .result(
                    .trailersAfterData(tooMany, resume: false), then: .clientClosedServerClosed),
                .clientOpenServerClosed: .result(nil, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(nil, then: .clientClosedServerClosed),
                .closed: .result(nil, then: .closed),
            ]
        ) { try $0.takeUnaryRequest(messages: 2) }
    }

    func testStreamClosedDecidesCancelledUnlessTheCallHadEnded() {
        let cancelled = Status.cancelledByClient
        check(
            "streamClosed",
            [
                .clientIdleServerIdle: .result(cancelled, then: .closed),
                .clientOpenServerIdle: .result(cancelled, then: .closed),
                .clientOpenServerOpen: .result(cancelled, then: .closed),
                .clientClosedServerIdle: .result(cancelled, then: .closed),
                .clientClosedServerOpen: .result(cancelled, then: .closed),
                .clientOpenServerClosed: .result(nil, then: .closed),
                .clientClosedServerClosed: .result(nil, then: .closed),
                .closed: .invalid,
            ]
        ) { try $0.streamClosed() }
        var ended = makeStateMachine(in: .clientClosedServerClosed)
        _ = try? ended.streamClosed()
        XCTAssertEqual(ended.status, decided, "the status decided first stays")
    }

    func testConnectionLost() {
        let lost = Status.socketClosedByPeer
        check(
            "connectionLost",
            [
                .clientIdleServerIdle: .result(lost, then: .closed),
                .clientOpenServerIdle: .result(lost, then: .closed),
                .clientOpenServerOpen: .result(lost, then: .closed),
                .clientClosedServerIdle: .result(lost, then: .closed),
                .clientClosedServerOpen: .result(lost, then: .closed),
                .clientOpenServerClosed: .result(nil, then: .closed),
                .clientClosedServerClosed: .result(nil, then: .closed),
                .closed: .invalid,
            ]
        ) { try $0.connectionLost(lost) }
    }

    // MARK: from the handler

    func testSendHeaders() {
        check(
            "sendHeaders",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(.submit, then: .clientOpenServerOpen),
                .clientOpenServerOpen: .result(.alreadySent, then: .clientOpenServerOpen),
                .clientClosedServerIdle: .result(.submit, then: .clientClosedServerOpen),
                .clientClosedServerOpen: .result(.alreadySent, then: .clientClosedServerOpen),
                .clientOpenServerClosed: .result(.callEnded, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(.callEnded, then: .clientClosedServerClosed),
                .closed: .result(.callEnded, then: .closed),
            ]
        ) { try $0.sendHeaders() }
    }

    func testSendMessage() {
        check(
            "sendMessage",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .result(.queue(submitHeaders: true, resume: false), then: .clientOpenServerOpen),
                .clientOpenServerOpen: .result(
                    .queue(submitHeaders: false, resume: false), then: .clientOpenServerOpen),
                .clientClosedServerIdle: .result(
                    .queue(submitHeaders: true, resume: false), then: .clientClosedServerOpen),
                .clientClosedServerOpen: .result(
                    .queue(submitHeaders: false, resume: false), then: .clientClosedServerOpen),
                .clientOpenServerClosed: .result(.callEnded, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(.callEnded, then: .clientClosedServerClosed),
                .closed: .result(.callEnded, then: .closed),
            ]
        ) { try $0.sendMessage() }
    }

    func testSendMessageResumesADeferredDataSource() throws {
        for name in [Name.clientOpenServerOpen, .clientClosedServerOpen] {
            var machine = State(in: name, source: .deferred)
            XCTAssertEqual(try machine.sendMessage(), .queue(submitHeaders: false, resume: true))
            XCTAssertEqual(machine.dataSource, .ready)
        }
    }

    func testSendStatus() {
        check(
            "sendStatus",
            [
                .clientIdleServerIdle: .result(.trailersOnly(httpStatus: 200, answer), then: .clientOpenServerClosed),
                .clientOpenServerIdle: .result(.trailersOnly(httpStatus: 200, answer), then: .clientOpenServerClosed),
                .clientOpenServerOpen: .result(
                    .trailersAfterData(answer, resume: false), then: .clientOpenServerClosed),
                .clientClosedServerIdle: .result(
                    .trailersOnly(httpStatus: 200, answer), then: .clientClosedServerClosed),
                .clientClosedServerOpen: .result(
                    .trailersAfterData(answer, resume: false), then: .clientClosedServerClosed),
                .clientOpenServerClosed: .result(.alreadyEnded, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(.alreadyEnded, then: .clientClosedServerClosed),
                .closed: .result(.alreadyEnded, then: .closed),
            ]
        ) { $0.sendStatus(answer) }
    }

    func testSendStatusDecidesTheStatusOnce() {
        var machine = State(in: .clientOpenServerOpen, source: .deferred)
        XCTAssertEqual(machine.sendStatus(answer), .trailersAfterData(answer, resume: true))
        XCTAssertEqual(machine.status, answer)
        XCTAssertEqual(machine.ending, .trailersAfterData)
        XCTAssertEqual(machine.sendStatus(.deadlineExceeded), .alreadyEnded)
        XCTAssertEqual(machine.cancel(.cancelledByServer), .alreadyEnded)
        XCTAssertEqual(machine.status, answer, "the first status wins")
    }

    func testDeadlineExceeded() {
        let late = Status.deadlineExceeded
        check(
            "deadlineExceeded",
            [
                .clientIdleServerIdle: .result(.trailersOnly(httpStatus: 200, late), then: .clientOpenServerClosed),
                .clientOpenServerIdle: .result(.trailersOnly(httpStatus: 200, late), then: .clientOpenServerClosed),
                .clientOpenServerOpen: .result(.trailersAfterData(late, resume: false), then: .clientOpenServerClosed),
                .clientClosedServerIdle: .result(.trailersOnly(httpStatus: 200, late), then: .clientClosedServerClosed),
                .clientClosedServerOpen: .result(
                    .trailersAfterData(late, resume: false), then: .clientClosedServerClosed),
                .clientOpenServerClosed: .result(.alreadyEnded, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(.alreadyEnded, then: .clientClosedServerClosed),
                .closed: .result(.alreadyEnded, then: .closed),
            ]
        ) { $0.deadlineExceeded() }
    }

    func testCancel() {
        check(
            "cancel",
            [
                .clientIdleServerIdle: .result(.reset, then: .clientOpenServerClosed),
                .clientOpenServerIdle: .result(.reset, then: .clientOpenServerClosed),
                .clientOpenServerOpen: .result(.reset, then: .clientOpenServerClosed),
                .clientClosedServerIdle: .result(.reset, then: .clientClosedServerClosed),
                .clientClosedServerOpen: .result(.reset, then: .clientClosedServerClosed),
                .clientOpenServerClosed: .result(.alreadyEnded, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(.alreadyEnded, then: .clientClosedServerClosed),
                .closed: .result(.alreadyEnded, then: .closed),
            ]
        ) { $0.cancel(.cancelledByServer) }
        var machine = State(in: .clientOpenServerOpen)
        _ = machine.cancel(.cancelledByServer)
        XCTAssertEqual(machine.ending, .reset)
        XCTAssertEqual(machine.status, .cancelledByServer)
    }

    // MARK: nghttp2's side of sending

    func testReadOutboundSendsWhatIsQueued() {
        check(
            "readOutbound(10 queued, 4 at most)",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .invalid,
                .clientOpenServerOpen: .result(.send(count: 4, end: .none), then: .clientOpenServerOpen),
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .result(.send(count: 4, end: .none), then: .clientClosedServerOpen),
                // The machines in the ended states sent their status already.
                .clientOpenServerClosed: .invalid,
                .clientClosedServerClosed: .invalid,
                .closed: .invalid,
            ]
        ) { try $0.readOutbound(queued: 10, maxLength: 4) }
    }

    func testReadOutboundDefersWhenNothingIsQueued() throws {
        for name in [Name.clientOpenServerOpen, .clientClosedServerOpen] {
            var machine = State(in: name)
            XCTAssertEqual(try machine.readOutbound(queued: 0, maxLength: 100), .deferred)
            XCTAssertEqual(machine.dataSource, .deferred)
            XCTAssertEqual(machine.name, name)
        }
    }

    func testTrailersFollowTheQueuedMessages() throws {
        for name in [Name.clientOpenServerClosed, .clientClosedServerClosed] {
            var machine = State(in: name, status: answer, ending: .trailersAfterData)
            XCTAssertEqual(try machine.readOutbound(queued: 10, maxLength: 4), .send(count: 4, end: .none))
            XCTAssertEqual(machine.ending, .trailersAfterData)
            XCTAssertEqual(try machine.readOutbound(queued: 6, maxLength: 100), .send(count: 6, end: .trailers(answer)))
            XCTAssertEqual(machine.ending, .statusSent)
            var empty = State(in: name, status: answer, ending: .trailersAfterData)
            XCTAssertEqual(try empty.readOutbound(queued: 0, maxLength: 100), .send(count: 0, end: .trailers(answer)))
        }
    }

    func testReadOutboundAfterAResetSendsNothing() throws {
        var machine = State(in: .clientOpenServerClosed, ending: .reset)
        XCTAssertEqual(try machine.readOutbound(queued: 10, maxLength: 4), .deferred)
    }

    func testFinalFrameSentResetsAClientStillSending() throws {
        check(
            "finalFrameSent",
            [
                .clientIdleServerIdle: .invalid,
                .clientOpenServerIdle: .invalid,
                .clientOpenServerOpen: .invalid,
                .clientClosedServerIdle: .invalid,
                .clientClosedServerOpen: .invalid,
                .clientOpenServerClosed: .result(true, then: .clientOpenServerClosed),
                .clientClosedServerClosed: .result(false, then: .clientClosedServerClosed),
                .closed: .invalid,
            ]
        ) { try $0.finalFrameSent() }
        var machine = State(in: .clientOpenServerClosed)
        _ = try machine.finalFrameSent()
        XCTAssertEqual(machine.ending, .reset, "the client is told to stop once")
        XCTAssertThrowsError(try machine.finalFrameSent())
        var pending = State(in: .clientOpenServerClosed, ending: .trailersAfterData)
        XCTAssertThrowsError(try pending.finalFrameSent(), "END_STREAM cannot precede the trailers")
    }

    // MARK: what the state says

    func testQueries() {
        for name in Name.allCases {
            let machine = makeStateMachine(in: name)
            let ended = [Name.clientOpenServerClosed, .clientClosedServerClosed, .closed].contains(name)
            XCTAssertEqual(machine.isFinished, ended, "\(name)")
            XCTAssertEqual(machine.status, ended ? decided : nil, "\(name)")
            XCTAssertEqual(machine.isClosed, name == .closed, "\(name)")
            XCTAssertEqual(
                machine.requestComplete, [.clientClosedServerIdle, .clientClosedServerOpen].contains(name), "\(name)")
            XCTAssertEqual(
                machine.mayReceiveMore, [.clientOpenServerIdle, .clientOpenServerOpen].contains(name), "\(name)")
        }
    }

    /// A unary call from its head to its end, event by event.
    func testAUnaryCall() throws {
        var machine = State()
        XCTAssertEqual(try machine.receiveRequestHead(.accept(head), endStream: false), .accept(head))
        XCTAssertEqual(try machine.receiveData(), .deliver)
        XCTAssertNil(try machine.receiveEndOfStream(partialMessage: false))
        XCTAssertTrue(machine.requestComplete)
        XCTAssertEqual(try machine.sendMessage(), .queue(submitHeaders: true, resume: false))
        XCTAssertEqual(machine.sendStatus(.ok), .trailersAfterData(.ok, resume: false))
        XCTAssertEqual(try machine.readOutbound(queued: 15, maxLength: 16_384), .send(count: 15, end: .trailers(.ok)))
        XCTAssertEqual(try machine.finalFrameSent(), false)
        XCTAssertNil(try machine.streamClosed())
        XCTAssertEqual(machine.status, .ok)
    }
}
