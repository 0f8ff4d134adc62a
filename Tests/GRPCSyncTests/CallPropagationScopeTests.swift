import XCTest

@testable import GRPCSync

/// The propagation scope without sockets: the current scope is seen only inside `run`, on the
/// thread and in tasks; children are cancelled once when the scope ends; a child that comes after
/// the end is refused; finished children are not kept.
final class CallPropagationScopeTests: XCTestCase {
    final class Child: PropagationChild, @unchecked Sendable {
        var ended = 0
        func parentEnded() { ended += 1 }
    }

    func testTheScopeIsCurrentOnlyInsideRun() async {
        let scope = CallPropagation(deadline: .after(seconds: 5))
        XCTAssertNil(CallPropagation.active)
        scope.run { XCTAssertTrue(CallPropagation.active === scope) }
        await scope.runAsync {
            let inner = await Task { CallPropagation.active }.value
            XCTAssertTrue(inner === scope)
        }
        XCTAssertNil(CallPropagation.active)
    }

    func testChildrenAreCancelledOnceAtTheEndAndLateOnesRefused() {
        let scope = CallPropagation(deadline: .never)
        let kept = Child()
        XCTAssertTrue(scope.adopt(kept))
        for _ in 0..<100 { XCTAssertTrue(scope.adopt(Child())) }  // gone at once: pruned, not kept
        scope.end()
        scope.end()
        XCTAssertEqual(kept.ended, 1)
        XCTAssertFalse(scope.adopt(Child()))
    }
}
