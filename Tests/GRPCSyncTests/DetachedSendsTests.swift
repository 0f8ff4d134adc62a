import XCTest

@testable import GRPCSync

/// ``DetachedSends`` without a socket: what a detached call queues, holds, replaces and drops.
final class DetachedSendsTests: XCTestCase {
    private func message(_ byte: UInt8) -> FramedMessage {
        MessageFraming.frame([byte], compression: .noCompression)
    }

    private func queued(_ action: DetachedSends.SendAction) -> [UInt8]? {
        if case .queue(let message) = action { return message.bytes }
        return nil
    }

    func testASendWithNothingWaitingIsQueuedAtOnce() {
        var sends = DetachedSends()
        XCTAssertEqual(queued(sends.send(message(1), outboundIsEmpty: true)), [0, 0, 0, 0, 1, 1])
        XCTAssertNil(sends.held)
        XCTAssertEqual(sends.heldBytes, 0)
    }

    func testASendWhileTheStreamIsWritingIsHeld() {
        var sends = DetachedSends()
        guard case .held = sends.send(message(1), outboundIsEmpty: false) else { return XCTFail("not held") }
        XCTAssertEqual(sends.held?.bytes, [0, 0, 0, 0, 1, 1])
        XCTAssertEqual(sends.heldBytes, 6)
        XCTAssertEqual(sends.replacedCount, 0)
    }

    func testANewerSendReplacesTheHeldOne() {
        var sends = DetachedSends()
        for byte in UInt8(1)...UInt8(100) { _ = sends.send(message(byte), outboundIsEmpty: false) }
        XCTAssertEqual(sends.held?.bytes, [0, 0, 0, 0, 1, 100])
        XCTAssertEqual(sends.heldBytes, 6)
        XCTAssertEqual(sends.replacedCount, 99)
    }

    /// The stream has written all it queued but nghttp2 has not asked for more yet: a newer
    /// response still goes behind the held one's place, replacing it, so the order is kept.
    func testASendWhileOneIsHeldReplacesItEvenWithTheStreamEmpty() {
        var sends = DetachedSends()
        _ = sends.send(message(1), outboundIsEmpty: false)
        guard case .held = sends.send(message(2), outboundIsEmpty: true) else { return XCTFail("not held") }
        XCTAssertEqual(sends.held?.bytes, [0, 0, 0, 0, 1, 2])
    }

    func testTheHeldResponseIsQueuedOnceTheStreamHasWrittenItsBytes() {
        var sends = DetachedSends()
        _ = sends.send(message(1), outboundIsEmpty: false)
        XCTAssertEqual(sends.outboundDrained()?.bytes, [0, 0, 0, 0, 1, 1])
        XCTAssertNil(sends.outboundDrained())
        XCTAssertEqual(queued(sends.send(message(2), outboundIsEmpty: true)), [0, 0, 0, 0, 1, 2])
    }

    func testFinishingQueuesTheHeldResponseBeforeTheTrailers() {
        var sends = DetachedSends()
        XCTAssertNil(sends.finishing())
        _ = sends.send(message(1), outboundIsEmpty: false)
        XCTAssertEqual(sends.finishing()?.bytes, [0, 0, 0, 0, 1, 1])
        XCTAssertNil(sends.held)
    }

    func testACallEndedOtherwiseDropsTheHeldResponse() {
        var sends = DetachedSends()
        _ = sends.send(message(1), outboundIsEmpty: false)
        sends.callEnded()
        XCTAssertNil(sends.held)
        XCTAssertNil(sends.outboundDrained())
    }
}

/// A detached call end to end: its handler returns at once and frees its worker, another thread
/// sends and finishes, a stop ends the calls still open.
final class DetachedResponseSenderTests: XCTestCase {
    private final class Senders: @unchecked Sendable {  // `lock` protects `all`
        private let lock = NSLock()
        private var all: [DetachedResponseSender<[UInt8]>] = []
        func add(_ sender: DetachedResponseSender<[UInt8]>) { lock.withLock { all.append(sender) } }
        var count: Int { lock.withLock { all.count } }
        var first: DetachedResponseSender<[UInt8]>? { lock.withLock { all.first } }
    }

    /// A server with one worker whose `/t.S/Watch` detaches and keeps its sender, and whose
    /// `/t.S/Unary` echoes.
    private func makeServer(_ senders: Senders) throws -> (Server, Channel) {
        let handlers: [String: RPCMethodHandler] = [
            "Watch": unaryStreamRPCMethodHandler { request, responses, context in
                try context.setTrailingMetadata([("x-kept", "yes")])
                let sender = responses.detach()
                senders.add(sender)
                sender.send(request)
            },
            "Unary": unaryUnaryRPCMethodHandler { request, _ in request },
        ]
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 1), handlers: [methodHandlersGenericHandler("t.S", handlers)])
        let port = try server.addInsecurePort("[::]:0")
        try server.start()
        return (server, insecureChannel("localhost:\(port)"))
    }

    func testAnotherThreadSendsAndFinishesWhileTheOnlyWorkerServesOtherCalls() throws {
        let senders = Senders()
        let (server, channel) = try makeServer(senders)
        defer { server.stop(grace: nil) }
        defer { channel.close() }
        let watches = try (0..<20).map { _ in try channel.unaryStream("/t.S/Watch")([7], timeout: 20) }
        for watch in watches { XCTAssertEqual(try watch.next(), [7]) }
        XCTAssertEqual(senders.count, 20, "every call ran on the one worker, none kept it")
        XCTAssertEqual(try channel.unaryUnary("/t.S/Unary")([1], timeout: 10), [1])

        let sender = try XCTUnwrap(senders.first)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            sender.send([8])
            sender.send([9])
            sender.finish(.notFound, "gone")
            finished.signal()
        }
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(try watches[0].next(), [8])
        XCTAssertEqual(try watches[0].next(), [9])
        XCTAssertThrowsError(try watches[0].next()) { error in
            XCTAssertEqual((error as? RPCError)?.code, .notFound)
            XCTAssertEqual((error as? RPCError)?.details, "gone")
            XCTAssertEqual((error as? RPCError)?.trailingMetadata["x-kept"], "yes")
        }
        XCTAssertFalse(sender.isActive)
        XCTAssertFalse(sender.send([10]), "a finished call takes no more responses")
        XCTAssertFalse(sender.finish())
    }

    func testAStopEndsTheDetachedCalls() throws {
        let senders = Senders()
        let (server, channel) = try makeServer(senders)
        defer { channel.close() }
        let watch = try channel.unaryStream("/t.S/Watch")([7], timeout: 20)
        XCTAssertEqual(try watch.next(), [7])
        XCTAssertTrue(server.stop(grace: 0.2).wait(timeout: 10), "the stop waits for no detached call past its grace")
        XCTAssertThrowsError(try watch.next())
        XCTAssertFalse(try XCTUnwrap(senders.first).isActive)
    }

    func testAClientCancelEndsTheDetachedCallAndItsSender() throws {
        let senders = Senders()
        let (server, channel) = try makeServer(senders)
        defer { server.stop(grace: nil) }
        defer { channel.close() }
        let watch = try channel.unaryStream("/t.S/Watch")([7], timeout: 20)
        XCTAssertEqual(try watch.next(), [7])
        watch.cancel()
        let sender = try XCTUnwrap(senders.first)
        let end = Date().addingTimeInterval(10)
        while sender.isActive && Date() < end { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertFalse(sender.isActive)
        XCTAssertFalse(sender.send([8]))
    }
}
