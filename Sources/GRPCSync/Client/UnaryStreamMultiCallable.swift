/// A unary-request, streaming-response method on a channel (`grpc.UnaryStreamMultiCallable`).
public struct UnaryStreamMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

    /// Starts the call; read the responses with `next()` (`for r in stub.ListX(request)`).
    public func callAsFunction(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> ResponseStream<Response> {
        let call = try binding.makeCall(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        CallStarter.startUnary(call, request, binding.serializer)
        return ResponseStream(call: call, deserializer: binding.deserializer)
    }
}
