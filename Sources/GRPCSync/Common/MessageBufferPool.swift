/// Large message buffers kept for reuse, process-wide.
///
/// A message of 64 KiB or more needs a buffer of its size to be serialized into, and another to
/// be received into. Left to `malloc`, such buffers are often handed back to the kernel when freed
/// (glibc trims its arenas and unmaps large blocks), and the next message of that size then
/// faults every page of its new buffer in again: at 16 MiB, thousands of page faults per message
/// (see docs/performance.md). The runtime gives such buffers back here once it is done with them
/// (sent, or deserialized) and takes them again for the next large message.
///
/// Bounded: at most ``maxBuffers`` buffers and ``maxBytes`` of capacity in all; when a new buffer
/// does not fit, the oldest ones are let go. A buffer given back while something else still
/// holds the same array (the caller's own array, sent through a raw-bytes serializer) is safe to
/// keep: the next taker empties it, and an array shared with someone else is then copied on
/// write, never changed.
final class MessageBufferPool: @unchecked Sendable {  // `buffers` protected by `lock`
    static let shared = MessageBufferPool(maxBuffers: 8, maxBytes: 64 * 1024 * 1024)

    /// Buffers smaller than this are left to `malloc`.
    static let minimumCapacity = 64 * 1024

    let maxBuffers: Int
    let maxBytes: Int
    private let lock = Lock()
    /// Oldest first.
    private var buffers: [[UInt8]] = []

    init(maxBuffers: Int, maxBytes: Int) {
        self.maxBuffers = maxBuffers
        self.maxBytes = maxBytes
    }

    /// The number of buffers kept (for tests).
    var count: Int { lock.withLock { buffers.count } }

    /// An empty array with room for at least `capacity` bytes: the smallest kept buffer that is
    /// large enough and at most twice as large (a small message that somebody keeps does not pin a
    /// huge buffer), or nil when none is (or `capacity` is below ``minimumCapacity``).
    func take(capacity: Int) -> [UInt8]? {
        guard capacity >= MessageBufferPool.minimumCapacity else { return nil }
        var buffer: [UInt8]? = lock.withLock {
            var best: Int?
            for index in buffers.indices
            where buffers[index].capacity >= capacity && buffers[index].capacity / 2 <= capacity {
                if let current = best, buffers[current].capacity <= buffers[index].capacity { continue }
                best = index
            }
            guard let best else { return nil }
            return buffers.remove(at: best)
        }
        buffer?.removeAll(keepingCapacity: true)
        return buffer
    }

    /// Keeps `buffer` for a later ``take(capacity:)`` when it is large enough and fits, and is not
    /// kept already (the same array given back twice).
    func recycle(_ buffer: [UInt8]) {
        let capacity = buffer.capacity
        guard capacity >= MessageBufferPool.minimumCapacity, capacity <= maxBytes else { return }
        let storage = buffer.withUnsafeBytes { $0.baseAddress }
        lock.withLock {
            if buffers.contains(where: { kept in kept.withUnsafeBytes { $0.baseAddress } == storage }) { return }
            buffers.append(buffer)
            while buffers.count > maxBuffers || buffers.reduce(0, { $0 + $1.capacity }) > maxBytes {
                buffers.removeFirst()
            }
        }
    }
}
