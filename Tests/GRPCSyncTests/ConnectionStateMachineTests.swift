import XCTest

@testable import GRPCSync

/// Every event of ``ConnectionStateMachine`` in every state, for both roles, without sockets.
final class ConnectionStateMachineTests: XCTestCase {
    typealias Machine = ConnectionStateMachine
    typealias Name = ConnectionStateMachine.Name

    private let reason = Status(code: .unavailable, details: "ended earlier")

    private func check(
        _ event: String, role: Machine.Role, _ table: [Name: Transition<Machine.Action, Name>],
        file: StaticString = #filePath, line: UInt = #line, _ apply: (inout Machine) -> Machine.Action
    ) {
        checkTransitions(
            table, event: "\(event) (\(role))", make: { Machine(role: role, in: $0, reason: reason) }, name: \.name,
            apply, file: file, line: line)
    }

    /// A table where the event changes nothing, but in `changes`.
    private func unchanged(but changes: [Name: Transition<Machine.Action, Name>] = [:])
        -> [Name: Transition<Machine.Action, Name>]
    {
        var table = [Name: Transition<Machine.Action, Name>]()
        for name in Name.allCases { table[name] = .result(.none, then: name) }
        return table.merging(changes) { $1 }
    }

    func testBeginGracefulShutdown() {
        check(
            "beginGracefulShutdown", role: .server,
            unchanged(but: [.active: .result(.sendShutdownNotice, then: .awaitingGoAwaySent)])
        ) { $0.beginGracefulShutdown() }
        check("beginGracefulShutdown", role: .client, unchanged()) { $0.beginGracefulShutdown() }
    }

    /// The drain's PING follows its first GOAWAY once that is sent, so the PING's acknowledgement
    /// shows the client has seen the GOAWAY.
    func testGoAwaySent() {
        check(
            "goAwaySent(2^31-1)", role: .server,
            unchanged(but: [.awaitingGoAwaySent: .result(.sendDrainPing, then: .awaitingPingAck)])
        ) { $0.goAwaySent(lastStreamID: Int32.max) }
        check("goAwaySent(5)", role: .server, unchanged()) { $0.goAwaySent(lastStreamID: 5) }
    }

    func testPingAcknowledged() {
        for role in [Machine.Role.server, .client] {
            check(
                "pingAcknowledged(drain)", role: role,
                unchanged(but: [.awaitingPingAck: .result(.sendFinalGoAway, then: .draining)])
            ) { $0.pingAcknowledged(payload: Machine.drainPingPayload) }
            check("pingAcknowledged(other)", role: role, unchanged()) { $0.pingAcknowledged(payload: 42) }
        }
    }

    func testDrainPingTimedOut() {
        check(
            "drainPingTimedOut", role: .server,
            unchanged(but: [.awaitingPingAck: .result(.sendFinalGoAway, then: .draining)])
        ) { $0.drainPingTimedOut() }
    }

    func testGoAwayReceived() {
        let fail = Transition<Machine.Action, Name>.result(.failStreamsAbove(lastStreamID: 5), then: .draining)
        check(
            "goAwayReceived", role: .client,
            unchanged(but: [.active: fail, .awaitingGoAwaySent: fail, .awaitingPingAck: fail, .draining: fail])
        ) { $0.goAwayReceived(lastStreamID: 5) }
        let drain = Transition<Machine.Action, Name>.result(.none, then: .draining)
        check(
            "goAwayReceived", role: .server,
            unchanged(but: [.active: drain, .awaitingGoAwaySent: drain, .awaitingPingAck: drain, .draining: drain])
        ) { $0.goAwayReceived(lastStreamID: 5) }
    }

    func testStreamIDsExhausted() {
        check("streamIDsExhausted", role: .client, unchanged(but: [.active: .result(.none, then: .draining)])) {
            $0.streamIDsExhausted()
            return .none
        }
    }

    func testSessionDoneLingers() {
        let linger = Transition<Machine.Action, Name>.result(
            .close(.connectionClosed, goAwayError: nil, linger: true), then: .lingering)
        for role in [Machine.Role.server, .client] {
            check(
                "sessionDone", role: role,
                unchanged(but: [
                    .active: linger, .awaitingGoAwaySent: linger, .awaitingPingAck: linger, .draining: linger,
                ])
            ) { $0.sessionDone() }
        }
    }

