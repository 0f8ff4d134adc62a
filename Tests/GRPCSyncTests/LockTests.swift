import Foundation
import XCTest

@testable import GRPCSync

/// ``Lock``'s owner check, which debug builds use to assert that every `…Locked` function runs
/// with its lock held.
final class LockTests: XCTestCase {
    #if DEBUG
        func testTheOwnerIsTheThreadHoldingTheLock() {
            let lock = Lock()
            XCTAssertFalse(lock.isHeldByCurrentThread)
            lock.withLock {
                XCTAssertTrue(lock.isHeldByCurrentThread)
                let seenElsewhere = Thread.detachedResult { lock.isHeldByCurrentThread }
                XCTAssertEqual(seenElsewhere, false, "another thread does not hold it")
            }
            XCTAssertFalse(lock.isHeldByCurrentThread)
        }

        /// A condition wait gives the lock up and takes it back: meanwhile another thread owns it.
        func testAConditionWaitHandsTheLockOverAndBack() {
            final class Shared: @unchecked Sendable {  // `lock` protects the flags
                let lock = Lock()
                let condition = Condition()
                var ownedByTheOtherThread = false
                var ready = false
            }
            let shared = Shared()
            shared.lock.lock()
            Thread.detachNewThread {
                shared.lock.withLock {
                    shared.ownedByTheOtherThread = shared.lock.isHeldByCurrentThread
                    shared.ready = true
                    shared.condition.broadcast()
                }
            }
            XCTAssertTrue(shared.condition.wait(shared.lock, until: .after(seconds: 10)) { !shared.ready })
            XCTAssertTrue(shared.lock.isHeldByCurrentThread, "the waiter owns the lock again")
            XCTAssertTrue(shared.ownedByTheOtherThread)
            shared.lock.unlock()
        }
    #endif
}

extension Thread {
    /// Runs `body` on a new thread and waits for its answer (at most 10 s; nil then).
    fileprivate static func detachedResult(_ body: @escaping @Sendable () -> Bool) -> Bool? {
        final class Box: @unchecked Sendable {  // written before the semaphore signals, read after
            var value: Bool?
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        detachNewThread {
            box.value = body()
            done.signal()
        }
        return done.wait(timeout: .now() + 10) == .success ? box.value : nil
    }
}
