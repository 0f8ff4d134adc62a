import Glibc

/// A point on the monotonic clock after which a call or a wait gives up.
public struct Deadline: Sendable, Comparable, Hashable {
    /// Nanoseconds on `CLOCK_MONOTONIC`; `UInt64.max` means never.
    let nanoseconds: UInt64

    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// No deadline: a wait with it ends only by what it waits for.
    public static let never = Deadline(nanoseconds: .max)

    /// The present moment, which has passed as soon as it is read.
    public static var now: Deadline { Deadline(nanoseconds: monotonicNanoseconds()) }

    /// The deadline `seconds` from now; nil means never (as a Python `timeout=None`).
    ///
    /// - Parameter seconds: Seconds from now; 0 or less is now, nil or a span beyond the clock's
    ///   range is never.
    /// - Returns: The deadline.
    public static func after(seconds: Double?) -> Deadline {
        guard let seconds else { return .never }
        if seconds <= 0 { return .now }
        let span = seconds * 1e9
        if span >= Double(UInt64.max / 2) { return .never }
        return Deadline(nanoseconds: monotonicNanoseconds() &+ UInt64(span))
    }

    /// Whether this is ``never``.
    public var isNever: Bool { nanoseconds == .max }
    /// Whether the monotonic clock has reached the deadline; never for ``never``.
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

    /// Whether `lhs` comes before `rhs`; ``never`` comes after every other deadline.
    ///
    /// - Parameters:
    ///   - lhs: A deadline.
    ///   - rhs: Another deadline.
    /// - Returns: True when `lhs` is earlier.
    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

@inline(__always) func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
