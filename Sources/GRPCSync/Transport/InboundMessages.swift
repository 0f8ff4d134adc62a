import DequeModule

/// The messages a stream has received and the application has not yet taken, with the stream's
/// share of inbound flow control: the stream window is returned at once while nothing waits to be
/// taken, and otherwise only as the application takes messages, so a stream buffers at most its
/// window plus one message. It counts the bytes it holds (the incomplete message and the unread
/// ones) for the connection's ``ReceiveBudget``, which returns the connection window.
struct InboundMessages {
    private var deframer: MessageDeframer
    private var queue: Deque<ReceivedMessage> = []
    /// Bytes received and held back from the peer's stream window until messages are taken.
    private var heldBytes = 0
    /// Bytes received and not yet released to the connection's budget: the incomplete message's
    /// and the unread messages' (as they arrived on the wire).
    private(set) var bufferedBytes = 0
    /// Messages taken so far.
    private(set) var takenCount = 0

    init(maxMessageLength: Int) {
        deframer = MessageDeframer(maxMessageLength: maxMessageLength)
    }

    /// Messages received and not yet taken.
    var count: Int { queue.count }

    /// Bytes of the messages received so far, as on the wire (compressed, prefixes excluded).
    var messageBytes: Int { deframer.messageBytes }

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
        bufferedBytes += bytes.count
        let hadQueued = !queue.isEmpty
        try deframer.consume(bytes) { queue.append($0) }
        if hadQueued || !queue.isEmpty {
            heldBytes += bytes.count
            return 0
        }
        return bytes.count
    }

    /// Takes the oldest message; `release` is how many held bytes to give back to the peer's
    /// stream window now, `freed` how many the connection's budget no longer holds (both once the
    /// queue has emptied).
    mutating func take() -> (message: ReceivedMessage, release: Int, freed: Int)? {
        guard let message = queue.popFirst() else { return nil }
        takenCount += 1
        var release = 0
        var freed = 0
        if queue.isEmpty {
            release = heldBytes
            heldBytes = 0
            let partial = deframer.partialLength
            freed = bufferedBytes - partial
            bufferedBytes = partial
        }
        return (message, release, freed)
    }

    /// Drops every message not yet taken and the incomplete one (the call ended on this side);
    /// returns the bytes to give back to the peer's stream window, and those the connection's
    /// budget no longer holds.
    mutating func dropAll() -> (release: Int, freed: Int) {
        queue.removeAll()
        deframer.dropPartialMessage()
        defer {
            heldBytes = 0
            bufferedBytes = 0
        }
        return (heldBytes, bufferedBytes)
    }

    /// Forgets the held bytes and the incomplete message: the stream is closed, so its window no
    /// longer matters and the message can never complete. Returns the bytes the connection's
    /// budget no longer holds. Unread messages stay for the call.
    mutating func streamClosed() -> Int {
        heldBytes = 0
        deframer.dropPartialMessage()
        defer { bufferedBytes = 0 }
        return bufferedBytes
    }
}
