extension AIO {
    /// A unary-request, unary-response method on an async channel
    /// (`grpc.aio.UnaryUnaryMultiCallable`). Every call takes grpcio's keyword arguments:
    /// `timeout:` (seconds), `metadata:`, `waitForReady:`, `compression:`, `credentials:`.
    public struct UnaryUnaryMultiCallable<Request, Response>: Sendable {
        let binding: MethodBinding<Request, Response>
        /// The channel's running calls, which ``Channel/close(grace:)`` ends.
        let activeCalls: ActiveCalls
        /// The channel's interceptors of this kind, outermost first.
        let interceptors: [any UnaryUnaryClientInterceptor]

        /// The full method path, `/package.Service/Method`.
        public var method: String { binding.method }

        /// Calls the method and awaits the response (`await stub.Method(request, timeout=, …)`).
        ///
        /// - Parameters:
        ///   - request: The request message.
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The response message.
        /// - Throws: `RPCError` with the call's status when it does not end OK; `CancellationError`
        ///   when the task was cancelled (the call is then cancelled); `UsageError` when the channel is
        ///   closed or the metadata cannot be sent; what an interceptor throws.
        public func callAsFunction(
            _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) async throws -> Response {
            let details = binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials)
            if !interceptors.isEmpty {  // they run in this task
                return try await chain.run(details, request).response
            }
            let call = try activeCalls.makeCall(binding, details)
            return try await Call.awaiting(call) { () async throws(RPCError) in
                if Task.isCancelled { call.cancel() }  // nothing goes out
                await AsyncCallStarter.startUnary(call, request, binding.serializer)
                return try await call.unaryResponseAsync(binding.deserializer)
            }
        }

        /// Starts the call and returns it at once, for its metadata and status
        /// (`call = stub.Method(request)`, then `await call`).
        ///
        /// - Parameters:
        ///   - request: The request message.
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The running call; `try await call.response` is its response. With
        ///   interceptors, they run in a task of their own, and what they throw is the call's error.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func call(
            _ request: sending Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> UnaryUnaryCall<Response> {
            let details = binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials)
            if !interceptors.isEmpty {
                let chain = chain
                return UnaryUnaryCall(
                    interception: .start(timeout: timeout) { try await chain.run(details, request) })
            }
            return try start(details, request)
        }

        /// Makes and starts a call (the innermost continuation).
        private func start(_ details: ClientCallDetails, _ request: Request) throws -> UnaryUnaryCall<Response> {
            let call = try activeCalls.makeCall(binding, details)
            AsyncCallStarter.beginUnary(call, request, binding.serializer)
            return UnaryUnaryCall(call: call, deserializer: binding.deserializer)
        }

        private var chain: AsyncInterceptorChain<any UnaryUnaryClientInterceptor, Request, UnaryUnaryCall<Response>> {
            AsyncInterceptorChain(
                interceptors: interceptors,
                intercept: { try await $0.interceptUnaryUnary($1, $2, $3) },
                start: start)
        }
    }

    /// A running unary-unary call (`grpc.aio.UnaryUnaryCall`).
    public final class UnaryUnaryCall<Response>: Call, @unchecked Sendable {  // ClientCall is thread-safe
        /// Where the response comes from.
        private enum Source {
            case rpc(ClientCall, Deserializer<Response>)
            case intercepted(Interception<UnaryUnaryCall<Response>>)
            case answered(Response)
        }

        private let source: Source

        init(call: ClientCall, deserializer: @escaping Deserializer<Response>) {
            source = .rpc(call, deserializer)
            super.init(backing: .rpc(call))
        }

        init(interception: Interception<UnaryUnaryCall<Response>>) {
            source = .intercepted(interception)
            super.init(backing: .intercepted(interception))
        }

        /// A call that is already answered, for an interceptor to return instead of calling on
        /// (grpc.aio's `UnaryUnaryCallResponse`): its response is `response`, its code OK, its
        /// details and metadata empty, and it cannot be cancelled.
        ///
        /// - Parameter response: The response the caller gets.
        public init(response: Response) {
            source = .answered(response)
            super.init(backing: .answered)
        }

        /// The response, once the call ends (`await call`).
        ///
        /// - Throws: `RPCError` with the call's status when it does not end OK; `CancellationError`
        ///   when it was cancelled here; what an interceptor threw.
        public var response: Response {
            get async throws {
                switch source {
                case .rpc(let call, let deserializer):
                    return try await Call.awaiting(call) { () async throws(RPCError) in
                        try await call.unaryResponseAsync(deserializer)
                    }
                case .intercepted(let interception): return try await interception.resolved().response
                case .answered(let response): return response
                }
            }
        }
    }
}
