import TestProcesses
import XCTest

/// scale-demo: three Greeter servers behind one round_robin channel that retries UNAVAILABLE,
/// restarted one by one under load from four threads. Every server answers calls, before and
/// after its restart, and no call fails. Only what the summary counts is checked, never a timing.
final class ScaleDemoTests: XCTestCase {
    static let servers = ["server-1", "server-2", "server-3"]

    func testARollingRestartUnderLoadCostsNoCall() throws {
        let (status, output) = try ChildProcess.run(Examples.executable("scale-demo"), ["--seconds", "3"])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n").map(String.init)
        let total = try XCTUnwrap(lines.first { $0.hasPrefix("  Total: ") }, output)
        XCTAssertTrue(total.hasSuffix(" calls answered, 0 failed"), output)
        for server in Self.servers {
            // "  server-1 (127.0.0.1:40629): 8156 calls, 33.0 %, 5445 after its restart"
            let line = try XCTUnwrap(lines.first { $0.hasPrefix("  \(server) (") }, "\(server): \(output)")
            let counts = Self.numbers(before: [" calls,", " after its restart"], in: line)
            XCTAssertEqual(counts.count, 2, "\(server): \(output)")
            XCTAssertGreaterThan(counts.first ?? 0, 0, "\(server) answered no call: \(output)")
            XCTAssertGreaterThan(counts.last ?? 0, 0, "\(server) answered no call after its restart: \(output)")
        }
    }

    func testADurationThatIsNotAPositiveNumberIsRefused() throws {
        for seconds in ["0", "-1", "soon"] {
            let (status, output) = try ChildProcess.run(Examples.executable("scale-demo"), ["--seconds", seconds])
            XCTAssertEqual(status, 2, "--seconds \(seconds): \(output)")
            XCTAssertTrue(output.hasPrefix("usage: scale-demo"), "--seconds \(seconds): \(output)")
        }
    }

    /// The whole numbers right before each of `markers` in `line`, in order.
    static func numbers(before markers: [String], in line: String) -> [Int] {
        markers.compactMap { marker in
            guard let end = line.range(of: marker)?.lowerBound else { return nil }
            let digits = line[..<end].reversed().prefix { $0.isNumber }
            return Int(String(digits.reversed()))
        }
    }
}
