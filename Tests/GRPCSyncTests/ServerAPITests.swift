import Foundation
import XCTest

@testable import GRPCSync

/// The server API: ports, start, stop, limits, the servicer context.
final class ServerAPITests: XCTestCase {
    private func makeServer(_ handlers: [String: RPCMethodHandler], maximumConcurrentRPCs: Int? = nil) throws
        -> (Server, Int)
    {
        let server = Server(
            ThreadPoolExecutor(maxWorkers: 8), handlers: [methodHandlersGenericHandler("t.S", handlers)],
            maximumConcurrentRPCs: maximumConcurrentRPCs)
        let port = try server.addInsecurePort("[::]:0")
        try server.start()
        return (server, port)
    }

    func testAddInsecurePortFormsAndBindErrors() throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 2), handlers: [TestService.handler()])
        defer { server.stop(grace: nil) }
        let any6 = try server.addInsecurePort("[::]:0")
        let any4 = try server.addInsecurePort("0.0.0.0:0")
        let local = try server.addInsecurePort("localhost:0")
        XCTAssertTrue([any6, any4, local].allSatisfy { $0 > 0 })
        XCTAssertThrowsError(try server.addInsecurePort("nonsense:port"))
        try server.start()
        XCTAssertThrowsError(try server.start(), "a second start throws")
        // A port another server listens on can be bound too (SO_REUSEPORT, grpcio's default
        // `grpc.so_reuseport`), but not with that option off, as grpcio does.
        let sharing = Server(ThreadPoolExecutor(maxWorkers: 1))
        XCTAssertEqual(try sharing.addInsecurePort("0.0.0.0:\(any4)"), any4)
        let other = Server(ThreadPoolExecutor(maxWorkers: 1), options: [("grpc.so_reuseport", 0)])
        XCTAssertThrowsError(try other.addInsecurePort("0.0.0.0:\(any4)")) { error in
            XCTAssertTrue("\(error)".contains("0.0.0.0:\(any4)"), "the error names the address: \(error)")
        }
        for target in [
            "localhost:\(local)", "dns:///localhost:\(local)", "ipv4:127.0.0.1:\(any4)", "ipv6:[::1]:\(any6)",
            "127.0.0.1:\(any6)",
        ] {
            let channel = insecureChannel(target)
            defer { channel.close() }
            XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))([7], timeout: 10), [7], target)
        }
    }

    /// `add_registered_method_handlers`: a registered handler shadows the generic handler of its
    /// path and serves a new one; one registered after start serves nothing. As grpcio does
    /// (peer_server.py --registered registers the same handlers), except that Swift throws where
    /// grpcio only logs a warning.
    func testRegisteredMethodHandlersAsOnGRPCIOServer() throws {
        let registered: [String: RPCMethodHandler] = [
            "Unary": unaryUnaryRPCMethodHandler { request, _ in Array("registered ".utf8) + request },
            "Registered": unaryUnaryRPCMethodHandler { _, _ in Array("registered".utf8) },
        ]
        let server = Server(ThreadPoolExecutor(maxWorkers: 2), handlers: [TestService.handler()])
        defer { server.stop(grace: nil).wait(timeout: 5) }
        try server.addRegisteredMethodHandlers(TestService.name, registered)
        let port = try server.addInsecurePort("[::]:0")
        try server.start()
        XCTAssertThrowsError(try server.addRegisteredMethodHandlers(TestService.name, ["Late": registered["Unary"]!])) {
            XCTAssertEqual("\($0)", "Cannot register method handlers once server has started")
        }
        let peer = try PythonPeerServer(arguments: ["--registered"])
        defer { peer.stop() }
        for target in ["localhost:\(port)", peer.target] {
            let channel = insecureChannel(target)
            defer { channel.close() }
            let call = { (method: String) in
                try channel.unaryUnary(TestService.path(method))(Array("x".utf8), timeout: 10)
            }
            XCTAssertEqual(try call("Unary"), Array("registered x".utf8), target)
            XCTAssertEqual(try call("Registered"), Array("registered".utf8), target)
            let remaining = Int(String(decoding: try call("TimeRemaining"), as: UTF8.self)) ?? 0
            XCTAssertTrue((1...10_000).contains(remaining), "the generic handler serves the rest (\(target))")
            XCTAssertThrowsError(try call("Late"), target) { error in
                XCTAssertEqual((error as? RPCError)?.code, .unimplemented, target)
                XCTAssertEqual((error as? RPCError)?.details, "Method not found!", target)
            }
        }
    }

    func testUnixSocketServerAndClient() throws {
        let path = NSTemporaryDirectory() + "grpc-sync-\(getpid()).sock"
        unlink(path)
        let server = Server(ThreadPoolExecutor(maxWorkers: 2), handlers: [TestService.handler()])
        defer { server.stop(grace: nil).wait(timeout: 5) }
        XCTAssertEqual(try server.addInsecurePort("unix:\(path)"), 0)
        try server.start()
        for target in ["unix:\(path)", "unix://\(path)"] {
            let channel = insecureChannel(target)
            defer { channel.close() }
            let peer = try channel.unaryUnary(TestService.path("Peer"))([], timeout: 10)
            XCTAssertEqual(String(decoding: peer, as: UTF8.self), "unix:\(path)")
        }
    }

    func testMaximumConcurrentRPCsOnSwiftServer() throws {
        let server = try SwiftTestServer(maximumConcurrentRPCs: 2)
        try checkConcurrencyLimit(target: server.target)
    }

    func testMaximumConcurrentRPCsOnGRPCIOServer() throws {
        let server = try PythonPeerServer(arguments: ["--max-concurrent", "2"])
        defer { server.stop() }
        try checkConcurrencyLimit(target: server.target)
    }

    /// Two slow calls fill the limit of two; a third gets RESOURCE_EXHAUSTED; afterwards calls work.
    private func checkConcurrencyLimit(target: String) throws {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let slow = try (0..<2).map { _ in try unary.future([1], timeout: 10, metadata: [("x-sleep-ms", "1000")]) }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertThrowsError(try unary([2], timeout: 10)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .resourceExhausted)
            XCTAssertEqual((error as? RPCError)?.details, "Concurrent RPC limit exceeded!")
        }
        for future in slow { XCTAssertEqual(try future.result(timeout: 10), [1]) }
        XCTAssertEqual(try unary([3], timeout: 10), [3])
    }

    func testMaximumConcurrentRPCsSeenByGRPCIOClient() throws {
        let server = try SwiftTestServer(maximumConcurrentRPCs: 2)
        let (status, output) = try Peers.run("peer_client.py", ["max_concurrent", "--target", server.target])
        XCTAssertEqual(status, 0, output)
    }

    func testStopWithGraceOnSwiftServer() throws {
        let server = try SwiftTestServer()
        try checkGracefulStop(target: server.target) { grace in
            let event = server.server.stop(grace: grace)
            return { event.wait(timeout: $0) }
        }
        XCTAssertFalse(server.server.waitForTermination(timeout: 1), "already terminated: no timeout")
    }

    func testStopWithGraceOnGRPCIOServer() throws {
        let server = try PythonPeerServer()
        defer { server.stop() }
        try checkGracefulStop(target: server.target) { server.stop(grace: $0) }
    }

    /// A call running at `stop(grace: 5)` finishes; a new call is refused (UNAVAILABLE); the stop
    /// event is set once the running call is done.
    private func checkGracefulStop(target: String, stop: (Double) -> (Double) -> Bool) throws {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        XCTAssertEqual(try unary([0], timeout: 5), [0])
        let running = try unary.future([1], timeout: 10, metadata: [("x-sleep-ms", "1000")])
        Thread.sleep(forTimeInterval: 0.3)
        let waitForStop = stop(5)
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertThrowsError(try unary([2], timeout: 5)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unavailable, "\(error)")
        }
        XCTAssertEqual(try running.result(timeout: 10), [1])
        XCTAssertTrue(waitForStop(5), "the stop event was not set")
    }

    func testStopGraceExpiryCancelsTheRest() throws {
        let server = try SwiftTestServer()
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let sleeper = try channel.unaryUnary(TestService.path("Unary")).future(
            [1], timeout: 20, metadata: [("x-sleep-ms", "10000")])
        Thread.sleep(forTimeInterval: 0.2)
        let start = Date()
        XCTAssertTrue(server.server.stop(grace: 0.5).wait(timeout: 5))
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        XCTAssertThrowsError(try sleeper.result(timeout: 5)) { error in
            let code = (error as? RPCError)?.code
            XCTAssertTrue(code == .cancelled || code == .unavailable, "\(error)")
        }
    }

    func testStopWithoutGraceCancelsNow() throws {
        let server = try SwiftTestServer()
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let sleeper = try channel.unaryUnary(TestService.path("Unary")).future(
            [1], timeout: 20, metadata: [("x-sleep-ms", "10000")])
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertTrue(server.server.stop(grace: nil).wait(timeout: 5))
        XCTAssertThrowsError(try sleeper.result(timeout: 5))
        XCTAssertFalse(server.server.waitForTermination(timeout: 0))
    }

    func testServicerContextBehaviours() throws {
        let secondSendFailed = Flag()
        let (server, port) = try makeServer([
            "SetCode": unaryUnaryRPCMethodHandler { _, context in
                context.setCode(.notFound)
                context.setDetails("nothing here")
                return []
            },
            "AbortWithStatus": unaryUnaryRPCMethodHandler { _, context in
                try context.abortWithStatus(
                    Status(code: .failedPrecondition, details: "nope", trailingMetadata: [("x-why", "because")]))
            },
            "InitialTwice": unaryUnaryRPCMethodHandler { _, context in
                try context.sendInitialMetadata([("x-first", "1")])
                do { try context.sendInitialMetadata([("x-second", "2")]) } catch { secondSendFailed.set() }
                return [9]
            },
            "ServerCancels": unaryUnaryRPCMethodHandler { _, context in
                context.cancel()
                return []
            },
            "CodeThenThrow": unaryUnaryRPCMethodHandler { _, context in
                context.setCode(.unimplemented)
                context.setDetails("Method not implemented!")
                throw TestService.Boom()
            },
            "CodeOnlyThenThrow": unaryUnaryRPCMethodHandler { _, context in
                context.setCode(.notFound)
                throw TestService.Boom()
            },
            "BadRequest": unaryUnaryRPCMethodHandler(
                { (_: Int, _: ServicerContext) in [UInt8]() },
                requestDeserializer: { _ in throw TestService.Boom() }, responseSerializer: RawBytes.serializer),
            "BadResponse": unaryUnaryRPCMethodHandler(
                { (_: [UInt8], _: ServicerContext) in 1 },
                requestDeserializer: RawBytes.deserializer, responseSerializer: { (_: Int) in throw TestService.Boom() }
            ),
        ])
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        func call(_ method: String) -> (RPCError?, Call?) {
            do {
                let (_, call) = try channel.unaryUnary("/t.S/\(method)").withCall([], timeout: 10)
                return (nil, call)
            } catch {
                return (error as? RPCError, nil)
            }
        }
        XCTAssertEqual(call("SetCode").0?.code, .notFound)
        XCTAssertEqual(call("SetCode").0?.details, "nothing here")
        let aborted = call("AbortWithStatus").0
        XCTAssertEqual(aborted?.code, .failedPrecondition)
        XCTAssertEqual(aborted?.trailingMetadata["x-why"], "because")
        let twice = call("InitialTwice").1
        XCTAssertEqual(twice?.initialMetadata()["x-first"], "1")
        XCTAssertTrue(secondSendFailed.isSet)
        XCTAssertEqual(call("ServerCancels").0?.code, .cancelled)
        XCTAssertEqual(call("CodeThenThrow").0?.code, .unimplemented)
        XCTAssertEqual(call("CodeThenThrow").0?.details, "Method not implemented!")
        XCTAssertEqual(call("CodeOnlyThenThrow").0?.code, .notFound)
        XCTAssertEqual(call("CodeOnlyThenThrow").0?.details, "Exception calling application: boom")
        XCTAssertEqual(call("BadRequest").0?.code, .internal)
        XCTAssertEqual(call("BadRequest").0?.details, "Exception deserializing request!")
        XCTAssertEqual(call("BadResponse").0?.code, .internal)
        XCTAssertEqual(call("BadResponse").0?.details, "Failed to serialize response!")
    }

    func testOversizedMetadataIsRefusedWithResourceExhausted() throws {
        let server = try SwiftTestServer()
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let big = String(repeating: "v", count: 20_000)
        XCTAssertThrowsError(try unary([1], timeout: 10, metadata: [("x-big", .text(big))])) { error in
            XCTAssertEqual((error as? RPCError)?.code, .resourceExhausted, "\(error)")
        }
        XCTAssertEqual(try unary([2], timeout: 10), [2], "the connection still serves")
    }

    func testDeadlineReachesTheHandler() throws {
        let sawInactive = Flag()
        let callbackRan = Flag()
        let done = DispatchSemaphore(value: 0)
        let (server, port) = try makeServer([
            "Wait": unaryUnaryRPCMethodHandler { _, context in
                context.addCallback { callbackRan.set() }
                let end = Date().addingTimeInterval(10)
                while context.isActive() && Date() < end { usleep(5_000) }
                if !context.isActive() { sawInactive.set() }
                XCTAssertEqual(context.timeRemaining() ?? -1, 0, accuracy: 0.01)
                done.signal()
                return []
            }
        ])
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary("/t.S/Wait")([], timeout: 0.3)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .deadlineExceeded)
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertTrue(sawInactive.isSet)
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertTrue(callbackRan.isSet)
    }

    /// Streamed responses after the first are written from the loop thread, batched with whatever
    /// else is queued by then; each must still leave without waiting for a later send or the end.
    func testStreamedResponsesLeaveWhileTheHandlerWaits() throws {
        let clientGotAll = DispatchSemaphore(value: 0)
        let handlerSawClient = Flag()
        let (server, port) = try makeServer([
            "Three": unaryStreamRPCMethodHandler { _, responses, _ in
                for i in 1...3 { try responses.send([UInt8(i)]) }
                if clientGotAll.wait(timeout: .now() + 10) == .success { handlerSawClient.set() }
            }
        ])
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        let responses = try channel.unaryStream("/t.S/Three")([], timeout: 20)
        var received: [[UInt8]] = []
        for _ in 1...3 {
            guard let message = try responses.next() else { break }
            received.append(message)
        }
        clientGotAll.signal()
        XCTAssertEqual(received, [[1], [2], [3]])
        XCTAssertNil(try responses.next())
        XCTAssertTrue(handlerSawClient.isSet, "the responses waited for the handler to return")
    }

    /// A bidi handler waiting for the next request reads the connection itself while its call is
    /// the only one: calls that arrive meanwhile are read and served all the same.
    func testCallsArriveWhileABidiHandlerWaitsForItsNextRequest() throws {
        let swift = try SwiftTestServer()
        let grpcio = try PythonPeerServer()
        defer { grpcio.stop() }
        for target in [swift.target, grpcio.target] {
            let channel = insecureChannel(target)
            defer { channel.close() }
            let requests = RequestQueue<[UInt8]>()
            defer { requests.close() }
            let echoes = try channel.streamStream(TestService.path("Bidi"))(requests, timeout: 20)
            requests.put([1])
            XCTAssertEqual(try echoes.next(), [1])
            Thread.sleep(forTimeInterval: 0.1)  // the handler is back to waiting for a request
            let unary = channel.unaryUnary(TestService.path("Unary"))
            for i in 0..<3 { XCTAssertEqual(try unary([UInt8(i)], timeout: 5), [UInt8(i)], target) }
            let serverStream = try channel.unaryStream(TestService.path("ServerStream"))(
                [], timeout: 5, metadata: [("x-count", "2"), ("x-size", "1")])
            XCTAssertEqual(try serverStream.next(), [0], target)
            XCTAssertEqual(try serverStream.next(), [1], target)
            XCTAssertNil(try serverStream.next())
            requests.put([2])
            XCTAssertEqual(try echoes.next(), [2], target)
            requests.close()
            XCTAssertNil(try echoes.next())
            XCTAssertEqual(echoes.code(), .ok, target)
        }
    }

    func testStoppingWakesABidiHandlerWaitingForItsNextRequest() throws {
        let handlerEnded = DispatchSemaphore(value: 0)
        let (server, port) = try makeServer([
            "Echo": streamStreamRPCMethodHandler { requests, responses, _ in
                defer { handlerEnded.signal() }
                while let request = try requests.read() { try responses.send(request) }
            }
        ])
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        let requests = RequestQueue<[UInt8]>()
        defer { requests.close() }
        let echoes = try channel.streamStream("/t.S/Echo")(requests, timeout: 20)
        requests.put([1])
        XCTAssertEqual(try echoes.next(), [1])
        Thread.sleep(forTimeInterval: 0.1)  // the handler is back to waiting for a request
        XCTAssertTrue(server.stop(grace: nil).wait(timeout: 5))
        XCTAssertEqual(handlerEnded.wait(timeout: .now() + 5), .success, "the handler's read did not end")
        XCTAssertThrowsError(try echoes.next())
    }

    /// A server whose workers wait `nextCallWait` seconds for their connection's next call.
    private func makeWaitingServer(workers: Int, nextCallWait: Double) throws -> (Server, Int) {
        let server = Server(
            ThreadPoolExecutor(maxWorkers: workers),
            handlers: [
                methodHandlersGenericHandler(
                    "t.S", ["Echo": unaryUnaryRPCMethodHandler { request, _ in request }])
            ])
        server.nextCallWait = UInt64(nextCallWait * 1e9)
        let port = try server.addInsecurePort("[::]:0")
        try server.start()
        return (server, port)
    }

    /// One call after another on a connection: the worker that ran a call reads and runs the next.
    func testCallsOneAfterAnotherRunOnTheWorkerThatWaitsForThem() throws {
        let (server, port) = try makeWaitingServer(workers: 4, nextCallWait: 30)
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        let echo = channel.unaryUnary("/t.S/Echo")
        for i in 0..<20 {
            XCTAssertEqual(try echo([UInt8(i)], timeout: 5), [UInt8(i)])
            // A request that arrives before the worker is back to waiting is read by the loop and
            // handed to the executor. On a loaded machine the client can win that race every
            // time; a moment's pause lets the worker return to its (30 s) wait first.
            usleep(20_000)
        }
        // Without the waiting worker every call would be handed over.
        XCTAssertLessThanOrEqual(
            server.executor.submissionCount, 10, "most calls were handed from the loop thread to the executor")
    }

    /// A worker waiting for its connection's next call gives way to a call on another connection
    /// when it is the only worker.
    func testAWorkerWaitingForItsConnectionsNextCallGivesWay() throws {
        let (server, port) = try makeWaitingServer(workers: 1, nextCallWait: 30)
        defer { server.stop(grace: nil) }
        let first = insecureChannel("localhost:\(port)")
        defer { first.close() }
        let second = insecureChannel("localhost:\(port)")
        defer { second.close() }
        XCTAssertEqual(try first.unaryUnary("/t.S/Echo")([1], timeout: 5), [1])
        XCTAssertEqual(try second.unaryUnary("/t.S/Echo")([2], timeout: 5), [2])
        XCTAssertEqual(try first.unaryUnary("/t.S/Echo")([3], timeout: 5), [3])
        XCTAssertTrue(server.stop(grace: nil).wait(timeout: 5), "stop waited for the waiting worker")
    }

    /// Shutting the executor down ends a worker's wait for its connection's next call at once.
    func testExecutorShutdownEndsAWorkersWaitForTheNextCall() throws {
        let (server, port) = try makeWaitingServer(workers: 1, nextCallWait: 30)
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        XCTAssertEqual(try channel.unaryUnary("/t.S/Echo")([1], timeout: 5), [1])
        let shutDown = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.executor.shutdown(wait: true)
            shutDown.signal()
        }
        XCTAssertEqual(
            shutDown.wait(timeout: .now() + 5), .success, "shutdown(wait:) waited for the worker's 30 s wait")
    }

    func testClientThatStopsSendingFreesTheBlockedReader() throws {
        let readerEnded = DispatchSemaphore(value: 0)
        let (server, port) = try makeServer([
            "Collect": streamUnaryRPCMethodHandler { requests, _ in
                defer { readerEnded.signal() }
                var count = 0
                while (try requests.read()) != nil { count += 1 }
                return [UInt8(count)]
            }
        ])
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("localhost:\(port)")
        let gate = DispatchSemaphore(value: 0)
        // A request stream that never ends: the client goes away instead.
        let endless = (0..<Int.max).lazy.map { i -> [UInt8] in
            if i > 0 { _ = gate.wait(timeout: .now() + 30) }
            return [1]
        }
        let future = try channel.streamUnary("/t.S/Collect").future(endless, timeout: 30)
        Thread.sleep(forTimeInterval: 0.3)
        channel.close()
        XCTAssertThrowsError(try future.result(timeout: 5)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .cancelled)
            XCTAssertEqual((error as? RPCError)?.details, "Channel closed!")
        }
        XCTAssertEqual(readerEnded.wait(timeout: .now() + 5), .success, "the handler's read did not end")
        gate.signal()
    }
}
