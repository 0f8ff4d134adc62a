extension AIO {
    /// A unary-request, streaming-response method on an async channel
    /// (`grpc.aio.UnaryStreamMultiCallable`).
    public struct UnaryStreamMultiCallable<Request, Response>: Sendable {
        let binding: MethodBinding<Request, Response>
        /// The channel's running calls, which ``Channel/close(grace:)`` ends.
        let activeCalls: ActiveCalls
        /// The channel's interceptors of this kind, outermost first.
        let interceptors: [any UnaryStreamClientInterceptor]

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
        /// - Returns: The running call, an `AsyncSequence` of the responses. With interceptors, they
        ///   run in a task of their own, and what they throw comes from the first read.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func callAsFunction(
            _ request: sending Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> UnaryStreamCall<Response> {
            let details = binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials)
            if !interceptors.isEmpty {
                let chain = AsyncInterceptorChain(
                    interceptors: interceptors, intercept: { try await $0.interceptUnaryStream($1, $2, $3) },
                    start: start)
                return UnaryStreamCall(interception: .start(timeout: timeout) { try await chain.run(details, request) })
            }
            return try start(details, request)
        }

        /// Makes and starts a call (the innermost continuation).
        private func start(_ details: ClientCallDetails, _ request: Request) throws -> UnaryStreamCall<Response> {
            let call = try activeCalls.makeCall(binding, details)
            AsyncCallStarter.beginUnary(call, request, binding.serializer)
            return UnaryStreamCall(call: call, deserializer: binding.deserializer)
        }
    }

    /// A running call whose responses stream (`grpc.aio.UnaryStreamCall`): an `AsyncSequence` of
    /// them, ending when the call ends OK and throwing its error otherwise.
    public final class UnaryStreamCall<Response>: Call, AsyncSequence, @unchecked Sendable {
        // @unchecked: ClientCall and the sources are thread-safe.

        /// Where the responses come from.
        private enum Source {
            case rpc(ClientCall, Deserializer<Response>)
            case intercepted(Interception<UnaryStreamCall<Response>>)
            case replaced(ReplacedResponses<Response>)
        }

        private let source: Source

        init(call: ClientCall, deserializer: @escaping Deserializer<Response>) {
            source = .rpc(call, deserializer)
            super.init(backing: .rpc(call))
        }

        init(interception: Interception<UnaryStreamCall<Response>>) {
            source = .intercepted(interception)
            super.init(backing: .intercepted(interception))
        }

        /// A call whose responses an interceptor replaced (grpc.aio's async iterator returned by
        /// an interceptor): reads come from `responses`; metadata, status and cancelling from
        /// `call`.
        ///
        /// - Parameters:
        ///   - call: The call that answers the rest, usually the continuation's; nil: none (the
        ///     status is OK, the metadata empty).
        ///   - responses: The responses the caller reads.
        public init<Responses: AsyncSequence>(_ call: UnaryStreamCall<Response>?, responses: sending Responses)
        where Responses.Element == Response {
            source = .replaced(ReplacedResponses(responses))
            super.init(backing: call.map { .intercepted(Interception(returned: $0)) } ?? .answered)
        }

        /// The next response (`await call.read()`); nil once the call has ended OK (grpc.aio's `EOF`).
        ///
        /// - Returns: The next response message, or nil at the end.
        /// - Throws: `RPCError` with the call's status when it does not end OK; `CancellationError`
        ///   when it was cancelled here; what an interceptor threw.
        public func read() async throws -> Response? {
            switch source {
            case .rpc(let call, let deserializer):
                return try await Call.awaiting(call) { () async throws(RPCError) in
                    try await call.receiveAsync(deserializer)
                }
            case .intercepted(let interception): return try await interception.resolved().read()
            case .replaced(let responses): return try await responses.next()
            }
        }

        /// Reads the responses in turn (`async for r in call`).
        ///
        /// - Returns: An iterator whose `next()` is read().
        public func makeAsyncIterator() -> MessageIterator<Response> {
            MessageIterator(read: read)
        }
    }
}
