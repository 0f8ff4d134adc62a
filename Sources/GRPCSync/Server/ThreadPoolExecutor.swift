import DequeModule
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Runs handlers on at most `maxWorkers` threads at once; excess work waits in FIFO order, like
/// Python's `concurrent.futures.ThreadPoolExecutor`.
///
/// Backed by Dispatch: each busy worker drains the queue on its own serial dispatch queue, so a
/// handler that blocks holds one worker and never starves the others.
public final class ThreadPoolExecutor: @unchecked Sendable {  // `lock` protects the queue and workers
    /// The worker limit (`max_workers`).
    public let maxWorkers: Int
    private let lock = Lock()
    /// Work waiting for a worker, oldest first.
    @exclusivity(unchecked) private var pending: Deque<@Sendable () -> Void> = []
    @exclusivity(unchecked) private var idleQueues: [DispatchQueue] = []
    @exclusivity(unchecked) private var busyWorkers = 0
    @exclusivity(unchecked) private var queueCount = 0
    @exclusivity(unchecked) private var isShutDown = false
    @exclusivity(unchecked) private var submissions = 0
    private let allIdle = Condition()

    /// Where the runtime runs work that may block (request senders, call starts, callbacks): a
    /// worker per task that needs one, reused when idle.
    static let blockingWork = ThreadPoolExecutor(maxWorkers: 1 << 20)

    /// An executor running at most `maxWorkers` work items at once, the rest queued in order
    /// (`ThreadPoolExecutor(max_workers=)`).
    ///
    /// - Parameter maxWorkers: The most worker threads; nil: Python's `min(32, cpu_count + 4)`.
    ///   Values below 1 count as 1.
    public init(maxWorkers: Int? = nil) {
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        self.maxWorkers = max(1, maxWorkers ?? min(32, cores + 4))
    }

    /// Schedules `work`; false after ``shutdown(wait:)``.
    ///
    /// - Parameter work: Runs on a worker thread once one is free, after the work queued before it.
    /// - Returns: True when the work was queued, false when the executor is shut down.
    @discardableResult
    public func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        let (accepted, queue, interrupts): (Bool, DispatchQueue?, [@Sendable () -> Void]) = lock.withLock {
            if isShutDown { return (false, nil, []) }
            submissions += 1
            pending.append(work)
            // Every worker is busy: those waiting for work of their own stop, and take this.
            guard busyWorkers < maxWorkers else { return (true, nil, Array(ownWorkWaits.values)) }
            busyWorkers += 1
            if let queue = idleQueues.popLast() { return (true, queue, []) }
            queueCount += 1
            return (true, DispatchQueue(label: "grpc-worker-\(queueCount)"), [])
        }
        if let queue { queue.async { [self] in drain(on: queue) } }
        for interrupt in interrupts { interrupt() }
        return accepted
    }

    /// Work items submitted so far.
    var submissionCount: Int {
        lock.withLock { submissions }
    }

    /// Wake-ups of workers that wait for more work of their own (``waitForOwnWork(_:interrupt:)``),
    /// by a number of the wait.
    @exclusivity(unchecked) private var ownWorkWaits: [Int: @Sendable () -> Void] = [:]
    @exclusivity(unchecked) private var nextOwnWorkWait = 0

    /// Work is waiting for a worker.
    var hasQueuedWork: Bool {
        lock.withLock { !pending.isEmpty }
    }

    /// Runs `wait`, a worker's wait for more work of its own (the next call on its connection),
    /// unless work is already waiting for a worker or the executor is shut down; nil then. While
    /// it waits, work submitted when every worker is busy, and ``shutdown(wait:)``, call
    /// `interrupt`, which must end the wait soon.
    func waitForOwnWork<T>(_ wait: () -> T?, interrupt: @escaping @Sendable () -> Void) -> T? {
        let number: Int? = lock.withLock {
            if !pending.isEmpty || isShutDown { return nil }
            nextOwnWorkWait += 1
            ownWorkWaits[nextOwnWorkWait] = interrupt
            return nextOwnWorkWait
        }
        guard let number else { return nil }
        defer { _ = lock.withLock { ownWorkWaits.removeValue(forKey: number) } }
        return wait()
    }

    /// Stops taking work; with `wait`, returns once queued and running work has finished.
    ///
    /// - Parameter wait: Whether to block until the queued and running work has finished.
    public func shutdown(wait: Bool = true) {
        let interrupts = lock.withLock {
            isShutDown = true
            return Array(ownWorkWaits.values)
        }
        for interrupt in interrupts { interrupt() }
        if wait {
            lock.withLock {
                while busyWorkers > 0 { allIdle.wait(lock) }
            }
        }
    }

    private func drain(on queue: DispatchQueue) {
        while true {
            let work: (@Sendable () -> Void)? = lock.withLock {
                if let work = pending.popFirst() { return work }
                busyWorkers -= 1
                idleQueues.append(queue)
                if busyWorkers == 0 { allIdle.broadcast() }
                return nil
            }
            guard let work else { return }
            work()
        }
    }
}
