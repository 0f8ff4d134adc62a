/// A one-shot flag that threads can wait on, like Python's `threading.Event`; `Server.stop(grace:)`
/// returns one.
public final class Event: @unchecked Sendable {  // `lock` protects `flag`
    private let lock = Lock()
    private let condition = Condition()
    private var flag = false

    /// An event whose flag is not set.
    public init() {}

    /// Sets the flag and wakes every waiter.
    public func set() {
        lock.withLock {
            flag = true
            condition.broadcast()
        }
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
}
