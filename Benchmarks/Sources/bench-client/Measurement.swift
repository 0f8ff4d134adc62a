#if canImport(Glibc)
    import Glibc
#endif

/// Writes `text` to a file descriptor at once (no stdio buffering, which Swift 6 keeps off limits).
func write(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { bytes in _ = Glibc.write(fd, bytes.baseAddress, bytes.count) }
}

/// Nanoseconds of the monotonic clock.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// The measurement window: what completes between `start` and `end` counts; before it is warm-up.
struct Window: Sendable {
    let start: UInt64
    let end: UInt64

    init(warmup: Double, duration: Double) {
        let now = monotonicNanoseconds()
        start = now + UInt64(warmup * 1e9)
        end = start + UInt64(duration * 1e9)
    }

    func contains(_ time: UInt64) -> Bool { time >= start && time < end }
}

/// What one worker counted. Written only by its worker thread and read after that thread is done.
final class Tally: @unchecked Sendable {
    var count = 0
    var errors = 0
    var firstError: String?
    /// Latency of each counted call or round trip, in nanoseconds.
    var latencies: [UInt64] = []

    func recordError(_ error: String, at time: UInt64, in window: Window) {
        if firstError == nil { firstError = error }
        if window.contains(time) { errors += 1 }
    }

    /// Counts a call or round trip that began at `start` and brought a response of `payloadSize`
    /// bytes at `end`: an error unless that is `expected`, its latency when it ended in the window.
    func recordResponse(payloadSize: Int, expected: Int, start: UInt64, end: UInt64, in window: Window) {
        guard payloadSize == expected else {
            recordError("a response carried \(payloadSize) bytes, not \(expected)", at: end, in: window)
            return
        }
        if window.contains(end) {
            count += 1
            latencies.append(end - start)
        }
    }
}

/// The result line every bench-client prints (Benchmarks/README.md).
struct Report {
    /// The implementation the client is built on.
    let implementation: String
    let options: ClientOptions
    let tallies: [Tally]
    let measuresLatency: Bool

    func json() -> String {
        let count = tallies.reduce(0) { $0 + $1.count }
        let errors = tallies.reduce(0) { $0 + $1.errors }
        var fields = [
            "\"implementation\": \"\(implementation)\"",
            "\"scenario\": \"\(options.scenario.rawValue)\"",
            "\"concurrency\": \(options.concurrency)",
            "\"request_size\": \(options.requestSize)",
            "\"response_size\": \(options.responseSize)",
            "\"duration_s\": \(options.duration)",
            "\"count\": \(count)",
            "\"errors\": \(errors)",
            "\"rate\": \(Double(count) / options.duration)",
        ]
        if measuresLatency {
            let sorted = tallies.flatMap(\.latencies).sorted()
            let percentiles = [("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("max", 1.0)].map { name, q in
                "\"\(name)\": \(percentile(sorted, q))"
            }
            fields.append("\"latency_us\": {\(percentiles.joined(separator: ", "))}")
        } else {
            fields.append("\"latency_us\": null")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// The nearest-rank percentile of sorted nanosecond values, in microseconds.
    private func percentile(_ sorted: [UInt64], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1000
    }
}
