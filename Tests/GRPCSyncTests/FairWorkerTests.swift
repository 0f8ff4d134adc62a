import Foundation
import Synchronization
import TestProcesses
import XCTest

@testable import GRPCSync

/// One connection cannot take every worker (``WorkerShare``): 64 bidi calls that never half-close
/// from one client hold at most the connection's share of a 64-worker server, and another
/// client's unary calls are still answered. grpcio's server, run the same way, starves the other
/// client (its calls reach their deadline), as docs/porting.md says.
final class FairWorkerTests: XCTestCase {
    func testTheShareLetsACallRunOrWaitInOrder() {
        var share = WorkerShare<String>(limit: 2)
        XCTAssertTrue(share.admit("a"))
        XCTAssertTrue(share.admit("b"))
        XCTAssertFalse(share.admit("c"))
        XCTAssertFalse(share.admit("d"))
        XCTAssertEqual(share.waitingCount, 2)
        XCTAssertEqual(share.workerLeft(), "c", "the oldest waiting call takes the worker's place")
        XCTAssertEqual(share.holding, 2)
        share.handedOver()
        XCTAssertEqual(share.holding, 3)
        XCTAssertNil(share.workerLeft(), "still at the limit once the handing worker has left")
        XCTAssertEqual(share.workerLeft(), "d")
        XCTAssertNil(share.workerLeft())
        XCTAssertNil(share.workerLeft())
        XCTAssertEqual(share.holding, 0)
        XCTAssertTrue(share.admit("e"))
        share.withdraw()
        XCTAssertEqual(share.holding, 0)
    }

    func testTheDefaultShareLeavesWorkersToOthers() {
        XCTAssertEqual(WorkerShare<Void>.defaultLimit(maxWorkers: 1), 1)
        XCTAssertEqual(WorkerShare<Void>.defaultLimit(maxWorkers: 2), 1)
        XCTAssertEqual(WorkerShare<Void>.defaultLimit(maxWorkers: 10), 9)
        XCTAssertEqual(WorkerShare<Void>.defaultLimit(maxWorkers: 64), 56)
        XCTAssertEqual(Server(ThreadPoolExecutor(maxWorkers: 64)).workersPerConnection, 56)
        XCTAssertEqual(Server(ThreadPoolExecutor(maxWorkers: 64), workersPerConnection: 0).workersPerConnection, 1)
    }

    /// 64 never-ending bidi calls on one channel, then unary calls on another channel, each with
    /// a 2 s deadline (a bound against a hang, not a timing check); the answers counted.
    static func otherClientsAnswers(target: String, unaryCalls: Int = 20) throws -> (answered: Int, failed: [String]) {
        let attacker = insecureChannel(target)
        defer { attacker.close() }
        let bidi = attacker.streamStream(TestService.path("Bidi"))
        var calls: [(RequestQueue<[UInt8]>, ResponseStream<[UInt8]>)] = []
        for index in 0..<64 {
            let queue = RequestQueue<[UInt8]>()
            let responses = try bidi(queue, timeout: 60)
            queue.put([UInt8(index)])
            calls.append((queue, responses))
        }
        // A call runs on a worker once its first echo is back; those beyond the share wait. Each
        // call's echo is read on a thread of its own, and the test goes on once 56 are back.
        // An atomic, not a Mutex: ThreadSanitizer sees atomics, not the standard library's Mutex.
        let echoes = Atomic(0)
        for (_, responses) in calls {
            Thread.detachNewThread {
                if (try? responses.next()) != nil { echoes.add(1, ordering: .sequentiallyConsistent) }
            }
        }
        let echoDeadline = Date().addingTimeInterval(20)
        while echoes.load(ordering: .sequentiallyConsistent) < 56 && Date() < echoDeadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertGreaterThanOrEqual(echoes.load(ordering: .sequentiallyConsistent), 56)
        let other = insecureChannel(target)
        defer { other.close() }
        let unary = other.unaryUnary(TestService.path("Unary"))
        var answered = 0
        var failed: [String] = []
        for _ in 0..<unaryCalls {
            do {
                _ = try unary([1], timeout: 2)
                answered += 1
            } catch let error as RPCError {
                failed.append(error.code.grpcName)
            }
        }
        for (queue, responses) in calls {
            queue.close()
            responses.cancel()
        }
        return (answered, failed)
    }

    func testNeverEndingCallsFromOneClientLeaveWorkersForAnother() throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 64), handlers: [TestService.handler()])
        let port = try server.addInsecurePort("localhost:0")
        try server.start()
        defer { server.stop(grace: nil).wait() }
        let (answered, failed) = try Self.otherClientsAnswers(target: "localhost:\(port)")
        XCTAssertEqual(answered, 20, "failed: \(failed)")
    }

    func testGRPCIOStarvesTheOtherClient() throws {
        let server = try PythonPeerServer(arguments: ["--workers", "64"])
        defer { server.stop() }
        let (answered, failed) = try Self.otherClientsAnswers(target: server.target, unaryCalls: 2)
        XCTAssertEqual(answered, 0)
        XCTAssertEqual(failed, ["DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED"])
    }
}
