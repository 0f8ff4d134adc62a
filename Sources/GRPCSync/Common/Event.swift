/// A one-shot flag that threads can wait on, like Python's `threading.Event`; `Server.stop(grace:)`
/// returns one.
public final class Event: @unchecked Sendable {  // `lock` protects `flag`
    private let lock = Lock()
    private let condition = Condition()
    private var flag = false

    public init() {}

    /// Sets the flag and wakes every waiter.
    public func set() {
        lock.withLock {
            flag = true
            condition.broadcast()
        }
    }

    public func isSet() -> Bool { lock.withLock { flag } }

    /// Waits until the flag is set or `timeout` seconds pass (nil: no limit); returns the flag.
    @discardableResult
    public func wait(timeout: Double? = nil) -> Bool {
        let deadline = Deadline.after(seconds: timeout)
        return lock.withLock { condition.wait(lock, until: deadline) { !flag } }
    }
}
