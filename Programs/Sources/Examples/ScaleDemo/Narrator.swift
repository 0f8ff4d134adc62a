import Foundation
import Synchronization

/// Prints the demo's story, one line at a time from any thread, each line stamped with the seconds
/// since the demo began and flushed at once, so that a reader of a pipe sees it as it happens.
final class Narrator: Sendable {
    private let start = Date()
    private let printing = Mutex(())

    /// Seconds since the narrator was made.
    var elapsed: Double { Date().timeIntervalSince(start) }

    /// Prints `line` after the elapsed time, e.g. `[  2.0 s] server-1 stopped`.
    func say(_ line: String) {
        let stamp = String(format: "[%5.1f s]", elapsed)
        printLines("\(stamp) \(line)")
    }

    /// Prints `text` as it is, without a time stamp.
    func printLines(_ text: String) {
        printing.withLock { _ in
            print(text)
            fflush(nil)  // every output stream: a reader of a pipe sees the line now
        }
    }
}
