/// A `Sequence` of requests given to an async call, read as an `AsyncSequence` (grpc.aio takes
/// both iterators and async iterators of requests).
struct AsyncRequests<Requests: Sequence>: AsyncSequence {
    typealias Element = Requests.Element
    let requests: Requests

    struct AsyncIterator: AsyncIteratorProtocol {
        var iterator: Requests.Iterator
        mutating func next() async -> Element? { iterator.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(iterator: requests.makeIterator()) }
}
