extension AIO {
    /// A streaming-request, streaming-response method on an async channel
    /// (`grpc.aio.StreamStreamMultiCallable`).
    public struct StreamStreamMultiCallable<Request, Response>: Sendable {
        let binding: MethodBinding<Request, Response>
        /// The channel's running calls, which ``Channel/close(grace:)`` ends.
        let activeCalls: ActiveCalls
        /// The channel's interceptors of this kind, outermost first.
        let interceptors: [any StreamStreamClientInterceptor]

        /// The full method path, `/package.Service/Method`.
        public var method: String { binding.method }

        /// Starts the call with the requests of an async sequence, sent by a task of its own as the
        /// transport takes them (`call = stub.Method(request_async_iterator)`); iterate the call
        /// for the responses.
        ///
        /// - Parameters:
        ///   - requests: The requests; one that throws cancels the call.
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The running call, an `AsyncSequence` of the responses.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func callAsFunction<Requests: AsyncSequence>(
            _ requests: sending Requests, timeout: Double? = nil, metadata: Metadata = [],
            waitForReady: Bool? = nil, compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> StreamStreamCall<Request, Response> where Requests.Element == Request {
            let details = binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials)
            if !interceptors.isEmpty {
                return intercepted(details, AIO.Requests(requests), writer: InterceptedRequestWriter(written: nil))
            }
            let call = try activeCalls.makeCall(binding, details)
            AsyncCallStarter.beginStreaming(call)
            AsyncCallStarter.send(requests, on: call, binding.serializer)
            return StreamStreamCall(call: call, binding: binding, fromSequence: true)
        }

        /// Starts the call with the requests of a sequence (`call = stub.Method(iter(requests))`).
        ///
        /// - Parameters:
        ///   - requests: The requests, read as the transport takes them.
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The running call, an `AsyncSequence` of the responses.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func callAsFunction<Requests: Sequence>(
            _ requests: sending Requests, timeout: Double? = nil, metadata: Metadata = [],
            waitForReady: Bool? = nil, compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> StreamStreamCall<Request, Response> where Requests.Element == Request {
            try callAsFunction(
                AsyncRequests(requests: requests), timeout: timeout, metadata: metadata, waitForReady: waitForReady,
                compression: compression, credentials: credentials)
        }

        /// Starts the call with no request yet: write them with `write(_:)`, end with
        /// `doneWriting()`, and read the responses (`call = stub.Method()`).
        ///
        /// - Parameters:
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The running call.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func callAsFunction(
            timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> StreamStreamCall<Request, Response> {
            let details = binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials)
            if !interceptors.isEmpty {
                let written = WrittenRequests<Request>()
                return intercepted(
                    details, AIO.Requests(written: written), writer: InterceptedRequestWriter(written: written))
            }
            return try start(details, nil)
        }

        /// Makes and starts a call (the innermost continuation): its requests come from
        /// `requests`, or are written when nil.
        private func start(_ details: ClientCallDetails, _ requests: AIO.Requests<Request>?) throws
            -> StreamStreamCall<Request, Response>
        {
            let call = try activeCalls.makeCall(binding, details)
            AsyncCallStarter.beginStreaming(call)
            if let requests { AsyncCallStarter.send(requests, on: call, binding.serializer) }
            return StreamStreamCall(call: call, binding: binding, fromSequence: requests != nil)
        }

        /// Runs the interceptors in a task of their own, with `requests`.
        private func intercepted(
            _ details: ClientCallDetails, _ requests: AIO.Requests<Request>, writer: InterceptedRequestWriter<Request>
        ) -> StreamStreamCall<Request, Response> {
            let chain = AsyncInterceptorChain(
                interceptors: interceptors, intercept: { try await $0.interceptStreamStream($1, $2, $3) },
                start: { try start($0, $1) })
            let interception = Interception.start(timeout: details.timeout) { try await chain.run(details, requests) }
            if let written = writer.written { interception.addDoneCallback { written.close() } }
            return StreamStreamCall(interception: interception, writer: writer)
        }
    }