    func testProtocolErrorSendsGoAwayAndLingers() {
        let linger = Transition<Machine.Action, Name>.result(
            .close(.protocolError("bad"), goAwayError: 0x1, linger: true), then: .lingering)
        check(
            "protocolError", role: .server,
            unchanged(but: [
                .active: linger, .awaitingGoAwaySent: linger, .awaitingPingAck: linger, .draining: linger,
            ])
        ) { $0.protocolError("bad") }
    }

    /// RFC 9113 §5.1.1: a HEADERS frame opening a stream at or below one the client already
    /// opened is a connection error; trailers on an open stream are not.
    func testHeadersFrameBeginsRefusesAStreamIDThatDoesNotIncrease() {
        for name in Name.allCases where name != .lingering && name != .closed {
            var machine = Machine(role: .server, in: name)
            XCTAssertNil(machine.headersFrameBegins(streamID: 5, streamIsOpen: false), "\(name)")
            XCTAssertEqual(machine.highestPeerStreamID, 5)
            XCTAssertNotNil(machine.headersFrameBegins(streamID: 3, streamIsOpen: false), "\(name): a skipped id")
            XCTAssertNotNil(machine.headersFrameBegins(streamID: 5, streamIsOpen: false), "\(name): a closed stream")
            XCTAssertNil(machine.headersFrameBegins(streamID: 5, streamIsOpen: true), "\(name): trailers")
            XCTAssertNil(machine.headersFrameBegins(streamID: 2, streamIsOpen: false), "\(name): nghttp2's to answer")
            XCTAssertNil(machine.headersFrameBegins(streamID: 7, streamIsOpen: false), "\(name)")
            XCTAssertEqual(machine.name, name, "the check changes no state")
        }
        for name in [Name.lingering, .closed] {
            var machine = Machine(role: .server, in: name)
            _ = machine.headersFrameBegins(streamID: 5, streamIsOpen: false)
            XCTAssertNil(machine.headersFrameBegins(streamID: 3, streamIsOpen: false), "\(name): already ended")
        }
    }

    /// Header blocks over the metadata limit, one after another, end the connection with GOAWAY
    /// ENHANCE_YOUR_CALM; a block within the limit starts the count again.
    func testTooManyOversizedHeaderBlocksInARow() {
        var machine = Machine(role: .server)
        XCTAssertEqual(machine.maxOversizedHeaderBlocks, 10)
        for _ in 1..<10 { XCTAssertFalse(machine.oversizedHeaderBlockReceived()) }
        machine.headerBlockWithinLimitReceived()
        for _ in 1..<10 { XCTAssertFalse(machine.oversizedHeaderBlockReceived()) }
        XCTAssertTrue(machine.oversizedHeaderBlockReceived(), "the tenth in a row")
        // `grpc.max_oversized_header_blocks`.
        var three = Machine(role: .server, maxOversizedHeaderBlocks: 3)
        XCTAssertFalse(three.oversizedHeaderBlockReceived())
        XCTAssertFalse(three.oversizedHeaderBlockReceived())
        XCTAssertTrue(three.oversizedHeaderBlockReceived(), "the third in a row")
        let calm = Transition<Machine.Action, Name>.result(
            .closeAbused(
                .tooManyOversizedHeaderBlocks, goAwayError: 0xB,
                debugData: Array("too_many_oversized_header_blocks".utf8)), then: .lingering)
        check(
            "tooManyOversizedHeaderBlocks", role: .server,
            unchanged(but: [.active: calm, .awaitingGoAwaySent: calm, .awaitingPingAck: calm, .draining: calm])
        ) { $0.tooManyOversizedHeaderBlocks() }
    }

    func testSocketEndedClosesAtOnce() {
        let lost = Status.socketClosedByPeer
        let close = Transition<Machine.Action, Name>.result(
            .close(lost, goAwayError: nil, linger: false), then: .closed)
        check(
            "socketEnded", role: .client,
            unchanged(but: [
                .active: close, .awaitingGoAwaySent: close, .awaitingPingAck: close, .draining: close,
                .lingering: .result(.none, then: .closed),
            ])
        ) { $0.socketEnded(lost) }
    }

