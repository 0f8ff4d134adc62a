/// A streaming-request, streaming-response method on a channel (`grpc.StreamStreamMultiCallable`).
/// The requests are any `Sequence`, read lazily on a sender thread while responses arrive.
public struct StreamStreamMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Starts the call (`stub.RouteChat(iter(notes))`); read the responses with `next()`.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> ResponseStream<Response> where Requests.Element == Request {
        let details = binding.details(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        let interceptors = binding.interceptors((any StreamStreamClientInterceptor).self)
        guard !interceptors.isEmpty else { return try start(details, requests) }
        do {
            return try InterceptorChain.run(
                interceptors, details, AnySequence(requests), intercept: { try $0.interceptStreamStream($1, $2, $3) },
                terminal: start)
        } catch {
            return ResponseStream(
                call: binding.interceptionFailure(), deserializer: binding.deserializer, interceptorError: error)
        }
    }

    private func start<Requests: Sequence>(_ details: ClientCallDetails, _ requests: Requests) throws
        -> ResponseStream<Response>
    where Requests.Element == Request {
        let call = try binding.makeCall(details)
        CallStarter.startStreaming(call, requests, binding.serializer)
        return ResponseStream(call: call, deserializer: binding.deserializer)
    }
}
