/// A streaming-request, streaming-response method on a channel (`grpc.StreamStreamMultiCallable`).
/// The requests are any `Sequence`, read lazily on a sender thread while responses arrive.
public struct StreamStreamMultiCallable<Request, Response>: Sendable {
    let channel: Channel
    /// The full method path, `/package.Service/Method`.
    public let method: String
    let serializer: Serializer<Request>
    let deserializer: Deserializer<Response>

    init(
        channel: Channel, method: String, serializer: @escaping Serializer<Request>,
        deserializer: @escaping Deserializer<Response>
    ) {
        self.channel = channel
        self.method = method
        self.serializer = serializer
        self.deserializer = deserializer
    }

    /// Starts the call (`stub.RouteChat(iter(notes))`); read the responses with `next()`.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> ResponseStream<Response> where Requests.Element == Request {
        let call = try ClientCall(
            channel: channel, method: method, timeout: timeout, metadata: metadata, waitForReady: waitForReady,
            compression: compression)
        CallStarter.startStreaming(call, requests, serializer)
        return ResponseStream(call: call, deserializer: deserializer)
    }
}
