/// A streaming-request, unary-response method on a channel (`grpc.StreamUnaryMultiCallable`).
/// The requests are any `Sequence`, read lazily on a sender thread.
public struct StreamUnaryMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Sends the requests and waits for the response (`stub.RecordRoute(iter(points))`).
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Response where Requests.Element == Request {
        try withCall(
            requests, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression
        ).0
    }

    /// Sends the requests and returns the response with the call (`stub.Method.with_call`).
    public func withCall<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> (Response, Call) where Requests.Element == Request {
        let details = binding.details(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        let interceptors = binding.interceptors((any StreamUnaryClientInterceptor).self)
        guard !interceptors.isEmpty else {
            let future = try start(details, requests)
            return (try future.call.unaryResponse(binding.deserializer), future.call)
        }
        // As in grpcio, what an interceptor throws from a blocking call reaches the caller as is.
        let callAndWait = { (details: ClientCallDetails, requests: AnySequence<Request>) throws -> Future<Response> in
            let future = try start(details, requests)
            _ = future.call.waitForStatus()
            return future
        }
        let outcome = try InterceptorChain.run(
            interceptors, details, AnySequence(requests), intercept: { try $0.interceptStreamUnary($1, $2, $3) },
            terminal: callAndWait)
        return (try outcome.result(), outcome)
    }

    /// Starts the call and returns at once (`stub.Method.future`).
    public func future<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Future<Response> where Requests.Element == Request {
        let details = binding.details(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        let interceptors = binding.interceptors((any StreamUnaryClientInterceptor).self)
        guard !interceptors.isEmpty else { return try start(details, requests) }
        do {
            return try InterceptorChain.run(
                interceptors, details, AnySequence(requests), intercept: { try $0.interceptStreamUnary($1, $2, $3) },
                terminal: start)
        } catch {
            return Future(
                call: binding.interceptionFailure(), deserializer: binding.deserializer, interceptorError: error)
        }
    }

    private func start<Requests: Sequence>(_ details: ClientCallDetails, _ requests: Requests) throws
        -> Future<Response>
    where Requests.Element == Request {
        let call = try binding.makeCall(details)
        CallStarter.startStreaming(call, requests, binding.serializer)
        return Future(call: call, deserializer: binding.deserializer)
    }
}
