import Foundation
import Synchronization

/// Tells, once a second until ``stop()``, how many calls each server has answered so far and how
/// many calls failed.
final class ProgressReporter: Sendable {
    private let stopping = Atomic(false)
    private let stopped = DispatchGroup()

    /// Starts reporting `load`'s tally, the servers in the order of `servers`, to `narrator`.
    init(load: GreetingLoad, servers: [String], narrator: Narrator) {
        let start = narrator.elapsed
        stopped.enter()
        Thread.detachNewThread { [self] in
            defer { stopped.leave() }
            var second = 1.0
            while !stopping.load(ordering: .relaxed) {
                // Short sleeps, so that a stop is noticed at once.
                if narrator.elapsed < start + second {
                    Thread.sleep(forTimeInterval: 0.02)
                    continue
                }
                let tally = load.snapshot
                let counts = servers.map { "\($0): \(tally.answered[$0, default: 0])" }
                narrator.say(counts.joined(separator: "  ") + "  failed: \(tally.failed)")
                second += 1
            }
        }
    }

    /// Stops reporting; returns once the last report is out.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        _ = stopped.wait(timeout: .now() + 5)
    }
}
