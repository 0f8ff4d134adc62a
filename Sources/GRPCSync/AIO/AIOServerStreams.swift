extension AIO {
    /// The requests of a streaming-request async handler, as they arrive (grpc.aio's
    /// `request_iterator`, and `await context.read()`): `for try await request in requests`.
    /// Iteration ends when the client half-closes, and throws the call's error when it ends early.
    public struct RequestStream<Request>: AsyncSequence, @unchecked Sendable {  // ServerCall is thread-safe
        let call: ServerCall
        let deserializer: Deserializer<Request>

        /// The next request, suspending until it arrives; nil once the client has half-closed
        /// (grpc.aio's `EOF`).
        ///
        /// - Returns: The request, or nil at the end.
        /// - Throws: ``RPCError`` with the call's status when it ended early: cancelled by the client,
        ///   past its deadline, its connection lost, or a request that did not deserialize.
        public func read() async throws -> Request? {
            try await call.receiveRequestAsync(deserializer)
        }

        /// Reads the requests in turn (`async for request in request_iterator`).
        ///
        /// - Returns: An iterator whose `next()` is ``read()``.
        public func makeAsyncIterator() -> MessageIterator<Request> {
            MessageIterator(read: read)
        }
    }

    /// Sends the responses of a streaming-response async handler (where grpc.aio's handler
    /// would `yield`, or `await context.write(response)`): `try await responses.write(feature)`.
    public struct ResponseWriter<Response>: @unchecked Sendable {  // ServerCall is thread-safe
        let call: ServerCall
        let serializer: Serializer<Response>

        /// Sends `response`, after the initial metadata if none has gone out yet; suspends while
        /// the client is slow to read (flow control).
        ///
        /// - Parameter response: The response message.
        /// - Throws: ``RPCError`` once the call has ended (cancelled, past its deadline, connection
        ///   lost), so the handler can stop; INTERNAL "Failed to serialize response!" when the
        ///   response does not serialize, which also ends the call with that status.
        public func write(_ response: Response) async throws {
            let bytes: [UInt8]
            do {
                bytes = try serializer(response)
            } catch {
                call.server.log.responseSerializationFailed(method: call.method)
                call.finish(.responseSerializationFailed)
                throw RPCError(.responseSerializationFailed)
            }
            try await call.sendMessageAsync(bytes)
        }

        /// Sends every response of `responses` in turn (a handler that returns an async sequence,
        /// as a grpc.aio handler may be an async generator).
        ///
        /// - Parameter responses: The responses, read as the client takes them.
        /// - Throws: What ``write(_:)`` throws, and what the sequence throws.
        public func write<Responses: AsyncSequence>(contentsOf responses: Responses) async throws
        where Responses.Element == Response {
            for try await response in responses { try await write(response) }
        }
    }

    /// The call context of an async handler: the blocking handler's ``GRPCSync/ServicerContext``
    /// (its methods do not wait, so they are called as they are from async code:
    /// `try context.abort(.notFound, "…")`, `context.invocationMetadata()`).
    public typealias ServicerContext = GRPCSync.ServicerContext
}
