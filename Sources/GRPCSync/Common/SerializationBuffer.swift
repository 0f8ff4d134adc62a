import SwiftProtobuf

/// The bytes SwiftProtobuf serializes a message into: a `[UInt8]` that, for a message of
/// ``MessageBufferPool/minimumCapacity`` or more, comes from a ``MessageBufferPool`` (the shared
/// one, unless a test gives its own) so that its pages are already in memory. Filled with the
/// requested byte like any new buffer.
struct SerializationBuffer: SwiftProtobufContiguousBytes {
    var bytes: [UInt8]

    /// `count` bytes of `byte`, in a buffer from ``MessageBufferPool/shared`` when it has one.
    init(repeating byte: UInt8, count: Int) {
        self.init(repeating: byte, count: count, pool: .shared)
    }

    /// `count` bytes of `byte`, in a buffer from `pool` when it has one.
    init(repeating byte: UInt8, count: Int, pool: MessageBufferPool) {
        if var pooled = pool.take(capacity: count) {
            SerializationBuffer.fill(&pooled, with: byte, count: count)
            bytes = pooled
        } else {
            bytes = [UInt8](repeating: byte, count: count)
        }
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        bytes = [UInt8](sequence)
    }

    /// A block of zeros to fill buffers from (`memcpy`, fast in unoptimized builds too).
    private static let zeros = [UInt8](repeating: 0, count: 64 * 1024)

    private static func fill(_ buffer: inout [UInt8], with byte: UInt8, count: Int) {
        guard byte == 0 else {
            buffer.append(contentsOf: repeatElement(byte, count: count))
            return
        }
        var left = count
        while left > 0 {
            let n = min(left, zeros.count)
            buffer.append(contentsOf: zeros[0..<n])
            left -= n
        }
    }

    var count: Int { bytes.count }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeMutableBytes(body)
    }
}
