extension AIO {
    /// The requests of a streaming-request call as its interceptors see them (grpc.aio's
    /// `request_iterator`): the caller's sequence, or the requests the caller writes with
    /// `write(_:)`. Pass them (or `Requests(requests.map { … })`) to the continuation; the call
    /// reads them once, as it sends them.
    public struct Requests<Request>: AsyncSequence, @unchecked Sendable {
        // @unchecked: the requests are read by one task, the one that sends them.
        private let makeNext: () -> () async throws -> Request?

        /// The requests of an async sequence.
        ///
        /// - Parameter requests: The requests; what it throws cancels the call.
        public init<Requests: AsyncSequence>(_ requests: sending Requests) where Requests.Element == Request {
            makeNext = {
                var iterator = requests.makeAsyncIterator()
                return { try await iterator.next() }
            }
        }

        /// The requests of a sequence.
        ///
        /// - Parameter requests: The requests.
        public init<Requests: Sequence>(_ requests: sending Requests) where Requests.Element == Request {
            makeNext = {
                var iterator = requests.makeIterator()
                return { iterator.next() }
            }
        }

        /// The requests the caller writes, until it is done writing or the call ends.
        init(written: WrittenRequests<Request>) {
            makeNext = { { try await written.take() } }
        }

        /// Reads the requests in turn.
        ///
        /// - Returns: An iterator whose `next()` gives the next request, nil after the last.
        public func makeAsyncIterator() -> Iterator { Iterator(next: makeNext()) }

        /// Reads requests in turn.
        public struct Iterator: AsyncIteratorProtocol {
            let nextRequest: () async throws -> Request?

            init(next: @escaping () async throws -> Request?) {
                nextRequest = next
            }

            /// The next request.
            ///
            /// - Returns: The next request, or nil after the last.
            /// - Throws: What the caller's sequence throws; `CancellationError` when the call ended
            ///   while the caller had not written the next.
            public mutating func next() async throws -> Request? { try await nextRequest() }
        }
    }
}

/// The responses an interceptor gave a streaming-response call instead of the call's own, read by
/// whoever reads the call (one task at a time).
final class ReplacedResponses<Response>: @unchecked Sendable {  // read by one task at a time
    private let nextResponse: () async throws -> Response?

    init<Responses: AsyncSequence>(_ responses: sending Responses) where Responses.Element == Response {
        var iterator = responses.makeAsyncIterator()
        nextResponse = { try await iterator.next() }
    }

    /// The next response, nil after the last.
    func next() async throws -> Response? { try await nextResponse() }
}
