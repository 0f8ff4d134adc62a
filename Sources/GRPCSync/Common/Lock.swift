import CLinux
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A pthread mutex. Every type that shares it documents which state it protects.
///
/// The hot types' lock-protected stored properties (a connection's and its streams', an event
/// loop's, an executor's) are marked `@exclusivity(unchecked)`: the lock already serialises every
/// access, and no access to one of them overlaps another (a mutating method of such a value never
/// calls back into its owner), so Swift's dynamic exclusivity checks, about 80 instructions each
/// and over a hundred per unary call, would only cost time.
///
/// Naming rule: a function whose name ends in `Locked` runs with a lock held by its caller (the
/// lock its type documents) and never takes that lock itself. Debug builds check it: such a
/// function starts with ``assertHeld()``, which fails unless the calling thread owns the lock.
final class Lock: @unchecked Sendable {  // the pthread mutex is the synchronisation itself
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    #if DEBUG
        /// The thread holding the lock (`pthread_self()`), 0 when none; debug builds only.
        private let owner = Atomic<UInt>(0)
    #endif

    init() {
        mutex = .allocate(capacity: 1)
        // Adaptive: a thread that finds the lock taken spins for a moment before it sleeps. The
        // locks are held for microseconds, so a waiter usually gets the lock without the cost of
        // sleeping and being woken.
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) func lock() {
        pthread_mutex_lock(mutex)
        #if DEBUG
            didAcquire()
        #endif
    }

    @inline(__always) func unlock() {
        #if DEBUG
            willRelease()
        #endif
        pthread_mutex_unlock(mutex)
    }

    @inline(__always) func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Whether the calling thread holds the lock. Debug builds know; release builds answer true,
    /// so only use it in assertions.
    var isHeldByCurrentThread: Bool {
        #if DEBUG
            owner.load(ordering: .relaxed) == UInt(pthread_self())
        #else
            true
        #endif
    }

    /// Fails (in debug builds) unless the calling thread holds the lock: the first line of every
    /// `…Locked` function.
    @inline(__always) func assertHeld(file: StaticString = #fileID, line: UInt = #line) {
        assert(isHeldByCurrentThread, "a …Locked function was called without its lock", file: file, line: line)
    }

    #if DEBUG
        /// Records the calling thread as the owner (after `pthread_mutex_lock` or a condition wait).
        fileprivate func didAcquire() {
            owner.store(UInt(pthread_self()), ordering: .relaxed)
        }

        /// Forgets the owner (before `pthread_mutex_unlock` or a condition wait).
        fileprivate func willRelease() {
            assert(isHeldByCurrentThread, "a lock was released by a thread that does not hold it")
            owner.store(0, ordering: .relaxed)
        }
    #endif
}

/// A condition variable on the monotonic clock, used with a ``Lock`` held by the caller.
final class Condition: @unchecked Sendable {  // the pthread condition is the synchronisation itself
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    init() {
        cond = .allocate(capacity: 1)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    /// Waits until signalled or until `deadline` passes; returns false when the deadline passed.
    /// The caller holds `lock` and re-checks its predicate after every return.
    @discardableResult
    func wait(_ lock: Lock, until deadline: Deadline = .never) -> Bool {
        #if DEBUG
            lock.willRelease()
            defer { lock.didAcquire() }
        #endif
        if deadline.isNever {
            pthread_cond_wait(cond, lock.mutex)
            return true
        }
        if deadline.hasPassed { return false }
        var ts = timespec(
            tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
            tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        return pthread_cond_timedwait(cond, lock.mutex, &ts) != ETIMEDOUT
    }

    /// Waits while `blocked()` holds, or until `deadline`; false when the deadline came first.
    /// The caller holds `lock`.
    @discardableResult
    func wait(_ lock: Lock, until deadline: Deadline, while blocked: () -> Bool) -> Bool {
        while blocked() {
            if !wait(lock, until: deadline) && deadline.hasPassed { return false }
        }
        return true
    }

    func signal() { pthread_cond_signal(cond) }
    func broadcast() { pthread_cond_broadcast(cond) }
}

extension Mutex {
    /// `withLock`, with the lock's acquire and release announced to ThreadSanitizer in a build for
    /// it (`GRPCSYNC_TSAN`, which `make test-tsan` defines): the standard library's `Mutex` is not
    /// instrumented, so without this every value it protects looks raced to the sanitizer. In
    /// every other build this is `withLock`. The runtime's `Mutex`es are used through this only.
    ///
    /// - Parameter body: What runs with the lock held, given the protected value.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    @_spi(Locking)
    @inline(__always)
    public func withCheckedLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        #if GRPCSYNC_TSAN
            // The mutex's own address names it; the value is not touched before the acquire.
            let address = withUnsafePointer(to: self) { UnsafeMutableRawPointer(mutating: $0) }
            return try withLock { (value: inout sending Value) throws(E) -> sending Result in
                clinux_tsan_acquire(address)
                defer { clinux_tsan_release(address) }
                return try body(&value)
            }
        #else
            return try withLock(body)
        #endif
    }
}
