import Glibc

/// A point on the monotonic clock after which a call or a wait gives up.
public struct Deadline: Sendable, Comparable, Hashable {
    /// Nanoseconds on `CLOCK_MONOTONIC`; `UInt64.max` means never.
    let nanoseconds: UInt64

    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let never = Deadline(nanoseconds: .max)

    public static var now: Deadline { Deadline(nanoseconds: monotonicNanoseconds()) }

    /// The deadline `seconds` from now; nil means never (as a Python `timeout=None`).
    public static func after(seconds: Double?) -> Deadline {
        guard let seconds else { return .never }
        if seconds <= 0 { return .now }
        let span = seconds * 1e9
        if span >= Double(UInt64.max / 2) { return .never }
        return Deadline(nanoseconds: monotonicNanoseconds() &+ UInt64(span))
    }

    public var isNever: Bool { nanoseconds == .max }
    public var hasPassed: Bool { !isNever && monotonicNanoseconds() >= nanoseconds }

    /// Seconds left (never below zero), or nil for a call without a deadline.
    public var timeRemaining: Double? {
        if isNever { return nil }
        let now = monotonicNanoseconds()
        return now >= nanoseconds ? 0 : Double(nanoseconds - now) / 1e9
    }

    /// Nanoseconds left, at least zero; `UInt64.max` for never.
    var nanosecondsRemaining: UInt64 {
        if isNever { return .max }
        let now = monotonicNanoseconds()
        return now >= nanoseconds ? 0 : nanoseconds - now
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

@inline(__always) func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
