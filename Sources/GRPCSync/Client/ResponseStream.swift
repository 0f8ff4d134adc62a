/// The responses of a server-streaming call, and the call itself (grpcio's response iterator,
/// which is also a `grpc.Call`).
///
/// ```swift
/// let features = try stub.listFeatures(rectangle)
/// while let feature = try features.next() { print(feature) }
/// ```
/// `next()` throws ``RPCError`` when the call ends with an error, so no error is swallowed (or, on
/// an intercepted channel, what an interceptor threw).
public final class ResponseStream<Response>: CallHandle, @unchecked Sendable {  // ClientCall is thread-safe
    private let deserializer: Deserializer<Response>

    init(call: ClientCall, deserializer: @escaping Deserializer<Response>, interceptorError: (any Error)? = nil) {
        self.deserializer = deserializer
        super.init(call: call, interceptorError: interceptorError)
    }

    /// The next response; nil after the last one of a call that ended OK.
    ///
    /// Waits until a response arrives or the call ends.
    ///
    /// - Returns: The response, or nil once the call has ended OK and every response was read.
    /// - Throws: ``RPCError`` with the call's status when it ends otherwise (INTERNAL "Exception
    ///   deserializing response!" for a response that does not deserialize), or what an
    ///   interceptor threw.
    public func next() throws -> Response? {
        if let interceptorError { throw interceptorError }
        return try call.receive(deserializer)
    }
}
