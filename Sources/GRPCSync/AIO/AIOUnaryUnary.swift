extension AIO {
    /// A unary-request, unary-response method on an async channel
    /// (`grpc.aio.UnaryUnaryMultiCallable`). Every call takes grpcio's keyword arguments:
    /// `timeout:` (seconds), `metadata:`, `waitForReady:`, `compression:`, `credentials:`.
    public struct UnaryUnaryMultiCallable<Request, Response>: Sendable {
        let binding: MethodBinding<Request, Response>
        /// The channel's running calls, which ``Channel/close(grace:)`` ends.
        let activeCalls: ActiveCalls

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
        ///   closed or the metadata cannot be sent.
        public func callAsFunction(
            _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) async throws -> Response {
            let call = try activeCalls.makeCall(
                binding,
                binding.details(
                    timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                    credentials: credentials))
            let handle = UnaryUnaryCall(call: call, deserializer: binding.deserializer)
            return try await handle.awaiting { () async throws(RPCError) in
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
        /// - Returns: The running call; `try await call.response` is its response.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func call(
            _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> UnaryUnaryCall<Response> {
            let call = try activeCalls.makeCall(
                binding,
                binding.details(
                    timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                    credentials: credentials))
            AsyncCallStarter.beginUnary(call, request, binding.serializer)
            return UnaryUnaryCall(call: call, deserializer: binding.deserializer)
        }
    }

    /// A running unary-unary call (`grpc.aio.UnaryUnaryCall`).
    public final class UnaryUnaryCall<Response>: Call, @unchecked Sendable {  // ClientCall is thread-safe
        let deserializer: Deserializer<Response>

        init(call: ClientCall, deserializer: @escaping Deserializer<Response>) {
            self.deserializer = deserializer
            super.init(call: call)
        }

        /// The response, once the call ends (`await call`).
        ///
        /// - Throws: `RPCError` with the call's status when it does not end OK; `CancellationError`
        ///   when it was cancelled here.
        public var response: Response {
            get async throws {
                try await awaiting { () async throws(RPCError) in
                    try await call.unaryResponseAsync(deserializer)
                }
            }
        }
    }
}
