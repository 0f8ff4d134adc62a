import CLinux
import Glibc
import Synchronization

/// Something registered with an ``EventLoop`` for socket readiness.
protocol EventLoopSource: AnyObject {
    /// The socket can be read (or has hung up). Called on the loop thread.
    func handleReadable()
    /// The socket can be written. Called on the loop thread.
    func handleWritable()
}

/// A timer scheduled on an ``EventLoop``; `cancel()` stops it from firing.
final class ScheduledTimer: @unchecked Sendable {  // `cancelled` is protected by the loop's lock
    fileprivate let deadline: Deadline
    fileprivate let sequence: UInt64
    fileprivate var task: (() -> Void)?
    fileprivate var cancelled = false
    fileprivate unowned let loop: EventLoop

    fileprivate init(deadline: Deadline, sequence: UInt64, loop: EventLoop, task: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.loop = loop
        self.task = task
    }

    /// Stops the timer and releases its task (and what the task holds) at once.
    func cancel() { loop.cancel(self) }
}

/// One thread running `epoll_wait` over non-blocking sockets, an `eventfd` for wake-ups, and a timer
/// heap. Sockets are read on this thread; anyone may write to them (under the connection's lock).
final class EventLoop: @unchecked Sendable {  // `lock` protects tasks, timers and sequence
    private let epollFD: Int32
    private let wakeFD: Int32
    fileprivate let lock = Lock()
    /// The loop's thread, once it runs.
    private let thread = Atomic<pthread_t>(0)
    @exclusivity(unchecked) private var tasks: [() -> Void] = []
    @exclusivity(unchecked) private var timers: [ScheduledTimer] = []  // a binary min-heap on (deadline, sequence)
    @exclusivity(unchecked) private var sequence: UInt64 = 0
    @exclusivity(unchecked) private var cancelledTimers = 0
    /// The size of ``readBuffer``.
    static let readBufferSize = 256 * 1024
    /// Where sockets on this loop are read into; used only on the loop thread.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: EventLoop.readBufferSize, alignment: 16)

