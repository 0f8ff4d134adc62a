extension AIO {
    /// A unary-request, streaming-response method on an async channel
    /// (`grpc.aio.UnaryStreamMultiCallable`).
    public struct UnaryStreamMultiCallable<Request, Response>: Sendable {
        let binding: MethodBinding<Request, Response>
        /// The channel's running calls, which ``Channel/close(grace:)`` ends.
        let activeCalls: ActiveCalls

        /// The full method path, `/package.Service/Method`.
        public var method: String { binding.method }

        /// Starts the call (`call = stub.Method(request)`); iterate it for the responses
        /// (`for try await r in try stub.listX(request)`) or `read()` them.
        ///
        /// - Parameters:
        ///   - request: The request message.
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The running call, an `AsyncSequence` of the responses.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func callAsFunction(
            _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> UnaryStreamCall<Response> {
            let call = try activeCalls.makeCall(
                binding,
                binding.details(
                    timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                    credentials: credentials))
            AsyncCallStarter.beginUnary(call, request, binding.serializer)
            return UnaryStreamCall(call: call, deserializer: binding.deserializer)
        }
    }

    /// A running call whose responses stream (`grpc.aio.UnaryStreamCall`): an `AsyncSequence` of
    /// them, ending when the call ends OK and throwing its error otherwise.
    public final class UnaryStreamCall<Response>: Call, AsyncSequence, @unchecked Sendable {
        // @unchecked: ClientCall is thread-safe.
        let deserializer: Deserializer<Response>

        init(call: ClientCall, deserializer: @escaping Deserializer<Response>) {
            self.deserializer = deserializer
            super.init(call: call)
        }

        /// The next response (`await call.read()`); nil once the call has ended OK (grpc.aio's `EOF`).
        ///
        /// - Returns: The next response message, or nil at the end.
        /// - Throws: `RPCError` with the call's status when it does not end OK; `CancellationError`
        ///   when it was cancelled here.
        public func read() async throws -> Response? {
            try await awaiting { () async throws(RPCError) in try await call.receiveAsync(deserializer) }
        }

        /// Reads the responses in turn (`async for r in call`).
        ///
        /// - Returns: An iterator whose `next()` is read().
        public func makeAsyncIterator() -> MessageIterator<Response> {
            MessageIterator(read: read)
        }
    }
}
