// How a client call starts again on a new stream: transparently when the server refused its
// stream unprocessed (once), and as its method's retry policy says when an attempt failed before
// the call was committed (gRFC A6). Both are offered by the stream, with the connection's lock
// held, with the request messages it kept (``RetryBuffer``).

extension ClientCall: StreamRefusalHandler {
    /// `grpc.per_rpc_retry_buffer_size` (the request bytes a stream keeps to send again) and the
    /// throttle its success is recorded in.
    var retrying: (bufferLimit: Int, budget: RetryBufferBudget, throttle: RetryThrottle?) {
        (channel.retryBufferLimit, channel.retryBudget, retries?.throttle)
    }

    /// The server refused the call's stream before processing it (its GOAWAY named a lower last
    /// stream, or RST_STREAM(REFUSED_STREAM)); called with the connection's lock held. As grpc
    /// core's transparent retry, the call starts again on a new stream once, taking the
    /// stream's `callbacks` along and sending its `messages` again; false when it does not (it
    /// ends with the stream's status).
    func streamRefusedLocked(byGoAway: Bool, callbacks: [@Sendable () -> Void], messages: [FramedMessage]) -> Bool {
        lock.withLock {
            // A call being cancelled is not started again: it ends with the refused stream.
            guard !retriedRefusal, !cancelAsked else { return false }
            switch phase {
            case .failed:
                return false
            case .starting:
                // The opening thread has not recorded the stream yet: it opens another.
                retriedRefusal = true
                refusedWhileOpening = true
                return true
            case .started:
                retriedRefusal = true
                firstMessage = messages.first
                laterMessages = Array(messages.dropFirst())
                phase = .starting(callbacks: callbacks)
                phaseChangedLocked()
                if startedByTask {
                    Task { await startAsync() }
                } else {
                    ThreadPoolExecutor.blockingWork.submit { [self] in open() }
                }
                return true
            }
        }
    }

    /// An attempt failed with `status` before the call was committed (a Trailers-Only response,
    /// a reset, the connection lost); called with the connection's lock held. With a retry
    /// policy that allows it (``CallRetries``), the call starts again on a new stream after the
    /// backoff, taking the stream's `callbacks` along and sending its `messages` again; false when
    /// it does not (it ends with `status`).
    func attemptFailedLocked(_ status: Status, callbacks: [@Sendable () -> Void], messages: [FramedMessage]) -> Bool {
        lock.withLock {
            guard !cancelAsked, let retries, !isFailedLocked, let delay = retries.delay(after: status) else {
                return false
            }
            guard case .started = phase else {
                // The opening thread has not recorded the stream yet: it schedules the next attempt.
                retries.pendingDelay = delay
                return true
            }
            firstMessage = messages.first
            laterMessages = Array(messages.dropFirst())
            phase = .starting(callbacks: callbacks)
            phaseChangedLocked()
            scheduleAttemptLocked(after: delay)
            return true
        }
    }

    /// Opens the call's next attempt after `delay` seconds, or at its deadline if that comes first
    /// (so that a call nobody waits for still ends then), on a blocking worker or, for an async
    /// call, in a task.
    func scheduleAttemptLocked(after delay: Double) {
        lock.assertHeld()
        madeHeaders = nil  // made again: the next attempt's grpc-timeout is what is left
        channel.loop.schedule(at: min(Deadline.after(seconds: delay), deadline)) { [self] in
            if startedByTask {
                Task { await startAsync() }
            } else {
                ThreadPoolExecutor.blockingWork.submit { [self] in open() }
            }
        }
    }

    private var isFailedLocked: Bool {
        if case .failed = phase { return true }
        return false
    }
}

extension ClientCall: PropagationChild {
    /// The server call whose handler started this call has ended: it is cancelled, as grpc-java
    /// cancels the calls of a cancelled `Context`.
    func parentEnded() {
        if status == nil { fail(.parentCallEnded) }
    }
}
