extension AIO {
    /// The iterator of a call's messages (a client call's responses, a server handler's
    /// requests): each `next()` reads one.
    public struct MessageIterator<Message>: AsyncIteratorProtocol {
        let read: () async throws -> Message?

        /// The next message, nil at the end.
        ///
        /// - Returns: The next message, or nil once the call has ended OK (or the client has
        ///   half-closed).
        /// - Throws: The call's error when it does not end OK.
        public mutating func next() async throws -> Message? { try await read() }
    }
}
