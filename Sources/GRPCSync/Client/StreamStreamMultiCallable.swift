/// A streaming-request, streaming-response method on a channel (`grpc.StreamStreamMultiCallable`).
/// The requests are any `Sequence`, read lazily on a sender thread while responses arrive: plain
/// requests, or ``OutgoingMessage`` values to choose compression message by message.
public struct StreamStreamMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Starts the call (`stub.RouteChat(iter(notes))`); read the responses with `next()`.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> ResponseStream<Response> where Requests.Element == Request {
        try callAsFunction(
            requests.lazy.map { OutgoingMessage($0) }, timeout: timeout, metadata: metadata,
            waitForReady: waitForReady, compression: compression)
    }

    /// Starts the call with requests each compressed or not as it says; read the responses with `next()`.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> ResponseStream<Response> where Requests.Element == OutgoingMessage<Request> {
        let call = try binding.makeCall(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        CallStarter.startStreaming(call, requests, binding.serializer)
        return ResponseStream(call: call, deserializer: binding.deserializer)
    }
}
