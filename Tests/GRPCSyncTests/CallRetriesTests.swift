import XCTest

@testable import GRPCSync

/// The retry decisions without sockets: which failures are retried, the backoff's bounds, server
/// pushback, the attempt limit and the throttle's arithmetic (grpc core's, in thousandths).
final class CallRetriesTests: XCTestCase {
    private static let policy = ServiceConfig.RetryPolicy(
        maxAttempts: 4, initialBackoff: 0.1, maxBackoff: 0.3, backoffMultiplier: 2,
        retryableStatusCodes: [.unavailable])

    private static func failure(_ code: StatusCode = .unavailable, pushback: String? = nil) -> Status {
        Status(
            code: code, details: "x", trailingMetadata: pushback.map { [(CallRetries.pushbackKey, .text($0))] } ?? [])
    }

    func testBackoffGrowsToItsMaximumAndAttemptsRunOut() throws {
        let retries = CallRetries(policy: Self.policy)
        for bound in [0.1, 0.2, 0.3] {
            let delay = try XCTUnwrap(retries.delay(after: Self.failure()))
            XCTAssertGreaterThanOrEqual(delay, 0)
            XCTAssertLessThanOrEqual(delay, bound)
        }
        XCTAssertEqual(retries.attempts, 4)
        XCTAssertNil(retries.delay(after: Self.failure()))
    }

    func testOnlyRetryableCodesAreRetried() {
        let retries = CallRetries(policy: Self.policy)
        XCTAssertNil(retries.delay(after: Self.failure(.internal)))
        XCTAssertEqual(retries.attempts, 1)
    }

    func testPushbackSetsTheDelayOrStopsTheRetries() {
        let retries = CallRetries(policy: Self.policy)
        XCTAssertEqual(retries.delay(after: Self.failure(pushback: "250")), 0.25)
        XCTAssertEqual(retries.delay(after: Self.failure(pushback: "0")), 0)
        XCTAssertNil(retries.delay(after: Self.failure(pushback: "-1")))
        let other = CallRetries(policy: Self.policy)
        XCTAssertNil(other.delay(after: Self.failure(pushback: "soon")))
    }

    func testThrottleAllowsRetriesAboveHalfItsTokens() throws {
        let throttle = RetryThrottle(.init(maxTokens: 4, tokenRatio: 0.5))
        XCTAssertTrue(throttle.recordFailure())  // 3 > 2
        XCTAssertFalse(throttle.recordFailure())  // 2
        throttle.recordSuccess()
        XCTAssertEqual(throttle.tokens, 2.5)
        XCTAssertTrue(RetryThrottle(.init(maxTokens: 4, tokenRatio: 0.5)).recordFailure())
        for _ in 0..<10 { throttle.recordSuccess() }
        XCTAssertEqual(throttle.tokens, 4)
        for _ in 0..<10 { _ = throttle.recordFailure() }
        XCTAssertEqual(throttle.tokens, 0)
        let throttled = CallRetries(policy: Self.policy, throttle: throttle)
        XCTAssertNil(throttled.delay(after: Self.failure()))
    }

    /// grpc core reads a `tokenRatio` written without a decimal point in thousandths.
    func testTokenRatioAsGrpcCoreReadsIt() throws {
        func ratio(_ text: String) throws -> Double? {
            try ServiceConfig(json: #"{"retryThrottling": {"maxTokens": 10, "tokenRatio": \#(text)}}"#)
                .retryThrottling?.tokenRatio
        }
        XCTAssertEqual(try ratio("1"), 0.001)
        XCTAssertEqual(try ratio("1.0"), 1)
        XCTAssertEqual(try ratio("0.5"), 0.5)
        XCTAssertEqual(try ratio("\"0.25\""), 0.25)
        XCTAssertEqual(try ratio("2.56789"), 2.567)
    }

    /// The channel-wide budget (`grpc.retry_buffer_size`): calls keep their messages within it
    /// together; one that would pass it keeps nothing; bytes come back when a buffer lets go.
    func testTheChannelsRetryBufferBudget() {
        let budget = RetryBufferBudget(limit: 100)
        let message = FramedMessage(head: Array(repeating: 0, count: 60), tail: nil)
        var first = RetryBuffer(limit: 1000, budget: budget)
        var second = RetryBuffer(limit: 1000, budget: budget)
        first.keep(message)
        XCTAssertEqual(budget.bytesKept, 60)
        second.keep(message)
        XCTAssertTrue(second.isClosed)
        XCTAssertEqual(second.messages.count, 0)
        XCTAssertEqual(budget.bytesKept, 60)
        first.release()
        first.release()
        XCTAssertEqual(budget.bytesKept, 0)
        var third = RetryBuffer(limit: 1000, budget: budget)
        third.keep(message)
        XCTAssertEqual(third.messages.count, 1)
        // The call's own limit lets go of what was kept, and gives it back.
        third.keep(FramedMessage(head: Array(repeating: 0, count: 950), tail: nil))
        XCTAssertTrue(third.isClosed)
        XCTAssertEqual(budget.bytesKept, 0)
    }
}
