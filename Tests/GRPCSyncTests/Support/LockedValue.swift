import Foundation

/// A value that threads of a test share, behind a lock.
final class LockedValue<Value>: @unchecked Sendable {  // `value` is read and written under `lock` only
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` on the value with the lock held.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
