/// A streaming-request, streaming-response method on a channel (`grpc.StreamStreamMultiCallable`).
/// The requests are any `Sequence`, read lazily on a sender thread while responses arrive: plain
/// requests, or ``OutgoingMessage`` values to choose compression message by message.
/// Every call takes grpcio's keyword arguments: `timeout:` (seconds), `metadata:`, `waitForReady:`,
/// `compression:`, and `credentials:` (``CallCredentials`` sent after the channel's).
public struct StreamStreamMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Starts the call (`stub.RouteChat(iter(notes))`); read the responses with `next()`.
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
    /// - Returns: The stream of responses; its `next()` throws the call's error when it does not end OK.
    /// - Throws: ``UsageError`` when the channel is closed or the metadata cannot be sent (an illegal or
    ///   reserved key, a text value that is not printable ASCII). A failed call or an interceptor's error
    ///   is thrown by the stream's `next()`.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> ResponseStream<Response> where Requests.Element == Request {
        try start(
            RequestMessages(requests),
            binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials))
    }

    /// Starts the call with requests each compressed or not as it says; read the responses with `next()`.
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
    /// - Returns: The stream of responses; its `next()` throws the call's error when it does not end OK.
    /// - Throws: ``UsageError`` when the channel is closed or the metadata cannot be sent (an illegal or
    ///   reserved key, a text value that is not printable ASCII). A failed call or an interceptor's error
    ///   is thrown by the stream's `next()`.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> ResponseStream<Response> where Requests.Element == OutgoingMessage<Request> {
        try start(
            RequestMessages(requests),
            binding.details(
                timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
                credentials: credentials))
    }

    private func start(_ requests: RequestMessages<Request>, _ details: ClientCallDetails) throws
        -> ResponseStream<Response>
    {
        let interceptors = binding.interceptors((any StreamStreamClientInterceptor).self)
        guard !interceptors.isEmpty else { return try call(details, requests) }
        do {
            return try InterceptorChain.run(
                interceptors, details, requests.plain, intercept: { try $0.interceptStreamStream($1, $2, $3) },
                terminal: { details, requests in try call(details, RequestMessages(requests)) })
        } catch {
            return ResponseStream(
                call: binding.interceptionFailure(), deserializer: binding.deserializer, interceptorError: error)
        }
    }

    private func call(_ details: ClientCallDetails, _ requests: RequestMessages<Request>) throws
        -> ResponseStream<Response>
    {
        let call = try binding.makeCall(details)
        CallStarter.startStreaming(call, requests, binding.serializer)
        return ResponseStream(call: call, deserializer: binding.deserializer)
    }
}
