/// A streaming-request, unary-response method on a channel (`grpc.StreamUnaryMultiCallable`).
/// The requests are any `Sequence`, read lazily on a sender thread: plain requests, or
/// ``OutgoingMessage`` values to choose compression message by message.
/// Every call takes grpcio's keyword arguments: `timeout:` (seconds), `metadata:`, `waitForReady:`,
/// `compression:`, and `credentials:` (``CallCredentials`` sent after the channel's).
public struct StreamUnaryMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Sends the requests and waits for the response (`stub.RecordRoute(iter(points))`).
    ///
    /// - Parameters:
    ///   - requests: The requests, read lazily on a sender thread as flow control allows; the
    ///     call half-closes after the last.
    ///   - timeout: Seconds the call may take (its deadline); nil: none.
    ///   - metadata: Metadata sent with the request headers.
    ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
    ///     once while it cannot; nil or false fails fast, as grpcio does by default.
    ///   - compression: The call's message compression; nil: the channel's.
    ///   - credentials: Call credentials for this call, sent after the channel's.
    /// - Returns: The response message.
    /// - Throws: ``RPCError`` with the call's status when it does not end OK (its ``RPCError/code``,
    ///   ``RPCError/details``); ``UsageError`` when the channel is closed or the metadata cannot be sent
    ///   (an illegal or reserved key, a text value that is not printable ASCII); what a client interceptor
    ///   throws.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> Response where Requests.Element == Request {
        try withCall(
            requests, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
            credentials: credentials
        ).0
    }

    /// Sends the requests, each compressed or not as it says, and waits for the response.
    ///
    /// - Parameters:
    ///   - requests: The requests, each an ``OutgoingMessage`` saying whether it is compressed,
    ///     read lazily on a sender thread; the call half-closes after the last.
    ///   - timeout: Seconds the call may take (its deadline); nil: none.
    ///   - metadata: Metadata sent with the request headers.
    ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
    ///     once while it cannot; nil or false fails fast, as grpcio does by default.
    ///   - compression: The call's message compression; nil: the channel's.
    ///   - credentials: Call credentials for this call, sent after the channel's.
    /// - Returns: The response message.
    /// - Throws: ``RPCError`` with the call's status when it does not end OK (its ``RPCError/code``,
    ///   ``RPCError/details``); ``UsageError`` when the channel is closed or the metadata cannot be sent
    ///   (an illegal or reserved key, a text value that is not printable ASCII); what a client interceptor
    ///   throws.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> Response where Requests.Element == OutgoingMessage<Request> {
        try withCall(
            requests, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
            credentials: credentials
        ).0
    }

    /// Sends the requests and returns the response with the call (`stub.Method.with_call`).
    ///
    /// - Parameters:
    ///   - requests: The requests, read lazily on a sender thread as flow control allows; the
    ///     call half-closes after the last.
    ///   - timeout: Seconds the call may take (its deadline); nil: none.
    ///   - metadata: Metadata sent with the request headers.
    ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
    ///     once while it cannot; nil or false fails fast, as grpcio does by default.
    ///   - compression: The call's message compression; nil: the channel's.
    ///   - credentials: Call credentials for this call, sent after the channel's.
    /// - Returns: The response and the ended call, for its metadata and status.
    /// - Throws: ``RPCError`` with the call's status when it does not end OK (its ``RPCError/code``,
    ///   ``RPCError/details``); ``UsageError`` when the channel is closed or the metadata cannot be sent
    ///   (an illegal or reserved key, a text value that is not printable ASCII); what a client interceptor
    ///   throws.
    public func withCall<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> (Response, Call) where Requests.Element == Request {
        try withCall(
            RequestMessages(requests),
            binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials))
    }

    /// Sends the requests, each compressed or not as it says, and returns the response with the call.
    ///
    /// - Parameters:
    ///   - requests: The requests, each an ``OutgoingMessage`` saying whether it is compressed,
    ///     read lazily on a sender thread; the call half-closes after the last.
    ///   - timeout: Seconds the call may take (its deadline); nil: none.
    ///   - metadata: Metadata sent with the request headers.
    ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
    ///     once while it cannot; nil or false fails fast, as grpcio does by default.
    ///   - compression: The call's message compression; nil: the channel's.
    ///   - credentials: Call credentials for this call, sent after the channel's.
    /// - Returns: The response and the ended call, for its metadata and status.
    /// - Throws: ``RPCError`` with the call's status when it does not end OK (its ``RPCError/code``,
    ///   ``RPCError/details``); ``UsageError`` when the channel is closed or the metadata cannot be sent
    ///   (an illegal or reserved key, a text value that is not printable ASCII); what a client interceptor
    ///   throws.
    public func withCall<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> (Response, Call) where Requests.Element == OutgoingMessage<Request> {
        try withCall(
            RequestMessages(requests),
            binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials))
    }

    /// Starts the call and returns at once (`stub.Method.future`).
    ///
    /// - Parameters:
    ///   - requests: The requests, read lazily on a sender thread as flow control allows; the
    ///     call half-closes after the last.
    ///   - timeout: Seconds the call may take (its deadline); nil: none.
    ///   - metadata: Metadata sent with the request headers.
    ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
    ///     once while it cannot; nil or false fails fast, as grpcio does by default.
    ///   - compression: The call's message compression; nil: the channel's.
    ///   - credentials: Call credentials for this call, sent after the channel's.
    /// - Returns: The future of the response; ``Future/result(timeout:)`` waits for it and throws the
    ///   call's error.
    /// - Throws: ``UsageError`` when the channel is closed or the metadata cannot be sent (an illegal or
    ///   reserved key, a text value that is not printable ASCII). A failed call or an interceptor's error
    ///   is the future's.
    public func future<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> Future<Response> where Requests.Element == Request {
        try future(
            RequestMessages(requests),
            binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials))
    }

    /// Starts the call with requests each compressed or not as it says, and returns at once.
    ///
    /// - Parameters:
    ///   - requests: The requests, each an ``OutgoingMessage`` saying whether it is compressed,
    ///     read lazily on a sender thread; the call half-closes after the last.
    ///   - timeout: Seconds the call may take (its deadline); nil: none.
    ///   - metadata: Metadata sent with the request headers.
    ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
    ///     once while it cannot; nil or false fails fast, as grpcio does by default.
    ///   - compression: The call's message compression; nil: the channel's.
    ///   - credentials: Call credentials for this call, sent after the channel's.
    /// - Returns: The future of the response; ``Future/result(timeout:)`` waits for it and throws the
    ///   call's error.
    /// - Throws: ``UsageError`` when the channel is closed or the metadata cannot be sent (an illegal or
    ///   reserved key, a text value that is not printable ASCII). A failed call or an interceptor's error
    ///   is the future's.
    public func future<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> Future<Response> where Requests.Element == OutgoingMessage<Request> {
        try future(
            RequestMessages(requests),
            binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials))
    }

    private func withCall(_ requests: RequestMessages<Request>, _ details: ClientCallDetails) throws -> (Response, Call)
    {
        let interceptors = binding.interceptors((any StreamUnaryClientInterceptor).self)
        guard !interceptors.isEmpty else {
            let future = try start(details, requests)
            return (try future.call.unaryResponse(binding.deserializer), future.call)
        }
        // As in grpcio, what an interceptor throws from a blocking call reaches the caller as is.
        let callAndWait = { (details: ClientCallDetails, requests: AnySequence<Request>) throws -> Future<Response> in
            let future = try start(details, RequestMessages(requests))
            _ = future.call.waitForStatus()
            return future
        }
        let outcome = try InterceptorChain.run(
            interceptors, details, requests.plain, intercept: { try $0.interceptStreamUnary($1, $2, $3) },
            terminal: callAndWait)
        return (try outcome.result(), outcome)
    }

    private func future(_ requests: RequestMessages<Request>, _ details: ClientCallDetails) throws -> Future<Response> {
        let interceptors = binding.interceptors((any StreamUnaryClientInterceptor).self)
        guard !interceptors.isEmpty else { return try start(details, requests) }
        do {
            return try InterceptorChain.run(
                interceptors, details, requests.plain, intercept: { try $0.interceptStreamUnary($1, $2, $3) },
                terminal: { details, requests in try start(details, RequestMessages(requests)) })
        } catch {
            return Future(
                call: binding.interceptionFailure(), deserializer: binding.deserializer, interceptorError: error)
        }
    }

    private func start(_ details: ClientCallDetails, _ requests: RequestMessages<Request>) throws -> Future<Response> {
        let call = try binding.makeCall(details)
        CallStarter.startStreaming(call, requests, binding.serializer)
        return Future(call: call, deserializer: binding.deserializer)
    }
}
