import Synchronization

/// A channel's retry throttle (the service config's `retryThrottling`, gRFC A6): a token count
/// that starts at `maxTokens`, loses one for each attempt that fails with a retryable status and
/// gains `tokenRatio` for each call that succeeds; retries are allowed while it is above half of
/// `maxTokens`. Counted in thousandths, as grpc counts it. One per channel (grpc core shares one
/// per server name across channels).
final class RetryThrottle: Sendable {
    private let maxMilliTokens: Int
    private let milliTokenRatio: Int
    private let milliTokens: Mutex<Int>

    init(_ config: ServiceConfig.RetryThrottling) {
        maxMilliTokens = config.maxTokens * 1000
        milliTokenRatio = Int((config.tokenRatio * 1000).rounded())
        milliTokens = Mutex(maxMilliTokens)
    }

    /// Records an attempt that failed with a retryable status; true when a retry is still allowed.
    func recordFailure() -> Bool {
        milliTokens.withLock {
            $0 = max(0, $0 - 1000)
            return $0 > maxMilliTokens / 2
        }
    }

    /// Records a call that succeeded.
    func recordSuccess() {
        milliTokens.withLock { $0 = min(maxMilliTokens, $0 + milliTokenRatio) }
    }

    /// The tokens left, for tests.
    var tokens: Double { Double(milliTokens.withLock { $0 }) / 1000 }
}