    /// A server whose client pings too often says so (GOAWAY ENHANCE_YOUR_CALM `too_many_pings`)
    /// and closes after a lingering moment.
    func testTooManyPings() {
        let abused = Transition<Machine.Action, Name>.result(
            .closeAbused(.tooManyPings, goAwayError: 0xB, debugData: Array("too_many_pings".utf8)), then: .lingering)
        check(
            "tooManyPings", role: .server,
            unchanged(but: [
                .active: abused, .awaitingGoAwaySent: abused, .awaitingPingAck: abused, .draining: abused,
            ])
        ) { $0.tooManyPings() }
    }

    /// An unanswered keepalive PING closes the connection at once, without GOAWAY.
    func testKeepaliveTimedOut() {
        let close = Transition<Machine.Action, Name>.result(
            .close(.keepaliveTimedOut, goAwayError: nil, linger: false), then: .closed)
        for role in [Machine.Role.server, .client] {
            check(
                "keepaliveTimedOut", role: role,
                unchanged(but: [
                    .active: close, .awaitingGoAwaySent: close, .awaitingPingAck: close, .draining: close,
                    .lingering: .result(.none, then: .closed),
                ])
            ) { $0.keepaliveTimedOut() }
        }
    }

    func testCloseSendsGoAwayAndCloses() {
        let status = Status.channelClosed
        let close = Transition<Machine.Action, Name>.result(
            .close(status, goAwayError: 0x0, linger: false), then: .closed)
        check(
            "close", role: .client,
            unchanged(but: [
                .active: close, .awaitingGoAwaySent: close, .awaitingPingAck: close, .draining: close,
                .lingering: .result(.none, then: .closed),
            ])
        ) { $0.close(status) }
    }

    func testLingerEnded() {
        check("lingerEnded", role: .server, unchanged(but: [.lingering: .result(.none, then: .closed)])) {
            $0.lingerEnded()
            return .none
        }
    }

    func testQueries() {
        for role in [Machine.Role.server, .client] {
            for name in Name.allCases {
                let machine = Machine(role: role, in: name, reason: reason)
                XCTAssertEqual(machine.canOpenStreams, name == .active, "\(role) \(name)")
                XCTAssertEqual(
                    machine.acceptsNewStreams, [.active, .awaitingGoAwaySent, .awaitingPingAck].contains(name),
                    "\(role) \(name)")
                XCTAssertEqual(machine.isDraining, name != .active, "\(role) \(name)")
                XCTAssertEqual(machine.isClosed, name == .lingering || name == .closed, "\(role) \(name)")
                XCTAssertEqual(machine.isLingering, name == .lingering, "\(role) \(name)")
                XCTAssertEqual(machine.closeReason, machine.isClosed ? reason : nil, "\(role) \(name)")
            }
        }
    }

    /// A graceful drain: streams the client opens while the first GOAWAY is on its way are still
    /// accepted; after the PING's acknowledgement the final GOAWAY goes out and no more are.
    func testAStreamOpenedWhileTheFirstGoAwayIsInFlightIsAccepted() {
        var machine = Machine(role: .server)
        XCTAssertEqual(machine.beginGracefulShutdown(), .sendShutdownNotice)
        XCTAssertEqual(machine.pingAcknowledged(payload: Machine.drainPingPayload), .none, "no PING has gone out")
        XCTAssertEqual(machine.goAwaySent(lastStreamID: Int32.max), .sendDrainPing)
        XCTAssertTrue(machine.acceptsNewStreams, "between the two GOAWAYs")
        XCTAssertEqual(machine.pingAcknowledged(payload: Machine.drainPingPayload), .sendFinalGoAway)
        XCTAssertFalse(machine.acceptsNewStreams)
        XCTAssertEqual(machine.beginGracefulShutdown(), .none, "a drain begins once")
        XCTAssertEqual(machine.sessionDone(), .close(.connectionClosed, goAwayError: nil, linger: true))
        machine.lingerEnded()
        XCTAssertEqual(machine.name, .closed)
    }
}
