/// A call's configured retries (the method's `retryPolicy`, gRFC A6): how many attempts it has
/// made, and whether and when an attempt that failed before the call was committed (before any
/// response headers) is followed by another. An object, so that a call without a policy holds only
/// a null reference; protected by the call's lock.
final class CallRetries {
    let policy: ServiceConfig.RetryPolicy
    /// The channel's retry throttle, if it has one: told of failures here, of the call's success
    /// by its stream.
    let throttle: RetryThrottle?
    /// An attempt failed before the call recorded its stream: the delay before the next one.
    var pendingDelay: Double?
    /// Attempts made so far, the first included.
    private(set) var attempts = 1
    /// The upper bound of the next backoff, in seconds: the delay is random below it.
    private var backoff: Double

    init(policy: ServiceConfig.RetryPolicy, throttle: RetryThrottle? = nil) {
        self.policy = policy
        self.throttle = throttle
        backoff = policy.initialBackoff
    }

    /// The metadata key a server sets to say when to retry (milliseconds; negative: do not).
    static let pushbackKey = "grpc-retry-pushback-ms"

    /// After an attempt that failed with `status`: the seconds to wait before the next attempt,
    /// or nil when there is none (the call ends with `status`). The status must be one the policy
    /// retries, `throttle` must allow it (it counts the failure), an attempt must be left, and a
    /// server pushback must be a non-negative number of milliseconds, which is then the delay
    /// (and the backoff starts again from `initialBackoff`), as grpc core decides.
    func delay(after status: Status) -> Double? {
        guard policy.retryableStatusCodes.contains(status.code) else { return nil }
        if let throttle, !throttle.recordFailure() { return nil }
        guard attempts < policy.maxAttempts else { return nil }
        attempts += 1
        if let pushback = status.trailingMetadata[Self.pushbackKey] {
            guard let milliseconds = Int(pushback), milliseconds >= 0 else { return nil }
            backoff = policy.initialBackoff
            return Double(milliseconds) / 1000
        }
        let delay = Double.random(in: 0...backoff)
        backoff = min(backoff * policy.backoffMultiplier, policy.maxBackoff)
        return delay
    }
}
