extension AIO {
    /// A streaming-request, streaming-response method on an async channel
    /// (`grpc.aio.StreamStreamMultiCallable`).
    public struct StreamStreamMultiCallable<Request, Response>: Sendable {
        let binding: MethodBinding<Request, Response>
        /// The channel's running calls, which ``Channel/close(grace:)`` ends.
        let activeCalls: ActiveCalls

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
            let call = try makeCall(timeout, metadata, waitForReady, compression, credentials)
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
            let call = try makeCall(timeout, metadata, waitForReady, compression, credentials)
            AsyncCallStarter.beginStreaming(call)
            return StreamStreamCall(call: call, binding: binding, fromSequence: false)
        }

        private func makeCall(
            _ timeout: Double?, _ metadata: Metadata, _ waitForReady: Bool?, _ compression: Compression?,
            _ credentials: CallCredentials?
        ) throws -> ClientCall {
            try activeCalls.makeCall(
                binding,
                binding.details(
                    timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                    credentials: credentials))
        }
    }

    /// A running streaming-request, streaming-response call (`grpc.aio.StreamStreamCall`): write
    /// requests, and read the responses or iterate them.
    public final class StreamStreamCall<Request, Response>: Call, AsyncSequence, @unchecked Sendable {
        // @unchecked: ClientCall is thread-safe.
        let deserializer: Deserializer<Response>
        let writer: AsyncRequestWriter<Request>

        init(call: ClientCall, binding: MethodBinding<Request, Response>, fromSequence: Bool) {
            deserializer = binding.deserializer
            writer = AsyncRequestWriter(call: call, serializer: binding.serializer, fromSequence: fromSequence)
            super.init(call: call)
        }

        /// Sends one request (`await call.write(request)`), suspending while the server is slow.
        ///
        /// - Parameter request: The request message.
        /// - Throws: `UsageError` when the requests come from a sequence or after
        ///   doneWriting(); the call's error once it has ended other than OK.
        public func write(_ request: Request) async throws {
            try await written { () async throws(ClientWriteError) in try await writer.write(request) }
        }

        /// Half-closes: no more requests (`await call.done_writing()`).
        ///
        /// - Throws: `UsageError` when the requests come from a sequence.
        public func doneWriting() async throws {
            try await written { () async throws(ClientWriteError) in try writer.doneWriting() }
        }

        /// The next response (`await call.read()`); nil once the call has ended OK.
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
