import Foundation
import GRPCSync
import HelloWorldModel
import Synchronization

/// What the load has seen so far: the calls each server answered and the calls that failed.
struct LoadTally: Sendable {
    /// Answered calls by the name of the server that answered them.
    var answered: [String: Int] = [:]
    /// How many calls failed.
    var failed = 0
    /// The first few failures' errors, to show what went wrong.
    var failureExamples: [String] = []

    /// Every answered call.
    var totalAnswered: Int { answered.values.reduce(0, +) }
}

/// Continuous load: SayHello calls through one stub from several threads, each starting its next
/// call as soon as the last one ended, until ``stop()``.
final class GreetingLoad: Sendable {
    /// The most failures kept in ``LoadTally/failureExamples``.
    private static let keptFailures = 5

    private let tally = Mutex(LoadTally())
    private let stopping = Atomic(false)
    private let threadsDone = DispatchGroup()

    /// Starts `threads` threads calling `stub.sayHello`, each call with a deadline of `timeout` seconds.
    init(stub: Helloworld_GreeterStub, threads: Int, timeout: Double = 10) {
        for thread in 1...threads {
            let request = Helloworld_HelloRequest.with { $0.name = "load thread \(thread)" }
            threadsDone.enter()
            Thread.detachNewThread { [self] in
                defer { threadsDone.leave() }
                while !stopping.load(ordering: .relaxed) {
                    do {
                        let reply = try stub.sayHello(request, timeout: timeout)
                        tally.withLock { $0.answered[reply.message, default: 0] += 1 }
                    } catch {
                        tally.withLock {
                            $0.failed += 1
                            if $0.failureExamples.count < Self.keptFailures { $0.failureExamples.append("\(error)") }
                        }
                    }
                }
            }
        }
    }

    /// The tally so far.
    var snapshot: LoadTally { tally.withLock { $0 } }

    /// Stops the load: each thread ends after its current call. Returns the final tally.
    func stop() -> LoadTally {
        stopping.store(true, ordering: .relaxed)
        _ = threadsDone.wait(timeout: .now() + 30)
        return snapshot
    }
}
