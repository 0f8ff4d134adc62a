/// The responses of a server-streaming call, and the call itself (grpcio's response iterator,
/// which is also a `grpc.Call`).
///
/// ```swift
/// let features = try stub.listFeatures(rectangle)
/// while let feature = try features.next() { print(feature) }
/// ```
/// `next()` throws ``RPCError`` when the call ends with an error, so no error is swallowed.
public final class ResponseStream<Response>: Call, @unchecked Sendable {  // ClientCall is thread-safe
    let call: ClientCall
    private let deserializer: Deserializer<Response>

    init(call: ClientCall, deserializer: @escaping Deserializer<Response>) {
        self.call = call
        self.deserializer = deserializer
    }

    /// The next response; nil after the last one of a call that ended OK.
    public func next() throws(RPCError) -> Response? { try call.receive(deserializer) }

    public func initialMetadata() -> Metadata { call.initialMetadata() }
    public func trailingMetadata() -> Metadata { call.trailingMetadata() }
    public func code() -> StatusCode { call.code() }
    public func details() -> String { call.details() }
    @discardableResult public func cancel() -> Bool { call.cancel() }
    public func isActive() -> Bool { call.isActive() }
    public func timeRemaining() -> Double? { call.timeRemaining() }
    @discardableResult public func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        call.addCallback(callback)
    }
}
