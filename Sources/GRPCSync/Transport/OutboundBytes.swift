import DequeModule

/// Bytes a stream has queued for sending, kept in the buffers they were queued in: queuing a buffer
/// does not copy it, and a DATA frame's payload goes to the connection's ``WriteQueue`` from them.
struct OutboundBytes {
    /// The buffers still (partly) queued, oldest first; a buffer leaves once all its bytes are taken.
    private var buffers: Deque<[UInt8]> = []
    /// Bytes of the first buffer already taken.
    private var offset = 0
    /// Bytes queued and not yet taken.
    private(set) var count = 0
    /// Bytes of the messages queued so far, as on the wire (compressed, prefixes excluded).
    private(set) var messageBytes = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        buffers.append(bytes)
        count += bytes.count
    }

    mutating func append(_ message: FramedMessage) {
        messageBytes &+= message.count &- MessageFraming.prefixLength
        append(message.head)
        if let tail = message.tail { append(tail) }
    }

    /// Takes the next `length` bytes (at most ``count``) into `queue`: runs of at least
    /// ``WriteQueue/borrowThreshold`` bytes, and the end of a buffer the pool keeps, stay in their
    /// buffer; other short runs are copied.
    mutating func take(_ length: Int, into queue: inout WriteQueue) {
        var left = min(length, count)
        count -= left
        while left > 0 {
            let buffer = buffers[buffers.startIndex]
            let n = min(left, buffer.count - offset)
            // A large buffer's last bytes are borrowed however few they are, so that the write
            // queue sees the buffer's end and gives it back to the pool.
            let endOfLargeBuffer =
                offset + n == buffer.count && buffer.capacity >= MessageBufferPool.minimumCapacity
            if n >= WriteQueue.borrowThreshold || endOfLargeBuffer {
                queue.append(borrowing: buffer, range: offset..<offset + n)
            } else {
                buffer.withUnsafeBytes { source in
                    queue.append(copying: UnsafeRawBufferPointer(rebasing: source[offset..<offset + n]))
                }
            }
            left -= n
            offset += n
            if offset == buffer.count {
                // Let go at once, so the write queue can give a large buffer back to the pool.
                buffers.removeFirst()
                offset = 0
            }
        }
    }
}
