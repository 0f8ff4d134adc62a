/// The requests of a streaming-request call, as the caller gave them: plain requests or
/// ``OutgoingMessage`` values. Client interceptors see the plain requests; per-message
/// compression choices reach the wire only when no stream interceptor replaces the sequence, and
/// only then can a ``RequestQueue`` be written to directly.
struct RequestMessages<Request> {
    /// The messages with their compression choices, as the sender thread consumes them.
    let outgoing: AnySequence<OutgoingMessage<Request>>
    /// The messages alone, for interceptors.
    let plain: AnySequence<Request>
    /// The queue the requests are, when they are one.
    let queue: RequestQueue<Request>?

    init<Requests: Sequence>(_ requests: Requests) where Requests.Element == Request {
        outgoing = AnySequence(requests.lazy.map { OutgoingMessage($0) })
        plain = AnySequence(requests)
        queue = requests as? RequestQueue<Request>
    }

    init<Requests: Sequence>(_ requests: Requests) where Requests.Element == OutgoingMessage<Request> {
        outgoing = AnySequence(requests)
        plain = AnySequence(requests.lazy.map(\.message))
        queue = nil
    }
}
