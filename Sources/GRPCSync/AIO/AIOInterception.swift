/// What a call object asks of the channel's interceptors running for its call, whatever the call's
/// kind: an ``AIO/Interception``.
protocol InterceptedCallState: AnyObject, Sendable {
    /// The call the interceptors returned, or what they threw; suspends while they run. A task
    /// cancelled while it waits here cancels the interceptors' task.
    func outcome() async -> Result<AIO.Call, any Error>
    /// Cancels the interceptors' task while it runs, else the call it returned.
    @discardableResult func cancel() -> Bool
    /// Whether the call was cancelled here (or ended CANCELLED before the interceptors returned).
    func cancelled() -> Bool
    /// Whether the interceptors threw, or the call they returned has ended.
    func done() -> Bool
    /// Seconds until the deadline: the returned call's, else the one the call was made with.
    func timeRemaining() -> Double?
    /// Runs `callback` once the interceptors threw or the call they returned has ended.
    func addDoneCallback(_ callback: @escaping @Sendable () -> Void)
}

/// How an intercepted call reports the error its interceptors threw.
enum InterceptedCall {
    /// The status of a call whose interceptors threw `error`: an ``RPCError``'s own, CANCELLED
    /// "Locally cancelled by application!" when they were cancelled, else INTERNAL "Exception raised
    /// while intercepting the RPC" (the blocking flavour's status for that outcome).
    static func status(of error: any Error) -> Status {
        switch error {
        case let error as RPCError:
            return Status(code: error.code, details: error.details, trailingMetadata: error.trailingMetadata)
        case is CancellationError: return .locallyCancelled
        default: return .interceptionFailed
        }
    }
}

extension AIO {
    /// The channel's interceptors running for one call started without being awaited
    /// (`call = stub.Method(…)`), as grpc.aio's intercepted calls hold them: a task that ends with
    /// the call the interceptors returned, or with their error. Until it ends, the call object
    /// answers from it (`cancel()` cancels the task, `done()` is false, done callbacks wait); then
    /// from the returned call.
    final class Interception<Resolved: Call>: InterceptedCallState, @unchecked Sendable {
        // `lock` protects `result`, `task`, `callbacks` and `cancelAsked`.
        private let lock = Lock()
        private var result: Result<Resolved, any Error>?
        private var task: Task<Resolved, any Error>?
        /// Done callbacks added while the interceptors ran.
        private var callbacks: [@Sendable () -> Void] = []
        /// ``cancel()`` was called while the interceptors ran.
        private var cancelAsked = false
        /// The deadline the call was made with, until the interceptors return a call.
        private let deadline: Deadline

        private init(deadline: Deadline) {
            self.deadline = deadline
        }

        /// Runs `interceptors` (the chain down to the call) in a task of their own.
        ///
        /// - Parameters:
        ///   - timeout: The call's timeout, for ``timeRemaining()`` while they run.
        ///   - interceptors: The chain; returns the call, or throws.
        static func start(
            timeout: Double?, _ interceptors: sending @escaping () async throws -> Resolved
        ) -> Interception {
            let interception = Interception(deadline: .after(seconds: timeout))
            let task = Task {
                let result: Result<Resolved, any Error>
                do {
                    result = .success(try await interceptors())
                } catch {
                    result = .failure(error)
                }
                interception.end(result)
                return try result.get()
            }
            interception.lock.withLock { interception.task = task }
            return interception
        }

        /// An interception that has already returned `call` (a call whose responses an interceptor
        /// replaced answers the rest from `call`).
        init(returned call: Resolved) {
            deadline = .never
            result = .success(call)
        }

        /// Keeps the interceptors' result and hands the waiting done callbacks on.
        private func end(_ result: Result<Resolved, any Error>) {
            let (callbacks, cancel): ([@Sendable () -> Void], Bool) = lock.withLock {
                self.result = result
                defer { self.callbacks = [] }
                return (self.callbacks, cancelAsked)
            }
            switch result {
            case .success(let call):
                if cancel { call.cancel() }  // cancelled while the interceptors ran; they returned anyway
                for callback in callbacks { call.addDoneCallback { _ in callback() } }
            case .failure:
                for callback in callbacks { callback() }
            }
        }

        /// The returned call, or what the interceptors threw; suspends while they run.
        func resolved() async throws -> Resolved {
            try await typedOutcome().get()
        }

        private func typedOutcome() async -> Result<Resolved, any Error> {
            let (result, task) = lock.withLock { (self.result, self.task) }
            if let result { return result }
            guard let task else { preconditionFailure("a running interception has its task") }
            return await withTaskCancellationHandler {
                await task.result
            } onCancel: {
                task.cancel()
            }
        }

        func outcome() async -> Result<Call, any Error> {
            await typedOutcome().map { $0 }
        }

        /// What ``cancel()`` does, decided under the lock.
        private enum CancelAction {
            case cancelTask(Task<Resolved, any Error>?)
            case cancelCall(Resolved)
            case nothing
        }

        @discardableResult func cancel() -> Bool {
            let action: CancelAction = lock.withLock {
                switch result {
                case nil:
                    cancelAsked = true
                    return .cancelTask(task)
                case .success(let call): return .cancelCall(call)
                case .failure: return .nothing
                }
            }
            switch action {
            case .cancelTask(let task):
                task?.cancel()
                return true
            case .cancelCall(let call): return call.cancel()
            case .nothing: return false
            }
        }

        func cancelled() -> Bool {
            let (result, cancelAsked) = lock.withLock { (self.result, self.cancelAsked) }
            switch result {
            case nil: return cancelAsked
            case .success(let call): return call.cancelled()
            case .failure(let error): return InterceptedCall.status(of: error).code == .cancelled
            }
        }

        func done() -> Bool {
            switch lock.withLock({ result }) {
            case nil: return false
            case .success(let call): return call.done()
            case .failure: return true
            }
        }

        func timeRemaining() -> Double? {
            switch lock.withLock({ result }) {
            case .success(let call): return call.timeRemaining()
            case nil: return deadline.timeRemaining
            case .failure: return deadline.timeRemaining.map { _ in 0 }
            }
        }

        func addDoneCallback(_ callback: @escaping @Sendable () -> Void) {
            let result: Result<Resolved, any Error>? = lock.withLock {
                if self.result == nil { callbacks.append(callback) }
                return self.result
            }
            switch result {
            case nil: break
            case .success(let call): call.addDoneCallback { _ in callback() }
            case .failure: callback()
            }
        }
    }
}
