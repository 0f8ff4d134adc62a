/// The request messages of a client-streaming call, read as they arrive (grpcio's
/// `request_iterator`): `for request in requests { … }`.
///
/// Iteration ends when the client half-closes. When the call ends early (cancelled, deadline,
/// a request that does not deserialize) iteration ends too; the call's status is already decided.
/// Use ``read()`` to get those cases as errors.
public struct RequestStream<Request>: Sequence, IteratorProtocol, @unchecked Sendable {
    // ServerCall is thread-safe; the stream is meant to be read by the handler's thread.
    let call: ServerCall
    let deserializer: Deserializer<Request>

    /// The next request, nil at the end; throws ``RPCError`` when the call ended early.
    public func read() throws(RPCError) -> Request? {
        try call.receiveRequest(deserializer)
    }

    /// `IteratorProtocol`: the next request, or nil at the end or when the call ended early.
    public mutating func next() -> Request? {
        (try? call.receiveRequest(deserializer)) ?? nil
    }
}

/// Sends the responses of a server-streaming call (where Python's handler would `yield`):
/// `try responses.send(feature)`.
///
/// `send` waits while the client is slow to read (flow control), bounded by the call's deadline,
/// and throws ``RPCError`` once the call has ended, so a handler stops when nobody listens.
public struct ResponseSender<Response>: @unchecked Sendable {
    // ServerCall is thread-safe.
    let call: ServerCall
    let serializer: Serializer<Response>

    public func send(_ response: Response) throws {
        let bytes: [UInt8]
        do {
            bytes = try serializer(response)
        } catch {
            call.server.log.responseSerializationFailed(method: call.method)
            call.finish(.responseSerializationFailed)
            throw RPCError(.responseSerializationFailed)
        }
        try call.sendMessage(bytes)
    }
}
