/// A unary-request, unary-response method on a channel (`grpc.UnaryUnaryMultiCallable`).
public struct UnaryUnaryMultiCallable<Request, Response>: Sendable {
    let binding: MethodBinding<Request, Response>

    /// The full method path, `/package.Service/Method`.
    public var method: String { binding.method }

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
        let call = try binding.makeCall(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        CallStarter.startUnary(call, request, binding.serializer)
        return (try call.unaryResponse(binding.deserializer), call)
    }

    /// Starts the call and returns at once (`stub.Method.future`).
    public func future(
        _ request: Request, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Future<Response> {
        let call = try binding.makeCall(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        CallStarter.startUnaryInBackground(call, request, binding.serializer)
        return Future(call: call, deserializer: binding.deserializer)
    }
}
