// Waiting on a stream from an async call: the task suspends, and whichever thread changes the
// stream (the loop, a sender, a timer) resumes it. No thread is parked, and nobody reads the socket
// for the task: the loop does.

extension HTTP2Stream {
    /// Suspends the calling task while `isWaiting()` (asked with the connection's lock held) is
    /// true, until the stream changes or the task is cancelled. The caller looks again afterwards,
    /// and stops waiting when its task is cancelled (the call layer then cancels the call). The
    /// call's deadline needs no timer here: the stream's own ends the call, which wakes it.
    func suspend(while isWaiting: () -> Bool) async {
        let waiters: AsyncWaitList = connection.lock.withLock {
            if let waiters = asyncWaiters { return waiters }
            let waiters = AsyncWaitList()
            asyncWaiters = waiters
            return waiters
        }
        await waiters.wait(lock: connection.lock, while: isWaiting)
    }

    /// The next message, or the end of the peer's messages, waiting without a thread
    /// (``receive(deadline:)`` for an async call); ``ReceiveResult/timedOut`` when the task is
    /// cancelled first.
    func receiveAsync() async -> ReceiveResult {
        while true {
            let result: ReceiveResult? = connection.lock.withLock {
                if let message = takeMessageLocked() { return .message(message) }
                return mayReceiveMoreLocked ? nil : .end
            }
            if let result { return result }
            if Task.isCancelled { return .timedOut }
            await suspend { inbound.count == 0 && mayReceiveMoreLocked }
        }
    }
}
