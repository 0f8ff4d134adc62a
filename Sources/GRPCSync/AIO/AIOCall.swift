extension AIO {
    /// What every async call offers while and after it runs (`grpc.aio.Call`). Awaiting any of it
    /// from a task that is cancelled cancels the call, as cancelling a task that awaits a
    /// grpc.aio call does.
    public class Call: @unchecked Sendable {  // ClientCall is thread-safe
        let call: ClientCall

        init(call: ClientCall) {
            self.call = call
        }

        // A call dropped while it runs is cancelled, as grpc.aio cancels one it collects.
        deinit {
            if call.isActive() { call.fail(.cancelledUponGarbageCollection) }
        }

        /// The server's initial metadata, once it arrives (`await call.initial_metadata()`).
        ///
        /// - Returns: The metadata of the response headers; empty when the call ended without any.
        public func initialMetadata() async -> Metadata { await call.initialMetadataAsync() }

        /// The server's trailing metadata, once the call ends (`await call.trailing_metadata()`).
        ///
        /// - Returns: The metadata that came with the status.
        public func trailingMetadata() async -> Metadata { await status().trailingMetadata }

        /// The status code, once the call ends (`await call.code()`).
        ///
        /// - Returns: The call's final code, OK when it succeeded.
        public func code() async -> StatusCode { await status().code }

        /// The status message, once the call ends (`await call.details()`).
        ///
        /// - Returns: The final status's message, empty when there was none.
        public func details() async -> String { await status().details }

        /// Cancels the call (`call.cancel()`): it ends CANCELLED "Locally cancelled by
        /// application!", and its awaiting tasks get `CancellationError`.
        ///
        /// - Returns: True when this cancelled the call, false when it had already ended.
        @discardableResult public func cancel() -> Bool { call.cancel() }

        /// True once the call was cancelled here (`call.cancelled()`).
        ///
        /// - Returns: Whether ``cancel()`` or a cancelled task ended the call.
        public func cancelled() -> Bool { call.isCancelledHere }

        /// True once the call has ended (`call.done()`).
        ///
        /// - Returns: Whether the call has its status.
        public func done() -> Bool { !call.isActive() }

        /// Seconds until the deadline (`call.time_remaining()`).
        ///
        /// - Returns: The seconds left, 0 once the deadline has passed; nil without a deadline.
        public func timeRemaining() -> Double? { call.timeRemaining() }

        /// Runs `callback` with the call once it ends, at once when it has
        /// (`call.add_done_callback(callback)`).
        ///
        /// - Parameter callback: Runs once, on a blocking worker with no lock held (on the calling
        ///   thread when the call has ended already).
        public func addDoneCallback(_ callback: @escaping @Sendable (Call) -> Void) {
            if !call.addCallback({ [self] in callback(self) }) { callback(self) }
        }

        /// The call's status, once it ends.
        func status() async -> Status { await call.waitForStatusAsync() }

        /// The error an awaiting task gets for `error`: `CancellationError` when the call was
        /// cancelled here or the task itself was cancelled, whatever ended the call meanwhile
        /// (grpc.aio raises `asyncio.CancelledError` then), else `error`.
        func thrown(_ error: RPCError) -> any Error {
            call.isCancelledHere || Task.isCancelled ? CancellationError() : error
        }

        /// Runs a write of the call, turning its error into the one the task gets.
        func written(_ operation: () async throws(ClientWriteError) -> Void) async throws {
            do {
                try await operation()
            } catch {
                switch error {
                case .usage(let error): throw error
                case .ended(let error): throw thrown(error)
                }
            }
        }

        /// Runs `operation`, turning its error into the one the task gets.
        func awaiting<T>(_ operation: () async throws(RPCError) -> T) async throws -> T {
            do {
                return try await operation()
            } catch {
                throw thrown(error)
            }
        }
    }
}
