/// Bytes a stream has queued for sending, kept in the buffers they were queued in: queuing a buffer
/// does not copy it, and a DATA frame's payload goes to the connection's ``WriteQueue`` from them.
struct OutboundBytes {
    private var buffers: [[UInt8]] = []
    /// The first buffer still (partly) queued.
    private var first = 0
    /// Bytes of `buffers[first]` already taken.
    private var offset = 0
    /// Bytes queued and not yet taken.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        buffers.append(bytes)
        count += bytes.count
    }

    mutating func append(_ message: FramedMessage) {
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
            let n = min(left, buffers[first].count - offset)
            // A large buffer's last bytes are borrowed however few they are, so that the write
            // queue sees the buffer's end and gives it back to the pool.
            let endOfLargeBuffer =
                offset + n == buffers[first].count && buffers[first].capacity >= MessageBufferPool.minimumCapacity
            if n >= WriteQueue.borrowThreshold || endOfLargeBuffer {
                queue.append(borrowing: buffers[first], range: offset..<offset + n)
            } else {
                buffers[first].withUnsafeBytes { source in
                    queue.append(copying: UnsafeRawBufferPointer(rebasing: source[offset..<offset + n]))
                }
            }
            left -= n
            offset += n
            if offset == buffers[first].count {
                // Let go at once, so the write queue can give a large buffer back to the pool.
                buffers[first] = []
                first += 1
                offset = 0
            }
        }
        if count == 0 {
            buffers.removeAll(keepingCapacity: true)
            first = 0
        } else if first >= 32 && first * 2 >= buffers.count {
            buffers.removeFirst(first)
            first = 0
        }
    }
}
