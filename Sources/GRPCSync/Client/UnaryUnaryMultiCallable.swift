/// A unary-request, unary-response method on a channel (`grpc.UnaryUnaryMultiCallable`).
/// Every call takes grpcio's keyword arguments: `timeout:` (seconds), `metadata:`, `waitForReady:`,
/// `compression:`, and `credentials:` (``CallCredentials`` sent after the channel's).
public struct UnaryUnaryMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Calls the method and waits for the response (`stub.Method(request, timeout=, metadata=, …)`).
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
    /// - Throws: ``RPCError`` with the call's status when it does not end OK (its ``RPCError/code``,
    ///   ``RPCError/details``); ``UsageError`` when the channel is closed or the metadata cannot be sent
    ///   (an illegal or reserved key, a text value that is not printable ASCII); what a client interceptor
    ///   throws.
    public func callAsFunction(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> Response {
        try withCall(
            request, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
            credentials: credentials
        ).0
    }

    /// Calls the method and returns the response with the call (`stub.Method.with_call`).
    ///
    /// - Parameters:
    ///   - request: The request message.
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
    public func withCall(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> (Response, Call) {
        let details = binding.details(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
            credentials: credentials)
        let interceptors = binding.interceptors((any UnaryUnaryClientInterceptor).self)
        guard !interceptors.isEmpty else {
            let call = try binding.makeCall(details)
            CallStarter.startUnary(call, request, binding.serializer)
            return (try call.unaryResponse(binding.deserializer), call)
        }
        // As in grpcio, the continuation returns the ended call and what an interceptor throws
        // reaches the caller as is.
        let callAndWait = { (details: ClientCallDetails, request: Request) throws -> Future<Response> in
            let call = try binding.makeCall(details)
            CallStarter.startUnary(call, request, binding.serializer)
            _ = call.waitForStatus()
            return Future(call: call, deserializer: binding.deserializer)
        }
        let outcome = try InterceptorChain.run(
            interceptors, details, request, intercept: { try $0.interceptUnaryUnary($1, $2, $3) },
            terminal: callAndWait)
        return (try outcome.result(), outcome)
    }

    /// Starts the call and returns at once (`stub.Method.future`).
    ///
    /// - Parameters:
    ///   - request: The request message.
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
    public func future(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) throws -> Future<Response> {
        let details = binding.details(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
            credentials: credentials)
        let start = { (details: ClientCallDetails, request: Request) throws -> Future<Response> in
            let call = try binding.makeCall(details)
            CallStarter.startUnaryInBackground(call, request, binding.serializer)
            return Future(call: call, deserializer: binding.deserializer)
        }
        let interceptors = binding.interceptors((any UnaryUnaryClientInterceptor).self)
        guard !interceptors.isEmpty else { return try start(details, request) }
        do {
            return try InterceptorChain.run(
                interceptors, details, request, intercept: { try $0.interceptUnaryUnary($1, $2, $3) }, terminal: start)
        } catch {
            return Future(
                call: binding.interceptionFailure(), deserializer: binding.deserializer, interceptorError: error)
        }
    }
}
