import Foundation
import GRPCSync
import GRPCSyncServiceLifecycle
import Logging
import ServiceLifecycle
import Synchronization
import XCTest

/// A server run by a ServiceGroup: a graceful shutdown calls `beforeStop`, then lets a running
/// call finish within the grace period and refuses new ones; `run()` returns once it has stopped.
final class ServerServiceTests: XCTestCase {
    /// `Slow` answers after 300 ms; `Fast` at once.
    static func server() throws -> (Server, Int) {
        let handler = methodHandlersGenericHandler(
            "life.Test",
            [
                "Slow": unaryUnaryRPCMethodHandler { request, _ in
                    Thread.sleep(forTimeInterval: 0.3)
                    return request
                },
                "Fast": unaryUnaryRPCMethodHandler { request, _ in request },
            ])
        let server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [handler])
        return (server, try server.addInsecurePort("localhost:0"))
    }

    func testGracefulShutdownLetsTheRunningCallFinish() async throws {
        let (server, port) = try Self.server()
        let order = Mutex<[String]>([])
        let service = ServerService(server, grace: 10, beforeStop: { order.withLock { $0.append("beforeStop") } })
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        let running = Task { try await group.run() }

        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        XCTAssertEqual(try channel.unaryUnary("/life.Test/Fast")([1], timeout: 10, waitForReady: true), [1])
        let slow = try channel.unaryUnary("/life.Test/Slow").future([2], timeout: 10)
        try await Task.sleep(for: .milliseconds(100))  // the slow call is running
        await group.triggerGracefulShutdown()
        XCTAssertEqual(try slow.result(timeout: 10), [2], "a running call finishes within the grace")
        try await running.value
        order.withLock { $0.append("stopped") }
        XCTAssertEqual(order.withLock { $0 }, ["beforeStop", "stopped"])
        XCTAssertThrowsError(try channel.unaryUnary("/life.Test/Fast")([3], timeout: 5)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unavailable, "\(error)")
        }
    }

    func testCancellingTheTaskStopsTheServer() async throws {
        let (server, port) = try Self.server()
        let running = Task { try await ServerService(server).run() }
        let channel = insecureChannel("localhost:\(port)")
        defer { channel.close() }
        XCTAssertEqual(try channel.unaryUnary("/life.Test/Fast")([1], timeout: 10, waitForReady: true), [1])
        running.cancel()
        try await running.value
        XCTAssertFalse(server.waitForTermination(timeout: 5), "the server has stopped")
    }
}
