/// A unary-request, streaming-response method on a channel (`grpc.UnaryStreamMultiCallable`).
/// Every call takes grpcio's keyword arguments: `timeout:` (seconds), `metadata:`, `waitForReady:`,
/// `compression:`, and `credentials:` (``CallCredentials`` sent after the channel's).
public struct UnaryStreamMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Starts the call; read the responses with `next()` (`for r in stub.ListX(request)`).
    ///
    /// - Parameters:
    ///   - request: The request message.
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
    public func callAsFunction(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> ResponseStream<Response> {
        let details = binding.details(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
            credentials: credentials)
        let start = { (details: ClientCallDetails, request: Request) throws -> ResponseStream<Response> in
            let call = try binding.makeCall(details)
            CallStarter.startUnary(call, request, binding.serializer)
            return ResponseStream(call: call, deserializer: binding.deserializer)
        }
        let interceptors = binding.interceptors((any UnaryStreamClientInterceptor).self)
        guard !interceptors.isEmpty else { return try start(details, request) }
        do {
            return try InterceptorChain.run(
                interceptors, details, request, intercept: { try $0.interceptUnaryStream($1, $2, $3) },
                terminal: start)
        } catch {
            return ResponseStream(
                call: binding.interceptionFailure(), deserializer: binding.deserializer, interceptorError: error)
        }
    }
}
