extension AIO {
    /// A streaming-request, unary-response method on an async channel
    /// (`grpc.aio.StreamUnaryMultiCallable`).
    public struct StreamUnaryMultiCallable<Request, Response>: Sendable {
        let binding: MethodBinding<Request, Response>
        /// The channel's running calls, which ``Channel/close(grace:)`` ends.
        let activeCalls: ActiveCalls
        /// The channel's interceptors of this kind, outermost first.
        let interceptors: [any StreamUnaryClientInterceptor]

        /// The full method path, `/package.Service/Method`.
        public var method: String { binding.method }

        /// Calls the method with the requests of an async sequence, sent by a task of its own as
        /// the transport takes them, and awaits the response
        /// (`await stub.Method(request_async_iterator)`).
        ///
        /// - Parameters:
        ///   - requests: The requests; one that throws cancels the call.
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
        public func callAsFunction<Requests: AsyncSequence>(
            _ requests: sending Requests, timeout: Double? = nil, metadata: Metadata = [],
            waitForReady: Bool? = nil, compression: Compression? = nil, credentials: CallCredentials? = nil
        ) async throws -> Response where Requests.Element == Request {
            try await call(
                requests, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials
            ).response
        }

        /// Calls the method with the requests of a sequence (`await stub.Method(iter(requests))`).
        ///
        /// - Parameters:
        ///   - requests: The requests, read as the transport takes them.
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The response message.
        /// - Throws: As callAsFunction(_:timeout:metadata:waitForReady:compression:credentials:)-(Requests,_,_,_,_,_).
        public func callAsFunction<Requests: Sequence>(
            _ requests: sending Requests, timeout: Double? = nil, metadata: Metadata = [],
            waitForReady: Bool? = nil, compression: Compression? = nil, credentials: CallCredentials? = nil
        ) async throws -> Response where Requests.Element == Request {
            try await callAsFunction(
                AsyncRequests(requests: requests), timeout: timeout, metadata: metadata, waitForReady: waitForReady,
                compression: compression, credentials: credentials)
        }

        /// Starts the call with the requests of an async sequence and returns it at once
        /// (`call = stub.Method(request_async_iterator)`).
        ///
        /// - Parameters:
        ///   - requests: The requests; one that throws cancels the call.
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The running call; `try await call.response` is its response.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func call<Requests: AsyncSequence>(
            _ requests: sending Requests, timeout: Double? = nil, metadata: Metadata = [],
            waitForReady: Bool? = nil, compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> StreamUnaryCall<Request, Response> where Requests.Element == Request {
            let details = binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials)
            if !interceptors.isEmpty {
                return intercepted(details, AIO.Requests(requests), writer: InterceptedRequestWriter(written: nil))
            }
            let call = try activeCalls.makeCall(binding, details)
            AsyncCallStarter.beginStreaming(call)
            AsyncCallStarter.send(requests, on: call, binding.serializer)
            return StreamUnaryCall(call: call, binding: binding, fromSequence: true)
        }

        /// Starts the call with no request yet: write them with `write(_:)` and end with
        /// `doneWriting()` (`call = stub.Method()`).
        ///
        /// - Parameters:
        ///   - timeout: Seconds the call may take (its deadline); nil: none.
        ///   - metadata: Metadata sent with the request headers.
        ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
        ///     once while it cannot; nil or false fails fast, as grpcio does by default.
        ///   - compression: The call's message compression; nil: the channel's.
        ///   - credentials: Call credentials for this call, sent after the channel's.
        /// - Returns: The running call, to write to and await.
        /// - Throws: `UsageError` when the channel is closed or the metadata cannot be sent.
        public func call(
            timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
            compression: Compression? = nil, credentials: CallCredentials? = nil
        ) throws -> StreamUnaryCall<Request, Response> {
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
        private func start(_ details: ClientCallDetails, _ requests: AIO.Requests<Request>?) throws -> StreamUnaryCall<
            Request, Response
        > {
            let call = try activeCalls.makeCall(binding, details)
            AsyncCallStarter.beginStreaming(call)
            if let requests { AsyncCallStarter.send(requests, on: call, binding.serializer) }
            return StreamUnaryCall(call: call, binding: binding, fromSequence: requests != nil)
        }

        /// Runs the interceptors in a task of their own, with `requests`.
        private func intercepted(
            _ details: ClientCallDetails, _ requests: AIO.Requests<Request>, writer: InterceptedRequestWriter<Request>
        ) -> StreamUnaryCall<Request, Response> {
            let chain = AsyncInterceptorChain(
                interceptors: interceptors, intercept: { try await $0.interceptStreamUnary($1, $2, $3) },
                start: { try start($0, $1) })
            let interception = Interception.start(timeout: details.timeout) { try await chain.run(details, requests) }
            if let written = writer.written { interception.addDoneCallback { written.close() } }
            return StreamUnaryCall(interception: interception, writer: writer)
        }
    }

    /// A running streaming-request, unary-response call (`grpc.aio.StreamUnaryCall`).
    public final class StreamUnaryCall<Request, Response>: Call, @unchecked Sendable {
        // @unchecked: ClientCall, the writers and the interception are thread-safe.

        /// Where the requests go and the response comes from.
        private enum Source {
            case rpc(ClientCall, AsyncRequestWriter<Request>, Deserializer<Response>)
            case intercepted(Interception<StreamUnaryCall<Request, Response>>, InterceptedRequestWriter<Request>)
        }

        private let source: Source

        init(call: ClientCall, binding: MethodBinding<Request, Response>, fromSequence: Bool) {
            let writer = AsyncRequestWriter(call: call, serializer: binding.serializer, fromSequence: fromSequence)
            source = .rpc(call, writer, binding.deserializer)
            super.init(backing: .rpc(call))
        }

        init(interception: Interception<StreamUnaryCall<Request, Response>>, writer: InterceptedRequestWriter<Request>)
        {
            source = .intercepted(interception, writer)
            super.init(backing: .intercepted(interception))
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
            }
        }

        /// The response, once the call ends (`await call`).
        ///
        /// - Throws: `RPCError` with the call's status when it does not end OK; `CancellationError`
        ///   when it was cancelled here; what an interceptor threw.
        public var response: Response {
            get async throws {
                switch source {
                case .rpc(let call, _, let deserializer):
                    return try await Call.awaiting(call) { () async throws(RPCError) in
                        try await call.unaryResponseAsync(deserializer)
                    }
                case .intercepted(let interception, _): return try await interception.resolved().response
                }
            }
        }
    }
}
