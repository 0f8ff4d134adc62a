import Synchronization

extension AIO {
    /// The calls an async channel has started and that may still run, as grpc.aio's channel keeps
    /// them for `close(grace)`: closing refuses new calls, lets these run for the grace, then
    /// cancels what is left.
    ///
    /// A call is listed when it is made and never told to leave (that would cost every call a
    /// callback on its end); the ended ones are dropped whenever the list has doubled since it was
    /// last pruned, so it holds at most about twice the calls still running.
    final class ActiveCalls: @unchecked Sendable {  // `lock` protects the rest
        private let lock = Lock()
        @exclusivity(unchecked) private var calls: [ClientCall] = []
        /// The list's length after its last pruning (at least 64).
        @exclusivity(unchecked) private var prunedLength = 64
        /// Set once, under `lock`, by ``close()``; read without it first by ``makeCall(_:_:)``.
        private let closing = Atomic<Bool>(false)

        /// A call of `binding` with `details`, listed until the channel closes or it is pruned.
        ///
        /// - Throws: ``UsageError`` once the channel is closing or closed.
        func makeCall<Request, Response>(
            _ binding: MethodBinding<Request, Response>, _ details: ClientCallDetails
        ) throws -> ClientCall {
            if closing.load(ordering: .acquiring) { throw UsageError.closedAsyncChannel }
            let call = try binding.makeCall(details)
            let listed: Bool = lock.withLock {
                if closing.load(ordering: .relaxed) { return false }
                calls.append(call)
                if calls.count >= 2 * prunedLength {
                    calls.removeAll { !$0.isActive() }
                    prunedLength = max(64, calls.count)
                }
                return true
            }
            if !listed {  // made, never started
                call.cancel()
                throw UsageError.closedAsyncChannel
            }
            return call
        }

        /// Refuses new calls from now on; returns the calls still running, or nil when the channel
        /// was closing already.
        func close() -> [ClientCall]? {
            lock.withLock {
                if closing.load(ordering: .relaxed) { return nil }
                closing.store(true, ordering: .releasing)
                defer { calls.removeAll() }
                return calls.filter { $0.isActive() }
            }
        }
    }
}

extension UsageError {
    /// A call on an async channel that is closing or closed (grpc.aio's words).
    static var closedAsyncChannel: UsageError { UsageError("Channel is closed.") }
}