    /// A running streaming-request, streaming-response call (`grpc.aio.StreamStreamCall`): write
    /// requests, and read the responses or iterate them.
    public final class StreamStreamCall<Request, Response>: Call, AsyncSequence, @unchecked Sendable {
        // @unchecked: ClientCall, the writers, the interception and the sources are thread-safe.

        /// Where the requests go and the responses come from.
        private enum Source {
            case rpc(ClientCall, AsyncRequestWriter<Request>, Deserializer<Response>)
            case intercepted(Interception<StreamStreamCall<Request, Response>>, InterceptedRequestWriter<Request>)
            /// Responses an interceptor gave; requests go to the call, when there is one.
            case replaced(StreamStreamCall<Request, Response>?, ReplacedResponses<Response>)
        }

        private let source: Source

        init(call: ClientCall, binding: MethodBinding<Request, Response>, fromSequence: Bool) {
            let writer = AsyncRequestWriter(call: call, serializer: binding.serializer, fromSequence: fromSequence)
            source = .rpc(call, writer, binding.deserializer)
            super.init(backing: .rpc(call))
        }

        init(interception: Interception<StreamStreamCall<Request, Response>>, writer: InterceptedRequestWriter<Request>)
        {
            source = .intercepted(interception, writer)
            super.init(backing: .intercepted(interception))
        }

        /// A call whose responses an interceptor replaced (grpc.aio's async iterator returned by
        /// an interceptor): reads come from `responses`; writes, metadata, status and cancelling
        /// from `call`.
        ///
        /// - Parameters:
        ///   - call: The call that answers the rest, usually the continuation's; nil: none (the
        ///     status is OK, the metadata empty, and writing is refused).
        ///   - responses: The responses the caller reads.
        public init<Responses: AsyncSequence>(
            _ call: StreamStreamCall<Request, Response>?, responses: sending Responses
        ) where Responses.Element == Response {
            source = .replaced(call, ReplacedResponses(responses))
            super.init(backing: call.map { .intercepted(Interception(returned: $0)) } ?? .answered)
        }

        /// Sends one request (`await call.write(request)`), suspending while the server is slow.
        ///
        /// - Parameter request: The request message.
        /// - Throws: `UsageError` when the requests come from a sequence or after
        ///   doneWriting(); the call's error once it has ended other than OK (with interceptors,
        ///   `UsageError` "RPC already finished.", as grpc.aio's intercepted calls raise).
        public func write(_ request: Request) async throws {
            switch source {
            case .rpc(let call, let writer, _):
                try await Call.written(call) { () async throws(ClientWriteError) in try await writer.write(request) }
            case .intercepted(let interception, let writer): try await writer.write(request, on: interception)
            case .replaced(let call, _):
                guard let call else { throw AsyncRequestWriter<Request>.writeAfterEnd }
                try await call.write(request)
            }
        }

        /// Half-closes: no more requests (`await call.done_writing()`).
        ///
        /// - Throws: `UsageError` when the requests come from a sequence.
        public func doneWriting() async throws {
            switch source {
            case .rpc(let call, let writer, _):
                try await Call.written(call) { () async throws(ClientWriteError) in try writer.doneWriting() }
            case .intercepted(let interception, let writer): try await writer.doneWriting(on: interception)
            case .replaced(let call, _): try await call?.doneWriting()
            }
        }

        /// The next response (`await call.read()`); nil once the call has ended OK.
        ///
        /// - Returns: The next response message, or nil at the end.
        /// - Throws: `RPCError` with the call's status when it does not end OK; `CancellationError`
        ///   when it was cancelled here; what an interceptor threw.
        public func read() async throws -> Response? {
            switch source {
            case .rpc(let call, _, let deserializer):
                return try await Call.awaiting(call) { () async throws(RPCError) in
                    try await call.receiveAsync(deserializer)
                }
            case .intercepted(let interception, _): return try await interception.resolved().read()
            case .replaced(_, let responses): return try await responses.next()
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