    init(name: String) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = 0
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        // Loops live as long as the process: the thread keeps its loop alive.
        startThread(name: name) { self.run() }
    }

    // MARK: sockets

    /// Watches `fd` for input (and output when `writable`); the loop keeps `source` alive until
    /// ``unregister(fd:source:)``.
    func register(fd: Int32, source: EventLoopSource) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.data.ptr = Unmanaged.passRetained(source as AnyObject).toOpaque()
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    /// Sets which readiness events of a registered `fd` wake the loop.
    func setInterest(fd: Int32, source: EventLoopSource, read: Bool, write: Bool) {
        var event = epoll_event()
        event.events =
            (read ? EPOLLIN.rawValue | EPOLLRDHUP.rawValue : 0) | (write ? EPOLLOUT.rawValue : 0)
        event.data.ptr = Unmanaged.passUnretained(source as AnyObject).toOpaque()
        epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Stops watching `fd` and releases `source` once events already fetched are handled.
    func unregister(fd: Int32, source: EventLoopSource) {
        var event = epoll_event()
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
        let retained = Unmanaged.passUnretained(source as AnyObject)
        execute { retained.release() }
    }

    // MARK: tasks and timers

    /// Runs `task` on the loop thread soon: after the events at hand when called on the loop
    /// thread (which is not waiting then, so it is not woken).
    func execute(_ task: @escaping () -> Void) {
        lock.withLock { tasks.append(task) }
        if !isCurrent { wake() }
    }

    /// Whether the calling thread is the loop's.
    var isCurrent: Bool { pthread_equal(pthread_self(), thread.load(ordering: .relaxed)) != 0 }

    /// Runs `task` on the loop thread at `deadline`, unless the returned timer is cancelled first.
    @discardableResult
    func schedule(at deadline: Deadline, _ task: @escaping () -> Void) -> ScheduledTimer {
        let timer: ScheduledTimer = lock.withLock {
            sequence += 1
            let timer = ScheduledTimer(deadline: deadline, sequence: sequence, loop: self, task: task)
            pushTimerLocked(timer)
            return timer
        }
        wake()
        return timer
    }

    fileprivate func cancel(_ timer: ScheduledTimer) {
        lock.withLock {
            guard !timer.cancelled else { return }
            timer.cancelled = true
            timer.task = nil
            cancelledTimers += 1
            // Cancelled timers leave the heap when they reach its top; rebuild it when they are
            // most of it, so long deadlines of finished calls do not pile up.
            if cancelledTimers > 1024 && cancelledTimers * 2 > timers.count {
                let live = timers.filter { !$0.cancelled }
                timers.removeAll(keepingCapacity: true)
                cancelledTimers = 0
                for timer in live { pushTimerLocked(timer) }
            }
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: the loop

    private func run() {
        thread.store(pthread_self(), ordering: .relaxed)
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        while true {
            let timeout = millisecondsUntilNextTimer()
            let n = epoll_wait(epollFD, events, Int32(capacity), timeout)
            if n > 0 {
                for i in 0..<Int(n) {
                    let event = events[i]
                    guard let pointer = event.data.ptr else {
                        var value: UInt64 = 0
                        _ = read(wakeFD, &value, 8)
                        continue
                    }
                    let source = Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as! EventLoopSource
                    if event.events & (EPOLLOUT.rawValue) != 0 { source.handleWritable() }
                    if event.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue)
                        != 0
                    {
                        source.handleReadable()
                    }
                }
            }
            runDueTimers()
            runTasks()
        }
    }

    private func runTasks() {
        let batch: [() -> Void] = lock.withLock {
            let batch = tasks
            tasks.removeAll(keepingCapacity: true)
            return batch
        }
        for task in batch { task() }
    }

    private func runDueTimers() {
        let now = Deadline.now
        while true {
            let due: ScheduledTimer? = lock.withLock {
                guard let first = timers.first, first.deadline <= now else { return nil }
                if first.cancelled { cancelledTimers -= 1 }
                return popTimerLocked()
            }
            guard let due else { return }
            let task: (() -> Void)? = lock.withLock {
                let task = due.task
                due.task = nil
                return task
            }
            task?()
        }
    }

    private func millisecondsUntilNextTimer() -> Int32 {
        lock.withLock {
            if !tasks.isEmpty { return 0 }
            // Drop cancelled timers at the top so they do not keep waking the loop.
            while let first = timers.first, first.cancelled {
                _ = popTimerLocked()
                cancelledTimers -= 1
            }
            guard let first = timers.first else { return -1 }
            let remaining = first.deadline.nanosecondsRemaining
            return Int32(min((remaining + 999_999) / 1_000_000, 60_000))
        }
    }

    // MARK: heap (lock held)

    private func before(_ a: ScheduledTimer, _ b: ScheduledTimer) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence)
    }

    private func pushTimerLocked(_ timer: ScheduledTimer) {
        lock.assertHeld()
        timers.append(timer)
        var i = timers.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !before(timers[i], timers[parent]) { break }
            timers.swapAt(i, parent)
            i = parent
        }
    }

    private func popTimerLocked() -> ScheduledTimer {
        lock.assertHeld()
        let top = timers[0]
        let last = timers.removeLast()
        if !timers.isEmpty {
            timers[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var smallest = i
                if l < timers.count && before(timers[l], timers[smallest]) { smallest = l }
                if r < timers.count && before(timers[r], timers[smallest]) { smallest = r }
                if smallest == i { break }
                timers.swapAt(i, smallest)
                i = smallest
            }
        }
        return top
    }
}

/// The shared loops: one per active core (at least one). Connections are placed round-robin.
final class EventLoopGroup: @unchecked Sendable {  // `lock` protects `nextIndex`
    static let shared = EventLoopGroup(count: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    private let loops: [EventLoop]
    private let lock = Lock()
    private var nextIndex = 0

    init(count: Int) {
        loops = (0..<max(count, 1)).map { EventLoop(name: "grpc-loop-\($0)") }
    }

    func next() -> EventLoop {
        lock.withLock {
            nextIndex = (nextIndex + 1) % loops.count
            return loops[nextIndex]
        }
    }
}

/// Starts a detached pthread running `body`.
@discardableResult
func startThread(name: String, _ body: @escaping () -> Void) -> pthread_t {
    final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    pthread_create(
        &thread, nil,
        { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
    pthread_detach(thread)
    _ = clinux_set_thread_name(thread, String(name.prefix(15)))
    return thread
}

/// A loop is a Swift task executor: a task that prefers it (`withTaskExecutorPreference`, or
/// `Task(executorPreference:)`) runs on the loop thread, between the loop's reads, so a
/// continuation the loop resumes runs on the same thread without waking another
/// (``AIO/Channel/executor``).
extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
