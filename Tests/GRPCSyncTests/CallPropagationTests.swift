import Foundation
import GRPCSync
import XCTest

/// `ServicerContext.withCallPropagation`: a handler's outgoing calls inherit its deadline and its
/// cancellation (as grpc-java's `Context` passes them on; grpcio has no such thing), here with our
/// server in the middle of a client and grpcio's peer server downstream.
final class CallPropagationTests: XCTestCase {
    /// What the middle server's handler saw of its downstream call.
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        private let done = DispatchSemaphore(value: 0)

        func add(_ line: String) {
            lock.withLock { lines.append(line) }
            done.signal()
        }

        func wait() -> [String] {
            _ = done.wait(timeout: .now() + 30)
            return lock.withLock { lines }
        }
    }

    /// A server whose `prop.Middle/*` handlers call `downstream` (grpcio's peer server) and
    /// record how that call ended.
    private static func middle(downstream: String, record: Record) throws -> (Server, Int) {
        let channel = insecureChannel(downstream)
        let timeRemaining = channel.unaryUnary(TestService.path("TimeRemaining"))
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let server = Server(ThreadPoolExecutor(maxWorkers: 4))
        server.addGenericRPCHandlers([
            methodHandlersGenericHandler(
                "prop.Middle",
                [
                    // The downstream call's time remaining, with and without propagation.
                    "Deadline": unaryUnaryRPCMethodHandler { (_: [UInt8], context: ServicerContext) in
                        let inherited = try context.withCallPropagation { try timeRemaining([]) }
                        let own = try timeRemaining([])
                        return Array(
                            "\(String(decoding: inherited, as: UTF8.self)) \(String(decoding: own, as: UTF8.self))".utf8
                        )
                    },
                    // A downstream call that sleeps 20 s, until this call is cancelled.
                    "Cancel": unaryUnaryRPCMethodHandler { (_: [UInt8], context: ServicerContext) in
                        do {
                            _ = try context.withCallPropagation {
                                try unary([], timeout: 60, metadata: [("x-sleep-ms", "20000")])
                            }
                            record.add("downstream OK")
                        } catch let error as RPCError {
                            record.add("downstream \(error.code.grpcName) \(error.details)")
                        }
                        return []
                    },
                ])
        ])
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        return (server, port)
    }

    func testTheDownstreamCallInheritsTheDeadline() throws {
        let grpcio = try PythonPeerServer()
        let (server, port) = try Self.middle(downstream: grpcio.target, record: Record())
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        let answer = String(decoding: try channel.unaryUnary("/prop.Middle/Deadline")([], timeout: 5), as: UTF8.self)
        let parts = answer.split(separator: " ")
        XCTAssertEqual(parts.count, 2, answer)
        let inherited = try XCTUnwrap(Int(parts[0]), answer)
        XCTAssertGreaterThan(inherited, 0, answer)
        XCTAssertLessThanOrEqual(inherited, 5000, answer)
        XCTAssertEqual(parts[1], "none", answer)  // outside the scope: no deadline
    }

    func testCancellingTheUpstreamCallCancelsTheDownstreamOne() throws {
        let grpcio = try PythonPeerServer()
        let record = Record()
        let (server, port) = try Self.middle(downstream: grpcio.target, record: record)
        defer { server.stop(grace: nil) }
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }
        let future = try channel.unaryUnary("/prop.Middle/Cancel").future([], timeout: 60)
        Thread.sleep(forTimeInterval: 0.5)  // the downstream call is under way
        XCTAssertTrue(future.cancel())
        XCTAssertEqual(record.wait(), ["downstream CANCELLED The call that started this one has ended"])
    }

    func testAnAsyncHandlersDownstreamCallIsCancelledAtTheUpstreamDeadline() async throws {
        let grpcio = try PythonPeerServer()
        let record = Record()
        let downstream = AIO.insecureChannel(grpcio.target)
        let unary = downstream.unaryUnary(TestService.path("Unary"))
        let timeRemaining = downstream.unaryUnary(TestService.path("TimeRemaining"))
        let server = AIO.server(handlers: [
            methodHandlersGenericHandler(
                "prop.Middle",
                [
                    "Deadline": AIO.unaryUnaryRPCMethodHandler { (_: [UInt8], context: ServicerContext) in
                        do {
                            try await context.withCallPropagationAsync {
                                let left = try await timeRemaining([])
                                record.add(
                                    "remaining \(Int(String(decoding: left, as: UTF8.self)).map { $0 <= 2000 } ?? false)"
                                )
                                _ = try await unary([], timeout: 60, metadata: [("x-sleep-ms", "20000")])
                            }
                            record.add("downstream OK")
                        } catch let error as RPCError {
                            record.add("downstream \(error.code.grpcName) \(error.details)")
                        } catch {
                            record.add("downstream \(type(of: error))")
                        }
                        return []
                    }
                ])
        ])
        let port = try server.addInsecurePort("127.0.0.1:0")
        try await server.start()
        let channel = AIO.insecureChannel("127.0.0.1:\(port)")
        do {
            _ = try await channel.unaryUnary("/prop.Middle/Deadline")([], timeout: 2)
            XCTFail("the upstream call did not end at its deadline")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .deadlineExceeded)
        }
        // The downstream call had the upstream deadline, and ended with it: at that deadline, or
        // cancelled with the handler's task (grpc.aio cancels it), or as the upstream call ended.
        _ = record.wait()
        let lines = record.wait()
        XCTAssertEqual(lines.first, "remaining true")
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(
            [
                "downstream DEADLINE_EXCEEDED Deadline Exceeded", "downstream CancellationError",
                "downstream CANCELLED The call that started this one has ended",
            ].contains(lines.last ?? ""), "\(lines)")
        await channel.close()
        await downstream.close()
        await server.stop(grace: Double?.none)
    }
}
