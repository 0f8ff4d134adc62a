import Dispatch
import Foundation
import XCTest

@testable import GRPCSync

/// `ThreadPoolExecutor`'s queue: work that finds every worker busy waits, and runs in the order
/// it was submitted.
final class ThreadPoolExecutorTests: XCTestCase {
    func testQueuedWorkRunsInSubmissionOrder() {
        let executor = ThreadPoolExecutor(maxWorkers: 1)
        let ran = Recorder()
        let release = DispatchSemaphore(value: 0)
        // The one worker is busy until `release`: everything after it waits in the queue.
        executor.submit { release.wait() }
        for item in 0..<200 {
            XCTAssertTrue(executor.submit { ran.record(item) })
        }
        XCTAssertTrue(executor.hasQueuedWork)
        release.signal()
        executor.shutdown(wait: true)
        XCTAssertFalse(executor.hasQueuedWork)
        XCTAssertEqual(ran.items, Array(0..<200))
    }

    /// Work submitted while the worker drains the queue, so the queue empties only at the end.
    func testWorkSubmittedWhileTheQueueDrainsKeepsItsOrder() {
        let executor = ThreadPoolExecutor(maxWorkers: 1)
        let ran = Recorder()
        let release = DispatchSemaphore(value: 0)
        executor.submit { release.wait() }
        for item in 0..<50 { executor.submit { ran.record(item) } }
        release.signal()
        for item in 50..<1000 { executor.submit { ran.record(item) } }
        executor.shutdown(wait: true)
        XCTAssertEqual(ran.items, Array(0..<1000))
    }

    func testNoWorkIsTakenAfterShutdown() {
        let executor = ThreadPoolExecutor(maxWorkers: 2)
        let ran = Recorder()
        XCTAssertTrue(executor.submit { ran.record(1) })
        executor.shutdown(wait: true)
        XCTAssertFalse(executor.submit { ran.record(2) })
        XCTAssertEqual(ran.items, [1])
        XCTAssertEqual(executor.submissionCount, 1)
    }
}

/// The items that ran, in the order they ran.
private final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []

    var items: [Int] { lock.withLock { recorded } }

    func record(_ item: Int) {
        lock.withLock { recorded.append(item) }
    }
}
