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
    ///
    /// Waits until a request arrives, the client half-closes or the call ends.
    ///
    /// - Returns: The request, or nil once the client has half-closed and every request was read.
    /// - Throws: ``RPCError`` with the call's status when it ended early: cancelled by the client,
    ///   past its deadline, its connection lost, or a request that did not deserialize.
    public func read() throws(RPCError) -> Request? {
        try call.receiveRequest(deserializer)
    }

    /// `IteratorProtocol`: the next request, or nil at the end or when the call ended early.
    ///
    /// - Returns: The request, or nil at the end, also when the call ended early (``read()`` tells
    ///   the two apart).
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

    /// Sends `response` to the client (Python's `yield response`), after the initial metadata
    /// if none has gone out yet.
    ///
    /// - Parameter response: The response message.
    /// - Throws: ``RPCError`` once the call has ended (cancelled, past its deadline, connection
    ///   lost), so the handler can stop; INTERNAL "Failed to serialize response!" when the
    ///   response does not serialize, which also ends the call with that status.
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
