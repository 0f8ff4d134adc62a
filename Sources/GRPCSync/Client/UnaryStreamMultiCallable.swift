/// A unary-request, streaming-response method on a channel (`grpc.UnaryStreamMultiCallable`).
public struct UnaryStreamMultiCallable<Request, Response>: Sendable {
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

    /// Starts the call; read the responses with `next()` (`for r in stub.ListX(request)`).
    public func callAsFunction(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> ResponseStream<Response> {
        let call = try ClientCall(
            channel: channel, method: method, timeout: timeout, metadata: metadata, waitForReady: waitForReady,
            compression: compression)
        CallStarter.startUnary(call, request, serializer)
        return ResponseStream(call: call, deserializer: deserializer)
    }
}
