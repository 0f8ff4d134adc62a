extension AIO {
    /// What every async call offers while and after it runs (`grpc.aio.Call`). Awaiting any of it
    /// from a task that is cancelled cancels the call, as cancelling a task that awaits a
    /// grpc.aio call does.
    public class Call: @unchecked Sendable {  // ClientCall and the interceptors' state are thread-safe
        /// Where the call's metadata and status come from.
        enum Backing {
            /// The RPC itself.
            case rpc(ClientCall)
            /// The channel's interceptors: while they run, their task; then the call they returned.
            case intercepted(any InterceptedCallState)
            /// An interceptor's own answer, never sent: OK, no metadata.
            case answered
        }

        let backing: Backing

        init(backing: Backing) {
            self.backing = backing
        }

        // A call dropped while it runs is cancelled, as grpc.aio cancels one it collects.
        deinit {
            switch backing {
            case .rpc(let call): if call.isActive() { call.fail(.cancelledUponGarbageCollection) }
            case .intercepted(let interception): interception.cancel()
            case .answered: break
            }
        }

        /// The server's initial metadata, once it arrives (`await call.initial_metadata()`).
        ///
        /// - Returns: The metadata of the response headers; empty when the call ended without any.
        public func initialMetadata() async -> Metadata {
            switch backing {
            case .rpc(let call): return await call.initialMetadataAsync()
            case .intercepted(let interception):
                switch await interception.outcome() {
                case .success(let call): return await call.initialMetadata()
                case .failure(let error): return (error as? RPCError)?.initialMetadata ?? []
                }
            case .answered: return []
            }
        }

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
        /// application!", and its awaiting tasks get `CancellationError`. While the channel's
        /// interceptors still run, their task is cancelled.
        ///
        /// - Returns: True when this cancelled the call, false when it had already ended.
        @discardableResult public func cancel() -> Bool {
            switch backing {
            case .rpc(let call): return call.cancel()
            case .intercepted(let interception): return interception.cancel()
            case .answered: return false
            }
        }

        /// True once the call was cancelled here (`call.cancelled()`).
        ///
        /// - Returns: Whether ``cancel()`` or a cancelled task ended the call.
        public func cancelled() -> Bool {
            switch backing {
            case .rpc(let call): return call.isCancelledHere
            case .intercepted(let interception): return interception.cancelled()
            case .answered: return false
            }
        }

        /// True once the call has ended (`call.done()`).
        ///
        /// - Returns: Whether the call has its status.
        public func done() -> Bool {
            switch backing {
            case .rpc(let call): return !call.isActive()
            case .intercepted(let interception): return interception.done()
            case .answered: return true
            }
        }

        /// Seconds until the deadline (`call.time_remaining()`).
        ///
        /// - Returns: The seconds left, 0 once the deadline has passed; nil without a deadline.
        public func timeRemaining() -> Double? {
            switch backing {
            case .rpc(let call): return call.timeRemaining()
            case .intercepted(let interception): return interception.timeRemaining()
            case .answered: return nil
            }
        }

        /// Runs `callback` with the call once it ends, at once when it has
        /// (`call.add_done_callback(callback)`).
        ///
        /// - Parameter callback: Runs once, on a blocking worker with no lock held (on the calling
        ///   thread when the call has ended already).
        public func addDoneCallback(_ callback: @escaping @Sendable (Call) -> Void) {
            switch backing {
            case .rpc(let call): if !call.addCallback({ [self] in callback(self) }) { callback(self) }
            case .intercepted(let interception): interception.addDoneCallback { [self] in callback(self) }
            case .answered: callback(self)
            }
        }

        /// The call's status, once it ends.
        func status() async -> Status {
            switch backing {
            case .rpc(let call): return await call.waitForStatusAsync()
            case .intercepted(let interception):
                switch await interception.outcome() {
                case .success(let call): return await call.status()
                case .failure(let error): return InterceptedCall.status(of: error)
                }
            case .answered: return .ok
            }
        }

        /// The error an awaiting task gets for `error` from `call`: `CancellationError` when the
        /// call was cancelled here or the task itself was cancelled, whatever ended the call
        /// meanwhile (grpc.aio raises `asyncio.CancelledError` then), else `error`.
        static func thrown(_ error: RPCError, _ call: ClientCall) -> any Error {
            call.isCancelledHere || Task.isCancelled ? CancellationError() : error
        }

        /// Runs a write of `call`, turning its error into the one the task gets.
        static func written(_ call: ClientCall, _ operation: () async throws(ClientWriteError) -> Void) async throws {
            do {
                try await operation()
            } catch {
                switch error {
                case .usage(let error): throw error
                case .ended(let error): throw thrown(error, call)
                }
            }
        }

        /// Runs `operation` on `call`, turning its error into the one the task gets.
        static func awaiting<T>(_ call: ClientCall, _ operation: () async throws(RPCError) -> T) async throws -> T {
            do {
                return try await operation()
            } catch {
                throw thrown(error, call)
            }
        }
    }
}
