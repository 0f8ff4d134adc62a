/// The delays between a channel's connection attempts, as grpc's `connection-backoff.md` gives
/// them: the first attempt may be followed by the next one `initial` seconds after it began,
/// each further delay is 1.6 times the last (at most `maximum`), and every delay is spread by
/// ±20 % at random; an attempt is given at least `minConnectTimeout` seconds.
struct ConnectionBackoff: Equatable {
    static let multiplier = 1.6
    static let jitter = 0.2

    /// `grpc.initial_reconnect_backoff_ms` (default 1 s).
    let initial: Double
    /// `grpc.max_reconnect_backoff_ms` (default 120 s).
    let maximum: Double
    /// `grpc.min_reconnect_backoff_ms`, which grpc core takes as the minimum connect timeout
    /// (default 20 s).
    let minConnectTimeout: Double
    /// The delay before jitter that the next attempt gets.
    private var current: Double
    private var isFirst = true

    init(initial: Double = 1, maximum: Double = 120, minConnectTimeout: Double = 20) {
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.minConnectTimeout = minConnectTimeout
        current = initial
    }

    /// The delay from the start of the attempt now beginning to the earliest start of the next
    /// one; `random` is in -1...1 (0: no jitter).
    mutating func nextDelay(random: Double) -> Double {
        if isFirst {
            isFirst = false
        } else {
            current = min(current * Self.multiplier, maximum)
        }
        return current * (1 + Self.jitter * random)
    }

    /// A connection got ready: the next failure starts from `initial` again.
    mutating func reset() {
        current = initial
        isFirst = true
    }
}

extension Deadline {
    /// This instant `seconds` later.
    func adding(seconds: Double) -> Deadline {
        Deadline(nanoseconds: nanoseconds &+ UInt64(max(0, seconds) * 1e9))
    }
}
