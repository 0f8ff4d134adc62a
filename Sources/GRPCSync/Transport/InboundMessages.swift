import DequeModule

/// The messages a stream has received and the application has not yet taken, with the stream's
/// share of inbound flow control: the stream window is returned at once while nothing waits to be
/// taken, and otherwise only as the application takes messages, so a stream buffers at most its
/// window plus one message. (The connection window is returned by the connection as bytes arrive.)
struct InboundMessages {
    private var deframer: MessageDeframer
    private var queue: Deque<ReceivedMessage> = []
    /// Bytes received and held back from the peer's stream window until messages are taken.
    private var heldBytes = 0
    /// Messages taken so far.
    private(set) var takenCount = 0

    init(maxMessageLength: Int) {
        deframer = MessageDeframer(maxMessageLength: maxMessageLength)
    }

    /// Messages received and not yet taken.
    var count: Int { queue.count }

    /// Bytes of a message that has not completely arrived have been received.
    var hasPartialMessage: Bool { deframer.hasPartialMessage }

    /// The algorithm of the peer's compressed messages (its `grpc-encoding`), known from its headers.
    mutating func setEncoding(_ encoding: Compression) {
        deframer.encoding = encoding
    }

    /// Deframes the bytes of a DATA frame. Returns how many bytes to give back to the peer's
    /// stream window now (the rest is held until messages are taken). On an error, nothing more is
    /// deframed, and the bytes are to be given back at once.
    mutating func receive(_ bytes: UnsafeRawBufferPointer) throws(DeframingError) -> Int {
        let hadQueued = !queue.isEmpty
        try deframer.consume(bytes) { queue.append($0) }
        if hadQueued || !queue.isEmpty {
            heldBytes += bytes.count
            return 0
        }
        return bytes.count
    }

    /// Takes the oldest message; `release` is how many held bytes to give back to the peer's
    /// stream window now (the queue emptied).
    mutating func take() -> (message: ReceivedMessage, release: Int)? {
        guard let message = queue.popFirst() else { return nil }
        takenCount += 1
        var release = 0
        if queue.isEmpty {
            release = heldBytes
            heldBytes = 0
        }
        return (message, release)
    }

    /// Drops every message not yet taken (the call ended on this side); returns the bytes to give
    /// back to the peer's stream window.
    mutating func dropAll() -> Int {
        queue.removeAll()
        defer { heldBytes = 0 }
        return heldBytes
    }

    /// Forgets the held bytes: the stream is closed, so its window no longer matters.
    mutating func streamClosed() {
        heldBytes = 0
    }
}
