/// Tasks suspended until something that an outside lock protects changes: the asynchronous
/// counterpart of ``Condition``. Whoever changes the state calls ``resumeAllLocked()`` where it
/// would broadcast a condition; a woken task looks again, so a wake-up too many costs only a look.
/// A suspended task holds no thread: its continuation is resumed by whichever thread made the
/// change (the loop, a caller, a timer).
final class AsyncWaitList: @unchecked Sendable {  // the lock given to `wait` protects everything
    private var waiting: [(id: UInt64, continuation: UnsafeContinuation<Void, Never>)] = []
    private var lastID: UInt64 = 0

    /// Resumes every waiting task; called with the lock held.
    func resumeAllLocked() {
        guard !waiting.isEmpty else { return }
        let resumed = waiting
        waiting.removeAll(keepingCapacity: true)
        for entry in resumed { entry.continuation.resume() }
    }

    /// Resumes the task waiting as `id`, if it still waits; called with the lock held.
    private func resumeLocked(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).continuation.resume()
    }

    /// Suspends the calling task while `isWaiting()` (asked with `lock` held) is true, until
    /// ``resumeAllLocked()`` is called, `deadline` passes (a timer on `loop`) or the task is
    /// cancelled; returns at once when `isWaiting()` is false or the task is cancelled. The caller
    /// looks again afterwards: this returns after any wake-up, not only when the state it waits
    /// for has come, and a caller whose task is cancelled must stop waiting (or it spins).
    func wait(
        lock: Lock, until deadline: Deadline = .never, timersOn loop: EventLoop? = nil, while isWaiting: () -> Bool
    ) async {
        let id = lock.withLock {
            lastID &+= 1
            return lastID
        }
        let timer: ScheduledTimer? =
            if let loop, !deadline.isNever {
                loop.schedule(at: deadline) { [self] in lock.withLock { resumeLocked(id) } }
            } else {
                nil
            }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                lock.withLock {
                    // A cancel that came first has set the flag: its handler found nothing to resume.
                    if !isWaiting() || deadline.hasPassed || Task.isCancelled {
                        continuation.resume()
                    } else {
                        waiting.append((id, continuation))
                    }
                }
            }
        } onCancel: {
            // Not here: a cancel handler runs under the task's own lock, which resuming a task
            // takes while holding `lock`. Another task takes `lock` instead.
            Task.detached { [self] in lock.withLock { resumeLocked(id) } }
        }
        timer?.cancel()
    }
}
