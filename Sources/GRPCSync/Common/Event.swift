/// A one-shot flag that threads can wait on, like Python's `threading.Event`; `Server.stop(grace:)`
/// returns one. Tasks await it without holding a thread (``waitUntilSet()``).
public final class Event: @unchecked Sendable {  // `lock` protects `flag` and `waitingTasks`
    private let lock = Lock()
    private let condition = Condition()
    private var flag = false
    /// Tasks suspended in ``waitUntilSet()``, by the number each was given.
    private var waitingTasks: [(id: UInt64, continuation: UnsafeContinuation<Void, Never>)] = []
    private var lastTaskID: UInt64 = 0

    /// An event whose flag is not set.
    public init() {}

    /// Sets the flag and wakes every waiter.
    public func set() {
        let tasks: [(id: UInt64, continuation: UnsafeContinuation<Void, Never>)] = lock.withLock {
            flag = true
            condition.broadcast()
            defer { waitingTasks.removeAll() }
            return waitingTasks
        }
        // Resumed with no lock held: a task being cancelled holds its own lock and takes ours.
        for task in tasks { task.continuation.resume() }
    }

    /// Whether the flag is set (`event.is_set()`).
    ///
    /// - Returns: True once ``set()`` has been called.
    public func isSet() -> Bool { lock.withLock { flag } }

    /// Waits until the flag is set or `timeout` seconds pass (nil: no limit); returns the flag.
    ///
    /// - Parameter timeout: The most seconds to wait; nil waits until the flag is set.
    /// - Returns: The flag: false when the timeout passed first, as Python's `event.wait`.
    @discardableResult
    public func wait(timeout: Double? = nil) -> Bool {
        let deadline = Deadline.after(seconds: timeout)
        return lock.withLock { condition.wait(lock, until: deadline) { !flag } }
    }

    /// Suspends the calling task until the flag is set, or the task is cancelled; holds no thread.
    ///
    /// - Returns: The flag: false when the task was cancelled first.
    @discardableResult
    public func waitUntilSet() async -> Bool {
        let id = lock.withLock {
            lastTaskID &+= 1
            return lastTaskID
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let waits: Bool = lock.withLock {
                    if flag || Task.isCancelled { return false }
                    waitingTasks.append((id, continuation))
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancel: {
            // Not here: a cancel handler runs under the task's own lock, which resuming it takes.
            Task.detached { [self] in
                let task: UnsafeContinuation<Void, Never>? = lock.withLock {
                    guard let index = waitingTasks.firstIndex(where: { $0.id == id }) else { return nil }
                    return waitingTasks.remove(at: index).continuation
                }
                task?.resume()
            }
        }
        return isSet()
    }
}
