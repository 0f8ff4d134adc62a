/// A unary-request, unary-response method on a channel (`grpc.UnaryUnaryMultiCallable`).
public struct UnaryUnaryMultiCallable<Request, Response>: Sendable {
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

    /// Calls the method and waits for the response (`stub.Method(request, timeout=, metadata=, …)`).
    public func callAsFunction(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Response {
        try withCall(
            request, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression
        ).0
    }

    /// Calls the method and returns the response with the call (`stub.Method.with_call`).
    public func withCall(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> (Response, Call) {
        let call = try ClientCall(
            channel: channel, method: method, timeout: timeout, metadata: metadata, waitForReady: waitForReady,
            compression: compression)
        CallStarter.startUnary(call, request, serializer)
        return (try call.unaryResponse(deserializer), call)
    }

    /// Starts the call and returns at once (`stub.Method.future`).
    public func future(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Future<Response> {
        let call = try ClientCall(
            channel: channel, method: method, timeout: timeout, metadata: metadata, waitForReady: waitForReady,
            compression: compression)
        CallStarter.startUnaryInBackground(call, request, serializer)
        return Future(call: call, deserializer: deserializer)
    }
}
