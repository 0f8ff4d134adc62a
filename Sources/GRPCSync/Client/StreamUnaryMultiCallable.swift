/// A streaming-request, unary-response method on a channel (`grpc.StreamUnaryMultiCallable`).
/// The requests are any `Sequence`, read lazily on a sender thread: plain requests, or
/// ``OutgoingMessage`` values to choose compression message by message.
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

    /// Sends the requests, each compressed or not as it says, and waits for the response.
    public func callAsFunction<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Response where Requests.Element == OutgoingMessage<Request> {
        try withCall(
            requests, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression
        ).0
    }

    /// Sends the requests and returns the response with the call (`stub.Method.with_call`).
    public func withCall<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> (Response, Call) where Requests.Element == Request {
        try withCall(
            requests.lazy.map { OutgoingMessage($0) }, timeout: timeout, metadata: metadata,
            waitForReady: waitForReady, compression: compression)
    }

    /// Sends the requests, each compressed or not as it says, and returns the response with the call.
    public func withCall<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> (Response, Call) where Requests.Element == OutgoingMessage<Request> {
        let future = try self.future(
            requests, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        return (try future.call.unaryResponse(binding.deserializer), future.call)
    }

    /// Starts the call and returns at once (`stub.Method.future`).
    public func future<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Future<Response> where Requests.Element == Request {
        try future(
            requests.lazy.map { OutgoingMessage($0) }, timeout: timeout, metadata: metadata,
            waitForReady: waitForReady, compression: compression)
    }

    /// Starts the call with requests each compressed or not as it says, and returns at once.
    public func future<Requests: Sequence>(
        _ requests: Requests, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil
    ) throws -> Future<Response> where Requests.Element == OutgoingMessage<Request> {
        let call = try binding.makeCall(
            timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression)
        CallStarter.startStreaming(call, requests, binding.serializer)
        return Future(call: call, deserializer: binding.deserializer)
    }
}
