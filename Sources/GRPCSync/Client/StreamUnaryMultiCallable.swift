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
